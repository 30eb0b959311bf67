// Whole run-epoch probability matrices as the store reads them (main/store/matrixChunks.ts),
// kept in a byte-bounded LRU cache: the analytics ask for the same few matrices over and over.
// The analytics read them as stored (`stored`: a top-k run's columns, never n × C); `get`
// completes a top-k run's rows for the exports that write every probability.
import { NotFoundError } from '../../shared/errors.js';
import { LruCache } from '../../shared/lruCache.js';
import type { StoredMatrix, TopKStoredMatrix } from '../store/matrixChunks.js';
import type { Store } from '../store/store.js';

export type ProbabilityMatrix = StoredMatrix;

const DEFAULT_CACHE_BYTES = 768 * 1024 * 1024;

export function createPredictionMatrices(predictions: Store['predictions'], cacheBytes = DEFAULT_CACHE_BYTES) {
  // The bytes each matrix holds as read: a top-k run's stored columns count, not n × C.
  const cache = new LruCache<string, StoredMatrix | TopKStoredMatrix>({ maxBytes: cacheBytes, sizeOf: matrixBytes });
  const missing = (runId: number, epoch: number) => new NotFoundError(`run ${runId} has no predictions recorded for epoch ${epoch}`);

  /** Cached under `kind`, read on a miss; created_at tells a run from a later one that reused its id after a delete. */
  function cached<T extends StoredMatrix | TopKStoredMatrix>(kind: string, runId: number, epoch: number, read: () => T | null): T {
    const key = `${kind}:${runId}:${epoch}:${predictions.runStamp(runId)}`;
    const hit = cache.get(key) as T | undefined;
    if (hit) return hit;
    const matrix = read();
    if (!matrix) throw missing(runId, epoch);
    cache.set(key, matrix);
    return matrix;
  }

  /** The matrix of a run after `epoch` epochs as stored (a top-k run's columns); NotFoundError when that epoch is not recorded. */
  const stored = (runId: number, epoch: number): StoredMatrix | TopKStoredMatrix => cached('stored', runId, epoch, () => predictions.readStored(runId, epoch));

  return {
    stored,
    /** The matrix of a run after `epoch` epochs as C probabilities a row (a top-k run's completed); NotFoundError when that epoch is not recorded. */
    get(runId: number, epoch: number): ProbabilityMatrix {
      const m = stored(runId, epoch);
      return 'probs' in m ? m : cached('completed', runId, epoch, () => predictions.readMatrix(runId, epoch));
    },
    /** bytes the cached matrices hold */
    bytes(): number {
      let bytes = 0;
      for (const m of cache.values()) bytes += matrixBytes(m);
      return bytes;
    },
    clear(): void {
      cache.clear();
    },
  };
}

function matrixBytes(m: StoredMatrix | TopKStoredMatrix): number {
  if ('probs' in m) return m.probs.byteLength + m.exampleIds.byteLength;
  return m.exampleIds.byteLength + m.topProbs.byteLength + m.topClasses.byteLength + m.labelClasses.byteLength + m.labelProbs.byteLength;
}

export type PredictionMatrices = ReturnType<typeof createPredictionMatrices>;
