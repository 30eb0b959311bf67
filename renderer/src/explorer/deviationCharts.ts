// Report-derived views shared by the explorer and the compare page: P2 (Δ per teacher-confidence
// bin, every student overlaid), the compare table's rows, and the 2×2 correctness matrix's cells.
import type { DeviationReport, SplitDeviation, StudentDeviation } from '../../../shared/analytics.js';
import { withTopLegend } from '../charts/legend.js';
import { RUN_COLORS } from '../charts/trainingCurves.js';
import { niceAxis } from './axisBounds.js';
import { TOOLTIP_CSS, type LegendItem } from './scatterPoints.js';

export function splitOf(student: StudentDeviation, split: string): SplitDeviation | undefined {
  return student.splits.find((s) => s.split === split);
}

export interface BinnedCurveOptions {
  /**
   * false: the page draws the legend beside the chart (ChartLegend) and this option hides ECharts' own;
   * otherwise the chart's own legend across its top, wrapped onto as many rows as the names need
   */
  legend?: boolean;
  /** legend names hidden by a click on the page's legend */
  hidden?: ReadonlySet<string>;
  /** a click on a bin lists its examples: say so in the tooltip */
  clickable?: boolean;
}

/** One P2 point: a teacher-confidence bin of one student (data [centre, Δ, count, lo, hi]). */
export interface BinPoint {
  studentRunId: number;
  studentName: string;
  centre: number;
  delta: number;
  count: number;
  /** smallest teacher φ in the bin; hi: the smallest of the next bin (the largest for the last) */
  lo: number;
  hi: number;
  last: boolean;
}

/** The bins P2 plots for each student, in series order. */
export function binPoints(report: DeviationReport, split: string): BinPoint[][] {
  return report.students.map((s) => {
    const bins = splitOf(s, split)?.bins ?? [];
    return bins
      .map((b, j) => ({ b, last: j === bins.length - 1 }))
      .filter(({ b }) => b.centre !== null && b.delta !== null && b.lo !== null && b.hi !== null)
      .map(({ b, last }) => ({ studentRunId: s.studentRunId, studentName: s.studentName, centre: b.centre!, delta: b.delta!, count: b.count, lo: b.lo!, hi: b.hi!, last }));
  });
}

/** The largest double below x (x finite): a bin's upper edge is the next bin's smallest value, which the next bin keeps. */
export function nextBelow(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits - 1n : bits + 1n);
  return view.getFloat64(0);
}

/** The teacher-φ range a bin covers, as the explorer's range filter: [lo, hi), the last bin [lo, hi]. */
export function binRange(p: Pick<BinPoint, 'lo' | 'hi' | 'last'>): { min: number; max: number } {
  return { min: p.lo, max: p.last ? p.hi : nextBelow(p.hi) };
}

export const DELTA_ZERO = 'Δ = 0 (no deviation)';
/** P2's plot insets in pixels when its legend is drawn beside it */
export const P2_GRID = Object.freeze({ left: 56, right: 16, top: 12, bottom: 44 });

/** P2: Δ = E[b − a] per bin of the teacher's confidence, one line per student; the zero line is "no deviation". */
export function binnedCurveOption(report: DeviationReport, split: string, phiLabel: string, highlight: number | null = null, options: BinnedCurveOptions = {}) {
  const points = binPoints(report, split);
  const series = report.students.map((s, i) => {
    const emphasised = highlight === null || highlight === s.studentRunId;
    return {
      type: 'line',
      name: s.studentName,
      data: points[i]!.map((p) => [p.centre, p.delta, p.count, p.lo, p.hi]),
      symbolSize: 6,
      cursor: options.clickable ? 'pointer' : 'default',
      lineStyle: { width: emphasised ? 2 : 1, opacity: emphasised ? 1 : 0.45 },
      itemStyle: { color: RUN_COLORS[(i + 1) % RUN_COLORS.length], opacity: emphasised ? 1 : 0.45 },
    };
  });
  const all = points.flat();
  const x = niceAxis(Math.min(...all.map((p) => p.centre)), Math.max(...all.map((p) => p.centre)), 6);
  // Δ = 0 is the reference: the y axis always holds it.
  const y = niceAxis(Math.min(0, ...all.map((p) => p.delta)), Math.max(0, ...all.map((p) => p.delta)), 5);
  const names = [...report.students.map((s) => s.studentName), DELTA_ZERO];
  const option = {
    animation: false,
    grid: { ...P2_GRID },
    legend: { show: false, data: names, selected: Object.fromEntries(names.map((n) => [n, !options.hidden?.has(n)])) },
    tooltip: {
      trigger: 'item',
      confine: true,
      extraCssText: TOOLTIP_CSS,
      formatter: (p: { seriesName: string; value: number[] }) =>
        `${p.seriesName}<br/>teacher ${phiLabel} from ${p.value[3]?.toFixed(3)} to ${p.value[4]?.toFixed(3)} (centre ${p.value[0]?.toFixed(3)})<br/>Δ ${p.value[1]?.toFixed(4)} over ${p.value[2]} examples${options.clickable ? '<br/><span style="opacity:.7">click to list this bin’s examples</span>' : ''}`,
    },
    xAxis: { type: 'value', name: `teacher ${phiLabel} (bin centre)`, nameLocation: 'middle', nameGap: 26, min: x.min, max: x.max, interval: x.interval },
    yAxis: { type: 'value', name: 'Δ = E[student − teacher]', nameLocation: 'middle', nameGap: 42, min: y.min, max: y.max, interval: y.interval },
    series: [
      ...series,
      { type: 'line', name: DELTA_ZERO, data: [], itemStyle: { color: '#868e96' }, lineStyle: { color: '#868e96', type: 'dashed' }, markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: '#868e96', type: 'dashed' }, data: [{ yAxis: 0 }] } },
    ],
  };
  return options.legend === false ? option : withTopLegend(option, names);
}

/** P2's legend beside the chart (the chart draws none): a line per student, then the dashed zero line. */
export function binnedCurveLegend(option: { series: { name: string; itemStyle?: { color?: string } }[] }): LegendItem[] {
  return [
    ...option.series.filter((l) => l.name !== DELTA_ZERO).map((l) => ({ name: l.name, colour: l.itemStyle?.color ?? '#868e96', mark: 'line' as const })),
    { name: DELTA_ZERO, colour: '#868e96', mark: 'dashed' as const },
  ];
}

/** A chart's axis bounds as "min,max" per axis, for what reads the chart from outside (tests, data attributes). */
export function axisBoundsText(option: { xAxis?: { min: number; max: number }; yAxis?: { min: number; max: number } }): { x: string; y: string } {
  return { x: option.xAxis ? `${option.xAxis.min},${option.xAxis.max}` : '', y: option.yAxis ? `${option.yAxis.min},${option.yAxis.max}` : '' };
}

export interface CompareRow {
  runId: number;
  name: string;
  epoch: number;
  testAccuracy: number | null;
  fidelity: number | null;
  kl: number | null;
  beta: number | null;
  betaLo: number | null;
  betaHi: number | null;
  lowestBinDelta: number | null;
  hardPointFitRate: number | null;
  underfits: boolean;
  /** accuracy on each split that is neither train nor test */
  ood: { split: string; accuracy: number | null }[];
}

export type CompareColumn = Exclude<keyof CompareRow, 'name' | 'ood' | 'underfits' | 'betaLo' | 'betaHi'> | `ood:${string}`;

/** One row per student: accuracy on `testSplit`, the rest measured on `split` (the report's own choice). */
export function compareRows(report: DeviationReport, split: string, testSplit = 'test'): CompareRow[] {
  return report.students.map((s) => {
    const d = splitOf(s, split);
    const test = splitOf(s, testSplit);
    return {
      runId: s.studentRunId,
      name: s.studentName,
      epoch: s.studentEpoch,
      testAccuracy: test?.studentAccuracy ?? null,
      fidelity: d?.fidelity ?? null,
      kl: d?.meanKl ?? null,
      beta: d?.beta ?? null,
      betaLo: d?.betaCi95[0] ?? null,
      betaHi: d?.betaCi95[1] ?? null,
      lowestBinDelta: d?.bins[0]?.delta ?? null,
      hardPointFitRate: d?.hardPointFitRate ?? null,
      underfits: d?.underfits ?? false,
      ood: s.splits.filter((x) => x.split !== 'train' && x.split !== 'test').map((x) => ({ split: x.split, accuracy: x.studentAccuracy })),
    };
  });
}

/** Sorted copy; missing values last whichever the direction. */
export function sortCompareRows(rows: readonly CompareRow[], column: CompareColumn, descending: boolean): CompareRow[] {
  const value = (r: CompareRow): number | null =>
    column.startsWith('ood:') ? (r.ood.find((o) => o.split === column.slice(4))?.accuracy ?? null) : (r[column as keyof CompareRow] as number | null);
  return [...rows].sort((x, y) => {
    const a = value(x);
    const b = value(y);
    if (a === null || b === null) return a === null ? (b === null ? x.runId - y.runId : 1) : -1;
    return (descending ? b - a : a - b) || x.runId - y.runId;
  });
}

/** The four cells of the correctness matrix between runs A and B, in reading order. */
export const MATRIX_CELLS = [
  { a: true, b: true },
  { a: true, b: false },
  { a: false, b: true },
  { a: false, b: false },
] as const;
