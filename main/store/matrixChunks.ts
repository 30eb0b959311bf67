// A run-epoch's probability matrix in the database: rows in ascending example id, stored as
// chunks of consecutive rows (schema 5, docs/database.md) so that one example's row is a small
// read and no value nears SQLite's 1 GB limit. Training, ingest and the lazy rebuild write
// through `writeMatrix`; the analytics read whole matrices or one example's rows back.
import type Database from 'better-sqlite3';

/**
 * ~8 KB of probabilities per chunk, never fewer than 16 rows. A page of 100 examples reads one
 * chunk per example, run and epoch when the runs have no per-example rows: at 64 KB that was
 * ~50 µs a read and 100 ms a page; a whole matrix reads its chunks at ~1 µs each besides the copy.
 */
export function rowsPerChunk(numClasses: number): number {
  return Math.max(16, Math.floor(8192 / (4 * numClasses)));
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

/**
 * Rows kept by readRow: a page of 100 examples × runs × epochs reads ~2,000, and the explorer
 * asks for the same page again as the user brushes and sorts. Recorded epochs never change.
 */
const ROW_CACHE_SIZE = 50_000;

export function createMatrixStore(db: Database.Database) {
  const rowCache = new Map<string, Float32Array>();
  const runStamp = db.prepare('SELECT created_at FROM runs WHERE id = ?').pluck();
  const remove = db.prepare('DELETE FROM prediction_matrices WHERE run_id = ? AND epoch = ?');
  const insert = db.prepare('INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const selectChunks = db.prepare('SELECT num_classes, example_ids, probs FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk').raw();
  // Two queries, not one with `OR first_id IS NULL`: the OR kept SQLite from seeking the range
  // index and scanned every chunk of the run-epoch (~90 µs a row at 200,000 examples).
  const selectChunkOf = db.prepare('SELECT num_classes, example_ids, probs, last_id FROM prediction_matrices WHERE run_id = ? AND epoch = ? AND first_id <= ? ORDER BY first_id DESC LIMIT 1').raw();
  // A matrix written before schema 5: one chunk, range unknown, holding every id.
  const selectWholeMatrix = db.prepare('SELECT num_classes, example_ids, probs, NULL FROM prediction_matrices WHERE run_id = ? AND epoch = ? AND first_id IS NULL').raw();

  return {
    /** Replaces the matrix of a run-epoch. Call inside the caller's transaction. */
    writeMatrix(runId: number, epoch: number, numClasses: number, exampleIds: Int32Array, probs: Float32Array): void {
      remove.run(runId, epoch);
      const step = rowsPerChunk(numClasses);
      for (let start = 0, chunk = 0; start < exampleIds.length || chunk === 0; start += step, chunk++) {
        const end = Math.min(exampleIds.length, start + step);
        const ids = exampleIds.subarray(start, end);
        insert.run(runId, epoch, chunk, numClasses, ids.length ? ids[0]! : null, ids.length ? ids[ids.length - 1]! : null, bytesOf(ids), bytesOf(probs.subarray(start * numClasses, end * numClasses)));
        if (end === exampleIds.length) break;
      }
    },

    /** The whole matrix of a run-epoch, or null when none is stored. */
    readMatrix(runId: number, epoch: number): { exampleIds: Int32Array; probs: Float32Array; numClasses: number } | null {
      const chunks = selectChunks.all(runId, epoch) as [number, Buffer, Buffer][];
      if (!chunks.length) return null;
      const numClasses = chunks[0]![0];
      if (chunks.length === 1) return { numClasses, exampleIds: typedView(chunks[0]![1], Int32Array), probs: typedView(chunks[0]![2], Float32Array) };
      const rows = chunks.reduce((n, c) => n + c[1].byteLength / 4, 0);
      const exampleIds = new Int32Array(rows);
      const probs = new Float32Array(rows * numClasses);
      let at = 0;
      for (const [, ids, p] of chunks) {
        exampleIds.set(typedView(ids, Int32Array), at);
        probs.set(typedView(p, Float32Array), at * numClasses);
        at += ids.byteLength / 4;
      }
      return { exampleIds, probs, numClasses };
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

  function readRowOf(runId: number, stamp: string, epoch: number, exampleId: number): Float32Array | null {
    // created_at tells a run from a later one that reused its id after a delete.
    const key = `${runId}:${stamp}:${epoch}:${exampleId}`;
    const hit = rowCache.get(key);
    if (hit) return hit;
    const found = (selectChunkOf.get(runId, epoch, exampleId) ?? selectWholeMatrix.get(runId, epoch)) as [number, Buffer, Buffer, number | null] | undefined;
    if (!found) return null;
    const [numClasses, idBlob, probBlob, lastId] = found;
    if (lastId !== null && lastId < exampleId) return null;
    const ids = typedView(idBlob, Int32Array);
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! === exampleId) {
        const row = typedView(probBlob, Float32Array).slice(mid * numClasses, (mid + 1) * numClasses);
        if (rowCache.size >= ROW_CACHE_SIZE) rowCache.delete(rowCache.keys().next().value!);
        rowCache.set(key, row);
        return row;
      }
      if (ids[mid]! < exampleId) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }
}

export type MatrixStore = ReturnType<typeof createMatrixStore>;
