// File › Open Recent: the databases last opened in the desktop app, newest first, at most
// MAX_RECENT, kept in <userData>/recent-databases.json. A corrupt file reads as an empty list.
import path from 'node:path';
import { z } from 'zod';
import { readUserDataFile, writeUserDataFile } from './userDataFile.js';

export const MAX_RECENT = 10;
export const RECENT_FILE_NAME = 'recent-databases.json';

const RecentFile = z.object({
  version: z.literal(1),
  databases: z.array(z.unknown()).max(1000),
});

/** Absolute paths only, each once (by normalised path), newest first, at most MAX_RECENT. */
function tidy(paths: readonly unknown[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of paths) {
    if (typeof p !== 'string' || p.length === 0 || p.length > 4096 || !path.isAbsolute(p)) continue;
    const normal = path.normalize(p);
    if (seen.has(normal)) continue;
    seen.add(normal);
    out.push(normal);
    if (out.length === MAX_RECENT) break;
  }
  return out;
}

export interface RecentDatabases {
  list(): string[];
  /** puts `file` first; answers the new list */
  add(file: string): string[];
  remove(file: string): string[];
  clear(): string[];
}

/** The list in `folder` (Electron's userData). A write that fails is reported, not thrown: the app goes on. */
export function createRecentDatabases(folder: string, warn: (message: string) => void = console.warn): RecentDatabases {
  const file = path.join(folder, RECENT_FILE_NAME);
  const list = () => tidy(readUserDataFile(file, RecentFile)?.databases ?? []);
  const save = (databases: string[]) => {
    try {
      writeUserDataFile(file, { version: 1, databases });
    } catch (err) {
      warn(`disobey: cannot save the recent databases to ${file}: ${(err as Error).message}`);
    }
    return databases;
  };
  return {
    list,
    add: (db) => save(tidy([path.resolve(db), ...list()])),
    remove: (db) => save(list().filter((p) => p !== path.resolve(db))),
    clear: () => save([]),
  };
}
