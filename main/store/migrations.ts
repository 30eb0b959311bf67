// Numbered migrations tracked with PRAGMA user_version. SQL files are applied in order inside one
// transaction; a migration that must convert data in code (008) does its long work one transaction
// at a time, with progress, and its last step commits with the version. A database written by a
// newer app version is refused, not guessed at.
import type Database from 'better-sqlite3';
import { DomainError } from '../../shared/errors.js';
import m001 from './migrations/001_initial.sql';
import m002 from './migrations/002_prediction_matrices.sql';
import m003 from './migrations/003_curated_set_member_index.sql';
import m004 from './migrations/004_example_mechanisms.sql';
import m005 from './migrations/005_matrix_chunks.sql';
import m006 from './migrations/006_top_k_matrices.sql';
import m007 from './migrations/007_experiment_seeds.sql';
import m009 from './migrations/009_image_sources.sql';
import m010 from './migrations/010_shared_epochs.sql';
import { oneCopyOfEachProbability } from './migrations/008_one_copy.js';

/** What a code migration is given: where to report progress, and how to take one step. */
export interface MigrationContext {
  file: string;
  onProgress: (message: string) => void;
  /**
   * Runs `step` in one IMMEDIATE transaction, after reading the version again under the write
   * lock; false (and nothing run) when another process has meanwhile migrated past this one.
   */
  step(step: () => void): boolean;
}

/**
 * A migration written in code. `check` reads only and runs before anything is written: it throws
 * what the migration could not convert. `convert` does the long work in `ctx.step`s, each leaving
 * a file the previous version still reads and safe to repeat after a crash. `finish` runs in the
 * transaction that sets user_version.
 */
export interface CodeMigration {
  name: string;
  check(db: Database.Database, ctx: MigrationContext): void;
  convert(db: Database.Database, ctx: MigrationContext): void;
  finish(db: Database.Database, ctx: MigrationContext): void;
}

/** A numbered migration: an SQL file's text, or code. */
export type Migration = string | CodeMigration;

export const migrations: readonly Migration[] = [m001, m002, m003, m004, m005, m006, m007, oneCopyOfEachProbability, m009, m010];
export const SCHEMA_VERSION = migrations.length;

export class SchemaVersionError extends DomainError {
  constructor(file: string, found: number) {
    super(
      'SCHEMA_ERROR',
      `${file} was written by a newer version of Disobey (schema ${found}; this version knows up to ${SCHEMA_VERSION}). ` +
        'Update Disobey to open it.',
      { file },
    );
  }
}

/** The file's schema version; a newer one than `known` is refused before anything is written. */
export function checkSchemaVersion(db: Database.Database, file: string, known = SCHEMA_VERSION): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > known) throw new SchemaVersionError(file, current);
  return current;
}

export function migrate(db: Database.Database, file: string, list: readonly Migration[] = migrations, onProgress: (message: string) => void = () => {}): number {
  const start = checkSchemaVersion(db, file, list.length);
  if (start === list.length) return list.length;
  const contextAt = (version: number): MigrationContext => ({
    file,
    onProgress,
    step: (step) =>
      db
        .transaction(() => {
          if (checkSchemaVersion(db, file, list.length) !== version) return false;
          step();
          return true;
        })
        .immediate(),
  });
  // Every code migration still to come checks first, so a refusal leaves the file as it was.
  list.forEach((m, v) => {
    if (v >= start && typeof m !== 'string') m.check(db, contextAt(v));
  });
  let converted = -1;
  for (;;) {
    let pending: { migration: CodeMigration; version: number } | null = null;
    // IMMEDIATE, and the version read again under the write lock: two processes opening one new
    // file at once would otherwise both apply migration 1 ("table datasets already exists").
    db.transaction(() => {
      let v = checkSchemaVersion(db, file, list.length);
      for (; v < list.length; v++) {
        const m = list[v]!;
        if (typeof m === 'string') db.exec(m);
        else if (converted === v) m.finish(db, contextAt(v));
        else {
          pending = { migration: m, version: v };
          break;
        }
      }
      db.pragma(`user_version = ${v}`);
    }).immediate();
    if (pending === null) return list.length;
    const { migration, version } = pending as { migration: CodeMigration; version: number };
    migration.convert(db, contextAt(version));
    converted = version;
  }
}
