// Rows of example_mechanisms: what each mechanism of a mechanism dataset's example shows.
// Written inside the builder's transaction, right after the examples they describe.
import type Database from 'better-sqlite3';

export interface NewExampleMechanism {
  exampleId: number;
  mechanism: string;
  /** null where removed */
  class: number | null;
  sourceExampleId: number | null;
}

export function createMechanismQueries(db: Database.Database) {
  const insert = db.prepare('INSERT INTO example_mechanisms (example_id, mechanism, class, source_example_id) VALUES (?, ?, ?, ?)');
  const exampleIds = db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck();
  return {
    /** The dataset's example ids in insertion order (ids only grow: AUTOINCREMENT). */
    exampleIdsOf(datasetId: number): number[] {
      return exampleIds.all(datasetId) as number[];
    },
    /** Call inside a transaction (the builder's): one row per example and mechanism. */
    insertMany(rows: Iterable<NewExampleMechanism>): void {
      for (const r of rows) insert.run(r.exampleId, r.mechanism, r.class, r.sourceExampleId);
    },
  };
}
