// The Dynamics page's pictures of one analysed student over its epochs (issue 8, docs/metrics.md):
// the cartography map — every example of a split at (mean, std) of KL_e or of d_e = b_e − a, with
// the regions it falls in — and the class × epoch heatmap of mean KL_e and mean d_e.
import type { z } from 'zod';
import {
  CARTOGRAPHY_REGIONS,
  REGION_DEFAULTS,
  type CartographyMapArgs,
  type CartographyMapMeta,
  type ClassDeviationHeatmap,
  type ClassDeviationHeatmapArgs,
  type ExampleMeasure,
} from '../../shared/analytics.js';
import { encodeBinaryFrame } from '../../shared/binaryFrame.js';
import { analysedPair, type AnalysisFrame } from './analysisFrame.js';
import { splitIndexOf } from './datasetColumns.js';
import { orNull } from './deviationReport.js';
import { filterRows, type FilterContext } from './exampleQuery.js';

const AXES: Record<CartographyMapMeta['axes'], [ExampleMeasure, ExampleMeasure]> = {
  kl: ['klMean', 'klStd'],
  deviation: ['deviationMean', 'deviationStd'],
};

/**
 * The map as a binary frame (CartographyMapMeta). Region membership comes from the explorer's own
 * `region` clause at the default thresholds, so a point's colour and the click-through agree.
 */
export function cartographyMap(frame: AnalysisFrame, args: Pick<z.output<typeof CartographyMapArgs>, 'split' | 'axes'>, context: FilterContext): Uint8Array<ArrayBuffer> {
  const split = args.split !== undefined ? { split: args.split } : {};
  const rows = filterRows(frame, split, context);
  const [xMeasure, yMeasure] = AXES[args.axes];
  const xs = frame.measure(xMeasure);
  const ys = frame.measure(yMeasure);
  const n = frame.dataset.ids.length;
  const bits = new Uint8Array(n);
  CARTOGRAPHY_REGIONS.forEach((kind, r) => {
    for (const row of filterRows(frame, { ...split, region: { kind, ...REGION_DEFAULTS } }, context)) bits[row]! |= 1 << r;
  });

  let kept = 0;
  for (const row of rows) if (Number.isFinite(xs[row]!) && Number.isFinite(ys[row]!)) kept++;
  const columns = { id: new Int32Array(kept), x: new Float32Array(kept), y: new Float32Array(kept), regions: new Uint8Array(kept) };
  const counts = Object.fromEntries([...CARTOGRAPHY_REGIONS, 'other'].map((r) => [r, 0])) as CartographyMapMeta['counts'];
  let k = 0;
  for (const row of rows) {
    if (!Number.isFinite(xs[row]!) || !Number.isFinite(ys[row]!)) continue;
    columns.id[k] = frame.dataset.ids[row]!;
    columns.x[k] = xs[row]!;
    columns.y[k] = ys[row]!;
    columns.regions[k] = bits[row]!;
    k++;
  }
  // Regions are counted over the split's rows, as the explorer's totals count them (`overtakes`
  // reads only epoch E, so it may hold an example an earlier epoch lacks, which is not plotted).
  for (const row of rows) {
    if (bits[row] === 0) {
      if (Number.isFinite(xs[row]!)) counts.other++;
      continue;
    }
    CARTOGRAPHY_REGIONS.forEach((r, i) => {
      if (bits[row]! & (1 << i)) counts[r]++;
    });
  }
  const meta: CartographyMapMeta = {
    ...analysedPair(frame),
    split: args.split ?? null,
    axes: args.axes,
    xMeasure,
    yMeasure,
    n: kept,
    missing: rows.length - kept,
    klThreshold: REGION_DEFAULTS.klThreshold,
    klStdThreshold: REGION_DEFAULTS.klStdThreshold,
    counts,
  };
  return encodeBinaryFrame(meta, columns);
}

/** Means per training label and student epoch from the frame's class × epoch sums. */
export function classDeviationHeatmap(frame: AnalysisFrame, args: Pick<z.output<typeof ClassDeviationHeatmapArgs>, 'split' | 'classChoice'>): ClassDeviationHeatmap {
  const { dataset, numClasses: C } = frame;
  const S = dataset.splitNames.length;
  const splits = args.split !== undefined ? [splitIndexOf(dataset, args.split)] : dataset.splitNames.map((_, s) => s);
  const sums = frame.classEpochSums();
  const epochs = Array.from({ length: sums.epochs }, (_, e) => e + 1);
  const counts: number[][] = [];
  const kl: (number | null)[][] = [];
  const deviation: (number | null)[][] = [];
  for (let c = 0; c < C; c++) {
    const n = epochs.map(() => 0);
    const klRow = epochs.map(() => 0);
    const devRow = epochs.map(() => 0);
    for (let e = 0; e < sums.epochs; e++) {
      for (const s of splits) {
        const o = (e * S + s) * C + c;
        n[e]! += sums.count[o]!;
        klRow[e]! += sums.kl[o]!;
        devRow[e]! += sums.deviation[o]!;
      }
    }
    counts.push(n);
    kl.push(klRow.map((v, e) => (n[e]! > 0 ? orNull(v / n[e]!) : null)));
    deviation.push(devRow.map((v, e) => (n[e]! > 0 ? orNull(v / n[e]!) : null)));
  }
  return {
    ...analysedPair(frame),
    split: args.split ?? null,
    classChoice: args.classChoice,
    epochs,
    counts,
    kl,
    deviation,
  };
}
