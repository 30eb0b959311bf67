// Opens (or creates) a Disobey database: WAL for concurrent readers while training writes,
// foreign keys on, migrations applied. The one place that sets pragmas.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../shared/errors.js';
import { migrate } from './migrations.js';

export interface OpenOptions {
  readonly?: boolean;
  /**
   * How long a statement waits for another connection's write lock (ms, default 5000). The
   * training workers wait far longer: they run below normal priority, so on a busy machine a
   * sibling worker may hold the lock for seconds, and an epoch that waits is better than a run
   * that fails.
   */
  busyTimeoutMs?: number;
}

export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new DomainError('SCHEMA_ERROR', `cannot open database ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    // A file that is not SQLite only fails on first read; say which file.
    db.pragma('user_version', { simple: true });
    if (!options.readonly) migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof DomainError) throw err;
    throw new DomainError('SCHEMA_ERROR', `cannot open database ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
}
