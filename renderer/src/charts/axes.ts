// Fitted value axes for every chart: both ends on a "nice" step (1, 2, 2.5 or 5 × 10^k) around the
// data, so the end labels never crowd a tick ("0.6" drawn over "0") and a filtered plot fills its
// area instead of sitting in a corner. Bounds that mean something (probabilities in [0, 1],
// cosines in [−1, 1]) clamp the ends; they never force the full range on data that uses little of it.

export interface AxisBounds {
  min: number;
  max: number;
  /** the tick step: (max − min) / interval is a whole number, so both ends fall on ticks */
  interval: number;
}

export interface Extent {
  min: number;
  max: number;
}

export interface FitOptions {
  /** keep 0 on the axis: bars and counts start there, and a signed measure shows its sign change */
  includeZero?: boolean;
  /** the ends never go beyond these: [0, 1] for probabilities and accuracies, [−1, 1] for cosines */
  clamp?: readonly [number, number];
  /** whole-number steps (epochs, counts of examples) */
  integer?: boolean;
  /** about this many intervals between the ends (default 5) */
  ticks?: number;
  /** headroom beyond the data as a share of its span, on each side not pinned at 0 (default 0) */
  pad?: number;
}

/** Twelve significant digits: 0.1 × 3 reads 0.3, not 0.30000000000000004. */
export const cleanNumber = (x: number): number => (x === 0 ? 0 : Number(x.toPrecision(12)));

const MANTISSAS = [1, 2, 2.5, 5, 10];

/** The smallest nice step at least `raw`; with `integer`, a whole number at least 1. */
export function niceStep(raw: number, integer = false): number {
  if (!Number.isFinite(raw) || raw <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of MANTISSAS) {
    const step = cleanNumber(m * magnitude);
    if (step < raw * (1 - 1e-9)) continue;
    if (integer && (step < 1 || !Number.isInteger(step))) continue;
    return step;
  }
  return integer ? Math.max(1, cleanNumber(10 * magnitude)) : cleanNumber(10 * magnitude);
}

/** The finite values' extent; null when there is none. Accepts plain and typed arrays, with nulls. */
export function extentOf(values: Iterable<number | null | undefined>): Extent | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : null;
}

/** Both extents together (either may be null). */
export function unionExtent(...extents: (Extent | null)[]): Extent | null {
  const present = extents.filter((e): e is Extent => e !== null);
  if (present.length === 0) return null;
  return { min: Math.min(...present.map((e) => e.min)), max: Math.max(...present.map((e) => e.max)) };
}

/** An axis around an extent (null: no data, a plain default within the clamp). */
export function fitAxis(extent: Extent | null, options: FitOptions = {}): AxisBounds {
  const { includeZero = false, clamp, integer = false, ticks = 5, pad = 0 } = options;
  if (!extent || !Number.isFinite(extent.min) || !Number.isFinite(extent.max)) {
    const [lo, hi] = clamp ?? [0, 1];
    return { min: lo, max: hi, interval: niceStep((hi - lo) / ticks, integer) };
  }
  let lo = Math.min(extent.min, extent.max);
  let hi = Math.max(extent.min, extent.max);
  if (clamp) {
    lo = Math.min(Math.max(lo, clamp[0]), clamp[1]);
    hi = Math.min(Math.max(hi, clamp[0]), clamp[1]);
  }
  if (includeZero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (hi - lo <= 1e-12 * Math.max(Math.abs(lo), Math.abs(hi))) {
    // one value (a single point, or a constant): a window of ±10% around it, or [0, 1] around 0
    if (lo === 0) hi = 1;
    else {
      const half = Math.max(Math.abs(lo) * 0.1, integer ? 1 : 0);
      lo -= half;
      hi += half;
    }
  } else if (pad > 0) {
    const span = hi - lo;
    if (!(includeZero && lo === 0)) lo -= span * pad;
    if (!(includeZero && hi === 0)) hi += span * pad;
  }
  const step = niceStep((hi - lo) / Math.max(1, ticks), integer);
  // a value a hair past a tick (round-off: 1 + 1e-12) stays on it rather than adding a step
  const onTick = (q: number) => 1e-9 * Math.max(1, Math.abs(q));
  const qlo = lo / step;
  const qhi = hi / step;
  let min = cleanNumber(Math.floor(qlo + onTick(qlo)) * step);
  let max = cleanNumber(Math.ceil(qhi - onTick(qhi)) * step);
  if (clamp) {
    min = Math.max(min, clamp[0]);
    max = Math.min(max, clamp[1]);
    if (max <= min) return fitAxis(null, options);
  }
  return { min, max, interval: step };
}

/** An axis around values (plain or typed arrays, nulls and non-finite values skipped). */
export function fitValues(values: Iterable<number | null | undefined>, options: FitOptions = {}): AxisBounds {
  return fitAxis(extentOf(values), options);
}

/** The y values of [x, y] points (series data), for fitting. */
export function* yValues(points: Iterable<readonly (number | null | undefined)[]>): Generator<number | null | undefined> {
  for (const p of points) yield p[1];
}

/** The x values of [x, y] points. */
export function* xValues(points: Iterable<readonly (number | null | undefined)[]>): Generator<number | null | undefined> {
  for (const p of points) yield p[0];
}

/**
 * The epoch axis (epochs done, 1-based): every epoch a tick while there are few, else nice whole
 * steps; it starts at 1 unless a step of 5 or more puts 0 on the grid (a sliver, not "1" beside "5").
 */
export function epochAxis(lastEpoch: number, firstEpoch = 1): AxisBounds {
  const last = Math.max(firstEpoch + 1, Math.ceil(lastEpoch));
  const span = last - firstEpoch;
  if (span <= 8) return { min: firstEpoch, max: last, interval: 1 };
  return fitAxis({ min: firstEpoch, max: last }, { integer: true, ticks: 6 });
}

/** Decimals that write every multiple of `interval` exactly (0.25 → 2, 5 → 0, 2e-7 → 7). */
export function tickDecimals(interval: number): number {
  if (!Number.isFinite(interval) || interval <= 0) return 0;
  const text = String(cleanNumber(interval));
  const exp = /e-(\d+)$/.exec(text);
  if (exp) {
    const mantissa = text.split('e')[0]!;
    return Number(exp[1]) + (mantissa.split('.')[1]?.length ?? 0);
  }
  return text.split('.')[1]?.length ?? 0;
}

/** A tick label for a share in [0, 1] as a percentage, with the decimals its interval needs. */
export function percentTick(interval: number): (v: number) => string {
  const digits = tickDecimals(cleanNumber(interval * 100));
  return (v: number) => `${(v * 100).toFixed(digits)}%`;
}
