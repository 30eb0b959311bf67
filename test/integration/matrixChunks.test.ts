// Schema 5: a run-epoch's matrix in chunks of consecutive example ids. Written and read back
// whole and row by row; a schema-4 file's single-BLOB matrices survive the migration readable.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMatrixStore, rowsPerChunk } from '../../main/store/matrixChunks.js';
import { migrate, migrations } from '../../main/store/migrations.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { makeTempDir } from '../helpers/tempDir.js';

const temp = makeTempDir();
afterAll(() => temp.dispose());

/** A dataset, an experiment and one run, straight into the tables; returns the run id. */
function seedRun(db: Database.Database, examples: number): { runId: number; ids: number[] } {
  const datasetId = Number(db.prepare(`INSERT INTO datasets (name, kind, format, source, class_names, class_groups, options) VALUES ('d', 'text', 'jsonl', 's', '["a","b","c"]', '[]', '{}')`).run().lastInsertRowid);
  const insert = db.prepare("INSERT INTO examples (dataset_id, split, idx, label, source_ref, text) VALUES (?, 'train', ?, 0, ?, 't')");
  const ids = Array.from({ length: examples }, (_, i) => Number(insert.run(datasetId, i, `r${i}`).lastInsertRowid));
  const experimentId = Number(db.prepare("INSERT INTO experiments (dataset_id, name, spec) VALUES (?, 'e', '{}')").run(datasetId).lastInsertRowid);
  const runId = Number(db.prepare("INSERT INTO runs (experiment_id, role, name, spec) VALUES (?, 'teacher', 't', '{\"epochs\":1}')").run(experimentId).lastInsertRowid);
  return { runId, ids };
}

const C = 3;
const probsOf = (n: number, seed: number) => Float32Array.from({ length: n * C }, (_, i) => ((i * 7919 + seed) % 1000) / 1000);

describe('prediction matrix chunks', () => {
  it('splits a matrix into chunks of consecutive ids and reads it back whole and row by row', () => {
    const db = openDatabase(path.join(temp.dir, 'chunks.db'));
    try {
      const n = 2 * rowsPerChunk(C) + 5;
      const { runId, ids } = seedRun(db, n);
      const probs = probsOf(n, 1);
      const store = createMatrixStore(db);
      db.transaction(() => store.writeMatrix(runId, 1, C, Int32Array.from(ids), probs))();
      const chunks = db.prepare('SELECT chunk, first_id, last_id, CASE length(example_ids) WHEN 0 THEN last_id - first_id + 1 ELSE length(example_ids) / 4 END AS rows FROM prediction_matrices WHERE run_id = ? ORDER BY chunk').all(runId);
      expect(chunks).toEqual([
        { chunk: 0, first_id: ids[0], last_id: ids[rowsPerChunk(C) - 1], rows: rowsPerChunk(C) },
        { chunk: 1, first_id: ids[rowsPerChunk(C)], last_id: ids[2 * rowsPerChunk(C) - 1], rows: rowsPerChunk(C) },
        { chunk: 2, first_id: ids[2 * rowsPerChunk(C)], last_id: ids[n - 1], rows: 5 },
      ]);
      const whole = store.readMatrix(runId, 1)!;
      expect(Array.from(whole.exampleIds)).toEqual(ids);
      expect(whole.probs).toEqual(probs);
      for (const i of [0, rowsPerChunk(C) - 1, rowsPerChunk(C), n - 1]) expect(store.readRow(runId, 1, ids[i]!)).toEqual(probs.slice(i * C, (i + 1) * C));
      expect(store.readRow(runId, 1, ids[n - 1]! + 1)).toBeNull();
      expect(store.readRow(runId, 1, ids[0]! - 1)).toBeNull();
      expect(store.readRow(runId, 2, ids[0]!)).toBeNull();
      // Rewriting an epoch replaces every chunk, including ones the new matrix no longer needs.
      db.transaction(() => store.writeMatrix(runId, 1, C, Int32Array.from(ids.slice(0, 3)), probs.slice(0, 3 * C)))();
      expect(db.prepare('SELECT count(*) FROM prediction_matrices WHERE run_id = ?').pluck().get(runId)).toBe(1);
      expect(Array.from(store.readMatrix(runId, 1)!.exampleIds)).toEqual(ids.slice(0, 3));
    } finally {
      db.close();
    }
  });

  it('keeps a schema-4 matrix (one BLOB per run-epoch) readable after the migration', () => {
    const file = path.join(temp.dir, 'schema4.db');
    const raw = new Database(file);
    raw.pragma('foreign_keys = ON');
    migrate(raw, file, migrations.slice(0, 4));
    const n = 40;
    const { runId, ids } = seedRun(raw, n);
    const probs = probsOf(n, 2);
    raw.prepare('INSERT INTO prediction_matrices (run_id, epoch, num_classes, example_ids, probs) VALUES (?, 1, ?, ?, ?)').run(runId, C, Buffer.from(Int32Array.from(ids).buffer), Buffer.from(probs.buffer));
    raw.close();

    const db = openDatabase(file);
    try {
      const store = createMatrixStore(db);
      expect(db.prepare('SELECT chunk, first_id, last_id FROM prediction_matrices').all()).toEqual([{ chunk: 0, first_id: null, last_id: null }]);
      expect(store.readMatrix(runId, 1)!.probs).toEqual(probs);
      expect(store.readRow(runId, 1, ids[17]!)).toEqual(probs.slice(17 * C, 18 * C));
      expect(store.readRow(runId, 1, ids[n - 1]! + 5)).toBeNull();
    } finally {
      db.close();
    }
  });
});
