// SPEC.md M1–M6 against numbers worked out by hand for a 3-example, 3-class table, against plain
// independent computations, and on a student that copies its teacher (SPEC experiment 1).
import { describe, expect, it } from 'vitest';
import {
  PROB_FLOOR,
  accuracy,
  argmaxRows,
  binnedDeviation,
  bootstrapBetas,
  bootstrapInterval,
  centredPairs,
  chooseClass,
  exaggerationSlope,
  fidelity,
  hardPointFitRate,
  klPerExample,
  labelProbabilityTrajectory,
  logitConfidence,
  logitConfidenceFromLogits,
  meanKl,
  perExampleDeviation,
  underfitsLowConfidence,
} from '../../shared/deviationMetrics.js';
import { bootstrapJump, bootstrapStartState, createBootstrapStream, createRandom, jumpState, xorshiftStep } from '../../shared/seededRandom.js';

const { log } = Math;
const C = 3;
// Teacher: top classes 0, 1, 2; labels 0, 2, 2 → the teacher gets examples 0 and 2 right.
const teacher = new Float32Array([0.5, 0.25, 0.25, 0.2, 0.6, 0.2, 0.1, 0.1, 0.8]);
// Student: top classes 1, 1 (a tie of 0.4 and 0.4 → the lower index), 2 → only example 2 right.
const student = new Float32Array([0.25, 0.5, 0.25, 0.2, 0.4, 0.4, 0.1, 0.2, 0.7]);
const labels = new Int32Array([0, 2, 2]);

// φ(p) = ln(p / (1 − p)) by hand, k = k_T = (0, 1, 2):
// a = (φ(0.5), φ(0.6), φ(0.8)) = (0, ln 1.5, ln 4); b = (φ(0.25), φ(0.4), φ(0.7)) = (−ln 3, −ln 1.5, ln 7/3).
const A_TOP = [0, log(1.5), log(4)];
const B_TOP = [-log(3), -log(1.5), log(7 / 3)];
// k = y = (0, 2, 2): a = (φ(0.5), φ(0.2), φ(0.8)) = (0, −ln 4, ln 4); b = (φ(0.25), φ(0.4), φ(0.7)).
const A_LABEL = [0, -log(4), log(4)];
const B_LABEL = [-log(3), log(2 / 3), log(7 / 3)];
// KL(p^T ‖ p^S) = Σ p^T ln(p^T / p^S):
// ex 0: ½ln2 + ¼ln½ + 0 = ¼ln2; ex 1: 0 + 0.6 ln1.5 + 0.2 ln½; ex 2: 0 + 0.1 ln½ + 0.8 ln(8/7).
const KL = [0.25 * log(2), 0.6 * log(1.5) - 0.2 * log(2), -0.1 * log(2) + 0.8 * log(8 / 7)];

function expectClose(actual: ArrayLike<number>, expected: readonly number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i]).toBeCloseTo(value, digits));
}

/** A random n × C table of float32 softmax probabilities, with its float64 logits. */
function randomTable(n: number, numClasses: number, seed: number, scale = 3): { logits: Float64Array; probs: Float32Array } {
  const random = createRandom(seed);
  const logits = new Float64Array(n * numClasses);
  const probs = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < numClasses; c++) {
      const z = (random.next() * 2 - 1) * scale;
      logits[i * numClasses + c] = z;
      sum += Math.exp(z);
    }
    for (let c = 0; c < numClasses; c++) probs[i * numClasses + c] = Math.exp(logits[i * numClasses + c]!) / sum;
  }
  return { logits, probs };
}

/** Plain OLS through the 2 × 2 normal equations, no centring. */
function naiveOls(x: readonly number[], y: readonly number[]): { beta: number; intercept: number } {
  const n = x.length;
  const sx = x.reduce((s, v) => s + v, 0);
  const sy = y.reduce((s, v) => s + v, 0);
  const sxx = x.reduce((s, v) => s + v * v, 0);
  const sxy = x.reduce((s, v, i) => s + v * y[i]!, 0);
  const beta = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { beta, intercept: (sy - beta * sx) / n };
}

describe('M1 logit-transformed confidence', () => {
  it('chooses k_T (ties → lowest index) or the label', () => {
    expect(Array.from(chooseClass(teacher, labels))).toEqual([0, 1, 2]);
    expect(Array.from(chooseClass(teacher, labels, 'label'))).toEqual([0, 2, 2]);
    expect(Array.from(argmaxRows(student, C))).toEqual([1, 1, 2]);
  });

  it('matches the hand-worked φ at k_T and at the label', () => {
    const kTop = chooseClass(teacher, labels);
    expectClose(logitConfidence(teacher, C, kTop), A_TOP);
    expectClose(logitConfidence(student, C, kTop), B_TOP);
    const kLabel = chooseClass(teacher, labels, 'label');
    expectClose(logitConfidence(teacher, C, kLabel), A_LABEL);
    expectClose(logitConfidence(student, C, kLabel), B_LABEL);
    // One class for every example.
    expectClose(logitConfidence(teacher, C, 0), [0, log(0.25), log(0.1 / 0.9)]);
  });

  it('equals log(p / (1 − p)) and the logits form within 1e-5 (SPEC experiment 1)', () => {
    const numClasses = 10;
    const { logits, probs } = randomTable(2000, numClasses, 7);
    const k = chooseClass(probs, new Int32Array(2000));
    const fromProbs = logitConfidence(probs, numClasses, k);
    const fromLogits = logitConfidenceFromLogits(logits, numClasses, k);
    for (let i = 0; i < 2000; i++) {
      const p = probs[i * numClasses + k[i]!]!;
      expect(Math.abs(fromProbs[i]! - log(p / (1 - p)))).toBeLessThan(1e-5);
      expect(Math.abs(fromProbs[i]! - fromLogits[i]!)).toBeLessThan(1e-5);
    }
  });

  it('keeps precision where 1 − p rounds to 0 and stays finite at p = 0 or 1', () => {
    // logits (20, 0, 0): φ = 20 − ln 2; in float32 p_0 rounds to 1 but the others keep ≈ 2e-9 each.
    const logits = [20, 0, 0];
    const probs = new Float32Array(logits.map((z) => Math.exp(z - 20) / (1 + 2 * Math.exp(-20))));
    expect(probs[0]).toBe(1);
    expect(logitConfidenceFromLogits(logits, 3, 0)[0]).toBeCloseTo(20 - log(2), 12);
    expect(logitConfidence(probs, 3, 0)[0]).toBeCloseTo(20 - log(2), 5);
    // Exact one-hots clamp at the floor: ±ln(1/floor).
    const oneHot = new Float32Array([1, 0, 0]);
    expect(logitConfidence(oneHot, 3, 0)[0]).toBeCloseTo(-log(PROB_FLOOR), 10);
    expect(logitConfidence(oneHot, 3, 1)[0]).toBeCloseTo(log(PROB_FLOOR), 10);
    expect(logitConfidenceFromLogits([log(2), 0, 0], 3, [0])[0]).toBeCloseTo(0, 12);
  });

  it('rejects bad shapes and classes', () => {
    expect(() => logitConfidence(teacher, 4, 0)).toThrow(RangeError);
    expect(() => logitConfidence(teacher, C, [0, 1])).toThrow(RangeError);
    expect(() => logitConfidence(teacher, C, [0, 1, 3])).toThrow(RangeError);
    expect(() => chooseClass(teacher, [0, 1])).toThrow(RangeError);
  });
});

describe('M2 exaggeration slope', () => {
  it('fits the hand-made table as plain OLS does', () => {
    const fit = exaggerationSlope(A_TOP, B_TOP, { bootstrap: 200, seed: 1 });
    const expected = naiveOls(A_TOP, B_TOP);
    expect(fit.n).toBe(3);
    expect(fit.beta).toBeCloseTo(expected.beta, 10);
    expect(fit.intercept).toBeCloseTo(expected.intercept, 10);
  });

  it('skips pairs that are not finite', () => {
    const fit = exaggerationSlope([...A_TOP, NaN, 1, Infinity], [...B_TOP, 1, NaN, 2], { bootstrap: 0 });
    expect(fit.n).toBe(3);
    expect(fit.beta).toBeCloseTo(naiveOls(A_TOP, B_TOP).beta, 10);
    expect(fit.ci95).toEqual([NaN, NaN]);
  });

  it('matches an independent bootstrap drawn from the same seeded stream', () => {
    const random = createRandom(3);
    const x = Array.from({ length: 200 }, () => random.next() * 4 - 2);
    const y = x.map((v) => 1.3 * v + 0.5 + (random.next() - 0.5));
    const fit = exaggerationSlope(x, y, { bootstrap: 300, seed: 42 });
    const draws = createBootstrapStream(42);
    const betas: number[] = [];
    for (let r = 0; r < 300; r++) {
      const idx = Array.from({ length: 200 }, () => draws.int(200));
      betas.push(naiveOls(idx.map((i) => x[i]!), idx.map((i) => y[i]!)).beta);
    }
    betas.sort((p, q) => p - q);
    // numpy's linear percentile: position q/100 · (B − 1).
    const pct = (q: number): number => {
      const pos = (q / 100) * (betas.length - 1);
      const lo = Math.floor(pos);
      return betas[lo]! + (pos - lo) * (betas[lo + 1]! - betas[lo]!);
    };
    expect(fit.ci95[0]).toBeCloseTo(pct(2.5), 9);
    expect(fit.ci95[1]).toBeCloseTo(pct(97.5), 9);
    expect(fit.ci95[0]).toBeLessThan(fit.beta);
    expect(fit.ci95[1]).toBeGreaterThan(fit.beta);
    expect(fit.ci95[0]).toBeLessThan(1.3);
    expect(fit.ci95[1]).toBeGreaterThan(1.3);
  });

  it('gives the same interval for the same seed and another for another seed', () => {
    const random = createRandom(9);
    const x = Array.from({ length: 500 }, () => random.next());
    const y = x.map((v) => 0.8 * v + random.next());
    const first = exaggerationSlope(x, y, { seed: 5 });
    const again = exaggerationSlope(x, y, { seed: 5 });
    const other = exaggerationSlope(x, y, { seed: 6 });
    expect(again.ci95).toEqual(first.ci95);
    expect(other.ci95).not.toEqual(first.ci95);
    expect(other.beta).toBe(first.beta);
  });

  it('is NaN without spread in a', () => {
    expect(exaggerationSlope([1, 1, 1], [1, 2, 3]).beta).toBeNaN();
    expect(exaggerationSlope([0.1, 0.1, 0.1], [1, 2, 3]).beta).toBeNaN();
    // Two distinct points: many resamples repeat one point and are dropped, never ±huge.
    const two = exaggerationSlope([0.1, 0.3], [0.7, 0.2], { seed: 2 });
    expect(two.beta).toBeCloseTo(-2.5, 10);
    expect(two.ci95[0]).toBeCloseTo(-2.5, 6);
    expect(two.ci95[1]).toBeCloseTo(-2.5, 6);
    expect(exaggerationSlope([], []).n).toBe(0);
  });
});

/** β of every bootstrap resample drawn one pair at a time from createBootstrapStream (NaN: no spread, dropped), the plain way. */
function naiveBetas(x: readonly number[], y: readonly number[], resamples: number, seed: number): number[] {
  const fit = centredPairs(x, y);
  const draws = createBootstrapStream(seed);
  return Array.from({ length: resamples }, () => {
    let [sa, sb, saa, sab] = [0, 0, 0, 0];
    for (let t = 0; t < fit.n; t++) {
      const i = draws.int(fit.n);
      sa += fit.ca[i]!;
      sb += fit.cb[i]!;
      saa += fit.ca[i]! * fit.ca[i]!;
      sab += fit.ca[i]! * fit.cb[i]!;
    }
    const den = saa - (sa * sa) / fit.n;
    return den > 1e-12 * saa ? (sab - (sa * sb) / fit.n) / den : NaN;
  });
}

describe('M2 bootstrap resampling', () => {
  const random = createRandom(11);
  const x = Array.from({ length: 700 }, () => random.next() * 6 - 3);
  const ys = [1.3, 0.8, 1].map((slope) => x.map((v) => slope * v + random.next() - 0.5));
  const fit = centredPairs(x, ys[0]!);
  const group = { x: fit.ca, ys: ys.map((y) => centredPairs(x, y).cb) };

  it('jumps the stream k draws ahead to the state k steps give', () => {
    for (const start of [1, bootstrapStartState(0), bootstrapStartState(42), -7]) {
      let stepped = start;
      for (let k = 0; k <= 2000; k++) {
        if ([0, 1, 2, 31, 32, 33, 1000, 2000].includes(k)) expect(jumpState(bootstrapJump(k), start), `k = ${k}`).toBe(stepped);
        stepped = xorshiftStep(stepped);
      }
    }
    // far ahead: 700 resamples of 700 draws, against the stream's own draws
    const draws = createBootstrapStream(5);
    for (let t = 0; t < 490_000; t++) draws.int(2);
    const jumped = jumpState(bootstrapJump(490_000), bootstrapStartState(5));
    expect(draws.int(0x1_0000_0000)).toBe(xorshiftStep(jumped) >>> 0);
  });

  it('gives each resample the β of its draws counted one by one, for every column of a group', () => {
    const betas = bootstrapBetas([group], fit.n, 3, 0, 40);
    ys.forEach((y, j) => {
      const naive = naiveBetas(x, y, 40, 3);
      betas[0]![j]!.forEach((beta, r) => expect(beta).toBeCloseTo(naive[r]!, 10));
    });
  });

  it('gives the same βs to the bit when the resamples are cut into ranges (one per thread)', () => {
    const whole = bootstrapBetas([group], fit.n, 9, 0, 100)[0]!;
    const cuts = [0, 13, 50, 51, 100];
    const parts = cuts.slice(1).map((to, j) => bootstrapBetas([group], fit.n, 9, cuts[j]!, to)[0]!);
    ys.forEach((_, c) => expect(Float64Array.from(parts.flatMap((p) => Array.from(p[c]!)))).toEqual(whole[c]));
    // and a column alone gets what it gets beside the others
    expect(bootstrapBetas([{ x: group.x, ys: [group.ys[1]!] }], fit.n, 9, 50, 100)[0]![0]).toEqual(whole[1]!.subarray(50));
    expect(bootstrapInterval(whole[0]!)).toEqual(exaggerationSlope(x, ys[0]!, { bootstrap: 100, seed: 9 }).ci95);
  });

  it('redraws a resample pair by pair when its counts do not add up to n (a count wrapped past 255)', () => {
    const clean = bootstrapBetas([group], fit.n, 4, 0, 20);
    // Counts that start at 255 wrap on their first draw: every resample of the first pass is redrawn.
    const wrapped = Array.from({ length: 8 }, () => new Uint8Array(fit.n).fill(255));
    const redrawn = bootstrapBetas([group], fit.n, 4, 0, 20, wrapped);
    redrawn[0]!.forEach((betas, j) => betas.forEach((beta, r) => expect(beta).toBeCloseTo(clean[0]![j]![r]!, 10)));
    for (const counts of wrapped) expect(counts.every((c) => c === 0)).toBe(true);
  });

  it('resamples two and three pairs: no-spread resamples dropped, as drawn one by one', () => {
    for (const [xs, y] of [
      [[0, 1], [0.5, 2]],
      [[0, 1, 3], [1, 0, 4]],
    ] as const) {
      const naive = naiveBetas(xs, y, 200, 1);
      const kept = naive.filter((b) => !Number.isNaN(b)).sort((p, q) => p - q);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(200);
      const betas = bootstrapBetas([{ x: centredPairs(xs, y).ca, ys: [centredPairs(xs, y).cb] }], xs.length, 1, 0, 200)[0]![0]!;
      expect(Array.from(betas, Number.isNaN)).toEqual(naive.map(Number.isNaN));
      const pct = (q: number) => {
        const pos = (q / 100) * (kept.length - 1);
        const lo = Math.floor(pos);
        return kept[lo]! + (pos - lo) * (kept[Math.min(lo + 1, kept.length - 1)]! - kept[lo]!);
      };
      const ci = exaggerationSlope(xs, y, { bootstrap: 200, seed: 1 }).ci95;
      expect(ci[0]).toBeCloseTo(pct(2.5), 10);
      expect(ci[1]).toBeCloseTo(pct(97.5), 10);
    }
  });
});

describe('M3 binned deviation', () => {
  it('bins the hand-made table', () => {
    const result = binnedDeviation(A_TOP, B_TOP, 3);
    expect(Array.from(result.counts)).toEqual([1, 1, 1]);
    expectClose(result.edges, [0, log(1.5), log(4), log(4)], 10);
    expectClose(result.centres, A_TOP, 10);
    expectClose(result.delta, [-log(3), -2 * log(1.5), log(7 / 12)], 10);
    expect(Array.from(result.binIndex)).toEqual([0, 1, 2]);
  });

  it('makes bins of equal counts, ties included, deterministically', () => {
    const random = createRandom(11);
    const a = Array.from({ length: 1000 }, () => random.int(7)); // heavy ties
    const b = a.map((v) => v + random.next());
    const result = binnedDeviation(a, b);
    expect(Array.from(result.counts)).toEqual(Array(10).fill(100));
    expect(Array.from(binnedDeviation(a, b).binIndex)).toEqual(Array.from(result.binIndex));
    // Bins are ordered by a: every value of bin j is ≤ every value of bin j + 1.
    for (let j = 0; j < 9; j++) {
      const hi = Math.max(...a.filter((_, i) => result.binIndex[i] === j));
      const lo = Math.min(...a.filter((_, i) => result.binIndex[i] === j + 1));
      expect(hi).toBeLessThanOrEqual(lo);
    }
    // Independent check: Δ_j from sorting (a, index) and cutting at floor(j·n/10).
    const order = a.map((_, i) => i).sort((i, j) => a[i]! - a[j]! || i - j);
    for (let j = 0; j < 10; j++) {
      const members = order.slice(j * 100, (j + 1) * 100);
      expect(result.delta[j]).toBeCloseTo(members.reduce((s, i) => s + b[i]! - a[i]!, 0) / 100, 10);
    }
    // n not divisible by the bin count: counts differ by at most one.
    const uneven = binnedDeviation(a.slice(0, 993), b.slice(0, 993));
    expect(Math.max(...uneven.counts) - Math.min(...uneven.counts)).toBeLessThanOrEqual(1);
    expect(uneven.counts.reduce((s, v) => s + v, 0)).toBe(993);
  });

  it('sorts as a comparison sort by (a, index) does: negatives, ties, −0, tiny and huge values, non-finite pairs left out', () => {
    const random = createRandom(17);
    // ±1 ± 2⁻⁴⁰, 2⁻⁴⁵: the same high 32 bits as ±1, told apart by the low ones
    const pool = [0, -0, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 2.5, -2.5, 27.6, -27.6, -1, -1 - 2 ** -40, -1 - 2 ** -45, 1 + 2 ** -40, 1 + 2 ** -45];
    const a = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? pool[Math.floor(random.next() * pool.length)]! : (random.next() - 0.5) * 10 ** Math.floor(random.next() * 8 - 4)));
    a[7] = NaN;
    a[11] = Infinity;
    const b = a.map((_, i) => (i === 13 ? NaN : random.next()));
    const kept = a.map((_, i) => i).filter((i) => Number.isFinite(a[i]!) && Number.isFinite(b[i]!));
    // (a, index): −0 and +0 are equal, as < and > see them
    const sorted = [...kept].sort((i, j) => (a[i]! < a[j]! ? -1 : a[i]! > a[j]! ? 1 : i - j));
    // one bin per pair: each pair's bin is its rank
    const rank = new Int32Array(a.length).fill(-1);
    sorted.forEach((i, s) => (rank[i] = s));
    expect(Array.from(binnedDeviation(a, b, sorted.length).binIndex)).toEqual(Array.from(rank));
    expect(binnedDeviation(a, b, 7).counts.reduce((sum, c) => sum + c, 0)).toBe(sorted.length);
  });

  it('flags a student that shrinks the low-confidence points', () => {
    const random = createRandom(13);
    const a = Array.from({ length: 1000 }, () => random.next() * 10 - 5);
    const median = [...a].sort((p, q) => p - q)[500]!;
    const shrunk = a.map((v) => (v < median ? v - 1 : v));
    const result = binnedDeviation(a, shrunk);
    expect(result.delta[0]).toBeCloseTo(-1, 12);
    expect(result.delta[9]).toBeCloseTo(0, 12);
    expect(underfitsLowConfidence(result)).toBe(true);
    expect(underfitsLowConfidence(binnedDeviation(a, a))).toBe(false);
    expect(underfitsLowConfidence(binnedDeviation(a, a.map((v) => (v < median ? v + 1 : v))))).toBe(false);
  });

  it('leaves empty bins NaN and skips non-finite pairs', () => {
    const result = binnedDeviation([1, NaN, 2], [1, 5, Infinity], 3);
    expect(Array.from(result.counts)).toEqual([0, 0, 1]);
    expect(result.delta[0]).toBeNaN();
    expect(Array.from(result.binIndex)).toEqual([2, -1, -1]);
  });

  it('measures the hard-point fit rate on the teacher’s lowest-confidence quartile', () => {
    // 8 examples, 2 classes; the two lowest a are examples 5 and 2; the student is right on 5 only.
    const a = [3, 4, -1, 5, 6, -2, 7, 8];
    const labels8 = [0, 0, 1, 0, 0, 1, 0, 0];
    const studentRows = [
      [0.9, 0.1], [0.1, 0.9], [0.8, 0.2], [0.9, 0.1],
      [0.9, 0.1], [0.3, 0.7], [0.9, 0.1], [0.9, 0.1],
    ];
    expect(hardPointFitRate(a, new Float32Array(studentRows.flat()), labels8, 2)).toBe(0.5);
    expect(hardPointFitRate(a, new Float32Array(studentRows.flat()), labels8, 2, 0.5)).toBe(0.5); // + ex 0 right, ex 1 wrong
    expect(hardPointFitRate([1], new Float32Array([1, 0]), [0], 2)).toBeNaN();
  });
});

describe('M4–M6', () => {
  it('match the hand-worked table', () => {
    expect(accuracy(teacher, labels, C)).toBeCloseTo(2 / 3, 12);
    expect(accuracy(student, labels, C)).toBeCloseTo(1 / 3, 12);
    expect(fidelity(teacher, student, C)).toBeCloseTo(2 / 3, 12);
    expectClose(klPerExample(teacher, student, C), KL);
    expect(meanKl(teacher, student, C)).toBeCloseTo((KL[0]! + KL[1]! + KL[2]!) / 3, 6);
  });

  it('take 0·log 0 = 0 and clamp the student at the floor', () => {
    expect(meanKl(new Float32Array([1, 0, 0]), new Float32Array([1, 0, 0]), 3)).toBe(0);
    expect(meanKl(new Float32Array([1, 0, 0]), new Float32Array([0, 1, 0]), 3)).toBeCloseTo(-log(PROB_FLOOR), 10);
    expect(accuracy(new Float32Array(0), [], 3)).toBeNaN();
  });
});

describe('a student that copies its teacher (SPEC experiment 1)', () => {
  const numClasses = 10;
  const n = 1000;
  const { probs } = randomTable(n, numClasses, 21);
  const copy = new Float32Array(probs);
  const labelsN = Int32Array.from({ length: n }, (_, i) => i % numClasses);

  it('gives β = 1 with a zero-width interval, intercept 0, KL 0 and fidelity 1', () => {
    const rows = perExampleDeviation(probs, copy, labelsN, numClasses);
    const fit = exaggerationSlope(rows.a, rows.b, { seed: 1 });
    expect(fit.n).toBe(n);
    expect(fit.beta).toBe(1);
    expect(fit.intercept).toBe(0);
    expect(fit.ci95).toEqual([1, 1]);
    expect(meanKl(probs, copy, numClasses)).toBe(0);
    expect(fidelity(probs, copy, numClasses)).toBe(1);
    expect(accuracy(copy, labelsN, numClasses)).toBe(accuracy(probs, labelsN, numClasses));
    expect(rows.deviation.every((d) => d === 0)).toBe(true);
    expect(Array.from(rows.studentCorrect)).toEqual(Array.from(rows.teacherCorrect));
    expect(underfitsLowConfidence(binnedDeviation(rows.a, rows.b))).toBe(false);
  });
});

describe('per-example helpers', () => {
  it('perExampleDeviation matches the hand-worked table in both modes', () => {
    const top = perExampleDeviation(teacher, student, labels, C);
    expect(Array.from(top.k)).toEqual([0, 1, 2]);
    expectClose(top.a, A_TOP);
    expectClose(top.b, B_TOP);
    expectClose(top.deviation, B_TOP.map((v, i) => v - A_TOP[i]!));
    expect(Array.from(top.teacherCorrect)).toEqual([1, 0, 1]);
    expect(Array.from(top.studentCorrect)).toEqual([0, 0, 1]);
    expectClose(top.kl, KL);
    const byLabel = perExampleDeviation(teacher, student, labels, C, 'label');
    expect(Array.from(byLabel.k)).toEqual([0, 2, 2]);
    expectClose(byLabel.a, A_LABEL);
    expectClose(byLabel.b, B_LABEL);
  });

  it('labelProbabilityTrajectory gives the mean, population std and correctness across epochs', () => {
    // Example 0 (label 1): p_label 0.5 (right), 0.3 (wrong) → mean 0.4, std 0.1, correctness ½.
    // Example 1 (label 0): p_label 0.9, 0.7 (right both times) → mean 0.8, std 0.1, correctness 1.
    const epoch1 = new Float32Array([0.2, 0.5, 0.3, 0.9, 0.05, 0.05]);
    const epoch2 = new Float32Array([0.6, 0.3, 0.1, 0.7, 0.2, 0.1]);
    const trajectory = labelProbabilityTrajectory([epoch1, epoch2], [1, 0], 3);
    expectClose(trajectory.mean, [0.4, 0.8]);
    expectClose(trajectory.std, [0.1, 0.1]);
    expectClose(trajectory.correctness, [0.5, 1]);
  });
});
