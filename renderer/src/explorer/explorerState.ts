// The explorer's whole view state in the route query, so a view can be bookmarked, shared and
// restored: which student, epoch, split and φ-class; the colouring; every filter clause; the
// brushed region (a rectangle or a lasso in data units, re-applied to the points on load); the
// sort; and the open example. Decoding is forgiving — a malformed value is dropped, never an
// error — and encoding leaves defaults out so URLs stay short.
import { CartographyRegion, ExampleFilter, ExampleMeasure, REGION_DEFAULTS, SortColumn, type ClassChoice } from '../../../shared/analytics.js';
import { SplitName } from '../../../shared/domain.js';
import { exampleIdClause } from '../../../shared/exampleIdSet.js';
import type { QueryLike } from '../routeQuery.js';

export type ColourBy = 'class' | 'correctness' | 'group';
export type Brush = { kind: 'rect'; x: [number, number]; y: [number, number] } | { kind: 'lasso'; points: [number, number][] };

export interface MeasureRange {
  measure: ExampleMeasure;
  min?: number;
  max?: number;
}

export interface ExplorerState {
  student: number | null;
  epoch: number | null;
  /** the scatter's and grid's split; null: every split */
  split: string | null;
  classChoice: ClassChoice;
  colour: ColourBy;
  labels: number[];
  /** the analysed student's top class in these classes */
  predicted: number[];
  ranges: MeasureRange[];
  underfit: { delta: number; quantile: number } | null;
  correctness: { runId: number; correct: boolean }[];
  disagree: { runA: number; runB: number } | null;
  text: string | null;
  set: { setId: number; member: boolean } | null;
  noisy: boolean | null;
  /** a cartography region of the analysed student (default thresholds, docs/metrics.md) */
  region: CartographyRegion | null;
  /** one cell of the three-way confusion: training label, teacher's and student's top class */
  confusion: { label: number; teacherTop: number; studentTop: number } | null;
  brush: Brush | null;
  sort: { column: SortColumn; descending: boolean };
  example: number | null;
}

export const DEFAULT_SORT = Object.freeze({ column: 'id' as SortColumn, descending: false });

export function emptyExplorerState(): ExplorerState {
  return {
    student: null,
    epoch: null,
    split: null,
    classChoice: 'teacher-top',
    colour: 'class',
    labels: [],
    predicted: [],
    ranges: [],
    underfit: null,
    correctness: [],
    disagree: null,
    text: null,
    set: null,
    noisy: null,
    region: null,
    confusion: null,
    brush: null,
    sort: { ...DEFAULT_SORT },
    example: null,
  };
}

function all(value: QueryLike[string]): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}
const first = (value: QueryLike[string]): string | null => all(value)[0] ?? null;

function positiveInt(text: string | null): number | null {
  if (text === null || !/^\d{1,12}$/.test(text)) return null;
  const n = Number(text);
  return n > 0 ? n : null;
}
function finite(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
function intList(text: string | null): number[] {
  if (text === null) return [];
  const out = text.split(',').filter((t) => /^\d{1,6}$/.test(t)).map(Number);
  return [...new Set(out)];
}
function pairOfRuns(text: string | null): { runA: number; runB: number } | null {
  const m = text === null ? null : /^(\d{1,12})-(\d{1,12})$/.exec(text);
  return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? { runA: Number(m[1]), runB: Number(m[2]) } : null;
}

function decodeBrush(text: string | null): Brush | null {
  if (text === null) return null;
  const [kind, body] = text.split(':', 2);
  const nums = (body ?? '').split(',').map((t) => finite(t));
  if (nums.some((n) => n === undefined)) return null;
  const v = nums as number[];
  if (kind === 'rect' && v.length === 4) {
    return { kind: 'rect', x: [Math.min(v[0]!, v[1]!), Math.max(v[0]!, v[1]!)], y: [Math.min(v[2]!, v[3]!), Math.max(v[2]!, v[3]!)] };
  }
  if (kind === 'lasso' && v.length >= 6 && v.length % 2 === 0 && v.length <= 2000) {
    const points: [number, number][] = [];
    for (let i = 0; i < v.length; i += 2) points.push([v[i]!, v[i + 1]!]);
    return { kind: 'lasso', points };
  }
  return null;
}

/** Rounded so a URL stays readable; 4 decimals is far finer than a pixel of the scatter. */
const round = (n: number) => String(Math.round(n * 1e4) / 1e4);

function encodeBrush(brush: Brush): string {
  if (brush.kind === 'rect') return `rect:${[...brush.x, ...brush.y].map(round).join(',')}`;
  return `lasso:${brush.points.flat().map(round).join(',')}`;
}

export function decodeExplorerState(query: QueryLike): ExplorerState {
  const state = emptyExplorerState();
  state.student = positiveInt(first(query.student));
  state.epoch = positiveInt(first(query.epoch));
  const split = first(query.split);
  if (split !== null && SplitName.safeParse(split).success) state.split = split;
  if (first(query.cls) === 'label') state.classChoice = 'label';
  const colour = first(query.colour);
  if (colour === 'correctness' || colour === 'group') state.colour = colour;
  state.labels = intList(first(query.labels));
  state.predicted = intList(first(query.pred));
  for (const r of all(query.range)) {
    const [measure, min, max] = r.split(':');
    const parsed = ExampleMeasure.safeParse(measure);
    const lo = finite(min);
    const hi = finite(max);
    // A row with no bound yet stays (the sidebar shows it, to be dragged or typed); it filters nothing.
    if (!parsed.success || (lo !== undefined && hi !== undefined && lo > hi)) continue;
    state.ranges.push({ measure: parsed.data, ...(lo !== undefined ? { min: lo } : {}), ...(hi !== undefined ? { max: hi } : {}) });
  }
  const underfit = first(query.underfit)?.split(':');
  if (underfit) {
    const delta = finite(underfit[0]);
    const quantile = finite(underfit[1]) ?? 0.25;
    if (delta !== undefined && delta >= 0 && quantile > 0 && quantile <= 1) state.underfit = { delta, quantile };
  }
  for (const c of (first(query.ok) ?? '').split(',')) {
    const m = /^(\d{1,12})([+-])$/.exec(c);
    if (m && Number(m[1]) > 0) state.correctness.push({ runId: Number(m[1]), correct: m[2] === '+' });
  }
  state.disagree = pairOfRuns(first(query.disagree));
  const text = first(query.text);
  if (text !== null && text.length > 0 && text.length <= 500) state.text = text;
  const set = /^(\d{1,12})(!?)$/.exec(first(query.set) ?? '');
  if (set && Number(set[1]) > 0) state.set = { setId: Number(set[1]), member: set[2] !== '!' };
  const noisy = first(query.noisy);
  if (noisy === '1' || noisy === '0') state.noisy = noisy === '1';
  const region = CartographyRegion.safeParse(first(query.region));
  if (region.success) state.region = region.data;
  const cell = /^(\d{1,6})-(\d{1,6})-(\d{1,6})$/.exec(first(query.confusion) ?? '');
  if (cell) state.confusion = { label: Number(cell[1]), teacherTop: Number(cell[2]), studentTop: Number(cell[3]) };
  state.brush = decodeBrush(first(query.brush));
  const sort = first(query.sort);
  if (sort !== null) {
    const descending = sort.startsWith('-');
    const column = SortColumn.safeParse(descending ? sort.slice(1) : sort);
    if (column.success) state.sort = { column: column.data, descending };
  }
  state.example = positiveInt(first(query.example));
  return state;
}

export function encodeExplorerState(state: ExplorerState): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  if (state.student !== null) q.student = String(state.student);
  if (state.epoch !== null) q.epoch = String(state.epoch);
  if (state.split !== null) q.split = state.split;
  if (state.classChoice === 'label') q.cls = 'label';
  if (state.colour !== 'class') q.colour = state.colour;
  if (state.labels.length) q.labels = state.labels.join(',');
  if (state.predicted.length) q.pred = state.predicted.join(',');
  if (state.ranges.length) q.range = state.ranges.map((r) => `${r.measure}:${r.min ?? ''}:${r.max ?? ''}`);
  if (state.underfit) q.underfit = `${state.underfit.delta}:${state.underfit.quantile}`;
  if (state.correctness.length) q.ok = state.correctness.map((c) => `${c.runId}${c.correct ? '+' : '-'}`).join(',');
  if (state.disagree) q.disagree = `${state.disagree.runA}-${state.disagree.runB}`;
  if (state.text !== null) q.text = state.text;
  if (state.set) q.set = `${state.set.setId}${state.set.member ? '' : '!'}`;
  if (state.noisy !== null) q.noisy = state.noisy ? '1' : '0';
  if (state.region) q.region = state.region;
  if (state.confusion) q.confusion = `${state.confusion.label}-${state.confusion.teacherTop}-${state.confusion.studentTop}`;
  if (state.brush) q.brush = encodeBrush(state.brush);
  if (state.sort.column !== DEFAULT_SORT.column || state.sort.descending) q.sort = `${state.sort.descending ? '-' : ''}${state.sort.column}`;
  if (state.example !== null) q.example = String(state.example);
  return q;
}

/**
 * The analytics filter of a state, without the brush (its hits are computed in the page from
 * the scatter's points and passed as `exampleIds`). The split is part of the filter so the
 * grid and the scatter agree.
 */
export function filterOf(state: ExplorerState, studentRunId: number | null, brushedIds?: readonly number[]): ExampleFilter {
  const filter: Record<string, unknown> = {};
  if (state.split !== null) filter.split = state.split;
  if (state.labels.length) filter.labels = state.labels;
  if (state.predicted.length && studentRunId !== null) filter.predicted = { runId: studentRunId, classes: state.predicted };
  // A range row with neither bound typed yet filters nothing (issue 17: a new row applied φ ≤ 0 at once).
  const bounded = state.ranges.filter((r) => r.min !== undefined || r.max !== undefined);
  if (bounded.length) filter.ranges = bounded;
  if (state.underfit) filter.underfit = state.underfit;
  if (state.correctness.length) filter.correctness = state.correctness;
  if (state.disagree) filter.disagree = state.disagree;
  if (state.text !== null) filter.textContains = state.text;
  if (state.set) filter.curatedSet = state.set;
  if (state.noisy !== null) filter.noisy = state.noisy;
  if (state.region) filter.region = { kind: state.region };
  if (state.confusion) filter.confusion = state.confusion;
  if (brushedIds && brushedIds.length === 0) filter.exampleIds = [0x7fffffff]; // an empty brush selects nothing
  else if (brushedIds) Object.assign(filter, exampleIdClause(brushedIds)); // hundreds of thousands of hits travel as a bit set
  return ExampleFilter.parse(filter);
}

/** Every filter clause and the brush back to none (the pair, colouring and sort stay). */
export function clearedFilters(): Partial<ExplorerState> {
  const { labels, predicted, ranges, underfit, correctness, disagree, text, set, noisy, region, confusion, brush } = emptyExplorerState();
  return { labels, predicted, ranges, underfit, correctness, disagree, text, set, noisy, region, confusion, brush };
}

/** Whether any filter clause (brush aside) is set: the sidebar's "clear all". */
export function hasFilters(state: ExplorerState): boolean {
  const f = filterOf(state, state.student ?? 1);
  return Object.keys(f).length > 0 || state.ranges.length > 0;
}

/** The filter clauses the route query cannot carry, in words (an example list, a non-default region threshold, another run's top class). */
export interface ExplorerStateOfFilter {
  state: ExplorerState;
  dropped: string[];
}

/**
 * The explorer state that shows `filter` for `studentRunId`: filterOf's inverse, so a page holding
 * an analytics filter (a finding's examples) opens the explorer through the same URL encoding.
 * `filterOf(stateOf(f).state, student)` equals `f` whenever nothing was dropped.
 */
export function explorerStateOfFilter(filter: ExampleFilter, studentRunId: number): ExplorerStateOfFilter {
  const f = ExampleFilter.parse(filter);
  const state = emptyExplorerState();
  const dropped: string[] = [];
  state.student = studentRunId;
  if (f.split !== undefined) state.split = f.split;
  if (f.labels) state.labels = [...new Set(f.labels)];
  if (f.predicted) {
    if (f.predicted.runId === studentRunId) state.predicted = [...new Set(f.predicted.classes)];
    else dropped.push(`run ${f.predicted.runId}'s top class`);
  }
  if (f.ranges) state.ranges = f.ranges.map((r) => ({ measure: r.measure, ...(r.min !== undefined ? { min: r.min } : {}), ...(r.max !== undefined ? { max: r.max } : {}) }));
  if (f.underfit) state.underfit = { delta: f.underfit.delta, quantile: f.underfit.quantile };
  if (f.correctness) state.correctness = f.correctness.map((c) => ({ runId: c.runId, correct: c.correct }));
  if (f.disagree) state.disagree = { runA: f.disagree.runA, runB: f.disagree.runB };
  if (f.textContains !== undefined) state.text = f.textContains;
  if (f.curatedSet) state.set = { setId: f.curatedSet.setId, member: f.curatedSet.member };
  if (f.noisy !== undefined) state.noisy = f.noisy;
  if (f.region) {
    if (f.region.klThreshold === REGION_DEFAULTS.klThreshold && f.region.klStdThreshold === REGION_DEFAULTS.klStdThreshold) state.region = f.region.kind;
    else dropped.push(`the ${f.region.kind} region's own thresholds`);
  }
  if (f.confusion) state.confusion = { ...f.confusion };
  if (f.exampleIds) dropped.push(`a list of ${f.exampleIds.length} examples`);
  if (f.exampleIdSet) dropped.push('a brushed set of examples');
  // A clause added to the filter later and not mapped above is named rather than silently lost.
  const back = filterOf(state, studentRunId) as Record<string, unknown>;
  const named = new Set(['predicted', 'region', 'exampleIds', 'exampleIdSet']);
  for (const [key, value] of Object.entries(f)) {
    if (!named.has(key) && JSON.stringify(back[key]) !== JSON.stringify(value)) dropped.push(`the ${key} clause`);
  }
  return { state, dropped };
}
