// SPEC P5: which mechanisms a student shares with its teacher. Rows: the teacher's training
// split (its mechanism set), columns: the student's, one grid per distillation loss; a cell is
// the student's accuracy, KL(teacher ‖ student) or fidelity on one counterfactual test split.
// The difference grids subtract plain KD's cell, so a loss that transfers more of the teacher's
// invariances shows up as higher fidelity / lower KL than KD in the same cell.
import type { DeviationReport } from '../../../shared/analytics.js';
import type { RunSummary } from '../../../shared/runs.js';

export type MechanismMetric = 'accuracy' | 'kl' | 'fidelity';

export interface MechanismCell {
  teacherSet: string;
  studentSet: string;
  loss: string;
  value: number | null;
}

/** The loss family of a student's last phase: 'kd', 'jacobian', 'contrastive' or 'onehot'. */
export function lossFamily(spec: unknown): string {
  const phases = (spec as { phases?: { loss?: { kind?: unknown } }[] } | null)?.phases;
  const kind = Array.isArray(phases) ? phases[phases.length - 1]?.loss?.kind : undefined;
  return typeof kind === 'string' ? kind : 'onehot';
}

/** The split a run trained on (its mechanism set): the spec's trainSplit, else "train". */
export function trainSplitOf(spec: unknown): string {
  const split = (spec as { trainSplit?: unknown } | null)?.trainSplit;
  return typeof split === 'string' ? split : 'train';
}

export function mechanismCells(runs: readonly Pick<RunSummary, 'id' | 'role' | 'spec' | 'teacherRunId'>[], report: DeviationReport, split: string, metric: MechanismMetric): MechanismCell[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const cells: MechanismCell[] = [];
  for (const s of report.students) {
    const run = byId.get(s.studentRunId);
    const teacher = byId.get(s.teacherRunId);
    const d = s.splits.find((x) => x.split === split);
    if (!run || !teacher || !d) continue;
    const value = metric === 'accuracy' ? d.studentAccuracy : metric === 'kl' ? d.meanKl : d.fidelity;
    cells.push({ teacherSet: trainSplitOf(teacher.spec), studentSet: trainSplitOf(run.spec), loss: lossFamily(run.spec), value });
  }
  return cells;
}

export interface Grid {
  loss: string;
  rows: string[];
  columns: string[];
  /** values[r][c]; null where no student has that pair (or the metric is undefined) */
  values: (number | null)[][];
}

/** One grid per loss over the same rows and columns; several students in a cell are averaged. */
export function mechanismGrids(cells: readonly MechanismCell[]): Grid[] {
  const rows = [...new Set(cells.map((c) => c.teacherSet))].sort();
  const columns = [...new Set(cells.map((c) => c.studentSet))].sort();
  const losses = [...new Set(cells.map((c) => c.loss))].sort((a, b) => (a === 'kd' ? -1 : b === 'kd' ? 1 : a.localeCompare(b)));
  return losses.map((loss) => ({
    loss,
    rows,
    columns,
    values: rows.map((r) =>
      columns.map((c) => {
        const values = cells.filter((x) => x.loss === loss && x.teacherSet === r && x.studentSet === c && x.value !== null).map((x) => x.value!);
        return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
      }),
    ),
  }));
}

/** Each non-KD grid minus the KD grid, cell by cell (null where either is missing). */
export function differenceFromKd(grids: readonly Grid[]): Grid[] {
  const kd = grids.find((g) => g.loss === 'kd');
  if (!kd) return [];
  return grids
    .filter((g) => g !== kd)
    .map((g) => ({ ...g, loss: `${g.loss} − kd`, values: g.values.map((row, r) => row.map((v, c) => (v === null || kd.values[r]![c] === null ? null : v - kd.values[r]![c]!))) }));
}

export function heatmapOption(grid: Grid, metric: MechanismMetric, difference: boolean) {
  const data: [number, number, number | '-'][] = [];
  let lo = Infinity;
  let hi = -Infinity;
  grid.values.forEach((row, r) =>
    row.forEach((v, c) => {
      data.push([c, r, v === null ? '-' : v]);
      if (v !== null) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }),
  );
  const span = Math.max(Math.abs(lo), Math.abs(hi), 1e-6);
  // green where the student does better: higher accuracy and fidelity, lower KL
  const better = metric === 'kl' ? ['#2b8a3e', '#f8f9fa', '#c92a2a'] : ['#c92a2a', '#f8f9fa', '#2b8a3e'];
  return {
    animation: false,
    title: { text: grid.loss, left: 'center', top: 0, textStyle: { fontSize: 12 } },
    grid: { left: 96, right: 12, top: 26, bottom: 56 },
    tooltip: { formatter: (p: { value: [number, number, number | '-'] }) => `teacher on ${grid.rows[p.value[1]]}<br/>student on ${grid.columns[p.value[0]]}<br/>${metric}: ${p.value[2] === '-' ? '—' : (p.value[2] as number).toFixed(4)}` },
    xAxis: { type: 'category', data: grid.columns, name: 'student trained on', nameLocation: 'middle', nameGap: 34, axisLabel: { fontSize: 10 } },
    yAxis: { type: 'category', data: grid.rows, name: 'teacher on', nameLocation: 'middle', nameGap: 80, axisLabel: { fontSize: 10 } },
    visualMap: difference
      ? { show: false, min: -span, max: span, inRange: { color: better } }
      : { show: false, min: Number.isFinite(lo) ? lo : 0, max: Number.isFinite(hi) && hi > lo ? hi : (Number.isFinite(lo) ? lo : 0) + 1, inRange: { color: metric === 'kl' ? ['#1864ab', '#e7f5ff'] : ['#e7f5ff', '#1864ab'] } },
    series: [{ type: 'heatmap', data, label: { show: true, fontSize: 11, formatter: (p: { value: [number, number, number | '-'] }) => (p.value[2] === '-' ? '—' : (p.value[2] as number).toFixed(3)) } }],
  };
}
