// App bookkeeping in the meta table (for example: was the embedded sample loaded once).
import type Database from 'better-sqlite3';

export function createMetaQueries(db: Database.Database) {
  const get = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const set = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  return {
    get: (key: string): string | undefined => get.get(key) as string | undefined,
    set: (key: string, value: string): void => void set.run(key, value),
  };
}
