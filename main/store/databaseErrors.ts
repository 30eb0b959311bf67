// SQLite's own failures (locked, read-only, disk full, I/O, cannot open, not a database) as
// DomainErrors that name the database file: better-sqlite3's messages ("database is locked")
// say neither which file nor what to do. The one translator every boundary calls.
import Database from 'better-sqlite3';
import { DomainError } from '../../shared/errors.js';

type SqliteError = InstanceType<typeof Database.SqliteError>;

/** better-sqlite3's error class: `code` is SQLite's extended result code name, e.g. SQLITE_BUSY_SNAPSHOT. */
export function isSqliteError(err: unknown): err is SqliteError {
  return err instanceof Database.SqliteError;
}

/**
 * `err` as a DomainError naming `file` when it is one of SQLite's environment failures; any other
 * error (a DomainError, a bug) comes back unchanged, so callers can `throw databaseError(err, file)`.
 */
export function databaseError(err: unknown, file: string): unknown {
  if (!isSqliteError(err)) return err;
  const code = err.code;
  const place = { file };
  const why = `(${code}: ${err.message})`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DomainError('BUSY', `${file} is busy: another process (an import or a training run) held its write lock too long ${why}; try again when it finishes`, place, { cause: err });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
    return new DomainError('READ_ONLY', `${file} is read-only: it cannot be written here (file, folder or disk not writable) ${why}`, place, { cause: err });
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC' || code === 'SQLITE_IOERR_TRUNCATE') {
    return new DomainError('READ_ONLY', `cannot write ${file}: the disk is full or failing ${why}; free space, then retry (nothing half-written was kept)`, place, { cause: err });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new DomainError('INTERNAL', `input/output error on ${file} ${why}`, place, { cause: err });
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new DomainError('READ_ONLY', `cannot open ${file}: the file or its folder is missing or not accessible ${why}`, place, { cause: err });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new DomainError('SCHEMA_ERROR', `cannot open database ${file}: it is not a Disobey database, or it is damaged ${why}`, place, { cause: err });
  }
  return err;
}
