// The range row's arithmetic: a dragged pixel as a measure value, rounded outward so the
// examples at a dragged edge stay in, and the bounds a drag or a click on a bar sets.

/** A step about a thousandth of the span, a power of ten: bounds read 0.125, not 0.12498731. */
export function boundStep(lo: number, hi: number): number {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return Math.abs(lo) > 0 ? 10 ** (Math.floor(Math.log10(Math.abs(lo))) - 3) : 0.001;
  return 10 ** (Math.floor(Math.log10(span)) - 3);
}

/** Digits that show a step of `step`: 3 for 0.001, 0 for 1 or more. */
export function stepDigits(step: number): number {
  return Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-9)));
}

/** A value rounded to the step, down for a lower bound and up for an upper one (never cutting the edge example). */
export function roundBound(value: number, step: number, side: 'min' | 'max'): number {
  const k = side === 'min' ? Math.floor(value / step + 1e-9) : Math.ceil(value / step - 1e-9);
  return Number((k * step).toFixed(stepDigits(step)));
}

/** The measure value under pixel x of a histogram `width` pixels wide spanning [lo, hi], clamped to it. */
export function valueAtPixel(x: number, width: number, lo: number, hi: number): number {
  const f = Math.min(1, Math.max(0, x / width));
  return lo + f * (hi - lo);
}

/** Pixel of a value on the same axis, clamped to the histogram. */
export function pixelOfValue(value: number, width: number, lo: number, hi: number): number {
  if (!(hi > lo)) return value < lo ? 0 : width;
  return Math.min(width, Math.max(0, ((value - lo) / (hi - lo)) * width));
}

export interface Bounds {
  min: number | undefined;
  max: number | undefined;
}

/**
 * The bounds a drag from pixel x0 to x1 sets, rounded outward. A drag that reaches an end of
 * the histogram leaves that side open (no bound): "everything from here up".
 */
export function boundsOfDrag(x0: number, x1: number, width: number, lo: number, hi: number): Bounds {
  const [a, b] = x0 <= x1 ? [x0, x1] : [x1, x0];
  const step = boundStep(lo, hi);
  return {
    min: a <= 0 ? undefined : roundBound(valueAtPixel(a, width, lo, hi), step, 'min'),
    max: b >= width ? undefined : roundBound(valueAtPixel(b, width, lo, hi), step, 'max'),
  };
}

/** The bounds of bar j: its edges, rounded outward; the first and last bars leave their outer side open. */
export function boundsOfBin(edges: readonly number[], j: number): Bounds {
  const lo = edges[0]!;
  const hi = edges[edges.length - 1]!;
  const step = boundStep(lo, hi);
  return {
    min: j <= 0 ? undefined : roundBound(edges[j]!, step, 'min'),
    max: j >= edges.length - 2 ? undefined : roundBound(edges[j + 1]!, step, 'max'),
  };
}

/** A value for a label: as many digits as the span needs, at most 4 significant past the point. */
export function formatBound(value: number, lo: number, hi: number): string {
  const digits = Math.min(6, stepDigits(boundStep(lo, hi) * 10));
  const text = value.toFixed(digits);
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}
