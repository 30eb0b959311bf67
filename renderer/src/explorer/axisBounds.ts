// Axis bounds fitted to the data and rounded to the tick step, so the end labels are ticks like
// the others (no "0.6" squeezed against "0" at an odd bound) and a filtered chart fills its
// plot instead of keeping the unfiltered extent.

export interface NiceAxis {
  min: number;
  max: number;
  /** the tick step; min and max are multiples of it */
  interval: number;
}

/** 1, 2, 2.5 or 5 times a power of ten, the nearest to `raw` (as ECharts rounds its own ticks). */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const m = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
  return m * power;
}

/** Strips float noise from a multiple of the step: 0.30000000000000004 → 0.3. */
function clean(value: number, step: number): number {
  const digits = Math.max(0, Math.min(15, -Math.floor(Math.log10(step)) + 2));
  return Number(value.toFixed(digits));
}

/**
 * The smallest rounded axis holding [lo, hi] with about `ticks` steps. A single value gets a
 * small span around it; no data gives [0, 1].
 */
export function niceAxis(lo: number, hi: number, ticks = 5): NiceAxis {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1, interval: 0.2 };
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1e-12 ? Math.abs(lo) * 0.1 : 0.5;
    lo -= pad;
    hi += pad;
  }
  let step = niceStep((hi - lo) / Math.max(1, ticks));
  let min = Math.floor(lo / step + 1e-9) * step;
  let max = Math.ceil(hi / step - 1e-9) * step;
  // Rounding both ends out can double the step count; one step larger keeps labels apart.
  if ((max - min) / step > ticks + 2 + 1e-9) {
    step = niceStep(step * 1.5);
    min = Math.floor(lo / step + 1e-9) * step;
    max = Math.ceil(hi / step - 1e-9) * step;
  }
  return { min: clean(min, step), max: clean(max, step), interval: clean(step, step) };
}

/** Extent of finite values across columns, [Infinity, -Infinity] when there are none. */
export function finiteExtent(...columns: ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const col of columns) {
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}
