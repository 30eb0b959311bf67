// SPEC P5: which mechanisms a student shares with its teacher. Rows: the teacher's training
// split (its mechanism set), columns: the student's, one grid per distillation loss as the
// student's spec sets it (KD τ=4 and KD τ=1 are two grids); a cell is the student's accuracy,
// KL(teacher ‖ student) or fidelity on one counterfactual test split. The difference grids
// subtract plain KD's cell, so a loss that transfers more of the teacher's invariances shows up
// as higher fidelity / lower KL than KD in the same cell. Every grid of a metric shares one
// colour scale (stated in the page's colour key), so grids can be compared by colour.
import type { DeviationReport } from '../../../shared/analytics.js';
import type { DatasetMechanisms, DatasetSummary } from '../../../shared/domain.js';
import { LossPhase } from '../../../shared/experimentSpec.js';
import type { ExperimentSummary, RunSummary } from '../../../shared/runs.js';
import { describeLoss, escapeHtml } from './trainingCurves.js';

export type MechanismMetric = 'accuracy' | 'kl' | 'fidelity';

/** What each cell measures, in the words the page and the tooltips use. */
export const MECHANISM_METRICS: Record<MechanismMetric, { name: string; short: string; digits: number; higherIsBetter: boolean; better: string; worse: string }> = {
  fidelity: { name: 'fidelity (agrees with the teacher)', short: 'fidelity', digits: 3, higherIsBetter: true, better: 'agrees with the teacher more', worse: 'agrees less' },
  kl: { name: 'KL(teacher ‖ student)', short: 'KL', digits: 3, higherIsBetter: false, better: 'closer to the teacher', worse: 'further from it' },
  accuracy: { name: 'student accuracy', short: 'accuracy', digits: 3, higherIsBetter: true, better: 'more accurate', worse: 'less accurate' },
};

/** The loss family of a student's last phase: 'kd', 'jacobian', 'contrastive' or 'onehot'. */
export function lossFamily(spec: unknown): string {
  const phases = (spec as { phases?: { loss?: { kind?: unknown } }[] } | null)?.phases;
  const kind = Array.isArray(phases) ? phases[phases.length - 1]?.loss?.kind : undefined;
  return typeof kind === 'string' ? kind : 'onehot';
}

/**
 * A student's loss schedule in words, from its spec: "KD τ=4 α=0.9", "Jacobian matching β=0.15 τ=4",
 * "one-hot → KD τ=1 after epoch 5". Two students of one loss kind read differently whenever
 * their settings differ.
 */
export function lossLabel(spec: unknown): string {
  const phases = (spec as { phases?: unknown } | null)?.phases;
  if (!Array.isArray(phases) || phases.length === 0) return 'one-hot';
  const parsed = phases.map((p) => LossPhase.safeParse(p));
  if (!parsed.every((p) => p.success)) return lossFamily(spec);
  const [first, ...rest] = parsed.map((p) => p.data!);
  return [describeLoss(first!.loss), ...rest.map((p) => `${describeLoss(p.loss)} after epoch ${p.from}`)].join(' → ');
}

/** A model spec in a few words: "MLP 64", "CNN 16-32", "softmax". */
export function modelLabel(spec: unknown): string {
  const model = (spec as { model?: { arch?: unknown; hidden?: unknown; filters?: unknown } } | null)?.model;
  if (!model || typeof model.arch !== 'string') return 'model';
  const sizes = Array.isArray(model.hidden) ? model.hidden : Array.isArray(model.filters) ? model.filters : [];
  return [model.arch.length <= 4 ? model.arch.toUpperCase() : model.arch, sizes.join('-')].filter(Boolean).join(' ');
}

/** The split a run trained on (its mechanism set): the spec's trainSplit, else "train". */
export function trainSplitOf(spec: unknown): string {
  const split = (spec as { trainSplit?: unknown } | null)?.trainSplit;
  return typeof split === 'string' ? split : 'train';
}

/** The mechanisms a split keeps showing the label's class: "top + bottom"; "nothing" when every one is removed or random. */
export function keptMechanisms(mechanisms: DatasetMechanisms | undefined, split: string): string | null {
  const layout = mechanisms?.splits.find((s) => s.name === split);
  if (!mechanisms || !layout) return null;
  const kept = mechanisms.names.filter((m) => layout.settings[m] === 'keep');
  return kept.length ? kept.join(' + ') : 'nothing';
}

/** A split named with what it shows, for axes and menus: "train-student: top + bottom". */
export function splitLabel(mechanisms: DatasetMechanisms | undefined, split: string): string {
  const kept = keptMechanisms(mechanisms, split);
  return kept === null ? split : `${split}: ${kept}`;
}

/** The same on two lines, for a chart's axis: the split's name over what it shows. */
export function splitAxisLabel(mechanisms: DatasetMechanisms | undefined, split: string): string {
  const kept = keptMechanisms(mechanisms, split);
  return kept === null ? split : `${split}\n${kept}`;
}

/** A split's layout in a sentence: "top shows the label's class; bottom shows a random class". */
export function describeSplit(mechanisms: DatasetMechanisms | undefined, split: string): string {
  const layout = mechanisms?.splits.find((s) => s.name === split);
  if (!mechanisms || !layout) return split;
  const words = { keep: 'shows the label’s class', randomise: 'shows a random class', remove: 'is blanked out' } as const;
  return mechanisms.names.map((m) => `${m} ${layout.settings[m] ? words[layout.settings[m]] : 'is not set'}`).join('; ');
}

/** Where the page applies: a mechanism dataset with at least one student that has recorded an epoch. */
export type MechanismPageState =
  | { kind: 'plain' }
  | { kind: 'untrained'; running: number; experiments: number }
  | { kind: 'ready'; trained: number };

export function mechanismPageState(
  dataset: Pick<DatasetSummary, 'id' | 'mechanisms'>,
  experiments: readonly Pick<ExperimentSummary, 'datasetId' | 'runs'>[],
): MechanismPageState {
  if (!dataset.mechanisms) return { kind: 'plain' };
  const mine = experiments.filter((e) => e.datasetId === dataset.id);
  const runs = mine.flatMap((e) => e.runs);
  const trained = runs.filter((r) => r.role === 'student' && r.epochsDone > 0).length;
  if (trained > 0) return { kind: 'ready', trained };
  return { kind: 'untrained', running: runs.filter((r) => r.status === 'pending' || r.status === 'running').length, experiments: mine.length };
}

export interface MechanismCell {
  teacherSet: string;
  studentSet: string;
  /** the student's loss schedule in words */
  loss: string;
  family: string;
  model: string;
  student: string;
  value: number | null;
}

type CellRun = Pick<RunSummary, 'id' | 'role' | 'spec' | 'teacherRunId'> & { name?: string };

export function mechanismCells(runs: readonly CellRun[], report: DeviationReport, split: string, metric: MechanismMetric): MechanismCell[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const cells: MechanismCell[] = [];
  for (const s of report.students) {
    const run = byId.get(s.studentRunId);
    const teacher = byId.get(s.teacherRunId);
    const d = s.splits.find((x) => x.split === split);
    if (!run || !teacher || !d) continue;
    const value = metric === 'accuracy' ? d.studentAccuracy : metric === 'kl' ? d.meanKl : d.fidelity;
    cells.push({
      teacherSet: trainSplitOf(teacher.spec),
      studentSet: trainSplitOf(run.spec),
      loss: lossLabel(run.spec),
      family: lossFamily(run.spec),
      model: modelLabel(run.spec),
      student: run.name ?? s.studentName,
      value,
    });
  }
  return cells;
}

export interface Grid {
  /** what tells this grid apart: its loss schedule, and the model where students of one loss differ in it */
  loss: string;
  family: string;
  rows: string[];
  columns: string[];
  /** values[r][c]; null where no student has that pair (or the metric is undefined) */
  values: (number | null)[][];
  /** the students averaged into each cell, by name */
  students: string[][][];
}

const FAMILY_ORDER = ['kd', 'jacobian', 'contrastive', 'onehot'];
const familyRank = (f: string) => (FAMILY_ORDER.includes(f) ? FAMILY_ORDER.indexOf(f) : FAMILY_ORDER.length);

/** One grid per loss schedule over the same rows and columns; several students in a cell are averaged. */
export function mechanismGrids(cells: readonly MechanismCell[]): Grid[] {
  // Students of one loss schedule but different models would otherwise share a grid unseen.
  const modelsOf = new Map<string, Set<string>>();
  for (const c of cells) (modelsOf.get(c.loss) ?? modelsOf.set(c.loss, new Set()).get(c.loss)!).add(c.model);
  const keyOf = (c: MechanismCell) => (modelsOf.get(c.loss)!.size > 1 ? `${c.loss} · ${c.model}` : c.loss);
  const rows = [...new Set(cells.map((c) => c.teacherSet))].sort();
  const columns = [...new Set(cells.map((c) => c.studentSet))].sort();
  const keys = new Map<string, string>();
  for (const c of cells) keys.set(keyOf(c), c.family);
  const ordered = [...keys.entries()].sort(([a, fa], [b, fb]) => familyRank(fa) - familyRank(fb) || a.localeCompare(b));
  return ordered.map(([loss, family]) => {
    const mine = cells.filter((x) => keyOf(x) === loss);
    const at = (r: string, c: string) => mine.filter((x) => x.teacherSet === r && x.studentSet === c);
    return {
      loss,
      family,
      rows,
      columns,
      values: rows.map((r) =>
        columns.map((c) => {
          const values = at(r, c).filter((x) => x.value !== null).map((x) => x.value!);
          return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
        }),
      ),
      students: rows.map((r) => columns.map((c) => at(r, c).map((x) => x.student))),
    };
  });
}

/** The plain-KD grid the others are compared with: a single-phase KD grid, the fullest if there are several. */
export function kdReference(grids: readonly Grid[]): Grid | null {
  const filled = (g: Grid) => g.values.flat().filter((v) => v !== null).length;
  const kd = grids.filter((g) => g.family === 'kd' && !g.loss.includes('→'));
  return kd.reduce<Grid | null>((best, g) => (best === null || filled(g) > filled(best) ? g : best), null);
}

/** Each other grid minus the KD reference, cell by cell (null where either is missing). */
export function differenceFromKd(grids: readonly Grid[]): Grid[] {
  const kd = kdReference(grids);
  if (!kd) return [];
  return grids
    .filter((g) => g !== kd)
    .map((g) => ({
      ...g,
      loss: `${g.loss} − ${kd.loss}`,
      values: g.values.map((row, r) => row.map((v, c) => (v === null || kd.values[r]![c] === null ? null : v - kd.values[r]![c]!))),
    }));
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above x: a key's end that reads as a round number. */
export function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * The least span a difference key shows: 0.1 is ten points of fidelity or accuracy, or a tenth
 * of a nat of KL. Below it a grid of tiny differences would be painted as if they were large.
 */
export const MIN_DIFFERENCE_SPAN = 0.1;

export interface ColourScale {
  min: number;
  max: number;
  /** the colours from min to max */
  colours: string[];
  /** what the ends mean, low end first */
  ends: [string, string];
}

/**
 * One scale for every grid of a metric. Fidelity and accuracy are shares: 0 to 1. KL runs from
 * 0 to the largest cell, rounded up. Differences are centred on 0 and span the largest
 * |difference| rounded up, at least MIN_DIFFERENCE_SPAN; green is the better side for the student.
 */
export function colourScale(grids: readonly Grid[], metric: MechanismMetric, difference: boolean): ColourScale {
  const values = grids.flatMap((g) => g.values.flat()).filter((v): v is number => v !== null && Number.isFinite(v));
  const m = MECHANISM_METRICS[metric];
  if (difference) {
    const span = niceCeil(Math.max(MIN_DIFFERENCE_SPAN, ...values.map(Math.abs)));
    const diverging = ['#c92a2a', '#f1f3f5', '#2b8a3e'];
    return m.higherIsBetter
      ? { min: -span, max: span, colours: diverging, ends: [m.worse, m.better] }
      : { min: -span, max: span, colours: [...diverging].reverse(), ends: [m.better, m.worse] };
  }
  const sequential = ['#e7f5ff', '#1864ab'];
  if (metric === 'kl') return { min: 0, max: niceCeil(Math.max(0, ...values)), colours: sequential, ends: ['equal to the teacher', 'far from it'] };
  return { min: 0, max: 1, colours: sequential, ends: metric === 'fidelity' ? ['none agree', 'all agree'] : ['none right', 'all right'] };
}

/** A cell's number: a true minus sign, and a plus sign on a positive difference. */
export function signed(value: number, digits: number, showPlus: boolean): string {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return value < 0 ? `−${text}` : showPlus ? `+${text}` : text;
}

/** Whether a value sits where the scale is dark enough that its label reads better in white. */
function darkAt(scale: ColourScale, value: number, difference: boolean): boolean {
  if (difference) return Math.abs(value) / scale.max > 0.7;
  return (value - scale.min) / (scale.max - scale.min || 1) > 0.65;
}

const CELL_WIDTH = 112;
const CELL_HEIGHT = 44;
const CHAR_WIDTH = 6.4; // 11px sans-serif
const TITLE_HEIGHT = 30;
const X_AXIS_HEIGHT = 64;

/** The chart's own size: a fixed cell size, so one cell stays one cell and labels always fit. */
export function heatmapSize(grid: Grid, rowLabels: readonly string[], columnLabels: readonly string[]): { width: number; height: number; left: number } {
  const longest = (labels: readonly string[]) => Math.max(0, ...labels.flatMap((l) => l.split('\n')).map((line) => line.length * CHAR_WIDTH));
  const labelWidth = Math.ceil(Math.max(40, longest(rowLabels)));
  const columnWidth = Math.max(CELL_WIDTH, Math.ceil(longest(columnLabels)) + 12);
  const left = labelWidth + 30;
  const width = Math.max(left + grid.columns.length * columnWidth + 16, Math.ceil(grid.loss.length * 7) + 24);
  return { width, height: TITLE_HEIGHT + grid.rows.length * CELL_HEIGHT + X_AXIS_HEIGHT, left };
}

export interface HeatmapContext {
  metric: MechanismMetric;
  difference: boolean;
  scale: ColourScale;
  /** the counterfactual split the cells are measured on */
  split: string;
  mechanisms?: DatasetMechanisms | undefined;
}

type CellValue = [number, number, number | '-'];

export function heatmapOption(grid: Grid, context: HeatmapContext) {
  const { metric, difference, scale, split, mechanisms } = context;
  const m = MECHANISM_METRICS[metric];
  const rowLabels = grid.rows.map((r) => splitAxisLabel(mechanisms, r));
  const columnLabels = grid.columns.map((c) => splitAxisLabel(mechanisms, c));
  const size = heatmapSize(grid, rowLabels, columnLabels);
  const format = (v: number) => signed(v, m.digits, difference);
  const data: { value: CellValue; label?: { color: string } }[] = [];
  grid.values.forEach((row, r) =>
    row.forEach((v, c) => {
      data.push(v === null ? { value: [c, r, '-'] } : { value: [c, r, v], ...(darkAt(scale, v, difference) ? { label: { color: '#fff' } } : {}) });
    }),
  );
  const measure = difference ? `${m.short} difference (${grid.loss})` : `${m.short} of ${grid.loss}`;
  return {
    animation: false,
    title: { text: grid.loss, left: 'center', top: 2, textStyle: { fontSize: 12, fontWeight: 600 } },
    grid: { left: size.left, right: 16, top: TITLE_HEIGHT, bottom: X_AXIS_HEIGHT },
    tooltip: {
      confine: true,
      formatter: (p: { value: CellValue; dataIndex: number }) => {
        const [c, r, v] = p.value;
        const names = grid.students[r]?.[c] ?? [];
        return [
          `<b>${escapeHtml(grid.loss)}</b>`,
          `teacher trained on ${escapeHtml(grid.rows[r]!)} (${escapeHtml(describeSplit(mechanisms, grid.rows[r]!))})`,
          `student trained on ${escapeHtml(grid.columns[c]!)} (${escapeHtml(describeSplit(mechanisms, grid.columns[c]!))})`,
          `${escapeHtml(measure)} on ${escapeHtml(split)}: <b>${v === '-' ? 'no student' : format(v)}</b>`,
          ...(names.length ? [`${names.length === 1 ? 'student' : `mean of ${names.length} students`}: ${names.map(escapeHtml).join(', ')}`] : []),
        ].join('<br/>');
      },
    },
    xAxis: {
      type: 'category',
      data: columnLabels,
      name: 'student trained on',
      nameLocation: 'middle',
      nameGap: 44,
      axisLabel: { fontSize: 11, lineHeight: 14, interval: 0 },
      axisTick: { show: false },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: rowLabels,
      name: 'teacher trained on',
      nameLocation: 'middle',
      nameGap: size.left - 14,
      axisLabel: { fontSize: 11, lineHeight: 14, interval: 0 },
      axisTick: { show: false },
      inverse: true,
    },
    visualMap: { show: false, type: 'continuous', min: scale.min, max: scale.max, dimension: 2, inRange: { color: scale.colours } },
    series: [
      {
        type: 'heatmap',
        data,
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
        label: { show: true, fontSize: 12, color: '#1f2937', formatter: (p: { value: CellValue }) => (p.value[2] === '-' ? '—' : format(p.value[2])) },
      },
    ],
  };
}

/** A grid's heatmap as the page draws it: the option, and the box it needs for its axis labels (at least 200 px high). */
export function mechanismChart(grid: Grid, context: HeatmapContext): { option: ReturnType<typeof heatmapOption>; style: { width: string; height: string } } {
  const size = heatmapSize(
    grid,
    grid.rows.map((r) => splitAxisLabel(context.mechanisms, r)),
    grid.columns.map((c) => splitAxisLabel(context.mechanisms, c)),
  );
  return { option: heatmapOption(grid, context), style: { width: `${size.width}px`, height: `${Math.max(200, size.height)}px` } };
}

/** A colour key's tick values: its ends, and the middle (0 on a centred difference scale). */
export function scaleTicks(scale: ColourScale, difference: boolean): string[] {
  const digits = scale.max >= 10 ? 0 : scale.max >= 1 ? 1 : 2;
  const f = (v: number) => signed(v, digits, difference);
  return difference ? [f(scale.min), '0', f(scale.max)] : [f(scale.min), f((scale.min + scale.max) / 2), f(scale.max)];
}
