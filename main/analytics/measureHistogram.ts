// One per-example measure's observed range and equal-width histogram over some rows of an
// analysis frame: what the explorer's range row draws, so a bound is dragged over the data
// rather than typed blind (issue 17).
import type { MeasureHistogram } from '../../shared/analytics.js';
import type { ExampleMeasure } from '../../shared/analytics.js';

/**
 * Bins of width (max − min) / bins from min to max; v falls in bin floor((v − min) / width),
 * the maximum in the last bin. NaN values are counted as missing, never binned.
 */
export function measureHistogram(measure: ExampleMeasure, values: ArrayLike<number>, rows: ArrayLike<number>, bins: number): MeasureHistogram {
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  for (let r = 0; r < rows.length; r++) {
    const v = values[rows[r]!]!;
    if (Number.isNaN(v)) continue;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const missing = rows.length - n;
  if (n === 0) return { measure, n, missing, min: null, max: null, edges: [], counts: [] };
  // ±Infinity cannot be binned by width; stored measures are finite (φ is floored, docs/metrics.md).
  if (!Number.isFinite(min) || !Number.isFinite(max) || min === max) return { measure, n, missing, min, max, edges: [min, max], counts: [n] };
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let r = 0; r < rows.length; r++) {
    const v = values[rows[r]!]!;
    if (Number.isNaN(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - min) / width))]! += 1;
  }
  const edges = Array.from({ length: bins + 1 }, (_, j) => (j === bins ? max : min + j * width));
  return { measure, n, missing, min, max, edges, counts };
}
