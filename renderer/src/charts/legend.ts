// Legends that show every series: a plain legend (never paginated) across the chart's top that
// wraps onto as many rows as its names need, names never clipped (a very long one breaks onto a
// second line at a space), and the plot's top moved down below it. The builders size it for an
// assumed width; EChart.vue re-measures at the chart's real width (fitLegendRoom).
import type { LegendComponentOption } from 'echarts/components';

export const LEGEND_FONT_SIZE = 11;

/** The set of series hidden from a chart after its legend entry `name` was clicked: shown again if hidden, else hidden. */
export function toggledName(hidden: ReadonlySet<string>, name: string): Set<string> {
  const next = new Set(hidden);
  if (next.has(name)) next.delete(name);
  else next.add(name);
  return next;
}
export const LEGEND_ITEM_WIDTH = 18;
export const LEGEND_ITEM_HEIGHT = 10;
/** between items on a row, and between rows */
export const LEGEND_ITEM_GAP = 10;
/** ECharts puts an item's text this far after its icon */
const ICON_TEXT_GAP = 5;
/** one text line of the legend, with a little room (ECharts measures a line as about the font size) */
const LINE_HEIGHT = LEGEND_FONT_SIZE + 3;
/** a name longer than this breaks at a space onto a further line instead of running off the chart */
export const LEGEND_WRAP_CHARS = 48;
/** the chart width the builders size their legend for, until the host measures its own */
export const ASSUMED_CHART_WIDTH = 560;

/** Text width in px at a font size; EChart.vue passes a canvas measure, tests and builders the estimate. */
export type MeasureText = (text: string, fontSize: number) => number;

/** A deliberately generous width estimate (system sans-serif), so the room reserved is never short. */
export function estimateTextWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    if (/[iljtfrI.,:;|!'()[\] ]/.test(ch)) em += 0.32;
    else if (/[mwMW@%]/.test(ch)) em += 0.85;
    else if (/[A-Z]/.test(ch)) em += 0.68;
    else if (/[a-z0-9]/.test(ch)) em += 0.57;
    else if (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/u.test(ch)) em += 1.0;
    else em += 0.7;
  }
  return Math.ceil(em * fontSize * 1.04);
}

/** The name as the legend writes it: unchanged, or broken at spaces into lines of at most `maxChars`. */
export function wrapLegendName(name: string, maxChars = LEGEND_WRAP_CHARS): string {
  if (name.length <= maxChars) return name;
  const lines: string[] = [];
  let line = '';
  for (const word of name.split(' ')) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** Rows and height (px) of a wrapped legend of these names within `width`, laid out as ECharts does. */
export function legendBlock(names: readonly string[], width: number, measure: MeasureText = estimateTextWidth): { rows: number; height: number } {
  if (names.length === 0) return { rows: 0, height: 0 };
  let rows = 1;
  let x = 0;
  let rowHeight = 0;
  let height = 0;
  for (const name of names) {
    const lines = wrapLegendName(name).split('\n');
    const itemWidth = LEGEND_ITEM_WIDTH + ICON_TEXT_GAP + Math.max(...lines.map((l) => measure(l, LEGEND_FONT_SIZE)));
    const itemHeight = Math.max(LEGEND_ITEM_HEIGHT, lines.length * LINE_HEIGHT);
    if (x > 0 && x + itemWidth > width) {
      rows++;
      height += rowHeight + LEGEND_ITEM_GAP;
      x = 0;
      rowHeight = 0;
    }
    x += itemWidth + LEGEND_ITEM_GAP;
    rowHeight = Math.max(rowHeight, itemHeight);
  }
  return { rows, height: height + rowHeight };
}

export interface LegendRoom {
  names: string[];
  /** the legend's top, px from the chart's top */
  top: number;
  /** px between the legend's last row and the plot (room for an axis name above the plot) */
  gap: number;
  left: number;
  right: number;
}

const rooms = new WeakMap<object, LegendRoom>();

/** The room a builder reserved for its legend (undefined: the option has no wrapped legend). */
export function legendRoomOf(option: object): LegendRoom | undefined {
  return rooms.get(option);
}

type GridLike = { top?: unknown };

function withGridTop<T extends object>(option: T, top: number): T {
  const grid = (option as { grid?: GridLike | GridLike[] }).grid;
  const moved = Array.isArray(grid) ? grid.map((g) => ({ ...g, top })) : { ...(grid ?? {}), top };
  return { ...option, grid: moved };
}

/**
 * The option with a wrapped legend of `names` across its top and every grid's top below it, sized
 * for `width` (the assumed chart width by default). `extra` adds legend settings (data and layout stay).
 */
export function withTopLegend<T extends object>(
  option: T,
  names: readonly string[],
  opts: { top?: number; gap?: number; left?: number; right?: number; width?: number; extra?: LegendComponentOption } = {},
): T & { legend: LegendComponentOption } {
  const room: LegendRoom = { names: [...names], top: opts.top ?? 4, gap: opts.gap ?? 14, left: opts.left ?? 8, right: opts.right ?? 8 };
  const { height } = legendBlock(room.names, (opts.width ?? ASSUMED_CHART_WIDTH) - room.left - room.right);
  const legend: LegendComponentOption = {
    ...opts.extra,
    type: 'plain',
    orient: 'horizontal',
    top: room.top,
    left: room.left,
    right: room.right,
    padding: 0,
    itemGap: LEGEND_ITEM_GAP,
    itemWidth: LEGEND_ITEM_WIDTH,
    itemHeight: LEGEND_ITEM_HEIGHT,
    data: room.names,
    textStyle: { ...(opts.extra?.textStyle ?? {}), fontSize: LEGEND_FONT_SIZE },
    formatter: (name: string) => wrapLegendName(name),
  };
  const out = { ...withGridTop(option, room.top + height + room.gap), legend };
  rooms.set(out, room);
  return out;
}

/**
 * The option re-fitted to a chart `width` px wide: every grid's top just below the legend's rows
 * at that width. The same object when the option has no wrapped legend or its room already fits.
 */
export function fitLegendRoom<T extends object>(option: T, width: number, measure: MeasureText = estimateTextWidth): T {
  const room = rooms.get(option);
  if (!room || !(width > 0)) return option;
  const top = room.top + legendBlock(room.names, width - room.left - room.right, measure).height + room.gap;
  const grid = (option as { grid?: GridLike | GridLike[] }).grid;
  const current = Array.isArray(grid) ? grid[0]?.top : grid?.top;
  if (current === top) return option;
  const out = withGridTop(option, top);
  rooms.set(out, room);
  return out;
}
