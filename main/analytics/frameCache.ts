// The analytics service's one frame cache: analysis frames in one LRU, keyed by the analysed pair
// and the recorded-epochs key of the experiment's series, bounded by the bytes each frame holds
// of its own (its columns, trajectories, dynamics and what queries keep with it) and by count.
import { LruCache } from '../../shared/lruCache.js';
import type { AnalysisFrame } from './analysisFrame.js';

/**
 * Frames kept: by the bytes of the columns, orders and filters they have built (a frame of 70,000
 * examples holds ~10–30 MB besides the shared probability matrices, one of a million ~150–250 MB),
 * and at most this many — enough for several users each on their own student and epoch.
 */
export const FRAME_CACHE_BYTES = 1024 * 1024 * 1024;
export const FRAME_CACHE_MAX = 32;

interface CachedFrame {
  experimentId: number;
  stamp: string;
  frame: AnalysisFrame;
}

export function createFrameCache(maxBytes = FRAME_CACHE_BYTES, maxEntries = FRAME_CACHE_MAX) {
  const frames = new LruCache<string, CachedFrame>({ maxBytes, maxEntries, sizeOf: (cached) => cached.frame.heldBytes() });
  return {
    /**
     * The frame of an experiment's pair (`pairKey`: student and teacher at their epochs, the class
     * choice) under the series' recorded-epochs `stamp`, built on a miss. The least recently used
     * frames go while the frames hold more than the budget; the one asked for stays whatever its
     * size. Frames grow after they are handed out (columns are built on use), so every call
     * measures them again.
     */
    frame(experimentId: number, pairKey: string, stamp: string, build: () => AnalysisFrame): AnalysisFrame {
      const key = `${experimentId}|${pairKey}|${stamp}`;
      let cached = frames.get(key);
      if (!cached) {
        cached = { experimentId, stamp, frame: build() };
        // While an experiment trains every epoch changes its stamp: frames under an older stamp
        // can never be asked for again, and must not push other experiments' frames out.
        frames.deleteWhere((old) => old.experimentId === experimentId && old.stamp !== stamp);
        frames.set(key, cached);
      }
      frames.remeasure();
      return cached.frame;
    },
    /** How many frames are kept, and the bytes they hold now. */
    stats(): { frames: number; bytes: number } {
      let bytes = 0;
      for (const { frame } of frames.values()) bytes += frame.heldBytes();
      return { frames: frames.size, bytes };
    },
    clear: (): void => frames.clear(),
  };
}
