// Whole run-epoch probability matrices, read from prediction_matrices (its chunks joined) and
// kept in a byte-bounded LRU cache. A database written before that table existed gets each matrix rebuilt
// once from the per-example rows and stored, when the connection may write.
import type { Connection } from '../store/store.js';
import { NotFoundError } from '../../shared/errors.js';
import { createMatrixStore, typedView } from '../store/matrixChunks.js';

export interface ProbabilityMatrix {
  /** ascending example ids */
  exampleIds: Int32Array;
  /** row i is example exampleIds[i] */
  probs: Float32Array;
  numClasses: number;
  /** k where the run stored only its top-k probabilities and the label's (the rest completed evenly); null: all stored */
  topK: number | null;
}

const DEFAULT_CACHE_BYTES = 768 * 1024 * 1024;

export function createPredictionMatrices(db: Connection, cacheBytes = DEFAULT_CACHE_BYTES) {
  const store = createMatrixStore(db);
  const selectRows = db.prepare('SELECT example_id, probs FROM predictions WHERE run_id = ? AND epoch = ? ORDER BY example_id').raw();
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
      probs.set(typedView(blob, Float32Array), i * numClasses);
    });
    if (!db.readonly) db.transaction(() => store.writeMatrix(runId, epoch, numClasses, exampleIds, probs)).immediate();
    return { exampleIds, probs, numClasses, topK: null };
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
      const matrix = store.readMatrix(runId, epoch) ?? fromRows(runId, epoch);
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
