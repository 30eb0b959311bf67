import { describe, expect, it } from 'vitest';
import { bootstrapSumsKernel, createBootstrapSumsKernel } from '../../shared/bootstrapSums.js';
import { bootstrapBetas, centredPairs, type BootstrapGroup } from '../../shared/deviationMetrics.js';
import { createRandom } from '../../shared/seededRandom.js';

/** Groups of centred columns of random pairs (several students per teacher). */
function randomGroups(n: number, shape: number[], seed: number): BootstrapGroup[] {
  const random = createRandom(seed);
  return shape.map((students) => {
    const a = Array.from({ length: n }, () => random.next() * 4 - 1);
    const fits = Array.from({ length: students }, () => centredPairs(a, a.map((v) => 0.7 * v + random.next() - 0.5)));
    return { x: fits[0]!.ca, ys: fits.map((f) => f.cb) };
  });
}

/** Every β to the bit: same bits of each float64 (NaN included). */
function bits(betas: Float64Array[][]): string[] {
  return betas.flatMap((g) => g.map((column) => Buffer.from(column.buffer, column.byteOffset, column.byteLength).toString('hex')));
}

describe('the bootstrap WebAssembly kernel', () => {
  const kernel = createBootstrapSumsKernel();

  it('is available under Node (WebAssembly SIMD), one per thread', () => {
    expect(kernel).not.toBeNull();
    expect(bootstrapSumsKernel()).toBe(bootstrapSumsKernel());
  });

  for (const [label, n, shape, from, to] of [
    ['an odd n over several blocks, two groups of three and one columns', 5_001, [3, 1], 0, 37],
    ['n smaller than a block, a range starting mid-stream', 301, [2], 13, 30],
    ['an even n of whole blocks, a pass cut short', 4_096, [1, 2], 5, 11],
    ['a single pair (every resample without spread)', 1, [1], 0, 9],
    ['three pairs (some resamples without spread)', 3, [2], 0, 64],
  ] as const) {
    it(`gives the JavaScript loops' βs to the bit: ${label}`, () => {
      const groups = randomGroups(n, [...shape], n);
      const js = bootstrapBetas(groups, n, 7, from, to, undefined, null);
      const wasm = bootstrapBetas(groups, n, 7, from, to, undefined, kernel);
      expect(bits(wasm)).toEqual(bits(js));
      expect(wasm[0]![0]!.length).toBe(to - from);
    });
  }

  it('drops resamples without spread as NaN on both paths', () => {
    const groups = [{ x: centredPairs([0, 1, 3], [1, 0, 4]).ca, ys: [centredPairs([0, 1, 3], [1, 0, 4]).cb] }];
    const wasm = bootstrapBetas(groups, 3, 1, 0, 200, undefined, kernel)[0]![0]!;
    const js = bootstrapBetas(groups, 3, 1, 0, 200, undefined, null)[0]![0]!;
    const dropped = Array.from(wasm, Number.isNaN);
    expect(dropped.some(Boolean)).toBe(true);
    expect(dropped.every(Boolean)).toBe(false);
    expect(bits([[wasm]])).toEqual(bits([[js]]));
  });

  it('reuses its memory across calls and grows it for a larger n', () => {
    const small = randomGroups(1_001, [2], 3);
    const large = randomGroups(70_001, [2], 4);
    const first = bits(bootstrapBetas(small, 1_001, 2, 0, 8, undefined, kernel));
    bits(bootstrapBetas(large, 70_001, 2, 0, 8, undefined, kernel));
    expect(bits(bootstrapBetas(small, 1_001, 2, 0, 8, undefined, kernel))).toEqual(first);
    expect(bits(bootstrapBetas(large, 70_001, 2, 0, 8, undefined, kernel))).toEqual(bits(bootstrapBetas(large, 70_001, 2, 0, 8, undefined, null)));
  });

  it('leaves to the JavaScript loops what its memory cannot hold', () => {
    const groups = randomGroups(1_001, [2], 6);
    const refusing = createBootstrapSumsKernel()!;
    expect(refusing.load(1 << 28, 8, [new Float64Array(0), new Float64Array(0)])).toBe(false); // 2 GiB of counts + 4 GiB of columns
    let loads = 0;
    refusing.load = () => (loads++, false);
    expect(bits(bootstrapBetas(groups, 1_001, 3, 0, 10, undefined, refusing))).toEqual(bits(bootstrapBetas(groups, 1_001, 3, 0, 10, undefined, null)));
    expect(loads).toBe(1);
  });

  it('redraws a resample pair by pair when its counts wrap past 255, as the JavaScript path does', () => {
    const n = 2_049;
    const groups = randomGroups(n, [2], 5);
    const clean = bootstrapBetas(groups, n, 4, 0, 20, undefined, kernel);
    // Counts that start at 255 wrap on their first draw: every resample of the first pass is redrawn.
    const wrapping = createBootstrapSumsKernel()!;
    const count = wrapping.countDraws.bind(wrapping);
    let passes = 0;
    wrapping.countDraws = (starts) => {
      if (passes++ === 0) for (let k = 0; k < starts.length; k++) wrapping.counts(k).fill(255);
      count(starts);
    };
    const redrawn = bootstrapBetas(groups, n, 4, 0, 20, undefined, wrapping);
    const jsWrapped = bootstrapBetas(groups, n, 4, 0, 20, Array.from({ length: 8 }, () => new Uint8Array(n).fill(255)), null);
    expect(bits(redrawn)).toEqual(bits(jsWrapped));
    redrawn[0]!.forEach((betas, j) => betas.forEach((beta, r) => expect(beta).toBeCloseTo(clean[0]![j]![r]!, 10)));
    expect(bits(redrawn)).not.toEqual(bits(clean)); // the redraw adds pair by pair, not in blocks
    for (let k = 0; k < 8; k++) expect(wrapping.counts(k).every((c) => c === 0)).toBe(true);
  });
});
