// SPEC.md metrics M1–M6 of a student against its teacher at one epoch and split, plus the
// per-example numbers the explorer filters on. Pure functions over flat row-major tables:
// `probs[i * C + c]` is example i's probability of class c (the decoded `predictions.probs`
// BLOBs laid end to end). All arithmetic is in float64; docs/metrics.md states every formula
// exactly as computed here and how to recompute it with SQL + numpy.
import { bootstrapSumsKernel, type BootstrapSumsKernel } from './bootstrapSums.js';
import { bootstrapJump, bootstrapStartState, jumpState, xorshiftStep } from './seededRandom.js';

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
 * Columns whose bootstraps share their resamples: `x` (centred a) and each `ys[j]` (a centred b)
 * hold the same n pairs, drawn with the same stream, so each resample's draws are counted once.
 */
export interface BootstrapGroup {
  x: Float64Array;
  ys: Float64Array[];
}

/** Resamples counted before one pass over the pairs: the pairs are read once for all of them. */
const RESAMPLES_PER_PASS = 8;
/** Pairs per block of that pass: a block's x, y and weights stay in cache while the resamples reuse them. */
const PASS_BLOCK = 2048;

/**
 * β of the bootstrap resamples [from, to) for every column (x, ys[j]) of `groups`, all of n
 * pairs: out[g][j][r − from], NaN where the resample's x has no spread (Σ(x − x̄)² ≤ 1e-12·Σx²),
 * which the interval leaves out. Resample r is the multiset of the pairs drawn by draws r·n …
 * (r + 1)·n − 1 of createBootstrapStream(seed).int(n), the same as drawing them one by one; the
 * stream starts at draw from·n by a jump (bootstrapJump), so a range gives the same βs as the
 * whole run, and threads can share one bootstrap. Each resample counts how often each pair was
 * drawn (a byte per pair; random writes into n bytes instead of random reads of 16n) and takes
 * its sums in one sequential weighted pass. A count that wraps past 255 (Σ counts ≠ n; never seen
 * at real sizes) redraws that resample pair by pair. `counts` is scratch, zero on entry and on
 * return (one array of n bytes per resample of a pass). With `useKernel` (by default this thread's
 * WebAssembly one unless `counts` is given; not where its memory cannot hold the counts and the
 * columns, past 4 GiB) the counts and sums run there, with the same results
 * to the bit: its draws start each resample of a pass at its own state (a jump of n draws) and
 * count four resamples side by side.
 */
export function bootstrapBetas(
  groups: readonly BootstrapGroup[],
  n: number,
  seed: number,
  from: number,
  to: number,
  counts?: Uint8Array[],
  useKernel: BootstrapSumsKernel | null = counts ? null : bootstrapSumsKernel(),
): Float64Array[][] {
  const out = groups.map((g) => g.ys.map(() => new Float64Array(Math.max(0, to - from))));
  if (to <= from || n === 0) return out;
  for (const g of groups) {
    if (g.x.length !== n) throw new RangeError(`bootstrapBetas: x has ${g.x.length} pairs, expected ${n}`);
    for (const y of g.ys) sameRows(n, y.length, 'bootstrapBetas y');
  }
  const perPass = Math.min(RESAMPLES_PER_PASS, to - from);
  const columns = groups.reduce((sum, g) => sum + g.ys.length, 0);
  // The kernel's copy of the columns: group g's x is loaded column at[g][0], its ys[c] at[g][c + 1].
  const loaded: Float64Array[] = [];
  const at = groups.map((g) => [g.x, ...g.ys].map((column) => loaded.push(column) - 1));
  const kernel = useKernel?.load(n, perPass, loaded) ? useKernel : null;
  const scratch = kernel ? [] : (counts ?? []);
  if (!kernel) for (let k = scratch.length; k < perPass; k++) scratch.push(new Uint8Array(n));
  const jump = kernel ? bootstrapJump(n) : undefined;
  // per resample of the pass: Σw, then per group Σwx, Σwx², then per column Σwy, Σwxy
  const totals = new Int32Array(perPass);
  const sx = new Float64Array(perPass * groups.length);
  const sxx = new Float64Array(perPass * groups.length);
  const sy = new Float64Array(perPass * columns);
  const sxy = new Float64Array(perPass * columns);
  const starts = new Int32Array(perPass);
  let state = jumpState(bootstrapJump(from * n), bootstrapStartState(seed));
  for (let r0 = from; r0 < to; r0 += perPass) {
    const pass = Math.min(perPass, to - r0);
    if (kernel) {
      for (let k = 0; k < pass; k++) {
        starts[k] = state;
        state = jumpState(jump!, state);
      }
      kernel.countDraws(starts.subarray(0, pass));
    } else {
      for (let k = 0; k < pass; k++) {
        const w = scratch[k]!;
        if (w.length !== n) throw new RangeError(`bootstrapBetas: counts of ${w.length} bytes, expected ${n}`);
        starts[k] = state;
        state = countDraws(state, n, w);
      }
    }
    totals.fill(0);
    sx.fill(0);
    sxx.fill(0);
    sy.fill(0);
    sxy.fill(0);
    for (let i0 = 0; i0 < n; i0 += PASS_BLOCK) {
      const m = Math.min(n, i0 + PASS_BLOCK) - i0;
      for (let k = 0; k < pass; k++) {
        const counted = scratch[k]!;
        let column = 0;
        for (let g = 0; g < groups.length; g++) {
          const { x, ys } = groups[g]!;
          for (let c = 0; c < ys.length; c++) {
            // The first column of a group also sums the group's x (and, in the first group, the counts).
            const sums = kernel ? kernel.blockSums(k, at[g]![0]!, at[g]![c + 1]!, i0, m, c === 0) : blockSums(counted, x, ys[c]!, i0, m, c === 0);
            sy[k * columns + column]! += sums[0]!;
            sxy[k * columns + column]! += sums[1]!;
            if (c === 0) {
              sx[k * groups.length + g]! += sums[2]!;
              sxx[k * groups.length + g]! += sums[3]!;
              if (g === 0) totals[k]! += sums[4]!;
            }
            column++;
          }
        }
      }
    }
    if (kernel) kernel.clearCounts(pass);
    for (let k = 0; k < pass; k++) {
      if (!kernel) scratch[k]!.fill(0);
      if (totals[k] !== n) directSums(groups, n, starts[k]!, k, columns, sx, sxx, sy, sxy);
      let column = 0;
      groups.forEach((g, gi) => {
        const a = sx[k * groups.length + gi]!;
        const aa = sxx[k * groups.length + gi]!;
        const den = aa - (a * a) / n;
        for (let j = 0; j < g.ys.length; j++, column++) {
          // A resample of a single distinct a has den ≈ 0 up to rounding: no slope, dropped.
          out[gi]![j]![r0 + k - from] = den > 1e-12 * aa ? (sxy[k * columns + column]! - (a * sy[k * columns + column]!) / n) / den : NaN;
        }
      });
    }
  }
  return out;
}

const blockOut = new Float64Array(5);

/**
 * Over the block of m pairs from `offset`, with c each pair's count in the resample: Σ c·y and
 * Σ (c·x)·y, and with `withX` also Σ c·x, Σ (c·x)·x and Σ c (out[0..4]). One loop, no scratch
 * arrays, two partial sums each (even and odd pairs) so that the additions do not wait on each
 * other; the same order for every resample and every thread. x's sums take the same products as
 * a column's, so a column equal to x gets β = 1 exactly.
 */
function blockSums(counts: Uint8Array, x: Float64Array, y: Float64Array, offset: number, m: number, withX: boolean): Float64Array {
  let sy0 = 0;
  let sy1 = 0;
  let sxy0 = 0;
  let sxy1 = 0;
  let sx0 = 0;
  let sx1 = 0;
  let sxx0 = 0;
  let sxx1 = 0;
  let total = 0;
  const end = offset + m;
  let i = offset;
  if (withX) {
    for (; i + 1 < end; i += 2) {
      const c0 = counts[i]!;
      const c1 = counts[i + 1]!;
      const x0 = x[i]!;
      const x1 = x[i + 1]!;
      const y0 = y[i]!;
      const y1 = y[i + 1]!;
      const cx0 = c0 * x0;
      const cx1 = c1 * x1;
      total += c0 + c1;
      sy0 += c0 * y0;
      sy1 += c1 * y1;
      sxy0 += cx0 * y0;
      sxy1 += cx1 * y1;
      sx0 += c0 * x0;
      sx1 += c1 * x1;
      sxx0 += cx0 * x0;
      sxx1 += cx1 * x1;
    }
    if (i < end) {
      const c0 = counts[i]!;
      const cx0 = c0 * x[i]!;
      total += c0;
      sy0 += c0 * y[i]!;
      sxy0 += cx0 * y[i]!;
      sx0 += cx0;
      sxx0 += cx0 * x[i]!;
    }
  } else {
    for (; i + 1 < end; i += 2) {
      const c0 = counts[i]!;
      const c1 = counts[i + 1]!;
      const y0 = y[i]!;
      const y1 = y[i + 1]!;
      sy0 += c0 * y0;
      sy1 += c1 * y1;
      sxy0 += c0 * x[i]! * y0;
      sxy1 += c1 * x[i + 1]! * y1;
    }
    if (i < end) {
      sy0 += counts[i]! * y[i]!;
      sxy0 += counts[i]! * x[i]! * y[i]!;
    }
  }
  blockOut[0] = sy0 + sy1;
  blockOut[1] = sxy0 + sxy1;
  blockOut[2] = sx0 + sx1;
  blockOut[3] = sxx0 + sxx1;
  blockOut[4] = total;
  return blockOut;
}

/** Counts n draws of the stream from `state` into `counts`; the state after them. */
function countDraws(state: number, n: number, counts: Uint8Array): number {
  const scale = n / 0x1_0000_0000;
  for (let t = 0; t < n; t++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    // u·(n/2³²) rounds the same exact product as (u/2³²)·n (both divisions are exact), and
    // `| 0` floors a non-negative value below 2³¹: the index is createBootstrapStream's int(n).
    counts[((state >>> 0) * scale) | 0]!++;
  }
  return state;
}

/** One resample's sums drawn pair by pair from its first state, into slot k of the pass's sums. */
function directSums(groups: readonly BootstrapGroup[], n: number, start: number, k: number, columns: number, sx: Float64Array, sxx: Float64Array, sy: Float64Array, sxy: Float64Array): void {
  const G = groups.length;
  for (let g = 0; g < G; g++) sx[k * G + g] = sxx[k * G + g] = 0;
  for (let c = 0; c < columns; c++) sy[k * columns + c] = sxy[k * columns + c] = 0;
  let state = start;
  const scale = n / 0x1_0000_0000;
  for (let t = 0; t < n; t++) {
    state = xorshiftStep(state);
    const idx = ((state >>> 0) * scale) | 0;
    let column = 0;
    for (let g = 0; g < G; g++) {
      const { x, ys } = groups[g]!;
      const v = x[idx]!;
      sx[k * G + g]! += v;
      sxx[k * G + g]! += v * v;
      for (const y of ys) {
        sy[k * columns + column]! += y[idx]!;
        sxy[k * columns + column]! += v * y[idx]!;
        column++;
      }
    }
  }
}

/** The bootstrap percentile 95% interval of resampled βs (NaN entries, resamples without spread, left out). */
export function bootstrapInterval(betas: Float64Array): [number, number] {
  let kept = 0;
  const finite = new Float64Array(betas.length);
  for (const beta of betas) if (!Number.isNaN(beta)) finite[kept++] = beta;
  const sorted = finite.subarray(0, kept).sort();
  return [percentile(sorted, 2.5), percentile(sorted, 97.5)];
}

/** The finite (a, b) pairs of a slope fit, centred on their means, with β and the intercept. */
export interface CentredPairs {
  /** the finite pairs used */
  n: number;
  /** a − ā and b − b̄ of the finite pairs, in example order */
  ca: Float64Array;
  cb: Float64Array;
  beta: number;
  intercept: number;
  /** a takes more than one value (β and its bootstrap are defined) */
  spread: boolean;
}

/**
 * The pairs where both a and b are finite, centred once on their means (every fit and resample
 * is on the centred values), and the least-squares β, α₀ of b ≈ β·a + α₀. `allocate` makes the
 * centred columns (a SharedArrayBuffer-backed one lets worker threads read them without a copy).
 */
export function centredPairs(a: Numbers, b: Numbers, allocate: (length: number) => Float64Array = (length) => new Float64Array(length)): CentredPairs {
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
  const ca = allocate(n);
  const cb = allocate(n);
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
  const spread = n >= 2 && minA < maxA;
  const beta = spread ? sxy / sxx : NaN;
  return { n, ca, cb, beta, intercept: meanB - beta * meanA, spread };
}

/**
 * Ordinary least squares b ≈ β·a + α₀ over the pairs where both a and b are finite, with a
 * bootstrap percentile 95% interval: `bootstrap` resamples of n pairs drawn with replacement
 * (index = createBootstrapStream(seed).int(n)); resamples whose a has no spread
 * (Σ(a − ā)² ≤ 1e-12·Σ a² on the centred values) are dropped from the percentiles. β and the
 * interval are NaN when a takes a single value. Cost: bootstrap × n draws and weighted sums
 * (bootstrapBetas), so call it off the UI thread or with fewer resamples.
 */
export function exaggerationSlope(a: Numbers, b: Numbers, options: SlopeOptions = {}): SlopeFit {
  const { bootstrap = 1000, seed = 0 } = options;
  if (!Number.isInteger(bootstrap) || bootstrap < 0) throw new RangeError(`bootstrap must be a non-negative integer, got ${bootstrap}`);
  const fit = centredPairs(a, b);
  const betas = fit.spread ? bootstrapBetas([{ x: fit.ca, ys: [fit.cb] }], fit.n, seed, 0, bootstrap)[0]![0]! : new Float64Array(0);
  return { beta: fit.beta, intercept: fit.intercept, ci95: bootstrapInterval(betas), n: fit.n };
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
 * Indices of the finite pairs sorted by a ascending, ties by example index: a least-significant-
 * digit radix sort of the float64 keys' bits, a byte a pass (stable, so equal a keep index order;
 * −0 counts as +0). Eight linear passes instead of a comparison sort's log₂ n branchy ones: a
 * million-row split sorts in tens of milliseconds.
 */
function sortedFiniteIndices(a: Numbers, b?: Numbers): Int32Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!) && (b === undefined || Number.isFinite(b[i]!))) n++;
  let order = new Int32Array(n);
  const values = new Float64Array(n);
  n = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]!) && (b === undefined || Number.isFinite(b[i]!))) {
      order[n] = i;
      values[n] = a[i]! + 0; // −0 → +0
      n++;
    }
  }
  // Each key as two uint32 words whose unsigned order is the numbers' order: a negative number's
  // bits all flipped, a positive number's sign bit set (little-endian: word 2i low, 2i + 1 high).
  const bits = new Uint32Array(values.buffer);
  let low = new Uint32Array(n);
  let high = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const hi = bits[2 * i + 1]!;
    const negative = hi >>> 31 === 1;
    low[i] = negative ? ~bits[2 * i]! >>> 0 : bits[2 * i]!;
    high[i] = negative ? ~hi >>> 0 : (hi | 0x8000_0000) >>> 0;
  }
  let nextOrder = new Int32Array(n);
  let nextLow = new Uint32Array(n);
  let nextHigh = new Uint32Array(n);
  const starts = new Int32Array(256);
  for (let pass = 0; pass < 8; pass++) {
    const word = pass < 4 ? low : high;
    const shift = 8 * (pass % 4);
    starts.fill(0);
    for (let i = 0; i < n; i++) starts[(word[i]! >>> shift) & 255]!++;
    // A byte every key shares orders nothing: skip the pass.
    if (n === 0 || starts[(word[0]! >>> shift) & 255] === n) continue;
    let at = 0;
    for (let d = 0; d < 256; d++) {
      const count = starts[d]!;
      starts[d] = at;
      at += count;
    }
    for (let i = 0; i < n; i++) {
      const to = starts[(word[i]! >>> shift) & 255]!++;
      nextOrder[to] = order[i]!;
      nextLow[to] = low[i]!;
      nextHigh[to] = high[i]!;
    }
    [order, nextOrder] = [nextOrder, order];
    [low, nextLow] = [nextLow, low];
    [high, nextHigh] = [nextHigh, high];
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
