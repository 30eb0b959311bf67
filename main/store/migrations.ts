// Numbered migrations, applied in order inside one transaction and tracked with
// PRAGMA user_version. A database written by a newer app version is refused, not guessed at.
import type Database from 'better-sqlite3';
import { DomainError } from '../../shared/errors.js';
import m001 from './migrations/001_initial.sql';
import m002 from './migrations/002_prediction_matrices.sql';
import m003 from './migrations/003_curated_set_member_index.sql';
import m004 from './migrations/004_example_mechanisms.sql';
import m005 from './migrations/005_matrix_chunks.sql';
import m006 from './migrations/006_top_k_matrices.sql';
import m007 from './migrations/007_experiment_seeds.sql';
import m008 from './migrations/008_placeholder.sql';
import m009 from './migrations/009_image_sources.sql';

export const migrations: readonly string[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009];
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

export function migrate(db: Database.Database, file: string, list: readonly string[] = migrations): number {
  if (checkSchemaVersion(db, file, list.length) === list.length) return list.length;
  // IMMEDIATE, and the version read again under the write lock: two processes opening one new
  // file at once would otherwise both apply migration 1 ("table datasets already exists").
  db.transaction(() => {
    const current = checkSchemaVersion(db, file, list.length);
    for (let v = current; v < list.length; v++) db.exec(list[v]!);
    db.pragma(`user_version = ${list.length}`);
  }).immediate();
  return list.length;
}
