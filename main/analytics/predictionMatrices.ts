// Whole run-epoch probability matrices as the store reads them (main/store/matrixChunks.ts),
// kept in a byte-bounded LRU cache: the analytics ask for the same few matrices over and over.
import type { Connection } from '../store/store.js';
import { NotFoundError } from '../../shared/errors.js';
import { createMatrixStore, type StoredMatrix } from '../store/matrixChunks.js';

export type ProbabilityMatrix = StoredMatrix;

const DEFAULT_CACHE_BYTES = 768 * 1024 * 1024;

export function createPredictionMatrices(db: Connection, cacheBytes = DEFAULT_CACHE_BYTES) {
  const store = createMatrixStore(db);
  const cache = new Map<string, ProbabilityMatrix>();
  let cachedBytes = 0;

  return {
    /** The matrix of a run after `epoch` epochs; NotFoundError when that epoch is not recorded. */
    get(runId: number, epoch: number): ProbabilityMatrix {
      // created_at tells a run from a later one that reused its id after a delete.
      const key = `${runId}:${epoch}:${store.runStamp(runId)}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const matrix = store.readMatrix(runId, epoch);
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
