import { describe, expect, it } from 'vitest';
import type { AnalysisFrame } from '../../main/analytics/analysisFrame.js';
import { createFrameCache } from '../../main/analytics/frameCache.js';

/** A stand-in frame whose held bytes the test sets (frames grow as columns are built on use). */
function fakeFrame(bytes: number): AnalysisFrame & { bytes: number } {
  const frame = { bytes, heldBytes: () => frame.bytes };
  return frame as unknown as AnalysisFrame & { bytes: number };
}

describe('the frame cache', () => {
  it('builds a frame once per pair and stamp, and drops the experiment’s frames under an older stamp', () => {
    const cache = createFrameCache(1000, 8);
    let builds = 0;
    const build = () => (builds++, fakeFrame(10));
    const a = cache.frame(1, 'pair-a', 'epochs-1', build);
    expect(cache.frame(1, 'pair-a', 'epochs-1', build)).toBe(a);
    cache.frame(1, 'pair-b', 'epochs-1', build);
    cache.frame(2, 'pair-a', 'epochs-1', build);
    expect(builds).toBe(3);
    expect(cache.stats()).toEqual({ frames: 3, bytes: 30 });
    // Experiment 1 recorded an epoch: its old frames go, experiment 2's stays.
    expect(cache.frame(1, 'pair-a', 'epochs-2', build)).not.toBe(a);
    expect(cache.stats()).toEqual({ frames: 2, bytes: 20 });
  });

  it('evicts the least recently used frames by the bytes they hold now, never the one asked for', () => {
    const cache = createFrameCache(100, 8);
    const frames = ['a', 'b', 'c'].map(() => fakeFrame(30));
    frames.forEach((f, k) => cache.frame(k, 'pair', 's', () => f));
    expect(cache.stats().frames).toBe(3);
    // a grows after it was handed out; asking for c measures again and a, the least recent, goes.
    frames[0]!.bytes = 50;
    cache.frame(2, 'pair', 's', () => fakeFrame(0));
    expect(cache.stats()).toEqual({ frames: 2, bytes: 60 });
    frames[2]!.bytes = 500;
    expect(cache.frame(2, 'pair', 's', () => fakeFrame(0))).toBe(frames[2]);
    expect(cache.stats()).toEqual({ frames: 1, bytes: 500 });
  });

  it('keeps at most its count of frames', () => {
    const cache = createFrameCache(Infinity, 2);
    for (let k = 0; k < 5; k++) cache.frame(k, 'pair', 's', () => fakeFrame(1));
    expect(cache.stats().frames).toBe(2);
  });
});
