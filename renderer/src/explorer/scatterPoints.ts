// The P1 scatter from the binary frame: the points' columns kept as typed arrays, brush hits
// computed here (ECharts' large mode does not report which points a brush covers), and the
// ECharts option with one series per colour group, each with its example ids, so the legend
// explains the colours and a clicked point names its example.
import type { ScatterMeta } from '../../../shared/analytics.js';
import type { BinaryFrame } from '../../../shared/binaryFrame.js';
import { POINT_LAYER_THRESHOLD, ZOOM_AND_PAN, type PointCloud } from '../charts/pointLayer.js';
import { finiteExtent, niceAxis, type NiceAxis } from './axisBounds.js';
import type { Brush, ColourBy } from './explorerState.js';
import { formatCount } from '../format.js';

export interface ScatterPoints {
  meta: ScatterMeta;
  id: Int32Array;
  a: Float32Array;
  b: Float32Array;
  /** classes: a byte each where there are at most 256 */
  label: Uint16Array | Uint8Array;
  teacherTop: Uint16Array | Uint8Array;
  studentTop: Uint16Array | Uint8Array;
}

export function scatterPoints(frame: BinaryFrame<ScatterMeta>): ScatterPoints {
  const c = frame.columns as Record<string, unknown>;
  return {
    meta: frame.meta,
    id: c.id as Int32Array,
    a: c.a as Float32Array,
    b: c.b as Float32Array,
    label: c.label as Uint16Array | Uint8Array,
    teacherTop: c.teacherTop as Uint16Array | Uint8Array,
    studentTop: c.studentTop as Uint16Array | Uint8Array,
  };
}

/** Ray casting; points on an edge may fall either way, as with any lasso. */
function insidePolygon(x: number, y: number, poly: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Ids of the points inside a brush (rectangle edges inclusive), in the frame's id order. */
export function brushHits(points: Pick<ScatterPoints, 'id' | 'a' | 'b'>, brush: Brush): number[] {
  const hits: number[] = [];
  const n = points.id.length;
  if (brush.kind === 'rect') {
    const [x0, x1] = brush.x;
    const [y0, y1] = brush.y;
    for (let i = 0; i < n; i++) {
      const x = points.a[i]!;
      const y = points.b[i]!;
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) hits.push(points.id[i]!);
    }
    return hits;
  }
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const [x, y] of brush.points) {
    xMin = Math.min(xMin, x);
    xMax = Math.max(xMax, x);
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
  }
  for (let i = 0; i < n; i++) {
    const x = points.a[i]!;
    const y = points.b[i]!;
    if (x < xMin || x > xMax || y < yMin || y > yMax) continue;
    if (insidePolygon(x, y, brush.points)) hits.push(points.id[i]!);
  }
  return hits;
}

/** ECharts' brushEnd area (coordRange in data units) as the route's brush. */
export function brushFromArea(area: { brushType: string; coordRange: number[][] | number[] }): Brush | null {
  const range = area.coordRange as number[][];
  if (area.brushType === 'rect' && range.length === 2) {
    return { kind: 'rect', x: [range[0]![0]!, range[0]![1]!], y: [range[1]![0]!, range[1]![1]!] };
  }
  if (area.brushType === 'polygon' && range.length >= 3) return { kind: 'lasso', points: range.map((p) => [p[0]!, p[1]!] as [number, number]) };
  return null;
}

/** The chart's brush area for a brush kept in the URL (brushFromArea's inverse), so what selects the grid is drawn. */
export function brushAreaOf(brush: Brush | null): { brushType: 'rect' | 'polygon'; xAxisIndex: 0; yAxisIndex: 0; coordRange: number[][] } | null {
  if (!brush) return null;
  const coordRange = brush.kind === 'rect' ? [brush.x, brush.y] : brush.points;
  return { brushType: brush.kind === 'rect' ? 'rect' : 'polygon', xAxisIndex: 0, yAxisIndex: 0, coordRange };
}

/** The ECharts action that sets a chart's mouse mode: drawing a rectangle or a lasso, or (null) hovering and clicking points. */
export function brushCursorAction(kind: 'rect' | 'polygon' | null) {
  return { type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: kind ?? false, brushMode: 'single' } };
}

/** A brush in words, for the line under the chart. */
export function describeBrush(b: Brush): string {
  if (b.kind === 'rect') return `teacher ${b.x.map((v) => v.toFixed(2)).join('…')} × student ${b.y.map((v) => v.toFixed(2)).join('…')}`;
  return `lasso of ${b.points.length} points`;
}

export const CLASS_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#79706e', '#1f77b4', '#aec7e8', '#ff7f0e', '#ffbb78', '#2ca02c', '#98df8a', '#d62728', '#ff9896', '#9467bd', '#c5b0d5'];
const CORRECTNESS = [
  { name: 'both right', colour: '#8fb3d9' },
  { name: 'teacher right, student wrong', colour: '#d9480f' },
  { name: 'teacher wrong, student right', colour: '#2b8a3e' },
  { name: 'both wrong', colour: '#7048e8' },
];

export interface ColourGroup {
  name: string;
  colour: string;
}

/** Which colour group each point falls in, and the groups' names and colours. */
export function colourGroups(points: ScatterPoints, by: ColourBy): { groups: ColourGroup[]; of: Uint16Array } {
  const n = points.id.length;
  const of = new Uint16Array(n);
  const { classNames, classGroups } = points.meta;
  if (by === 'correctness') {
    for (let i = 0; i < n; i++) {
      const t = points.teacherTop[i] === points.label[i];
      const s = points.studentTop[i] === points.label[i];
      of[i] = t ? (s ? 0 : 1) : s ? 2 : 3;
    }
    return { groups: CORRECTNESS, of };
  }
  if (by === 'group' && classGroups.length > 0) {
    const groupOf = new Map<number, number>();
    classGroups.forEach((g, gi) => g.forEach((c) => groupOf.set(c, gi)));
    for (let i = 0; i < n; i++) of[i] = groupOf.get(points.label[i]!) ?? classGroups.length;
    const groups = classGroups.map((g, gi) => ({ name: g.map((c) => classNames[c] ?? String(c)).join(' / '), colour: CLASS_COLOURS[gi % CLASS_COLOURS.length]! }));
    groups.push({ name: 'no group', colour: '#adb5bd' });
    return { groups, of };
  }
  for (let i = 0; i < n; i++) of[i] = points.label[i]!;
  return { groups: classNames.map((name, c) => ({ name, colour: CLASS_COLOURS[c % CLASS_COLOURS.length]! })), of };
}

/** The plot's insets in pixels (the legend is drawn beside the chart, not in it). */
export const SCATTER_GRID = Object.freeze({ left: 52, right: 16, top: 12, bottom: 44 });

/**
 * Each axis fitted to its own data and rounded to its tick step: a filter's points fill the plot
 * (one shared square extent left most of it empty when the student's φ spread far wider than the
 * teacher's). φ is a log-odds and may run past ±10.
 */
export function axisExtent(values: ArrayLike<number>): NiceAxis {
  const [lo, hi] = finiteExtent(values);
  if (!Number.isFinite(lo)) return { min: 0, max: 1, interval: 0.2 };
  const pad = Math.max((hi - lo) * 0.02, 0.05);
  return niceAxis(lo - pad, hi + pad, 6);
}

/** The points split by colour group: each group's (x, y) pairs and example ids, in frame order. */
export interface ScatterLayout {
  groups: (ColourGroup & { count: number })[];
  data: Float32Array[];
  ids: Int32Array[];
  x: NiceAxis;
  y: NiceAxis;
}

export function scatterLayout(points: ScatterPoints, by: ColourBy): ScatterLayout {
  const { groups, of } = colourGroups(points, by);
  const counts = new Array<number>(groups.length).fill(0);
  for (let i = 0; i < of.length; i++) counts[of[i]!]!++;
  const data = groups.map((_, g) => new Float32Array(counts[g]! * 2));
  const ids = groups.map((_, g) => new Int32Array(counts[g]!));
  const filled = new Array<number>(groups.length).fill(0);
  for (let i = 0; i < of.length; i++) {
    const g = of[i]!;
    const k = filled[g]!++;
    data[g]![2 * k] = points.a[i]!;
    data[g]![2 * k + 1] = points.b[i]!;
    ids[g]![k] = points.id[i]!;
  }
  return { groups: groups.map((g, i) => ({ ...g, count: counts[i]! })), data, ids, x: axisExtent(points.a), y: axisExtent(points.b) };
}

/** The example under a clicked point (series index = colour group), or null for the lines. */
export function idAtPoint(layout: ScatterLayout, seriesIndex: number | undefined, dataIndex: number | undefined): number | null {
  if (seriesIndex === undefined || dataIndex === undefined) return null;
  const id = layout.ids[seriesIndex]?.[dataIndex];
  return id === undefined ? null : id;
}

/** How a P1 point is drawn, by ECharts' scatter or by the point layer alike. */
const POINT_STYLE = Object.freeze({ size: 3, opacity: 0.55 });

/**
 * P1's points for the point layer when there are more than ECharts' scatter draws smoothly
 * (null at or below: ECharts draws them). Groups in series order, so a picked point names its
 * series and index as ECharts would.
 */
export function scatterPointCloud(layout: ScatterLayout): PointCloud | null {
  if (layout.groups.reduce((n, g) => n + g.count, 0) <= POINT_LAYER_THRESHOLD) return null;
  return { groups: layout.groups.map((g, i) => ({ name: g.name, colour: g.colour, xy: layout.data[i]!, ...POINT_STYLE })) };
}

export interface LegendItem {
  name: string;
  colour: string;
  mark: 'dot' | 'line' | 'dashed';
  /** a count or value shown after the name */
  note?: string;
}

function fitName(beta: number): string {
  return `fitted line, β = ${beta.toFixed(3)}`;
}

/**
 * Every series of P1 as the legend beside it lists them: colour groups, the diagonal, the fitted
 * line (with `fitScope`, the splits its β pools, when the page says so: splitScope.ts).
 */
export function scatterLegend(layout: ScatterLayout, meta: Pick<ScatterMeta, 'beta' | 'intercept'>, fitScope = ''): LegendItem[] {
  const items: LegendItem[] = layout.groups.filter((g) => g.count > 0).map((g) => ({ name: g.name, colour: g.colour, mark: 'dot' as const, note: formatCount(g.count) }));
  items.push({ name: 'diagonal', colour: '#868e96', mark: 'dashed', note: 'student = teacher' });
  if (meta.beta !== null && meta.intercept !== null) items.push({ name: fitName(meta.beta), colour: 'currentColor', mark: 'line', ...(fitScope ? { note: fitScope } : {}) });
  return items;
}

/** The words before P1's legend: which labels its colours and counts are of. */
export interface LegendCaption {
  text: string;
  title: string;
}

/**
 * Which labels P1's colours count. The frame's label is the training label (what the runs were
 * trained on): label noise flipped some of them, so where the splits shown hold `flipped` such
 * examples the caption says the counts are of the given, noisy labels, not the true classes the
 * dataset page counts. (The frame has no clean label, so how many of the points shown are
 * flipped is not known here: the count, of the splits shown, goes in the tooltip.)
 */
export function colourCaption(by: ColourBy, flipped: number): LegendCaption {
  const what = by === 'correctness' ? 'right or wrong against the training label' : by === 'group' ? 'group of the training label' : 'training label';
  if (flipped <= 0) {
    return { text: `${what}:`, title: 'Coloured and counted by the label each example was trained on; label noise changed none of these splits’ labels, so it is the true class.' };
  }
  return {
    text: `${what}, as given (some flipped by label noise):`,
    title:
      `Coloured and counted by the label each example was trained on, as given: label noise flipped ${formatCount(flipped)} of these splits’ labels, ` +
      'so the counts are of the noisy labels, not of the true classes the dataset page counts; every other example keeps its true label.',
  };
}

/** Appended to ECharts' tooltip style: the page's panel colours, so it is opaque and follows the theme. */
export const TOOLTIP_CSS = 'background-color: var(--panel) !important; color: var(--text) !important; border-color: var(--border-strong) !important;';

const escapeAttr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export interface ScatterOptionContext {
  phiLabel: string;
  /** the example image for the tooltip (image datasets) */
  imageUrl?: (exampleId: number) => string;
  /** legend names hidden by a click on the legend */
  hidden?: ReadonlySet<string>;
  /** the fitted line's colour (the page's text colour: dark or light theme) */
  ink?: string;
}

export function scatterOption(layout: ScatterLayout, meta: Pick<ScatterMeta, 'beta' | 'intercept'>, ctx: ScatterOptionContext) {
  const { groups, data, ids, x, y } = layout;
  const { beta, intercept } = meta;
  // lines across the x range; ECharts clips them to the plot
  const fitted = beta !== null && intercept !== null ? [[x.min, intercept + beta * x.min], [x.max, intercept + beta * x.max]] : null;
  const diagonal = [[Math.min(x.min, y.min), Math.min(x.min, y.min)], [Math.max(x.max, y.max), Math.max(x.max, y.max)]];
  const names = [...groups.map((g) => g.name), 'diagonal', ...(fitted ? [fitName(beta!)] : [])];
  const phiLabel = ctx.phiLabel;
  const tooltip = (p: { seriesIndex: number; dataIndex: number; seriesName: string; value: number[] }) => {
    const id = ids[p.seriesIndex]?.[p.dataIndex];
    const image = id !== undefined && ctx.imageUrl ? `<img src="${escapeAttr(ctx.imageUrl(id))}" width="56" height="56" alt="" style="display:block;float:left;margin:0 8px 0 0;image-rendering:pixelated;background:var(--placeholder)" />` : '';
    const head = id !== undefined ? `<strong>#${id}</strong> · ` : '';
    return `<div style="min-height:56px">${image}${head}${escapeAttr(p.seriesName)}<br/>teacher ${phiLabel} ${p.value[0]?.toFixed(3)}<br/>student ${phiLabel} ${p.value[1]?.toFixed(3)}<br/><span style="opacity:.7">click to open</span></div>`;
  };
  return {
    animation: false,
    grid: { ...SCATTER_GRID },
    legend: { show: false, data: names, selected: Object.fromEntries(names.map((n) => [n, !ctx.hidden?.has(n)])) },
    // the page's own colours (light or dark theme) behind the tooltip, opaque over the lines
    tooltip: { trigger: 'item', enterable: false, confine: true, formatter: tooltip, extraCssText: TOOLTIP_CSS },
    xAxis: { type: 'value', name: `teacher ${phiLabel}`, nameLocation: 'middle', nameGap: 26, min: x.min, max: x.max, interval: x.interval },
    yAxis: { type: 'value', name: `student ${phiLabel}`, nameLocation: 'middle', nameGap: 36, min: y.min, max: y.max, interval: y.interval },
    brush: { xAxisIndex: 0, yAxisIndex: 0, brushMode: 'single', transformable: false, throttleType: 'debounce', throttleDelay: 100, seriesIndex: 'none', brushStyle: { borderWidth: 1, color: 'rgba(37,99,201,0.08)', borderColor: '#2563c9' } },
    toolbox: { show: false },
    dataZoom: ZOOM_AND_PAN.map((z) => ({ ...z })),
    series: [
      ...groups.map((g, gi) => ({
        type: 'scatter',
        name: g.name,
        data: data[gi],
        dimensions: ['x', 'y'],
        large: true,
        largeThreshold: 200, // a few hundred points per colour already draw faster as one path than as shapes
        symbolSize: POINT_STYLE.size,
        cursor: 'pointer',
        itemStyle: { color: g.colour, opacity: POINT_STYLE.opacity },
      })),
      {
        type: 'line',
        name: 'diagonal',
        data: diagonal,
        symbol: 'none',
        silent: true,
        lineStyle: { color: '#868e96', type: 'dashed', width: 1 },
        tooltip: { show: false },
      },
      ...(fitted
        ? [{ type: 'line', name: fitName(beta!), data: fitted, symbol: 'none', silent: true, lineStyle: { color: ctx.ink ?? '#111', width: 1.5 }, tooltip: { show: false } }]
        : []),
    ],
  };
}
