// A run-epoch's probability matrix in the database: rows in ascending example id, stored as
// chunks of consecutive rows (docs/database.md) so that one example's row is a small read and no
// value nears SQLite's 1 GB limit. This is the one copy of every probability: training, ingest
// and the schema-8 migration write through `writeMatrix` / `writeTopK`. The analytics read whole
// matrices as stored (`readStored`: a top-k run's columns, never n × C); exports, one example's
// rows and its history read C float32 probabilities per row (`readMatrix`, `readRow`), whatever
// precision the chunk was stored at.
import type Database from 'better-sqlite3';
import { StorageChoices, type Storage } from '../../shared/experimentSpec.js';
import { decodeHalves, encodeHalves } from '../../shared/float16.js';

/** How a chunk stores its probabilities: 4-byte floats, or 2-byte halves (an experiment's `storage`). */
export type Precision = Storage;
export const PRECISIONS: readonly Precision[] = StorageChoices;
const BYTES: Record<Precision, number> = { float32: 4, float16: 2 };
import { LruCache } from '../../shared/lruCache.js';

/**
 * ~8 KB of values per chunk, never fewer than 16 rows. A page of 100 examples reads one chunk
 * per example, run and epoch: at 64 KB that was ~50 µs a read and 100 ms a page; a whole matrix
 * reads its chunks at ~1 µs each besides the copy. SQLite fills a BLOB's overflow pages whole, so
 * the size costs no space.
 */
export function rowsPerChunk(valuesPerRow: number, bytesPerValue = 4): number {
  return Math.max(16, Math.floor(8192 / (bytesPerValue * valuesPerRow)));
}

/** Bytes of a typed array's view, without copying. */
function bytesOf(a: Int32Array | Float32Array | Uint16Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

type TypedArrayOf = Float32Array | Int32Array | Uint16Array;

/** A typed view of a BLOB; Buffers may sit at any offset of a shared pool, so copy when unaligned. */
export function typedView<T extends TypedArrayOf>(blob: Buffer, Ctor: { new (buffer: ArrayBuffer, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number }): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  if (blob.byteOffset % size === 0) return new Ctor(blob.buffer as ArrayBuffer, blob.byteOffset, blob.byteLength / size);
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

/** num_classes, example_ids, probs, top_k, top_classes, label_classes, label_probs, precision, first_id, last_id */
type ChunkRow = [number, Buffer, Buffer, number | null, Buffer | null, Buffer | null, Buffer | null, Precision, number | null, number | null];
const CHUNK_COLUMNS = 'num_classes, example_ids, probs, top_k, top_classes, label_classes, label_probs, precision, first_id, last_id';

/**
 * A chunk's example ids. An empty `example_ids` means first_id … last_id without a gap (the
 * common case: 4 bytes a row saved); a chunk written before schema 5 has no range and every id.
 */
function chunkIds(chunk: ChunkRow): Int32Array {
  const [, idBlob, , , , , , , first, last] = chunk;
  if (idBlob.byteLength > 0 || first === null || last === null) return typedView(idBlob, Int32Array);
  const ids = new Int32Array(last - first + 1);
  for (let i = 0; i < ids.length; i++) ids[i] = first + i;
  return ids;
}

function chunkRowCount(chunk: ChunkRow): number {
  const [, idBlob, , , , , , , first, last] = chunk;
  return idBlob.byteLength > 0 || first === null || last === null ? idBlob.byteLength / 4 : last - first + 1;
}

/** Values `[from, to)` of a probability BLOB as float32. */
function valuesOf(blob: Buffer, precision: Precision, from = 0, to = blob.byteLength / BYTES[precision]): Float32Array {
  if (precision === 'float16') return decodeHalves(typedView(blob, Uint16Array).subarray(from, to));
  const all = typedView(blob, Float32Array);
  return from === 0 && to === all.length ? all : all.slice(from, to);
}

/** Probabilities as stored at `precision`. */
function encodeValues(values: Float32Array, precision: Precision): Buffer {
  return precision === 'float16' ? bytesOf(encodeHalves(values)) : bytesOf(values);
}

/**
 * A chunk's rows as C probabilities each (only row `only` when given); dense chunks as stored.
 * A top-k row knows its k largest probabilities and its label's; the rest of its mass, 1 minus
 * what is known, is spread evenly over the classes it does not know. So its top class, p(label)
 * and every known probability are exact, and no unknown class gets more than the smallest known
 * top value (each truly has at most that); KL, total variation, entropy, margins past the k-th
 * and φ of an unknown class are estimates (docs/ingest.md, "Many classes").
 */
export function denseRows(chunk: ChunkRow, only?: number): Float32Array {
  const [C, , probBlob, k, , , , precision] = chunk;
  if (k === null) return only === undefined ? valuesOf(probBlob, precision) : valuesOf(probBlob, precision, only * C, (only + 1) * C);
  const first = only ?? 0;
  const last = only === undefined ? chunkRowCount(chunk) : only + 1;
  const topProbs = valuesOf(probBlob, precision, first * k, last * k);
  const topClasses = typedView(chunk[4]!, Int32Array);
  const labelClasses = typedView(chunk[5]!, Int32Array);
  const labelProbs = valuesOf(chunk[6]!, precision, first, last);
  const out = new Float32Array((last - first) * C).fill(NaN);
  for (let i = first; i < last; i++) {
    const r = i - first;
    const row = out.subarray(r * C, (r + 1) * C);
    let known = 0;
    let mass = 0;
    for (let j = 0; j < k; j++) {
      row[topClasses[i * k + j]!] = topProbs[r * k + j]!;
      mass += topProbs[r * k + j]!;
      known++;
    }
    if (Number.isNaN(row[labelClasses[i]!]!)) {
      row[labelClasses[i]!] = labelProbs[r]!;
      mass += labelProbs[r]!;
      known++;
    }
    const share = known < C ? Math.max(0, 1 - mass) / (C - known) : 0;
    for (let c = 0; c < C; c++) if (Number.isNaN(row[c]!)) row[c] = share;
  }
  return out;
}

/** One example's probabilities at one recorded epoch of a run. */
export interface HistoryRow {
  runId: number;
  epoch: number;
  probs: Float32Array;
}

/** A run-epoch's whole matrix as C float32 probabilities per row. */
export interface StoredMatrix {
  exampleIds: Int32Array;
  probs: Float32Array;
  numClasses: number;
  /** k where the run stored only its top-k probabilities and the label's (the rest completed evenly); null: all stored */
  topK: number | null;
}

/**
 * A top-k run-epoch's rows as stored, never completed: k classes and probabilities a row, its
 * label's class and probability (docs/metrics.md, "Top-k runs"). About 8k + 8 bytes a row where a
 * completed matrix would take 4C (at k = 5, C = 1,000: 48 bytes against 4,000).
 */
export interface TopKStoredMatrix {
  exampleIds: Int32Array;
  numClasses: number;
  topK: number;
  /** row r's k probabilities, row-major */
  topProbs: Float32Array;
  /** their classes */
  topClasses: Int32Array;
  labelClasses: Int32Array;
  labelProbs: Float32Array;
}

/**
 * Rows kept by readRow: a page of 100 examples × runs × epochs reads ~2,000, and the explorer
 * asks for the same page again as the user brushes and sorts. Recorded epochs never change.
 */
const ROW_CACHE_SIZE = 50_000;
/**
 * The chunk last read per run-epoch, as stored (~8 KB each): a page of neighbouring examples'
 * histories reads each run-epoch's chunk once instead of once per example.
 */
const CHUNK_CACHE_ENTRIES = 4096;
const CHUNK_CACHE_BYTES = 64 * 1024 * 1024;

const chunkBytes = (c: ChunkRow): number => c[1].byteLength + c[2].byteLength + (c[4]?.byteLength ?? 0) + (c[5]?.byteLength ?? 0) + (c[6]?.byteLength ?? 0);
/** Whether a chunk's id range holds `exampleId` (a matrix from before schema 5 holds every id). */
const rangeHolds = (c: ChunkRow, exampleId: number): boolean => c[8] === null || (c[8] <= exampleId && (c[9] === null || exampleId <= c[9]));

/** A run-epoch's chunks (at least one) as one matrix of C probabilities per row. */
function completedMatrix(chunks: ChunkRow[]): StoredMatrix {
  const numClasses = chunks[0]![0];
  const topK = chunks[0]![3];
  if (chunks.length === 1) return { numClasses, topK, exampleIds: chunkIds(chunks[0]!), probs: denseRows(chunks[0]!) };
  const rows = chunks.reduce((n, c) => n + chunkRowCount(c), 0);
  const exampleIds = new Int32Array(rows);
  const probs = new Float32Array(rows * numClasses);
  let at = 0;
  for (const chunk of chunks) {
    exampleIds.set(chunkIds(chunk), at);
    probs.set(denseRows(chunk), at * numClasses);
    at += chunkRowCount(chunk);
  }
  return { exampleIds, probs, numClasses, topK };
}

export function createMatrixStore(db: Database.Database) {
  const rowCache = new LruCache<string, Float32Array>({ maxEntries: ROW_CACHE_SIZE });
  const chunkCache = new LruCache<string, ChunkRow>({ maxEntries: CHUNK_CACHE_ENTRIES, maxBytes: CHUNK_CACHE_BYTES, sizeOf: chunkBytes });
  const runStamp = db.prepare('SELECT created_at FROM runs WHERE id = ?').pluck();
  const remove = db.prepare('DELETE FROM prediction_matrices WHERE run_id = ? AND epoch = ?');
  const insert = db.prepare(
    'INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs, top_k, top_classes, label_classes, label_probs, precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const selectChunks = db.prepare(`SELECT ${CHUNK_COLUMNS} FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk`).raw();
  // Two queries, not one with `OR first_id IS NULL`: the OR kept SQLite from seeking the range
  // index and scanned every chunk of the run-epoch (~90 µs a row at 200,000 examples).
  const selectChunkOf = db.prepare(`SELECT ${CHUNK_COLUMNS} FROM prediction_matrices WHERE run_id = ? AND epoch = ? AND first_id <= ? ORDER BY first_id DESC LIMIT 1`).raw();
  // A matrix written before schema 5: one chunk, range unknown, holding every id.
  const selectWholeMatrix = db.prepare(`SELECT ${CHUNK_COLUMNS} FROM prediction_matrices WHERE run_id = ? AND epoch = ? AND first_id IS NULL`).raw();

  /** Replaces a run-epoch's chunks, rows [0, n) in chunks of `step`, each through `insertChunk(chunk, start, end)`. */
  function writeChunks(runId: number, epoch: number, n: number, step: number, insertChunk: (chunk: number, start: number, end: number) => void): void {
    remove.run(runId, epoch);
    chunkCache.deleteWhere((_, key) => key.startsWith(`${runId}:`) && key.endsWith(`:${epoch}`));
    for (let start = 0, chunk = 0; start < n || chunk === 0; start += step, chunk++) {
      const end = Math.min(n, start + step);
      insertChunk(chunk, start, end);
      if (end === n) break;
    }
  }
  /** first_id, last_id and example_ids of ascending `ids`: no ids stored when they have no gap. */
  function idColumns(ids: Int32Array): [number | null, number | null, Buffer] {
    if (!ids.length) return [null, null, Buffer.alloc(0)];
    const first = ids[0]!;
    const last = ids[ids.length - 1]!;
    return [first, last, last - first === ids.length - 1 ? Buffer.alloc(0) : bytesOf(ids)];
  }

  function readRowOf(runId: number, stamp: string, epoch: number, exampleId: number): Float32Array | null {
    // created_at tells a run from a later one that reused its id after a delete.
    const key = `${runId}:${stamp}:${epoch}:${exampleId}`;
    const hit = rowCache.get(key);
    if (hit) return hit;
    const chunkKey = `${runId}:${stamp}:${epoch}`;
    const cached = chunkCache.get(chunkKey);
    const found = cached && rangeHolds(cached, exampleId) ? cached : ((selectChunkOf.get(runId, epoch, exampleId) ?? selectWholeMatrix.get(runId, epoch)) as ChunkRow | undefined);
    if (!found) return null;
    if (found !== cached) chunkCache.set(chunkKey, found);
    const [, idBlob, , , , , , , first, last] = found;
    if (last !== null && last < exampleId) return null;
    let at = -1;
    if (idBlob.byteLength === 0 && first !== null) at = exampleId - first;
    else {
      const ids = typedView(idBlob, Int32Array);
      let lo = 0;
      let hi = ids.length - 1;
      while (lo <= hi && at < 0) {
        const mid = (lo + hi) >> 1;
        if (ids[mid]! === exampleId) at = mid;
        else if (ids[mid]! < exampleId) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    if (at < 0) return null;
    const row = denseRows(found, at);
    rowCache.set(key, row);
    return row;
  }

  function readRows(runId: number, epochs: readonly number[], exampleId: number): (Float32Array | null)[] {
    const stamp = String(runStamp.get(runId));
    return epochs.map((epoch) => readRowOf(runId, stamp, epoch, exampleId));
  }

  return {
    /** Replaces the matrix of a run-epoch. Call inside the caller's transaction. */
    writeMatrix(runId: number, epoch: number, numClasses: number, exampleIds: Int32Array, probs: Float32Array, precision: Precision = 'float32'): void {
      writeChunks(runId, epoch, exampleIds.length, rowsPerChunk(numClasses, BYTES[precision]), (chunk, start, end) => {
        const values = encodeValues(probs.subarray(start * numClasses, end * numClasses), precision);
        insert.run(runId, epoch, chunk, numClasses, ...idColumns(exampleIds.subarray(start, end)), values, null, null, null, null, precision);
      });
    },

    /** Replaces the matrix of a run-epoch with a top-k one. Call inside the caller's transaction. */
    writeTopK(runId: number, epoch: number, m: TopKMatrix, precision: Precision = 'float32'): void {
      const { k } = m;
      // k values and k classes a row, its label's class and value: about 2k + 2 four-byte numbers.
      writeChunks(runId, epoch, m.exampleIds.length, rowsPerChunk(2 * k + 2), (chunk, start, end) => {
        const ids = idColumns(m.exampleIds.subarray(start, end));
        const values = encodeValues(m.topProbs.subarray(start * k, end * k), precision);
        const labelValues = encodeValues(m.labelProbs.subarray(start, end), precision);
        insert.run(runId, epoch, chunk, m.numClasses, ...ids, values, k, bytesOf(m.topClasses.subarray(start * k, end * k)), bytesOf(m.labelClasses.subarray(start, end)), labelValues, precision);
      });
    },

    /** The whole matrix of a run-epoch as C probabilities per row (top-k completed as denseRows says), or null when none is stored. */
    readMatrix(runId: number, epoch: number): StoredMatrix | null {
      const chunks = selectChunks.all(runId, epoch) as ChunkRow[];
      return chunks.length ? completedMatrix(chunks) : null;
    },

    /**
     * The whole matrix of a run-epoch as stored: C probabilities a row for a dense run, the top-k
     * columns for a top-k run (nothing n × C is allocated); null when none is stored.
     */
    readStored(runId: number, epoch: number): StoredMatrix | TopKStoredMatrix | null {
      const chunks = selectChunks.all(runId, epoch) as ChunkRow[];
      if (!chunks.length) return null;
      const [numClasses, , , topK] = chunks[0]!;
      if (topK === null) return completedMatrix(chunks);
      const rows = chunks.reduce((n, c) => n + chunkRowCount(c), 0);
      const m: TopKStoredMatrix = {
        exampleIds: new Int32Array(rows),
        numClasses,
        topK,
        topProbs: new Float32Array(rows * topK),
        topClasses: new Int32Array(rows * topK),
        labelClasses: new Int32Array(rows),
        labelProbs: new Float32Array(rows),
      };
      let at = 0;
      for (const chunk of chunks) {
        const [, , probBlob, k, topBlob, labelBlob, labelProbBlob, precision] = chunk;
        if (k !== topK) throw new RangeError(`run ${runId} epoch ${epoch}: chunk stores top-${k ?? 'all'}, the first top-${topK}`);
        m.exampleIds.set(chunkIds(chunk), at);
        m.topProbs.set(valuesOf(probBlob, precision), at * topK);
        m.topClasses.set(typedView(topBlob!, Int32Array), at * topK);
        m.labelClasses.set(typedView(labelBlob!, Int32Array), at);
        m.labelProbs.set(valuesOf(labelProbBlob!, precision), at);
        at += chunkRowCount(chunk);
      }
      return m;
    },

    /** One example's probabilities at a run-epoch, or null when that run-epoch does not hold it. */
    readRow(runId: number, epoch: number, exampleId: number): Float32Array | null {
      return readRowOf(runId, String(runStamp.get(runId)), epoch, exampleId);
    },

    /** One example's probabilities at each of a run's `epochs` (null where one does not hold it). */
    readRows,

    /**
     * One example's probabilities at every recorded epoch of `runs` (epochs 1 … epochsDone),
     * ordered by run id and epoch; epochs that did not record the example are left out.
     */
    readHistory(exampleId: number, runs: readonly { id: number; epochsDone: number }[]): HistoryRow[] {
      const out: HistoryRow[] = [];
      for (const run of [...runs].sort((a, b) => a.id - b.id)) {
        const epochs = Array.from({ length: run.epochsDone }, (_, e) => e + 1);
        readRows(run.id, epochs, exampleId).forEach((probs, i) => {
          if (probs) out.push({ runId: run.id, epoch: epochs[i]!, probs });
        });
      }
      return out;
    },

    /** What tells a run from a later one that reused its id after a delete (its creation time). */
    runStamp(runId: number): string {
      return String(runStamp.get(runId));
    },

    /** Forgets cached rows (their runs were deleted). */
    clearCache(): void {
      rowCache.clear();
      chunkCache.clear();
    },
  };
}

export type MatrixStore = ReturnType<typeof createMatrixStore>;
