// Statistics over seed replicates (issue 16, docs/findings.md): the mean with a Student-t 95%
// interval for paired per-seed differences, and a bootstrap over seeds for ratios of means.
import { createRandom } from './seededRandom.js';

/** t_{0.975, ν} for ν = 1..30 (two-sided 95%), from the Student t distribution's tables. */
const T975 = [
  12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243, 2.3060041, 2.2621572, 2.2281389,
  2.2009852, 2.1788128, 2.1603687, 2.1447867, 2.1314495, 2.1199053, 2.1098156, 2.100922, 2.0930241, 2.0859634,
  2.0796138, 2.0738731, 2.0686576, 2.0638986, 2.0595386, 2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725,
];
const Z975 = 1.959963984540054;

/**
 * The 0.975 quantile of Student's t with ν degrees of freedom: the table up to 30, then the
 * Cornish–Fisher expansion in 1/ν (error < 1e-5 from ν = 30 on).
 */
export function tQuantile975(nu: number): number {
  if (!Number.isInteger(nu) || nu < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${nu}`);
  if (nu <= T975.length) return T975[nu - 1]!;
  const z = Z975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu ** 3);
}

export interface MeanInterval {
  n: number;
  mean: number;
  /** sample standard deviation (n − 1); NaN for one value */
  sd: number;
  /** mean ± t_{0.975, n−1}·sd/√n; null for fewer than two values */
  interval: [number, number] | null;
}

/** Mean and Student-t 95% interval of the finite values (per-seed statistics or paired differences). */
export function meanWithTInterval(values: readonly (number | null)[]): MeanInterval {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, interval: null };
  const mean = xs.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { n, mean, sd: NaN, interval: null };
  const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, interval: [mean - half, mean + half] };
}

export interface RatioInterval {
  n: number;
  /** Σ numerators / Σ denominators: the ratio of the mean differences; NaN when the denominator sum ≤ 0 */
  ratio: number;
  /** bootstrap percentile 95% interval over seeds; null with fewer than two seeds */
  interval: [number, number] | null;
  /** resamples whose denominator sum was ≤ 0 (the ratio is undefined there); they are left out */
  undefinedResamples: number;
}

/**
 * A ratio of means over seeds, e.g. SPEC experiment 5's recovered share
 * Σ(acc_switch − acc_onehot) / Σ(acc_KD − acc_onehot), with a percentile interval from
 * `resamples` bootstrap draws of the seeds (with replacement, seeded). A ratio of means rather
 * than a mean of per-seed ratios: one seed whose KD gain is near zero would dominate the latter.
 */
export function ratioOfMeans(numerators: readonly number[], denominators: readonly number[], resamples = 1000, seed = 0): RatioInterval {
  if (numerators.length !== denominators.length) throw new RangeError('ratioOfMeans needs one denominator per numerator');
  const n = numerators.length;
  const ratio = (idx: ArrayLike<number>) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < idx.length; i++) {
      num += numerators[idx[i]!]!;
      den += denominators[idx[i]!]!;
    }
    return den > 0 ? num / den : NaN;
  };
  const all = Array.from({ length: n }, (_, i) => i);
  const point = n ? ratio(all) : NaN;
  if (n < 2 || resamples < 1) return { n, ratio: point, interval: null, undefinedResamples: 0 };
  const random = createRandom(seed);
  const draws: number[] = [];
  let undefinedResamples = 0;
  const idx = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) idx[i] = random.int(n);
    const r = ratio(idx);
    if (Number.isFinite(r)) draws.push(r);
    else undefinedResamples++;
  }
  if (draws.length < 2) return { n, ratio: point, interval: null, undefinedResamples };
  draws.sort((a, b) => a - b);
  return { n, ratio: point, interval: [percentile(draws, 2.5), percentile(draws, 97.5)], undefinedResamples };
}

/** Linear-interpolated percentile of an ascending array (numpy's default). */
function percentile(sorted: readonly number[], q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
