// Schema 5: a run-epoch's matrix in chunks of consecutive example ids. Written and read back
// whole and row by row; a schema-4 file's single-BLOB matrices survive the migration readable.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMatrixStore, rowsPerChunk } from '../../main/store/matrixChunks.js';
import { createRunQueries } from '../../main/store/runQueries.js';
import { decodeHalves, encodeHalves } from '../../shared/float16.js';
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

  it('stores an experiment asking for float16 as halves, twice as many rows a chunk, and reads float32 back', () => {
    const db = openDatabase(path.join(temp.dir, 'half.db'));
    try {
      const n = 3 * rowsPerChunk(C, 2) + 7;
      const { runId, ids } = seedRun(db, n);
      db.prepare('UPDATE experiments SET spec = ?').run(JSON.stringify({ storage: 'float16' }));
      const logits = Float32Array.from({ length: n * C }, (_, i) => Math.sin(i * 12.9898) * 4);
      createRunQueries(db).recordEpoch({ runId, epoch: 1, seconds: 1, metrics: [], predictions: { exampleIds: ids, labels: ids.map(() => 0), logits, numClasses: C }, checkpoint: Buffer.alloc(0) });
      const chunks = db.prepare('SELECT precision, length(probs) AS bytes, length(example_ids) AS idBytes FROM prediction_matrices WHERE run_id = ? ORDER BY chunk').all(runId) as { precision: string; bytes: number; idBytes: number }[];
      expect(chunks.map((c) => [c.precision, c.bytes, c.idBytes])).toEqual([...[0, 1, 2].map(() => ['float16', 2 * C * rowsPerChunk(C, 2), 0]), ['float16', 2 * C * 7, 0]]);
      // The same rows a float32 experiment stores, each rounded to the nearest half.
      const exact = new Float32Array(n * C);
      for (let i = 0; i < n; i++) {
        const row = logits.slice(i * C, (i + 1) * C);
        const sum = row.reduce((s, z) => s + Math.exp(z - Math.max(...row)), 0);
        row.forEach((z, c) => (exact[i * C + c] = Math.exp(z - Math.max(...row)) / sum));
      }
      const halves = decodeHalves(encodeHalves(exact));
      const store = createMatrixStore(db);
      const whole = store.readMatrix(runId, 1)!;
      expect(Array.from(whole.exampleIds)).toEqual(ids);
      let worst = 0;
      whole.probs.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - halves[i]!))));
      expect(worst).toBeLessThanOrEqual(2 ** -24); // a float32 softmax may differ from ours by an ulp before rounding
      expect(Math.max(...whole.probs.map((p, i) => Math.abs(p - exact[i]!)))).toBeLessThanOrEqual(2 ** -12);
      for (const i of [0, rowsPerChunk(C, 2), n - 1]) expect(store.readRow(runId, 1, ids[i]!)).toEqual(whole.probs.slice(i * C, (i + 1) * C));
    } finally {
      db.close();
    }
  });

  it('stores ids only for a chunk with gaps, and top-k chunks at float16', () => {
    const db = openDatabase(path.join(temp.dir, 'gaps.db'));
    try {
      const { runId, ids } = seedRun(db, 40);
      const kept = Int32Array.from(ids.filter((_, i) => i % 3 !== 1));
      const probs = probsOf(kept.length, 3);
      const store = createMatrixStore(db);
      db.transaction(() => store.writeMatrix(runId, 1, C, kept, probs))();
      expect(db.prepare('SELECT length(example_ids) FROM prediction_matrices WHERE run_id = ? AND epoch = 1').pluck().all(runId)).toEqual([4 * kept.length]);
      expect(store.readMatrix(runId, 1)).toEqual({ exampleIds: kept, probs, numClasses: C, topK: null });
      expect(store.readRow(runId, 1, ids[1]!)).toBeNull();
      expect(store.readRow(runId, 1, ids[3]!)).toEqual(probs.slice(2 * C, 3 * C));

      const n = ids.length;
      const topK = { numClasses: C, k: 1, exampleIds: Int32Array.from(ids), topProbs: Float32Array.from(ids, (_, i) => 0.5 + i / 100), topClasses: Int32Array.from(ids, (_, i) => i % C), labelClasses: Int32Array.from(ids, () => 0), labelProbs: Float32Array.from(ids, (_, i) => (i % C === 0 ? 0.5 + i / 100 : 0.1)) };
      db.transaction(() => store.writeTopK(runId, 2, topK, 'float16'))();
      const m = store.readMatrix(runId, 2)!;
      expect(m.topK).toBe(1);
      for (let i = 0; i < n; i++) {
        const row = m.probs.slice(i * C, (i + 1) * C);
        expect(row[i % C]).toBe(decodeHalves(encodeHalves([topK.topProbs[i]!]))[0]);
        expect(row[0]).toBe(decodeHalves(encodeHalves([topK.labelProbs[i]!]))[0]);
      }
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
