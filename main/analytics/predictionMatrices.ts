// Whole run-epoch probability matrices, read from prediction_matrices (one BLOB) and kept in a
// byte-bounded LRU cache. A database written before that table existed gets each matrix rebuilt
// once from the per-example rows and stored, when the connection may write.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../shared/errors.js';

export interface ProbabilityMatrix {
  /** ascending example ids */
  exampleIds: Int32Array;
  /** row i is example exampleIds[i] */
  probs: Float32Array;
  numClasses: number;
}

const DEFAULT_CACHE_BYTES = 768 * 1024 * 1024;

function floatView(blob: Buffer, Ctor: typeof Float32Array | typeof Int32Array): Float32Array | Int32Array {
  // A Buffer may sit at any offset of a shared pool; typed views need an aligned copy then.
  if (blob.byteOffset % 4 === 0) return new Ctor(blob.buffer as ArrayBuffer, blob.byteOffset, blob.byteLength / 4);
  return new Ctor(Uint8Array.from(blob).buffer);
}

export function createPredictionMatrices(db: Database.Database, cacheBytes = DEFAULT_CACHE_BYTES) {
  const selectMatrix = db.prepare('SELECT num_classes, example_ids, probs FROM prediction_matrices WHERE run_id = ? AND epoch = ?');
  const selectRows = db.prepare('SELECT example_id, probs FROM predictions WHERE run_id = ? AND epoch = ? ORDER BY example_id').raw();
  const insertMatrix = db.prepare('INSERT OR IGNORE INTO prediction_matrices (run_id, epoch, num_classes, example_ids, probs) VALUES (?, ?, ?, ?, ?)');
  const runStamp = db.prepare('SELECT created_at FROM runs WHERE id = ?').pluck();
  const cache = new Map<string, ProbabilityMatrix>();
  let cachedBytes = 0;

  function fromRows(runId: number, epoch: number): ProbabilityMatrix | null {
    const rows = selectRows.all(runId, epoch) as [number, Buffer][];
    if (rows.length === 0) return null;
    const numClasses = rows[0]![1].byteLength / 4;
    const exampleIds = new Int32Array(rows.length);
    const probs = new Float32Array(rows.length * numClasses);
    rows.forEach(([id, blob], i) => {
      exampleIds[i] = id;
      probs.set(floatView(blob, Float32Array) as Float32Array, i * numClasses);
    });
    if (!db.readonly) insertMatrix.run(runId, epoch, numClasses, Buffer.from(exampleIds.buffer), Buffer.from(probs.buffer));
    return { exampleIds, probs, numClasses };
  }

  function read(runId: number, epoch: number): ProbabilityMatrix | null {
    const row = selectMatrix.get(runId, epoch) as { num_classes: number; example_ids: Buffer; probs: Buffer } | undefined;
    if (!row) return fromRows(runId, epoch);
    return {
      exampleIds: floatView(row.example_ids, Int32Array) as Int32Array,
      probs: floatView(row.probs, Float32Array) as Float32Array,
      numClasses: row.num_classes,
    };
  }

  return {
    /** The matrix of a run after `epoch` epochs; NotFoundError when that epoch is not recorded. */
    get(runId: number, epoch: number): ProbabilityMatrix {
      // created_at tells a run from a later one that reused its id after a delete.
      const key = `${runId}:${epoch}:${String(runStamp.get(runId))}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const matrix = read(runId, epoch);
      if (!matrix) throw new NotFoundError(`run ${runId} has no predictions recorded for epoch ${epoch}`);
      cache.set(key, matrix);
      cachedBytes += matrix.probs.byteLength + matrix.exampleIds.byteLength;
      for (const [oldKey, old] of cache) {
        if (cachedBytes <= cacheBytes || oldKey === key) break;
        cache.delete(oldKey);
        cachedBytes -= old.probs.byteLength + old.exampleIds.byteLength;
      }
      return matrix;
    },
    clear(): void {
      cache.clear();
      cachedBytes = 0;
    },
  };
}

export type PredictionMatrices = ReturnType<typeof createPredictionMatrices>;
