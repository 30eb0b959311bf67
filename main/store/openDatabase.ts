// Opens (or creates) a Disobey database: WAL for concurrent readers while training writes,
// foreign keys on, migrations applied. The one place that sets pragmas. Nothing is written
// before the file is known to be ours and writable: a newer schema or a read-only file is
// refused with the file untouched.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '../../shared/errors.js';
import { databaseError } from './databaseErrors.js';
import { checkSchemaVersion, migrate, SCHEMA_VERSION } from './migrations.js';

export interface OpenOptions {
  readonly?: boolean;
  /**
   * How long a statement waits for another connection's write lock (ms, default 5000). The
   * training workers wait far longer: they run below normal priority, so on a busy machine a
   * sibling worker may hold the lock for seconds, and an epoch that waits is better than a run
   * that fails.
   */
  busyTimeoutMs?: number;
  /**
   * Create the file's folder when it is missing: only for the per-user default database. A path
   * the user named in a folder that does not exist is a typo more often than a wish, so it is refused.
   */
  createFolder?: boolean;
  /** Told what a long migration is doing (e.g. "converting run 3 of 7…"); the CLI prints it. */
  onMigrationProgress?: (message: string) => void;
}

/**
 * How long a one-shot writer (the CLI, the import worker) waits for another process's write lock:
 * an import of 70,000 images or a training epoch holds it for seconds, and waiting beats failing.
 */
export const WRITER_BUSY_TIMEOUT_MS = 60_000;

export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  const readonly = options.readonly ?? false;
  if (file !== ':memory:') {
    requireFolder(file, options.createFolder ?? false);
    if (!readonly) requireWritable(file);
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw openError(err, file);
  }
  try {
    return prepareConnection(db, file, options);
  } catch (err) {
    db.close();
    if (readonly && isUnreadableWal(err, file)) return openSnapshot(file, options);
    throw openError(err, file);
  }
}

/** An open database and whether it could only be opened for reading. */
export interface OpenedForReading {
  db: Database.Database;
  /** the file or its folder is not writable: every write fails with READ_ONLY */
  readOnly: boolean;
}

/**
 * For commands that only read (listing, reports, browsing): the database opened normally when it
 * can be written (so migrations still apply), read-only when the file or its folder cannot be.
 */
export function openDatabaseForReading(file: string, options: Omit<OpenOptions, 'readonly'> = {}): OpenedForReading {
  const readOnly = file !== ':memory:' && fs.existsSync(file) && !databaseWritable(file);
  return { db: openDatabase(file, { ...options, readonly: readOnly }), readOnly };
}

/**
 * Whether `file` (and its folder, where WAL keeps its -wal and -shm files) can be written. Root
 * passes this check on any local file; a read-only mount or an immutable file fails it for anyone.
 */
export function databaseWritable(file: string): boolean {
  const dir = path.dirname(path.resolve(file));
  return canWrite(dir) && (!fs.existsSync(file) || canWrite(file));
}

function canWrite(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function requireFolder(file: string, create: boolean): void {
  const dir = path.dirname(path.resolve(file));
  if (fs.existsSync(dir)) return;
  if (!create) {
    throw new DomainError('NOT_FOUND', `cannot create the database ${file}: the folder ${dir} does not exist (create it first, or check the path)`, { file });
  }
  fs.mkdirSync(dir, { recursive: true });
}

function requireWritable(file: string): void {
  if (databaseWritable(file)) return;
  const what = fs.existsSync(file) ? `${file} is read-only (the file or its folder cannot be written)` : `cannot create ${file}: its folder cannot be written`;
  throw new DomainError('READ_ONLY', `${what}; it can be read (datasets, runs, report, sets, export, serve) but not written`, { file });
}

/** Pragmas, the schema check and migrations; the version is read before any pragma that writes. */
function prepareConnection(db: Database.Database, file: string, options: OpenOptions): Database.Database {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  // The first read: a file that is not SQLite fails here, and a newer schema is refused while the
  // file is still byte for byte what it was (journal_mode = WAL rewrites its header).
  const version = checkSchemaVersion(db, file);
  db.pragma('foreign_keys = ON');
  if (options.readonly) {
    if (version !== SCHEMA_VERSION) {
      throw new DomainError('READ_ONLY', `${file} has schema ${version} and needs upgrading to ${SCHEMA_VERSION}, which cannot be done while it is read-only`, { file });
    }
    return db;
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db, file, undefined, options.onMigrationProgress);
  return db;
}

function openError(err: unknown, file: string): DomainError {
  const translated = databaseError(err, file);
  if (translated instanceof DomainError) return translated;
  return new DomainError('SCHEMA_ERROR', `cannot open database ${file}: ${(err as Error).message}`, { file }, { cause: err });
}

/**
 * A WAL database (all of ours) in a folder that cannot be written: SQLite must create its -shm
 * file beside it even to read, and better-sqlite3 is built without URI filenames, so
 * `immutable=1` is not available either (tested: both fail with SQLITE_CANTOPEN).
 */
function isUnreadableWal(err: unknown, file: string): boolean {
  if (!(err instanceof Database.SqliteError) || !err.code.startsWith('SQLITE_CANTOPEN')) return false;
  if (canWrite(path.dirname(path.resolve(file)))) return false;
  try {
    const header = Buffer.alloc(20);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, header, 0, 20, 0);
    } finally {
      fs.closeSync(fd);
    }
    return header[18] === 2; // the file format's "WAL" read version
  } catch {
    return false;
  }
}

/**
 * Reads a copy: the file (and a -wal left by a writer that crashed) copied to a temporary folder,
 * opened read-only there and removed when the connection closes (or the process exits).
 */
function openSnapshot(file: string, options: OpenOptions): Database.Database {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-readonly-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const copy = path.join(dir, path.basename(file));
  let db: Database.Database | undefined;
  try {
    fs.copyFileSync(file, copy);
    if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${copy}-wal`);
    db = new Database(copy, { readonly: true, fileMustExist: true });
    prepareConnection(db, file, options);
  } catch (err) {
    db?.close();
    remove();
    throw openError(err, file);
  }
  const close = db.close.bind(db);
  process.once('exit', remove);
  db.close = () => {
    close();
    process.off('exit', remove);
    remove();
    return db;
  };
  return db;
}
