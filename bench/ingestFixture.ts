// Inputs for `disobey ingest` made in code: a plain dataset written straight into the store, and
// NumPy .npy bytes, as a Python training job would write them (docs/ingest.md). Used by the ingest
// benchmark (1,000,000 examples) and the ingest tests.
import type { Connection } from '../main/store/store.js';

export interface PlainDataset {
  datasetId: number;
  /** example ids, ascending */
  ids: number[];
  splits: string[];
  /** index within the split */
  indices: number[];
  labels: Int32Array;
}

/** n examples (the last `testShare` of them in `test`), C classes, labels `i mod C`; one transaction. */
export function createPlainDataset(db: Connection, n: number, classes: number, name = 'ingest target', testShare = 0.25): PlainDataset {
  const testCount = Math.round(n * testShare);
  const datasetId = Number(
    db
      .prepare(
        `INSERT INTO datasets (name, kind, format, source, class_names, class_groups, height, width, channels, options)
         VALUES (?, 'text', 'jsonl', 'synthetic', ?, '[]', NULL, NULL, NULL, '{}')`,
      )
      .run(name, JSON.stringify(Array.from({ length: classes }, (_, c) => `c${c}`))).lastInsertRowid,
  );
  const insert = db.prepare('INSERT INTO examples (dataset_id, split, idx, label, noisy_label, grp, source_ref, text) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?)');
  const labels = new Int32Array(n);
  const splits: string[] = [];
  const indices: number[] = [];
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const test = i >= n - testCount;
      const split = test ? 'test' : 'train';
      const index = test ? i - (n - testCount) : i;
      labels[i] = i % classes;
      splits.push(split);
      indices.push(index);
      insert.run(datasetId, split, index, labels[i], `${split}.jsonl:${index + 1}`, `example ${i}`);
    }
  })();
  const ids = db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
  return { datasetId, ids, splits, indices, labels };
}

/** A C-ordered little-endian float32 .npy file (format 1.0) of the given shape. */
export function encodeNpy(values: Float32Array, shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // The header ends in a newline and pads the data start to a multiple of 64 bytes.
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

/** Softmax of random logits, seeded by a simple LCG: rows that sum to 1 in float32. */
export function randomProbabilities(n: number, classes: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(n * classes);
  const z = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, (z[c] = 4 * next()));
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += (z[c] = Math.exp(z[c]! - max));
    for (let c = 0; c < classes; c++) out[i * classes + c] = z[c]! / sum;
  }
  return out;
}
