// Whole run-epoch probability matrices as the store reads them (main/store/matrixChunks.ts),
// kept in a byte-bounded LRU cache: the analytics ask for the same few matrices over and over.
import { NotFoundError } from '../../shared/errors.js';
import { LruCache } from '../../shared/lruCache.js';
import type { StoredMatrix } from '../store/matrixChunks.js';
import type { Store } from '../store/store.js';

export type ProbabilityMatrix = StoredMatrix;

const DEFAULT_CACHE_BYTES = 768 * 1024 * 1024;

export function createPredictionMatrices(predictions: Store['predictions'], cacheBytes = DEFAULT_CACHE_BYTES) {
  const cache = new LruCache<string, ProbabilityMatrix>({ maxBytes: cacheBytes, sizeOf: (m) => m.probs.byteLength + m.exampleIds.byteLength });

  return {
    /** The matrix of a run after `epoch` epochs; NotFoundError when that epoch is not recorded. */
    get(runId: number, epoch: number): ProbabilityMatrix {
      // created_at tells a run from a later one that reused its id after a delete.
      const key = `${runId}:${epoch}:${predictions.runStamp(runId)}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const matrix = predictions.readMatrix(runId, epoch);
      if (!matrix) throw new NotFoundError(`run ${runId} has no predictions recorded for epoch ${epoch}`);
      cache.set(key, matrix);
      return matrix;
    },
    clear(): void {
      cache.clear();
    },
  };
}

export type PredictionMatrices = ReturnType<typeof createPredictionMatrices>;
