// SPEC.md metrics M1–M6 of a student against its teacher at one epoch and split, plus the
// per-example numbers the explorer filters on. Pure functions over flat row-major tables:
// `probs[i * C + c]` is example i's probability of class c (the decoded `predictions.probs`
// BLOBs laid end to end). All arithmetic is in float64; docs/metrics.md states every formula
// exactly as computed here and how to recompute it with SQL + numpy.
import { bootstrapStartState } from './seededRandom.js';

/** Probabilities are clamped below at this floor before any logarithm, so φ and KL stay finite. */
export const PROB_FLOOR = 1e-12;

/** Which class k the confidence φ(p_k) is read at: the teacher's top class (default) or the label. */
export type ClassChoice = 'teacher-top' | 'label';

type Numbers = ArrayLike<number>;

function rowCount(table: Numbers, numClasses: number, what: string): number {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new RangeError(`numClasses must be an integer ≥ 2, got ${numClasses}`);
  if (table.length % numClasses !== 0) throw new RangeError(`${what}: length ${table.length} is not a multiple of ${numClasses} classes`);
  return table.length / numClasses;
}

function sameRows(n: number, other: number, what: string): void {
  if (n !== other) throw new RangeError(`${what}: ${other} rows, expected ${n}`);
}

function classAt(k: Numbers | number, i: number, numClasses: number): number {
  const c = typeof k === 'number' ? k : k[i]!;
  if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new RangeError(`class index ${c} of example ${i} is outside 0..${numClasses - 1}`);
  return c;
}

/** Index of the largest entry of the row at `offset` (ties → lowest index; NaN entries never win). */
export function argmaxRow(probs: Numbers, offset: number, numClasses: number): number {
  let top = 0;
  let best = probs[offset]!;
  for (let c = 1; c < numClasses; c++) {
    const v = probs[offset + c]!;
    if (v > best || (Number.isNaN(best) && !Number.isNaN(v))) {
      best = v;
      top = c;
    }
  }
  return top;
}

/** Top class of every row (ties → lowest index). */
export function argmaxRows(probs: Numbers, numClasses: number): Int32Array {
  const n = rowCount(probs, numClasses, 'probs');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = argmaxRow(probs, i * numClasses, numClasses);
  return out;
}

// ---------------------------------------------------------------------------------------------
// M1 logit-transformed confidence

/**
 * The class k per example: `'teacher-top'` → k_T = argmax_c p^T_c (ties → lowest index),
 * `'label'` → the given label. The number of classes is `teacherProbs.length / labels.length`.
 */
export function chooseClass(teacherProbs: Numbers, labels: Numbers, mode: ClassChoice = 'teacher-top'): Int32Array {
  const n = labels.length;
  if (n === 0) {
    if (teacherProbs.length !== 0) throw new RangeError('chooseClass: no labels for a non-empty probability table');
    return new Int32Array(0);
  }
  const numClasses = teacherProbs.length / n;
  rowCount(teacherProbs, numClasses, 'chooseClass teacherProbs');
  if (mode === 'teacher-top') return argmaxRows(teacherProbs, numClasses);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = classAt(labels, i, numClasses);
  return out;
}

/**
 * φ(p_k) = log(p_k / (1 − p_k)) per example, computed as
 * log(max(p_k, floor)) − log(max(Σ_{c≠k} p_c, floor)); the other classes are summed, 1 − p_k is
 * never formed, so confident predictions keep their precision. Range ±log(1/floor) ≈ ±27.63.
 * `classIndex` is one class per example or a single class for all.
 */
export function logitConfidence(probs: Numbers, numClasses: number, classIndex: Numbers | number, floor = PROB_FLOOR): Float64Array {
  const n = rowCount(probs, numClasses, 'logitConfidence probs');
  if (typeof classIndex !== 'number') sameRows(n, classIndex.length, 'logitConfidence classIndex');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = logitConfidenceRow(probs, i * numClasses, numClasses, classAt(classIndex, i, numClasses), floor);
  return out;
}

/** φ(p_k) of the one row at `offset` (k already checked to be a class). */
export function logitConfidenceRow(probs: Numbers, offset: number, numClasses: number, k: number, floor = PROB_FLOOR): number {
  let others = 0;
  for (let c = 0; c < numClasses; c++) if (c !== k) others += probs[offset + c]!;
  return Math.log(Math.max(probs[offset + k]!, floor)) - Math.log(Math.max(others, floor));
}

/** φ(p_k) from logits: z_k − logsumexp_{c≠k} z_c (max-shifted; exact, no clamping). */
export function logitConfidenceFromLogits(logits: Numbers, numClasses: number, classIndex: Numbers | number): Float64Array {
  const n = rowCount(logits, numClasses, 'logitConfidenceFromLogits logits');
  if (typeof classIndex !== 'number') sameRows(n, classIndex.length, 'logitConfidenceFromLogits classIndex');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = classAt(classIndex, i, numClasses);
    const offset = i * numClasses;
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) if (c !== k) max = Math.max(max, logits[offset + c]!);
    let sum = 0;
    for (let c = 0; c < numClasses; c++) if (c !== k) sum += Math.exp(logits[offset + c]! - max);
    out[i] = logits[offset + k]! - (max + Math.log(sum));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// M2 exaggeration slope

export interface SlopeFit {
  /** least-squares slope of b on a; β > 1: the student exaggerates the teacher's confidence */
  beta: number;
  intercept: number;
  /** bootstrap percentile 95% interval of β: [2.5th, 97.5th] percentile, linear interpolation */
  ci95: [number, number];
  /** the finite (a, b) pairs used */
  n: number;
}

export interface SlopeOptions {
  /** bootstrap resamples (default 1000; 0 → ci95 = [NaN, NaN]) */
  bootstrap?: number;
  /** seed of the resampling stream (seededRandom mulberry32; default 0) */
  seed?: number;
}

/** Linear-interpolated percentile of an ascending array (numpy's default method). */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * β of `bootstrap` resamples of the centred pairs; resamples whose a has no spread are dropped.
 * The generator is inlined (the draws are exactly createBootstrapStream(seed).int(n)'s): at
 * 70,000 pairs × 1000 resamples the draw loop is most of a report's cost.
 */
function bootstrapSlopes(ca: Float64Array, cb: Float64Array, bootstrap: number, seed: number): Float64Array {
  const n = ca.length;
  // a and b side by side: one cache line per draw instead of two.
  const pairs = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    pairs[2 * i] = ca[i]!;
    pairs[2 * i + 1] = cb[i]!;
  }
  const betas = new Float64Array(bootstrap);
  let kept = 0;
  let state = bootstrapStartState(seed);
  const scale = n / 0x1_0000_0000;
  for (let r = 0; r < bootstrap; r++) {
    let sa = 0;
    let sb = 0;
    let saa = 0;
    let sab = 0;
    for (let t = 0; t < n; t++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      // u·(n/2³²) rounds the same exact product as (u/2³²)·n (both divisions are exact), and
      // `| 0` floors a non-negative value below 2³¹: the index is createBootstrapStream's int(n).
      const idx = 2 * (((state >>> 0) * scale) | 0);
      const x = pairs[idx]!;
      const y = pairs[idx + 1]!;
      sa += x;
      sb += y;
      saa += x * x;
      sab += x * y;
    }
    const den = saa - (sa * sa) / n;
    // A resample of a single distinct a has den ≈ 0 up to rounding: no slope, dropped.
    if (den > 1e-12 * saa) betas[kept++] = (sab - (sa * sb) / n) / den;
  }
  return betas.subarray(0, kept);
}

/**
 * Ordinary least squares b ≈ β·a + α₀ over the pairs where both a and b are finite, with a
 * bootstrap percentile 95% interval: `bootstrap` resamples of n pairs drawn with replacement
 * (index = createBootstrapStream(seed).int(n)); resamples whose a has no spread
 * (Σ(a − ā)² ≤ 1e-12·Σ a² on the centred values) are dropped from the percentiles. β and the
 * interval are NaN when a takes a single value. Cost: bootstrap × n draws (≈ 0.3–0.8 s for
 * 1000 × 70,000 in Node), so call it off the UI thread or with fewer resamples.
 */
export function exaggerationSlope(a: Numbers, b: Numbers, options: SlopeOptions = {}): SlopeFit {
  const { bootstrap = 1000, seed = 0 } = options;
  if (!Number.isInteger(bootstrap) || bootstrap < 0) throw new RangeError(`bootstrap must be a non-negative integer, got ${bootstrap}`);
  sameRows(a.length, b.length, 'exaggerationSlope b');
  let n = 0;
  let sumA = 0;
  let sumB = 0;
  let minA = Infinity;
  let maxA = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      n++;
      sumA += x;
      sumB += y;
      minA = Math.min(minA, x);
      maxA = Math.max(maxA, x);
    }
  }
  const meanA = sumA / n;
  const meanB = sumB / n;
  // Centre once on the full-sample means; every fit below is on the centred values.
  const ca = new Float64Array(n);
  const cb = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      ca[j] = x - meanA;
      cb[j] = y - meanB;
      j++;
    }
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ca[i]! * ca[i]!;
    sxy += ca[i]! * cb[i]!;
  }
  const beta = n >= 2 && minA < maxA ? sxy / sxx : NaN;
  const intercept = meanB - beta * meanA;

  // bootstrap 0 (the scatter, the report before its interval): no resampling, and no copy for it.
  const betas = n >= 2 && minA < maxA && bootstrap > 0 ? bootstrapSlopes(ca, cb, bootstrap, seed) : new Float64Array(0);
  const sorted = betas.sort();
  return { beta, intercept, ci95: [percentile(sorted, 2.5), percentile(sorted, 97.5)], n };
}

// ---------------------------------------------------------------------------------------------
// M3 low-confidence underfitting

export interface BinnedDeviation {
  /** bins + 1 edges: edges[j] = smallest a in bin j, edges[bins] = largest a (NaN for empty bins) */
  edges: Float64Array;
  /** mean a in each bin (the x of SPEC P2) */
  centres: Float64Array;
  /** Δ_j = mean(b − a) in bin j (NaN for an empty bin) */
  delta: Float64Array;
  counts: Int32Array;
  /** per example: its bin, or −1 where a or b is not finite */
  binIndex: Int32Array;
}

/**
 * Indices of the finite pairs sorted by a ascending, ties by example index: a bottom-up merge
 * sort (stable, so equal a keep index order) on a float64 copy, several times faster than
 * Array#sort with a comparator at 70,000 examples.
 */
function sortedFiniteIndices(a: Numbers, b?: Numbers): Int32Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!) && (b === undefined || Number.isFinite(b[i]!))) n++;
  let order = new Int32Array(n);
  let keys = new Float64Array(n);
  n = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]!) && (b === undefined || Number.isFinite(b[i]!))) {
      order[n] = i;
      keys[n] = a[i]!;
      n++;
    }
  }
  let nextOrder = new Int32Array(n);
  let nextKeys = new Float64Array(n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let out = lo;
      while (i < mid && j < hi) {
        // `<=` keeps the left run (lower example indices) first among equal keys.
        if (keys[i]! <= keys[j]!) {
          nextKeys[out] = keys[i]!;
          nextOrder[out++] = order[i++]!;
        } else {
          nextKeys[out] = keys[j]!;
          nextOrder[out++] = order[j++]!;
        }
      }
      while (i < mid) {
        nextKeys[out] = keys[i]!;
        nextOrder[out++] = order[i++]!;
      }
      while (j < hi) {
        nextKeys[out] = keys[j]!;
        nextOrder[out++] = order[j++]!;
      }
    }
    [order, nextOrder] = [nextOrder, order];
    [keys, nextKeys] = [nextKeys, keys];
  }
  return order;
}

/**
 * Quantile bins of a with equal counts: the n finite pairs sorted by (a, example index) and
 * cut at sorted positions floor(j·n / bins), j = 0..bins, so counts differ by at most one (and
 * are equal when bins divides n). Tied a values may straddle a cut; the example index decides.
 */
export function binnedDeviation(a: Numbers, b: Numbers, bins = 10): BinnedDeviation {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  sameRows(a.length, b.length, 'binnedDeviation b');
  const order = sortedFiniteIndices(a, b);
  const n = order.length;
  const edges = new Float64Array(bins + 1).fill(NaN);
  const centres = new Float64Array(bins).fill(NaN);
  const delta = new Float64Array(bins).fill(NaN);
  const counts = new Int32Array(bins);
  const binIndex = new Int32Array(a.length).fill(-1);
  for (let j = 0; j < bins; j++) {
    const start = Math.floor((j * n) / bins);
    const end = Math.floor(((j + 1) * n) / bins);
    counts[j] = end - start;
    if (end === start) continue;
    let sumA = 0;
    let sumD = 0;
    for (let s = start; s < end; s++) {
      const i = order[s]!;
      sumA += a[i]!;
      sumD += b[i]! - a[i]!;
      binIndex[i] = j;
    }
    edges[j] = a[order[start]!]!;
    centres[j] = sumA / (end - start);
    delta[j] = sumD / (end - start);
  }
  if (n > 0) edges[bins] = a[order[n - 1]!]!;
  return { edges, centres, delta, counts, binIndex };
}

/** SPEC M3: Δ of the lowest bin is below 0 and below Δ of the top bin. */
export function underfitsLowConfidence(result: Pick<BinnedDeviation, 'delta'>): boolean {
  const low = result.delta[0];
  const top = result.delta[result.delta.length - 1];
  return low !== undefined && top !== undefined && low < 0 && low < top;
}

/**
 * Student accuracy on the given labels over the teacher's lowest-confidence share of examples
 * (default the quartile): the first floor(n·fraction) examples in the (a, example index) order of
 * the finite a values — the lowest bin of binnedDeviation with 4 bins. NaN when that set is empty.
 */
export function hardPointFitRate(teacherConfidence: Numbers, studentProbs: Numbers, labels: Numbers, numClasses: number, fraction = 0.25): number {
  const n = rowCount(studentProbs, numClasses, 'hardPointFitRate studentProbs');
  sameRows(n, teacherConfidence.length, 'hardPointFitRate teacherConfidence');
  return hardPointFitRateOfTops(teacherConfidence, (i) => argmaxRow(studentProbs, i * numClasses, numClasses), labels, fraction);
}

/** M3 from the student's top class per example (`studentTop(i)`) instead of its rows: a top-k run's top classes are exact. */
export function hardPointFitRateOfTops(teacherConfidence: Numbers, studentTop: (i: number) => number, labels: Numbers, fraction = 0.25): number {
  sameRows(teacherConfidence.length, labels.length, 'hardPointFitRate labels');
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${fraction}`);
  const order = sortedFiniteIndices(teacherConfidence);
  const take = Math.floor(order.length * fraction);
  let correct = 0;
  for (let s = 0; s < take; s++) {
    const i = order[s]!;
    if (studentTop(i) === labels[i]) correct++;
  }
  return take === 0 ? NaN : correct / take;
}

/** M4 from the top class per example: share whose top class equals the label; NaN when empty. */
export function accuracyOfTops(top: Numbers, labels: Numbers): number {
  sameRows(top.length, labels.length, 'accuracy labels');
  let correct = 0;
  for (let i = 0; i < top.length; i++) if (top[i] === labels[i]) correct++;
  return top.length === 0 ? NaN : correct / top.length;
}

// ---------------------------------------------------------------------------------------------
// M4–M6

/** M4: share of examples whose top class (ties → lowest index) equals the label; NaN when empty. */
export function accuracy(probs: Numbers, labels: Numbers, numClasses: number): number {
  const n = rowCount(probs, numClasses, 'accuracy probs');
  sameRows(n, labels.length, 'accuracy labels');
  let correct = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(probs, i * numClasses, numClasses) === labels[i]) correct++;
  return n === 0 ? NaN : correct / n;
}

/**
 * KL(p^T ‖ p^S) of one example, the teacher's row at `teacherOffset` and the student's at
 * `studentOffset`: Σ_{c: p^T_c > 0} p^T_c · log(p^T_c / max(p^S_c, floor)).
 */
export function klRow(teacherProbs: Numbers, teacherOffset: number, studentProbs: Numbers, studentOffset: number, numClasses: number, floor = PROB_FLOOR): number {
  let kl = 0;
  for (let c = 0; c < numClasses; c++) {
    const p = teacherProbs[teacherOffset + c]!;
    if (p > 0) kl += p * Math.log(p / Math.max(studentProbs[studentOffset + c]!, floor));
  }
  return kl;
}

/** Per-example KL(p^T ‖ p^S) at temperature 1 (the stored probabilities, not renormalised). */
export function klPerExample(teacherProbs: Numbers, studentProbs: Numbers, numClasses: number, floor = PROB_FLOOR): Float64Array {
  const n = rowCount(teacherProbs, numClasses, 'klPerExample teacherProbs');
  sameRows(n, rowCount(studentProbs, numClasses, 'klPerExample studentProbs'), 'klPerExample studentProbs');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = klRow(teacherProbs, i * numClasses, studentProbs, i * numClasses, numClasses, floor);
  return out;
}

/** M5: mean over examples of KL(p^T ‖ p^S) (0·log 0 = 0, student clamped at the floor); NaN when empty. */
export function meanKl(teacherProbs: Numbers, studentProbs: Numbers, numClasses: number, floor = PROB_FLOOR): number {
  const kl = klPerExample(teacherProbs, studentProbs, numClasses, floor);
  let sum = 0;
  for (let i = 0; i < kl.length; i++) sum += kl[i]!;
  return kl.length === 0 ? NaN : sum / kl.length;
}

/** M6: share of examples where argmax p^S = argmax p^T (ties → lowest index); NaN when empty. */
export function fidelity(teacherProbs: Numbers, studentProbs: Numbers, numClasses: number): number {
  const n = rowCount(teacherProbs, numClasses, 'fidelity teacherProbs');
  sameRows(n, rowCount(studentProbs, numClasses, 'fidelity studentProbs'), 'fidelity studentProbs');
  let agree = 0;
  for (let i = 0; i < n; i++) {
    const offset = i * numClasses;
    if (argmaxRow(teacherProbs, offset, numClasses) === argmaxRow(studentProbs, offset, numClasses)) agree++;
  }
  return n === 0 ? NaN : agree / n;
}

// ---------------------------------------------------------------------------------------------
// Per-example helpers for the explorer

export interface ExampleDeviation {
  /** the class φ is read at (k_T or the label) */
  k: Int32Array;
  /** a = φ(p^T_k) */
  a: Float64Array;
  /** b = φ(p^S_k) */
  b: Float64Array;
  /** b − a */
  deviation: Float64Array;
  /** 1 where the student's top class equals the label */
  studentCorrect: Uint8Array;
  /** 1 where the teacher's top class equals the label */
  teacherCorrect: Uint8Array;
  /** KL(p^T ‖ p^S) */
  kl: Float64Array;
}

/** Everything per example for one student against its teacher at one epoch and split. */
export function perExampleDeviation(
  teacherProbs: Numbers,
  studentProbs: Numbers,
  labels: Numbers,
  numClasses: number,
  mode: ClassChoice = 'teacher-top',
  floor = PROB_FLOOR,
): ExampleDeviation {
  const n = rowCount(teacherProbs, numClasses, 'perExampleDeviation teacherProbs');
  sameRows(n, rowCount(studentProbs, numClasses, 'perExampleDeviation studentProbs'), 'perExampleDeviation studentProbs');
  sameRows(n, labels.length, 'perExampleDeviation labels');
  const k = new Int32Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const deviation = new Float64Array(n);
  const studentCorrect = new Uint8Array(n);
  const teacherCorrect = new Uint8Array(n);
  const kl = new Float64Array(n);
  // One fused pass per example (same formulas as logitConfidence and klPerExample).
  for (let i = 0; i < n; i++) {
    const offset = i * numClasses;
    const label = labels[i];
    const teacherTop = argmaxRow(teacherProbs, offset, numClasses);
    const ki = mode === 'teacher-top' ? teacherTop : classAt(labels, i, numClasses);
    let teacherOthers = 0;
    let studentOthers = 0;
    for (let c = 0; c < numClasses; c++) {
      if (c === ki) continue;
      teacherOthers += teacherProbs[offset + c]!;
      studentOthers += studentProbs[offset + c]!;
    }
    const ai = Math.log(Math.max(teacherProbs[offset + ki]!, floor)) - Math.log(Math.max(teacherOthers, floor));
    const bi = Math.log(Math.max(studentProbs[offset + ki]!, floor)) - Math.log(Math.max(studentOthers, floor));
    k[i] = ki;
    a[i] = ai;
    b[i] = bi;
    deviation[i] = bi - ai;
    teacherCorrect[i] = teacherTop === label ? 1 : 0;
    studentCorrect[i] = argmaxRow(studentProbs, offset, numClasses) === label ? 1 : 0;
    kl[i] = klRow(teacherProbs, offset, studentProbs, offset, numClasses, floor);
  }
  return { k, a, b, deviation, studentCorrect, teacherCorrect, kl };
}

export interface LabelTrajectory {
  /** mean over epochs of the label probability (cartography "confidence") */
  mean: Float64Array;
  /** population standard deviation (ddof = 0) over epochs of the label probability ("variability") */
  std: Float64Array;
  /** share of epochs whose top class is the label ("correctness") */
  correctness: Float64Array;
}

/**
 * Dataset-cartography statistics of one run across epochs; `epochProbs[e]` is one epoch's table
 * (all NaN when there are no epochs). The label probability is read at `labels[i]`.
 */
export function labelProbabilityTrajectory(epochProbs: readonly Numbers[], labels: Numbers, numClasses: number): LabelTrajectory {
  const n = labels.length;
  const epochs = epochProbs.length;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  const correctness = new Float64Array(n);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) label[i] = classAt(labels, i, numClasses);
  for (const probs of epochProbs) {
    sameRows(n, rowCount(probs, numClasses, 'labelProbabilityTrajectory epoch'), 'labelProbabilityTrajectory epoch');
    for (let i = 0; i < n; i++) {
      const offset = i * numClasses;
      mean[i] = mean[i]! + probs[offset + label[i]!]!;
      if (argmaxRow(probs, offset, numClasses) === label[i]) correctness[i] = correctness[i]! + 1;
    }
  }
  for (let i = 0; i < n; i++) {
    mean[i] = mean[i]! / epochs;
    correctness[i] = correctness[i]! / epochs;
  }
  // Second pass for the spread: Σ (p − mean)² / epochs, as np.std does.
  for (const probs of epochProbs) {
    for (let i = 0; i < n; i++) {
      const d = probs[i * numClasses + label[i]!]! - mean[i]!;
      std[i] = std[i]! + d * d;
    }
  }
  for (let i = 0; i < n; i++) std[i] = Math.sqrt(std[i]! / epochs);
  return { mean, std, correctness };
}
