// A run-epoch's probability matrix in the database: rows in ascending example id, stored as
// chunks of consecutive rows (schema 5, docs/database.md) so that one example's row is a small
// read and no value nears SQLite's 1 GB limit. Training, ingest and the lazy rebuild write
// through `writeMatrix` (ingest with top-k storage through `writeTopK`); the analytics read whole
// matrices or one example's rows back, always as C probabilities per row.
import type Database from 'better-sqlite3';
import { LruCache } from '../../shared/lruCache.js';

/**
 * ~8 KB of values per chunk, never fewer than 16 rows. A page of 100 examples reads one chunk
 * per example, run and epoch when the runs have no per-example rows: at 64 KB that was ~50 µs a
 * read and 100 ms a page; a whole matrix reads its chunks at ~1 µs each besides the copy.
 */
export function rowsPerChunk(valuesPerRow: number): number {
  return Math.max(16, Math.floor(8192 / (4 * valuesPerRow)));
}

/** Bytes of a typed array's view, without copying. */
function bytesOf(a: Int32Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** A typed view of a BLOB; Buffers may sit at any offset of a shared pool, so copy when unaligned. */
export function typedView<T extends Float32Array | Int32Array>(blob: Buffer, Ctor: { new (buffer: ArrayBuffer, offset?: number, length?: number): T }): T {
  if (blob.byteOffset % 4 === 0) return new Ctor(blob.buffer as ArrayBuffer, blob.byteOffset, blob.byteLength / 4);
  return new Ctor(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength) as ArrayBuffer);
}

/** A top-k matrix to store: rows in ascending example id, k values each. */
export interface TopKMatrix {
  numClasses: number;
  k: number;
  exampleIds: Int32Array;
  /** row i's k probabilities, row-major */
  topProbs: Float32Array;
  /** their classes */
  topClasses: Int32Array;
  labelClasses: Int32Array;
  labelProbs: Float32Array;
}

/** num_classes, example_ids, probs, top_k, top_classes, label_classes, label_probs */
type ChunkRow = [number, Buffer, Buffer, number | null, Buffer | null, Buffer | null, Buffer | null];
const CHUNK_COLUMNS = 'num_classes, example_ids, probs, top_k, top_classes, label_classes, label_probs';

/**
 * A chunk's rows as C probabilities each (only row `only` when given); dense chunks as stored.
 * A top-k row knows its k largest probabilities and its label's; the rest of its mass, 1 minus
 * what is known, is spread evenly over the classes it does not know. So its top class, p(label)
 * and every known probability are exact, and no unknown class gets more than the smallest known
 * top value (each truly has at most that); KL, total variation, entropy, margins past the k-th
 * and φ of an unknown class are estimates (docs/ingest.md, "Many classes").
 */
export function denseRows(chunk: ChunkRow, only?: number): Float32Array {
  const [C, idBlob, probBlob, k] = chunk;
  if (k === null) {
    const probs = typedView(probBlob, Float32Array);
    return only === undefined ? probs : probs.slice(only * C, (only + 1) * C);
  }
  const topProbs = typedView(probBlob, Float32Array);
  const topClasses = typedView(chunk[4]!, Int32Array);
  const labelClasses = typedView(chunk[5]!, Int32Array);
  const labelProbs = typedView(chunk[6]!, Float32Array);
  const first = only ?? 0;
  const last = only === undefined ? idBlob.byteLength / 4 : only + 1;
  const out = new Float32Array((last - first) * C).fill(NaN);
  for (let i = first; i < last; i++) {
    const row = out.subarray((i - first) * C, (i - first + 1) * C);
    let known = 0;
    let mass = 0;
    for (let j = 0; j < k; j++) {
      row[topClasses[i * k + j]!] = topProbs[i * k + j]!;
      mass += topProbs[i * k + j]!;
      known++;
    }
    if (Number.isNaN(row[labelClasses[i]!]!)) {
      row[labelClasses[i]!] = labelProbs[i]!;
      mass += labelProbs[i]!;
      known++;
    }
    const share = known < C ? Math.max(0, 1 - mass) / (C - known) : 0;
    for (let c = 0; c < C; c++) if (Number.isNaN(row[c]!)) row[c] = share;
  }
  return out;
}

/**
 * Rows kept by readRow: a page of 100 examples × runs × epochs reads ~2,000, and the explorer
 * asks for the same page again as the user brushes and sorts. Recorded epochs never change.
 */
const ROW_CACHE_SIZE = 50_000;

export function createMatrixStore(db: Database.Database) {
  const rowCache = new LruCache<string, Float32Array>({ maxEntries: ROW_CACHE_SIZE });
  const runStamp = db.prepare('SELECT created_at FROM runs WHERE id = ?').pluck();
  const remove = db.prepare('DELETE FROM prediction_matrices WHERE run_id = ? AND epoch = ?');
  const insert = db.prepare('INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertTopK = db.prepare(
    'INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs, top_k, top_classes, label_classes, label_probs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const selectChunks = db.prepare(`SELECT ${CHUNK_COLUMNS} FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk`).raw();
  // Two queries, not one with `OR first_id IS NULL`: the OR kept SQLite from seeking the range
  // index and scanned every chunk of the run-epoch (~90 µs a row at 200,000 examples).
  const selectChunkOf = db.prepare(`SELECT ${CHUNK_COLUMNS}, last_id FROM prediction_matrices WHERE run_id = ? AND epoch = ? AND first_id <= ? ORDER BY first_id DESC LIMIT 1`).raw();
  // A matrix written before schema 5: one chunk, range unknown, holding every id.
  const selectWholeMatrix = db.prepare(`SELECT ${CHUNK_COLUMNS}, NULL FROM prediction_matrices WHERE run_id = ? AND epoch = ? AND first_id IS NULL`).raw();

  /** Inserts rows [0, n) in chunks of `step`, each through `insertChunk(chunk, start, end)`. */
  function inChunks(n: number, step: number, insertChunk: (chunk: number, start: number, end: number) => void): void {
    for (let start = 0, chunk = 0; start < n || chunk === 0; start += step, chunk++) {
      const end = Math.min(n, start + step);
      insertChunk(chunk, start, end);
      if (end === n) break;
    }
  }
  const range = (ids: Int32Array) => (ids.length ? [ids[0]!, ids[ids.length - 1]!] : [null, null]);

  function readRowOf(runId: number, stamp: string, epoch: number, exampleId: number): Float32Array | null {
    // created_at tells a run from a later one that reused its id after a delete.
    const key = `${runId}:${stamp}:${epoch}:${exampleId}`;
    const hit = rowCache.get(key);
    if (hit) return hit;
    const found = (selectChunkOf.get(runId, epoch, exampleId) ?? selectWholeMatrix.get(runId, epoch)) as [...ChunkRow, number | null] | undefined;
    if (!found) return null;
    const lastId = found[7];
    if (lastId !== null && lastId < exampleId) return null;
    const ids = typedView(found[1], Int32Array);
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! === exampleId) {
        const row = denseRows(found.slice(0, 7) as ChunkRow, mid);
        rowCache.set(key, row);
        return row;
      }
      if (ids[mid]! < exampleId) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  return {
    /** Replaces the matrix of a run-epoch. Call inside the caller's transaction. */
    writeMatrix(runId: number, epoch: number, numClasses: number, exampleIds: Int32Array, probs: Float32Array): void {
      remove.run(runId, epoch);
      inChunks(exampleIds.length, rowsPerChunk(numClasses), (chunk, start, end) => {
        const ids = exampleIds.subarray(start, end);
        insert.run(runId, epoch, chunk, numClasses, ...range(ids), bytesOf(ids), bytesOf(probs.subarray(start * numClasses, end * numClasses)));
      });
    },

    /** Replaces the matrix of a run-epoch with a top-k one. Call inside the caller's transaction. */
    writeTopK(runId: number, epoch: number, m: TopKMatrix): void {
      remove.run(runId, epoch);
      const { k } = m;
      inChunks(m.exampleIds.length, rowsPerChunk(2 * k + 2), (chunk, start, end) => {
        const ids = m.exampleIds.subarray(start, end);
        insertTopK.run(
          ...[runId, epoch, chunk, m.numClasses, ...range(ids), bytesOf(ids), bytesOf(m.topProbs.subarray(start * k, end * k)), k],
          ...[bytesOf(m.topClasses.subarray(start * k, end * k)), bytesOf(m.labelClasses.subarray(start, end)), bytesOf(m.labelProbs.subarray(start, end))],
        );
      });
    },

    /** The whole matrix of a run-epoch as C probabilities per row (top-k completed as denseRows says), or null when none is stored. */
    readMatrix(runId: number, epoch: number): { exampleIds: Int32Array; probs: Float32Array; numClasses: number; topK: number | null } | null {
      const chunks = selectChunks.all(runId, epoch) as ChunkRow[];
      if (!chunks.length) return null;
      const numClasses = chunks[0]![0];
      const topK = chunks[0]![3];
      if (chunks.length === 1) return { numClasses, topK, exampleIds: typedView(chunks[0]![1], Int32Array), probs: denseRows(chunks[0]!) };
      const rows = chunks.reduce((n, c) => n + c[1].byteLength / 4, 0);
      const exampleIds = new Int32Array(rows);
      const probs = new Float32Array(rows * numClasses);
      let at = 0;
      for (const chunk of chunks) {
        exampleIds.set(typedView(chunk[1], Int32Array), at);
        probs.set(denseRows(chunk), at * numClasses);
        at += chunk[1].byteLength / 4;
      }
      return { exampleIds, probs, numClasses, topK };
    },

    /** One example's probabilities at a run-epoch, or null when that run-epoch does not hold it. */
    readRow(runId: number, epoch: number, exampleId: number): Float32Array | null {
      return readRowOf(runId, String(runStamp.get(runId)), epoch, exampleId);
    },

    /** One example's probabilities at each of a run's `epochs` (null where one does not hold it). */
    readRows(runId: number, epochs: readonly number[], exampleId: number): (Float32Array | null)[] {
      const stamp = String(runStamp.get(runId));
      return epochs.map((epoch) => readRowOf(runId, stamp, epoch, exampleId));
    },

    /** Forgets cached rows (their runs were deleted). */
    clearCache(): void {
      rowCache.clear();
    },
  };
}

export type MatrixStore = ReturnType<typeof createMatrixStore>;
