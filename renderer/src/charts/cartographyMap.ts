// The cartography map of the Dynamics page (docs/metrics.md): every example of a split at the mean
// and std over the student's epochs of KL(teacher ‖ student) — or of b − a — coloured by its
// cartography region, with the region thresholds drawn as lines. Points arrive as a binary frame;
// a brushed rectangle becomes the explorer's range filters on the plotted measures.
import { CARTOGRAPHY_REGIONS, type CartographyMapMeta, type CartographyRegion, type ExampleMeasure } from '../../../shared/analytics.js';
import type { BinaryFrame } from '../../../shared/binaryFrame.js';
import { extentOf, fitAxis, unionExtent } from './axes.js';
import { withTopLegend } from './legend.js';
import { POINT_LAYER_THRESHOLD, pointCount, ZOOM_AND_PAN, type PointCloud } from './pointLayer.js';

export type MapGroup = CartographyRegion | 'other';

export interface CartographyMapPoints {
  meta: CartographyMapMeta;
  id: Int32Array;
  x: Float32Array;
  y: Float32Array;
  /** bit r: in CARTOGRAPHY_REGIONS[r] */
  regions: Uint8Array;
}

export function cartographyMapPoints(frame: BinaryFrame<CartographyMapMeta>): CartographyMapPoints {
  const c = frame.columns as Record<string, unknown>;
  return { meta: frame.meta, id: c.id as Int32Array, x: c.x as Float32Array, y: c.y as Float32Array, regions: c.regions as Uint8Array };
}

export const MAP_GROUP_COLOURS: Record<MapGroup, string> = {
  'never-matches': '#e03131',
  forgets: '#e07400',
  overtakes: '#7048e8',
  tracks: '#2f9e44',
  other: '#adb5bd',
};

/**
 * Drawn bottom to top; a point takes the colour of the last of its regions here. `overtakes` may
 * overlap any KL region: it is drawn (and clicked) over them.
 */
/** The map's legend names of its groups. */
export const MAP_GROUP_NAMES: Record<MapGroup, string> = { 'never-matches': 'never matches', forgets: 'forgets', overtakes: 'overtakes', tracks: 'tracks', other: 'in no region' };

/** Each region in a sentence, on the region counts above the map. */
export const REGION_TEXT: Record<CartographyRegion, string> = {
  'never-matches': 'never matches the teacher (KL above 0.1 at every epoch)',
  forgets: 'matched the teacher, then drifted away',
  overtakes: 'right where the teacher is wrong',
  tracks: 'tracks the teacher (small KL, steady)',
};

export const MAP_DRAW_ORDER: readonly MapGroup[] = ['other', 'tracks', 'forgets', 'never-matches', 'overtakes'];

/** The one group a point is drawn in, from its region bits. */
export function mapGroupOf(bits: number): MapGroup {
  for (let g = MAP_DRAW_ORDER.length - 1; g > 0; g--) {
    const group = MAP_DRAW_ORDER[g] as CartographyRegion;
    if (bits & (1 << CARTOGRAPHY_REGIONS.indexOf(group))) return group;
  }
  return 'other';
}

export interface MapSeries {
  group: MapGroup;
  /** example ids in the series' data order: a click's dataIndex reads its example here */
  ids: Int32Array;
  /** x0, y0, x1, y1, … */
  xy: Float32Array;
}

/** The points split into one series per group, in MAP_DRAW_ORDER (empty groups kept, for a steady legend). */
export function mapSeries(points: CartographyMapPoints): MapSeries[] {
  const n = points.id.length;
  const of = new Uint8Array(n);
  const counts = new Array<number>(MAP_DRAW_ORDER.length).fill(0);
  for (let i = 0; i < n; i++) counts[(of[i] = MAP_DRAW_ORDER.indexOf(mapGroupOf(points.regions[i]!)))]!++;
  const out = MAP_DRAW_ORDER.map((group, g) => ({ group, ids: new Int32Array(counts[g]!), xy: new Float32Array(counts[g]! * 2) }));
  const filled = new Array<number>(MAP_DRAW_ORDER.length).fill(0);
  for (let i = 0; i < n; i++) {
    const s = out[of[i]!]!;
    const k = filled[of[i]!]!++;
    s.ids[k] = points.id[i]!;
    s.xy[2 * k] = points.x[i]!;
    s.xy[2 * k + 1] = points.y[i]!;
  }
  return out;
}

const pointStyle = (group: MapGroup) => ({ size: 4, opacity: group === 'other' ? 0.45 : 0.7 });

/** The map's points for the point layer past ECharts' smooth scatter size (null at or below), in series order. */
export function mapPointCloud(series: readonly MapSeries[], regionNames: Record<MapGroup, string> = MAP_GROUP_NAMES): PointCloud | null {
  if (pointCount(series) <= POINT_LAYER_THRESHOLD) return null;
  return { groups: series.map((s) => ({ name: regionNames[s.group], colour: MAP_GROUP_COLOURS[s.group], xy: s.xy, ...pointStyle(s.group) })) };
}

const AXIS_NAMES = {
  kl: ['mean KL(teacher ‖ student) over epochs', 'std of KL over epochs'],
  deviation: ['mean b − a over epochs', 'std of b − a over epochs'],
} as const;

/**
 * Axes fitted to the points and the threshold lines (so every line shows): KL's mean and every std
 * from 0, since they cannot go below it; b − a's mean around its points and 0 (no deviation).
 */
export function cartographyMapOption(points: CartographyMapPoints, series: readonly MapSeries[], regionNames: Record<MapGroup, string> = MAP_GROUP_NAMES) {
  const { meta } = points;
  const [xName, yName] = AXIS_NAMES[meta.axes];
  // The thresholds bound `tracks` (mean KL ≤ klThreshold, std ≤ klStdThreshold); b − a has none, its zero is "no deviation".
  const lines = meta.axes === 'kl'
    ? [
        { xAxis: meta.klThreshold, name: `KL threshold ${meta.klThreshold}` },
        { yAxis: meta.klStdThreshold, name: `KL std threshold ${meta.klStdThreshold}` },
      ]
    : [{ xAxis: 0, name: 'no deviation' }];
  const xLines = lines.flatMap((l) => ('xAxis' in l ? [l.xAxis] : []));
  const yLines = lines.flatMap((l) => ('yAxis' in l ? [l.yAxis] : []));
  const x = fitAxis(unionExtent(extentOf(points.x), extentOf(xLines)), { includeZero: true, pad: 0.02 });
  const y = fitAxis(unionExtent(extentOf(points.y), extentOf(yLines)), { includeZero: true, pad: 0.02 });
  const names = CARTOGRAPHY_REGIONS.map((r) => regionNames[r]).concat(regionNames.other);
  return withTopLegend(
    {
      animation: false,
      grid: { left: 58, right: 16, bottom: 44 },
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; value: number[] }) => `${p.seriesName}<br/>${xName}: ${p.value[0]?.toFixed(4)}<br/>${yName}: ${p.value[1]?.toFixed(4)}`,
      },
      xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 26, min: x.min, max: x.max, interval: x.interval },
      yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameGap: 42, min: y.min, max: y.max, interval: y.interval },
      brush: { xAxisIndex: 0, yAxisIndex: 0, brushMode: 'single', transformable: false, throttleType: 'debounce', throttleDelay: 100, seriesIndex: 'none', brushStyle: { borderWidth: 1, color: 'rgba(37,99,201,0.08)', borderColor: '#2563c9' } },
      toolbox: { show: false },
      dataZoom: ZOOM_AND_PAN.map((z) => ({ ...z })),
      series: [
        ...series.map((s) => ({
          type: 'scatter',
          name: regionNames[s.group],
          data: s.xy,
          dimensions: ['x', 'y'],
          large: true,
          largeThreshold: 200,
          symbolSize: pointStyle(s.group).size,
          itemStyle: { color: MAP_GROUP_COLOURS[s.group], opacity: pointStyle(s.group).opacity },
        })),
        {
          type: 'line',
          name: 'thresholds',
          data: [],
          silent: true,
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: '#495057', type: 'dashed', width: 1 },
            label: { show: true, position: 'insideEndTop', fontSize: 10, color: '#495057', formatter: (p: { name: string }) => p.name },
            data: lines,
          },
        },
      ],
    },
    names,
    { gap: 10 },
  );
}

/**
 * A brushed rectangle (data units) as an explorer view: range filters on the plotted measures,
 * and the region when every brushed point is drawn in the same one (so the explorer lists exactly
 * those points); null when the rectangle holds no point.
 */
export function brushedView(points: CartographyMapPoints, x: [number, number], y: [number, number]): { ranges: { measure: ExampleMeasure; min: number; max: number }[]; region: CartographyRegion | null; hits: number } | null {
  const [x0, x1] = [Math.min(...x), Math.max(...x)];
  const [y0, y1] = [Math.min(...y), Math.max(...y)];
  const groups = new Set<MapGroup>();
  let hits = 0;
  for (let i = 0; i < points.id.length; i++) {
    const px = points.x[i]!;
    const py = points.y[i]!;
    if (px < x0 || px > x1 || py < y0 || py > y1) continue;
    hits++;
    groups.add(mapGroupOf(points.regions[i]!));
  }
  if (hits === 0) return null;
  const only = groups.size === 1 ? [...groups][0]! : 'other';
  return {
    ranges: [
      { measure: points.meta.xMeasure, min: x0, max: x1 },
      { measure: points.meta.yMeasure, min: y0, max: y1 },
    ],
    region: only === 'other' ? null : only,
    hits,
  };
}
