// Report-derived views shared by the explorer and the compare page: P2 (Δ per teacher-confidence
// bin, every student overlaid), the compare table's rows, and the 2×2 correctness matrix's cells.
import type { DeviationReport, SplitDeviation, StudentDeviation } from '../../../shared/analytics.js';
import { RUN_COLORS } from '../charts/trainingCurves.js';

export function splitOf(student: StudentDeviation, split: string): SplitDeviation | undefined {
  return student.splits.find((s) => s.split === split);
}

/** P2: Δ = E[b − a] per bin of the teacher's confidence, one line per student; the zero line is "no deviation". */
export function binnedCurveOption(report: DeviationReport, split: string, phiLabel: string, highlight: number | null = null) {
  const series = report.students.map((s, i) => {
    const d = splitOf(s, split);
    const points = (d?.bins ?? []).filter((b) => b.centre !== null && b.delta !== null).map((b) => [b.centre!, b.delta!, b.count]);
    const emphasised = highlight === null || highlight === s.studentRunId;
    return {
      type: 'line',
      name: s.studentName,
      data: points,
      symbolSize: 5,
      lineStyle: { width: emphasised ? 2 : 1, opacity: emphasised ? 1 : 0.45 },
      itemStyle: { color: RUN_COLORS[(i + 1) % RUN_COLORS.length], opacity: emphasised ? 1 : 0.45 },
    };
  });
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 34, bottom: 44 },
    legend: { top: 4, type: 'scroll', textStyle: { fontSize: 11 } },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesName: string; value: number[] }) => `${p.seriesName}<br/>bin centre ${p.value[0]?.toFixed(3)}<br/>Δ ${p.value[1]?.toFixed(4)} (${p.value[2]} examples)`,
    },
    xAxis: { type: 'value', name: `teacher ${phiLabel} (bin centre)`, nameLocation: 'middle', nameGap: 26, scale: true },
    yAxis: { type: 'value', name: 'Δ = E[student − teacher]', nameLocation: 'middle', nameGap: 42, scale: true },
    series: [
      ...series,
      { type: 'line', name: 'Δ = 0', data: [], markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: '#868e96', type: 'dashed' }, data: [{ yAxis: 0 }] } },
    ],
  };
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
