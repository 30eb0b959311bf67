// What the desktop shell checks about a database file before it opens one the user picked, and
// how it names it in the window title. Opening runs Disobey's migrations, which would add our
// tables to another program's SQLite file: such a file is recognised from its header (SQLite
// file format, §1.3: the magic string, the page size at offset 16, user_version at offset 60;
// Disobey's migrations always leave user_version ≥ 1) and refused before anything writes to it.
import fs from 'node:fs';
import path from 'node:path';

export type DatabaseFileKind =
  /** no file: opening creates a new database */
  | 'missing'
  /** an empty file: SQLite treats it as a new database */
  | 'empty'
  /** SQLite with a user_version: Disobey's (migrations check the version) */
  | 'versioned'
  /** SQLite with tables but no user_version: another program's database */
  | 'foreign'
  /** not SQLite at all */
  | 'not-sqlite'
  /** a -wal file sits beside it: the header may be stale, so opening decides */
  | 'unsettled';

const MAGIC = 'SQLite format 3\0';

export function inspectDatabaseFile(file: string): DatabaseFileKind {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return 'missing';
  }
  if (!stat.isFile()) return 'not-sqlite';
  if (stat.size === 0) return 'empty';
  if (fs.existsSync(`${file}-wal`)) return 'unsettled';
  const header = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, header, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read < 100 || header.toString('latin1', 0, 16) !== MAGIC) return 'not-sqlite';
  if (header.readUInt32BE(60) > 0) return 'versioned';
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  // page 1 holds the schema; any table or index has a root page of its own
  return pageSize > 0 && stat.size > pageSize ? 'foreign' : 'empty';
}

/**
 * How the file was chosen: 'existing' (Open Database…, Open Recent) must be a database that
 * exists; 'new' (New Database…) must not have content yet; 'named' (a launch's --db or DISOBEY_DB)
 * may be either.
 */
export type SwitchMode = 'existing' | 'new' | 'named';

/** Why `file` cannot be opened as chosen, or null when it can be tried. */
export function refusalToOpen(file: string, mode: SwitchMode): string | null {
  const kind = inspectDatabaseFile(file);
  if (mode === 'new') {
    return kind === 'missing' || kind === 'empty' ? null : `${file} already exists. Open it with File › Open Database…, or choose a new name.`;
  }
  switch (kind) {
    case 'missing':
      return mode === 'named' ? null : `${file} does not exist (it may have been moved or deleted).`;
    case 'not-sqlite':
      return `${file} is not a SQLite database.`;
    case 'foreign':
      return `${file} is a SQLite database of another program (it has tables but none of Disobey's); opening it would add Disobey's tables to it, so it was left untouched.`;
    default:
      return null;
  }
}

/** File › New Database: a name typed without an extension gets ".db". */
export function withDatabaseExtension(chosen: string): string {
  return path.extname(chosen) === '' ? `${chosen}.db` : chosen;
}

export function windowTitle(databasePath: string): string {
  return `Disobey — ${path.basename(databasePath)}`;
}
