// The linear distillation lab's page logic without a browser (SPEC.md V4, M8, P3, experiment 6):
// the settings form turned into eigenLab arguments, the comparison of teacher and student at one
// point of training, and the ECharts options of the three charts — c_k(t) per mode, c_k against
// the eigen index k at that point, and P3's (c_1, c_j) curves.
import type { ChartOption, LineSeriesOption, MarkLineComponentOption } from './chartOption.js';
import { EigenLabArgs, type EigenLabResult } from '../../../shared/analytics.js';
import type { CallArgs } from '../../../shared/contract.js';
import { fieldIssues } from '../../../shared/zodIssues.js';
import { epochAxis, extentOf, fitAxis, fitValues } from './axes.js';
import { withTopLegend } from './legend.js';
import { RUN_COLORS } from './trainingCurves.js';

export type EigenChartOption = ChartOption<LineSeriesOption>;

type Row = readonly (number | null)[];

/** SPEC experiment 6 compares teacher and student where the top mode's progress c_1 reaches 0.9. */
export const TOP_TARGET = 0.9;
/** The modes plotted by default: the top one and a spread down to SPEC's c_45 (n = 50). */
export const DEFAULT_MODES = [1, 5, 10, 25, 45];
/** Points per series the charts draw at most; long runs recorded every step are thinned evenly. */
export const MAX_POINTS = 2000;

const TEACHER_STYLE = 'solid' as const;
const STUDENT_STYLE = 'dashed' as const;

// ---------------------------------------------------------------- the settings form

/** The form's text fields (numbers as typed) and its two switches. */
export interface EigenForm {
  n: string;
  p: string;
  scaleFrom: string;
  scaleTo: string;
  noise: string;
  /** η = 0.1/λ_max, else `stepSize` */
  stepAuto: boolean;
  stepSize: string;
  /** a teacher trained to convergence (SPEC's control: the student then copies it exactly) */
  teacherConverged: boolean;
  teacherSteps: string;
  studentSteps: string;
  record: string;
  seed: string;
}

export type EigenFormField = Exclude<keyof EigenForm, 'stepAuto' | 'teacherConverged'>;

/** The schema's own defaults, so the form and a bare `eigenLab({})` call agree. */
export function defaultEigenForm(): EigenForm {
  const d = EigenLabArgs.parse({});
  return {
    n: String(d.n),
    p: String(d.p),
    scaleFrom: String(d.scales.from),
    scaleTo: String(d.scales.to),
    noise: String(d.noise),
    stepAuto: d.stepSize === 'auto',
    stepSize: d.stepSize === 'auto' ? '' : String(d.stepSize),
    teacherConverged: d.teacherSteps === null,
    teacherSteps: d.teacherSteps === null ? '' : String(d.teacherSteps),
    studentSteps: String(d.studentSteps),
    record: String(d.record),
    seed: String(d.seed),
  };
}

/** A typed number; blank or garbage becomes NaN, which the schema rejects by field. */
function toNumber(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

export function eigenArgsFromForm(form: EigenForm): CallArgs<'eigenLab'> {
  return {
    n: toNumber(form.n),
    p: toNumber(form.p),
    scales: { kind: 'geomspace', from: toNumber(form.scaleFrom), to: toNumber(form.scaleTo) },
    noise: toNumber(form.noise),
    stepSize: form.stepAuto ? 'auto' : toNumber(form.stepSize),
    teacherSteps: form.teacherConverged ? null : toNumber(form.teacherSteps),
    studentSteps: toNumber(form.studentSteps),
    record: toNumber(form.record),
    seed: toNumber(form.seed),
  };
}

const FIELD_OF_PATH: Record<string, EigenFormField> = {
  n: 'n',
  p: 'p',
  'scales.from': 'scaleFrom',
  'scales.to': 'scaleTo',
  scales: 'scaleFrom',
  noise: 'noise',
  stepSize: 'stepSize',
  teacherSteps: 'teacherSteps',
  studentSteps: 'studentSteps',
  record: 'record',
  seed: 'seed',
};

const NUMBER_FIELDS: readonly EigenFormField[] = ['n', 'p', 'scaleFrom', 'scaleTo', 'noise', 'stepSize', 'teacherSteps', 'studentSteps', 'record', 'seed'];

/**
 * The form's problems by field ('' for the whole: the work budget), checked with the
 * contract's own schema so the page says exactly what the call would refuse.
 */
export function eigenFormIssues(form: EigenForm): Map<EigenFormField | '', string[]> {
  const out = new Map<EigenFormField | '', string[]>();
  const add = (key: EigenFormField | '', message: string) => out.set(key, [...(out.get(key) ?? []), message]);
  const typed = new Set<EigenFormField>();
  for (const key of NUMBER_FIELDS) {
    if ((key === 'stepSize' && form.stepAuto) || (key === 'teacherSteps' && form.teacherConverged)) continue;
    const text = form[key].trim();
    // zod's "expected number, received NaN" says less than this
    if (text === '') add(key, 'enter a number');
    else if (!Number.isFinite(Number(text))) add(key, `"${text}" is not a number`);
    else continue;
    typed.add(key);
  }
  const parsed = EigenLabArgs.safeParse(eigenArgsFromForm(form));
  if (parsed.success) return out;
  for (const issue of fieldIssues(parsed.error)) {
    const key = issue.path.length === 0 ? '' : (FIELD_OF_PATH[issue.path.join('.')] ?? FIELD_OF_PATH[String(issue.path[0])] ?? '');
    if (key !== '' && typed.has(key)) continue;
    // the union's own message is a bare "Invalid input"
    add(key, key === 'stepSize' ? 'a step size > 0 (at most 1e6), or auto' : issue.message);
  }
  return out;
}

// ---------------------------------------------------------------- modes and comparison points

/**
 * "1, 5, 10-12" → sorted distinct 1-based modes within 1..n; what could not be used is listed
 * (out of range or not a number) so the page can say why a mode is missing.
 */
export function parseModeList(text: string, n: number): { modes: number[]; dropped: string[] } {
  const modes = new Set<number>();
  const dropped: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const part = raw.trim();
    if (!part) continue;
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (lo < 1 || hi > n || lo > hi || hi - lo > 400) dropped.push(part);
      else for (let k = lo; k <= hi; k++) modes.add(k);
      continue;
    }
    const k = Number(part);
    if (/^\d+$/.test(part) && k >= 1 && k <= n) modes.add(k);
    else dropped.push(part);
  }
  return { modes: [...modes].sort((a, b) => a - b), dropped };
}

/** The first recorded row whose c_1 reaches `target` (SPEC experiment 6's matching point); null if never. */
export function firstIndexReaching(rows: readonly Row[], target = TOP_TARGET): number | null {
  for (let r = 0; r < rows.length; r++) {
    const top = rows[r]![0];
    if (top !== null && top !== undefined && top >= target) return r;
  }
  return null;
}

/** The slider's starting point: where the teacher's top mode reaches 0.9, else the last recorded step. */
export function defaultStepIndex(result: Pick<EigenLabResult, 'teacher' | 'steps'>): number {
  return firstIndexReaching(result.teacher) ?? Math.max(0, result.steps.length - 1);
}

/**
 * A trajectory at the first (linearly interpolated, possibly fractional) step where its c_1
 * reaches `target`, every mode interpolated with the same weight; null where c_1 never does.
 */
export function rowAtTopProgress(steps: readonly number[], rows: readonly Row[], target: number): { step: number; row: (number | null)[] } | null {
  const r = firstIndexReaching(rows, target);
  if (r === null) return null;
  const here = rows[r]!;
  const before = r > 0 ? rows[r - 1]! : null;
  const prevTop = before?.[0];
  if (!before || prevTop === null || prevTop === undefined) return { step: steps[r]!, row: [...here] };
  const top = here[0]!;
  const a = top === prevTop ? 1 : (target - prevTop) / (top - prevTop);
  const row = here.map((v, k) => {
    const w = before[k];
    return v === null || w === null || w === undefined ? null : w + a * (v - w);
  });
  return { step: steps[r - 1]! + a * (steps[r]! - steps[r - 1]!), row };
}

export type ComparisonKind = 'matched' | 'same-step';

/** Where to compare: a recorded row of the teacher (the slider), or the teacher's c_1 reaching a level. */
export type ComparePoint = { index: number } | { top: number };

export interface EigenComparison {
  kind: ComparisonKind;
  teacherStep: number;
  teacher: (number | null)[];
  /** null: the student's c_1 never reaches the teacher's within the recorded steps */
  studentStep: number | null;
  student: (number | null)[] | null;
}

/** A trajectory at a (possibly fractional) step, interpolated linearly between recorded steps. */
export function rowAtStep(steps: readonly number[], rows: readonly Row[], step: number): (number | null)[] {
  let r = 0;
  while (r < steps.length - 1 && steps[r + 1]! <= step) r++;
  const here = rows[r] ?? [];
  if (r >= steps.length - 1 || steps[r] === step) return [...here];
  const next = rows[r + 1]!;
  const a = (step - steps[r]!) / (steps[r + 1]! - steps[r]!);
  return here.map((v, k) => {
    const w = next[k];
    return v === null || w === null || w === undefined ? null : v + a * (w - v);
  });
}

/**
 * Teacher and student at one point. The teacher sits at the slider's recorded row, or where its
 * c_1 reaches `top` (interpolated, as SPEC experiment 6 reads c_45 at c_1 = 0.9). The student sits
 * at the same step ('same-step'), or where its own c_1 equals the teacher's there ('matched').
 */
export function compareAt(result: Pick<EigenLabResult, 'steps' | 'teacher' | 'student'>, point: ComparePoint, kind: ComparisonKind): EigenComparison {
  const last = Math.max(0, result.steps.length - 1);
  const byTop = 'top' in point ? rowAtTopProgress(result.steps, result.teacher, point.top) : null;
  let teacherStep: number;
  let teacher: (number | null)[];
  if (byTop) {
    teacherStep = byTop.step;
    teacher = byTop.row;
  } else {
    // a level the teacher never reaches falls back to the end of the run
    const r = 'index' in point ? Math.min(Math.max(0, Math.round(point.index)), last) : last;
    teacherStep = result.steps[r] ?? 0;
    teacher = [...(result.teacher[r] ?? [])];
  }
  if (kind === 'same-step') return { kind, teacherStep, teacher, studentStep: teacherStep, student: rowAtStep(result.steps, result.student, teacherStep) };
  const target = teacher[0];
  const matched = target === null || target === undefined ? null : rowAtTopProgress(result.steps, result.student, target);
  return { kind, teacherStep, teacher, studentStep: matched?.step ?? null, student: matched?.row ?? null };
}

// ---------------------------------------------------------------- the summary

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';
export function subscript(k: number): string {
  return String(k).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]!);
}

function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

function fmtStep(step: number): string {
  return Number.isInteger(step) ? String(step) : step.toFixed(1);
}

/** The mode the summary reads off: the smallest-eigenvalue selected mode other than the top one. */
export function probeMode(modes: readonly number[], n: number): number {
  const below = modes.filter((k) => k > 1 && k <= n);
  return below.length > 0 ? below[below.length - 1]! : Math.max(1, Math.min(45, n));
}

/** A gap under 1% is read as none: interpolation and round-off make equal curves differ slightly. */
const CLEAR_GAP = 0.01;

/** What the modes chart shows, in one or two sentences with the numbers read off it. */
export function describeComparison(result: Pick<EigenLabResult, 'teacherSteps' | 'eigenvalues'>, cmp: EigenComparison, j: number): string {
  const cj = `c${subscript(j)}`;
  const c1 = `c${subscript(1)}`;
  const t1 = cmp.teacher[0] ?? null;
  const tj = cmp.teacher[j - 1] ?? null;
  const s1 = cmp.student?.[0] ?? null;
  const sj = cmp.student?.[j - 1] ?? null;
  const converged = result.teacherSteps === null;
  const why = converged
    ? 'The teacher ran to convergence, so the student is fitted to the teacher’s own least-squares fit and follows the same curves: early stopping is what makes the student differ.'
    : `Distilled from a teacher stopped at T̃ = ${result.teacherSteps}, the student’s target keeps only a (1 − (1 − ηλ_k)^T̃) share of each direction: nearly all of the top ones, little of the small ones.`;
  if (cmp.student === null || cmp.studentStep === null) {
    return `The student’s ${c1} never reaches the teacher’s ${fmt(t1)} (teacher at step ${fmtStep(cmp.teacherStep)}) within the recorded steps: run more student steps. ${why}`;
  }
  if (tj === null || sj === null) {
    return `Mode ${j} has no progress value (⟨u_${j}, y⟩ is too small to divide by): pick another mode. ${why}`;
  }
  const ratio = tj !== 0 ? ` (×${(sj / tj).toFixed(2)})` : '';
  if (cmp.kind === 'matched') {
    const verdict = converged
      ? ''
      : sj < tj * (1 - CLEAR_GAP)
        ? ' At equal top-direction progress the student has made less progress on the small direction: it exaggerates the bias toward the top eigendirections.'
        : ' Here the student is not clearly below the teacher on this direction: try a smaller mode (larger k), an earlier T̃ or a later point.';
    return `At equal top-direction progress ${c1} = ${fmt(t1)} (teacher at step ${fmtStep(cmp.teacherStep)}, student at step ${fmtStep(cmp.studentStep)}), the student’s ${cj} is ${fmt(sj)} against the teacher’s ${fmt(tj)}${ratio}.${verdict} ${why}`;
  }
  const topRatio = t1 !== null && t1 !== 0 && s1 !== null ? ` (×${(s1 / t1).toFixed(2)})` : '';
  const lags = t1 !== null && s1 !== null && t1 > 0 && tj > 0 && sj / tj < (s1 / t1) * (1 - CLEAR_GAP);
  const verdict = lags
    ? 'it keeps up on the top eigendirections and lags on the small ones.'
    : 'no clear lag on this direction here: try a smaller mode (larger k) or an earlier T̃.';
  return `At step ${fmtStep(cmp.teacherStep)} the student’s ${c1} is ${fmt(s1)} against the teacher’s ${fmt(t1)}${topRatio}, and its ${cj} is ${fmt(sj)} against ${fmt(tj)}${ratio}: ${verdict} ${why}`;
}

/** The summary under the modes chart: the comparison read off at the probe mode of the chosen ones. */
export function comparisonSummary(result: EigenLabResult, cmp: EigenComparison, modes: readonly number[]): string {
  return describeComparison(result, cmp, probeMode(modes, result.eigenvalues.length));
}

/** The slider's row: the chosen one, else the recorded row at or just after the compared step while a c_1 level is chosen. */
export function sliderIndexOf(result: Pick<EigenLabResult, 'teacher' | 'steps'>, point: ComparePoint, cmp: EigenComparison | null): number {
  if ('index' in point) return point.index;
  const step = cmp?.teacherStep ?? 0;
  const i = result.steps.findIndex((s) => s >= step);
  return i >= 0 ? i : defaultStepIndex(result);
}

/** A number in the lab's facts line: three significant digits, exponent form when tiny. */
export function formatLabNumber(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toPrecision(3);
}

/** The run's facts in one line: modes, the extreme eigenvalues, η, the teacher's stop and the student's steps. */
export function labFacts(r: Pick<EigenLabResult, 'eigenvalues' | 'steps' | 'teacherSteps' | 'stepSize'>): string {
  const lambda = r.eigenvalues;
  const last = r.steps[r.steps.length - 1] ?? 0;
  const teacher = r.teacherSteps === null ? 'teacher trained to convergence' : `teacher stopped at T̃ = ${r.teacherSteps}`;
  return `n = ${lambda.length} modes · λ${subscript(1)} = ${formatLabNumber(lambda[0])}, λ${subscript(lambda.length)} = ${formatLabNumber(lambda[lambda.length - 1])} · η = ${formatLabNumber(r.stepSize)} · ${teacher} · ${last} student steps, ${r.steps.length} recorded`;
}

/** A recorded or interpolated step as the comparison line writes it. */
export function formatLabStep(step: number | null | undefined): string {
  return step === null || step === undefined ? '—' : fmtStep(step);
}

/** The lab form's plain number fields, in the order the form shows them (step size and teacher steps have their own switches). */
export const EIGEN_NUMBER_FIELDS: readonly { key: EigenFormField; label: string; symbol?: string; title?: string; decimal?: boolean; testid: string; row: 1 | 2 }[] = [
  { key: 'n', symbol: 'n', label: 'examples', testid: 'eigen-n', row: 1 },
  { key: 'p', symbol: 'p', label: 'features', testid: 'eigen-p', row: 1 },
  { key: 'scaleFrom', label: 'Scale from', title: 'per-feature standard deviations: geomspace(from, to, p)', decimal: true, testid: 'eigen-scale-from', row: 1 },
  { key: 'scaleTo', label: 'Scale to', decimal: true, testid: 'eigen-scale-to', row: 1 },
  { key: 'noise', label: 'Noise', title: 'label noise: y = X w* + noise · ε', decimal: true, testid: 'eigen-noise', row: 1 },
  { key: 'seed', label: 'Seed', testid: 'eigen-seed', row: 1 },
  { key: 'studentSteps', label: 'Student steps', testid: 'eigen-student-steps', row: 2 },
  { key: 'record', label: 'Record every', title: 'record c_k every this many steps', testid: 'eigen-record', row: 2 },
];

// ---------------------------------------------------------------- charts

export function modeColor(i: number): string {
  return RUN_COLORS[(i + 1) % RUN_COLORS.length]!;
}

/** Evenly spaced row indices, at most `max`, always keeping the first and the last. */
export function thinIndices(count: number, max = MAX_POINTS): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(Math.round((i * (count - 1)) / (max - 1)));
  return [...new Set(out)];
}

function column(steps: readonly number[], rows: readonly Row[], k: number, keep: readonly number[]): [number, number | null][] {
  return keep.map((r) => [steps[r]!, rows[r]?.[k] ?? null]);
}

type StepMark = { xAxis: number; name: string; lineStyle: { color: string; type: 'dotted' | 'solid' }; label?: { show: boolean }; emphasis?: { label: { show: boolean } } };

/** T̃ always labelled; the compared steps sit close together, so theirs show on hover only. */
export function stepMarks(result: Pick<EigenLabResult, 'teacherSteps' | 'steps'>, cmp: EigenComparison | null): MarkLineComponentOption | undefined {
  const last = result.steps[result.steps.length - 1] ?? 0;
  const data: StepMark[] = [];
  if (result.teacherSteps !== null && result.teacherSteps <= last) data.push({ xAxis: result.teacherSteps, name: 'T̃: teacher stops', lineStyle: { color: '#b42323', type: 'solid' } });
  const hover = { label: { show: false }, emphasis: { label: { show: true } } };
  if (cmp) {
    data.push({ xAxis: cmp.teacherStep, name: 'teacher compared', lineStyle: { color: '#68717c', type: 'dotted' }, ...hover });
    if (cmp.studentStep !== null && cmp.studentStep !== cmp.teacherStep) data.push({ xAxis: cmp.studentStep, name: 'student compared', lineStyle: { color: '#68717c', type: 'dotted' }, ...hover });
  }
  if (data.length === 0) return undefined;
  return {
    symbol: 'none',
    animation: false,
    label: { show: true, formatter: '{b}', fontSize: 10, color: '#68717c', position: 'insideEndTop' },
    data,
  };
}

function valueOf(p: { value?: unknown }): number | null {
  const v = Array.isArray(p.value) ? p.value[1] : p.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

interface TooltipParam {
  marker?: string;
  seriesName?: string;
  value?: unknown;
  axisValue?: unknown;
}

/** An axis tooltip: the hovered x under `head`, then one line per series. */
function tooltipLines(head: (x: unknown) => string) {
  return (raw: unknown): string => {
    const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[];
    const first = params[0];
    const lines = params.map((p) => `${p.marker ?? ''}${p.seriesName ?? ''} <b>${fmt(valueOf(p), 4)}</b>`);
    return [first ? head(first.axisValue ?? (first.value as unknown[] | undefined)?.[0]) : '', ...lines].join('<br/>');
  };
}

/** A log axis cannot show 0 or below: those points become gaps. */
function positiveOrNull(v: number | null | undefined): number | null {
  return v !== null && v !== undefined && v > 0 ? v : null;
}

/** The log axis's lower end: the decade below the smallest value, not under 1e-6 (c_k of tiny modes early on). */
export function logFloor(min: number): number {
  if (!Number.isFinite(min) || min <= 0) return 1e-3;
  return Math.pow(10, Math.floor(Math.log10(Math.max(min, 1e-6)) + 1e-9));
}

/** The decade at or above the largest value, and never below 1 (c_k's target). */
export function logCeiling(max: number): number {
  if (!Number.isFinite(max) || max <= 1) return 1;
  return Math.pow(10, Math.ceil(Math.log10(max) - 1e-9));
}

/** c_k's axis fitted to the plotted values: a log axis by decades, a linear one from 0 to a round number above them. */
function cAxis(log: boolean, name: string, values: Iterable<number | null | undefined>) {
  const extent = extentOf(values);
  if (log) return { type: 'log' as const, name, nameTextStyle: { align: 'left' as const }, min: logFloor(extent?.min ?? NaN), max: logCeiling(extent?.max ?? NaN) };
  const y = fitAxis(extent, { includeZero: true });
  return { type: 'value' as const, name, nameTextStyle: { align: 'left' as const }, min: y.min, max: y.max, interval: y.interval };
}

/** Every y of the series' [x, y] points. */
function seriesValues(series: readonly LineSeriesOption[]): (number | null)[] {
  return series.flatMap((s) => (s.data as [number, number | null][]).map((p) => p[1]));
}

/**
 * (a) c_k(t) against the step for each chosen mode: teacher solid, student dashed (closed forms
 * dotted when asked), one colour per mode; the teacher's stopping step and the compared steps marked.
 */
export function trajectoryOption(
  result: EigenLabResult,
  modes: readonly number[],
  opts: { closedForm?: boolean; comparison?: EigenComparison | null; logC?: boolean } = {},
): EigenChartOption {
  const keep = thinIndices(result.steps.length);
  const logC = opts.logC ?? false;
  const series: LineSeriesOption[] = [];
  const names: string[] = [];
  modes.forEach((mode, i) => {
    const color = modeColor(i);
    const k = mode - 1;
    const sources: [string, Row[], 'solid' | 'dashed' | 'dotted', number][] = [
      ['teacher', result.teacher, TEACHER_STYLE, 2],
      ['student', result.student, STUDENT_STYLE, 2],
    ];
    if (opts.closedForm) {
      sources.push(['teacher, formula', result.closedFormTeacher, 'dotted', 1.2], ['student, formula', result.closedFormStudent, 'dotted', 1.2]);
    }
    for (const [who, rows, type, width] of sources) {
      const name = `c${subscript(mode)} ${who}`;
      names.push(name);
      const data = column(result.steps, rows, k, keep).map(([x, y]): [number, number | null] => [x, logC ? positiveOrNull(y) : y]);
      series.push({ type: 'line', id: `mode-${mode}-${who}`, name, data, color, showSymbol: false, lineStyle: { width, type }, emphasis: { focus: 'series' } });
    }
  });
  const marks = stepMarks(result, opts.comparison ?? null);
  if (series[0] && marks) series[0].markLine = marks;
  const x = fitAxis({ min: 0, max: result.steps[result.steps.length - 1] ?? 1 }, { integer: true });
  return withTopLegend<EigenChartOption>(
    {
      animation: false,
      grid: { left: 56, right: 24, bottom: 36 },
      tooltip: { trigger: 'axis', confine: true, formatter: tooltipLines((v) => `step ${String(v)}`) },
      xAxis: { type: 'value', name: 'step t', nameLocation: 'middle', nameGap: 22, min: x.min, max: x.max, interval: x.interval },
      yAxis: cAxis(logC, 'c_k(t)', seriesValues(series)),
      series,
    },
    names,
    // the y axis's name sits above the plot
    { gap: 26 },
  );
}

/**
 * (b) P3 at one point: c_k of teacher and student against the eigen index k = 1..n (left axis),
 * with the eigenvalues λ_k on a log axis (right), so the lag lines up with small λ_k.
 */
export function modeProfileOption(result: EigenLabResult, cmp: EigenComparison, opts: { logC?: boolean } = {}): EigenChartOption {
  const logC = opts.logC ?? true;
  const n = result.eigenvalues.length;
  const ks = Array.from({ length: n }, (_, k) => k + 1);
  const c = (v: number | null | undefined) => (logC ? positiveOrNull(v) : (v ?? null));
  const teacherName = cmp.kind === 'matched' ? `teacher (step ${fmtStep(cmp.teacherStep)})` : 'teacher';
  const studentName = cmp.kind === 'matched' && cmp.studentStep !== null ? `student (step ${fmtStep(cmp.studentStep)})` : 'student';
  const series: LineSeriesOption[] = [
    {
      type: 'line',
      id: 'teacher',
      name: teacherName,
      data: ks.map((k) => [k, c(cmp.teacher[k - 1])]),
      color: RUN_COLORS[0],
      symbolSize: 4,
      lineStyle: { width: 2, type: TEACHER_STYLE },
    },
    {
      type: 'line',
      id: 'student',
      name: studentName,
      data: ks.map((k) => [k, cmp.student ? c(cmp.student[k - 1]) : null]),
      color: RUN_COLORS[2],
      symbolSize: 4,
      lineStyle: { width: 2, type: STUDENT_STYLE },
    },
    {
      type: 'line',
      id: 'eigenvalues',
      name: 'λ_k',
      yAxisIndex: 1,
      data: ks.map((k) => [k, positiveOrNull(result.eigenvalues[k - 1])]),
      color: '#adb5bd',
      symbol: 'emptyCircle',
      symbolSize: 3,
      lineStyle: { width: 1, type: 'solid' },
      z: 1,
    },
  ];
  // k is a 1-based index like an epoch: every k a tick while there are few
  const x = epochAxis(n);
  const lambda = extentOf(series[2]!.data as Iterable<number | null>);
  return withTopLegend<EigenChartOption>(
    {
      animation: false,
      grid: { left: 56, right: 64, bottom: 36 },
      tooltip: { trigger: 'axis', confine: true, formatter: tooltipLines((v) => `mode k = ${String(v)}`) },
      xAxis: { type: 'value', name: 'eigen index k (λ_k descending)', nameLocation: 'middle', nameGap: 22, min: x.min, max: x.max, interval: x.interval },
      yAxis: [
        cAxis(logC, 'c_k', seriesValues(series.slice(0, 2))),
        { type: 'log', name: 'λ_k', nameTextStyle: { align: 'right' }, splitLine: { show: false }, min: logFloor(lambda?.min ?? NaN), max: logCeiling(lambda?.max ?? NaN) },
      ],
      series,
    },
    series.map((s) => String(s.name)),
    { gap: 26 },
  );
}

/**
 * SPEC P3 itself: the curve (c_1(t), c_j(t)) for each chosen j > 1, teacher solid and student
 * dashed; the student's curve under the teacher's is the exaggerated top-direction bias.
 */
export function topProgressOption(result: EigenLabResult, modes: readonly number[], opts: { logC?: boolean; comparison?: EigenComparison | null } = {}): EigenChartOption {
  const logC = opts.logC ?? true;
  const keep = thinIndices(result.steps.length);
  const series: LineSeriesOption[] = [];
  const names: string[] = [];
  modes.forEach((mode, i) => {
    if (mode === 1) return;
    const color = modeColor(i);
    for (const [who, rows, type] of [
      ['teacher', result.teacher, TEACHER_STYLE],
      ['student', result.student, STUDENT_STYLE],
    ] as const) {
      const name = `c${subscript(mode)} ${who}`;
      names.push(name);
      const data = keep
        .map((r) => [rows[r]?.[0] ?? null, rows[r]?.[mode - 1] ?? null] as const)
        .filter(([x]) => x !== null)
        .map(([x, y]): [number, number | null] => [x!, logC ? positiveOrNull(y) : y]);
      series.push({ type: 'line', id: `p3-${mode}-${who}`, name, data, color, showSymbol: false, lineStyle: { width: 2, type }, emphasis: { focus: 'series' } });
    }
  });
  const at = opts.comparison?.kind === 'matched' ? opts.comparison.teacher[0] : null;
  if (series[0] && at !== null && at !== undefined) {
    series[0].markLine = {
      symbol: 'none',
      animation: false,
      label: { show: true, formatter: '{b}', fontSize: 10, color: '#68717c', position: 'insideEndTop' },
      lineStyle: { color: '#68717c', type: 'dotted' },
      data: [{ xAxis: at, name: `c${subscript(1)} = ${fmt(at)}` }],
    };
  }
  // c_1 is progress in [0, 1]: from 0 to a round number above the furthest point, 1 at most
  const x = fitValues(series.flatMap((s) => (s.data as [number, number | null][]).map((p) => p[0])), { includeZero: true, clamp: [0, 1] });
  return withTopLegend<EigenChartOption>(
    {
      animation: false,
      grid: { left: 56, right: 24, bottom: 36 },
      tooltip: { trigger: 'item', confine: true, formatter: (raw: unknown) => {
        const p = raw as { marker?: string; seriesName?: string; value?: [number, number | null] };
        return `${p.marker ?? ''}${p.seriesName ?? ''}<br/>c${subscript(1)} ${fmt(p.value?.[0])} · c_j <b>${fmt(p.value?.[1], 4)}</b>`;
      } },
      xAxis: { type: 'value', name: `c${subscript(1)}(t): progress on the top direction`, nameLocation: 'middle', nameGap: 22, min: x.min, max: x.max, interval: x.interval },
      yAxis: cAxis(logC, 'c_j(t)', seriesValues(series)),
      series,
    },
    names,
    { gap: 26 },
  );
}
