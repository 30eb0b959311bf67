// Deviation dynamics of an experiment (issue 8): the flips timeline — per run and epoch, how many
// examples changed their top class and how many went right→wrong or wrong→right, with each loss
// switch marked and each run's accuracy on the split on a second axis — the three-way confusion's
// slice for one label (teacher × student top class), and the class × epoch deviation heatmap.
import { THREE_WAY_MAX_CLASSES, type ClassDeviationHeatmap, type FlipEvents, type ThreeWayConfusion } from '../../../shared/analytics.js';
import type { EpochMetric } from '../../../shared/runs.js';
import { epochAxis, fitAxis, fitValues, percentTick, tickDecimals } from './axes.js';
import { withTopLegend } from './legend.js';
import { lossSwitchMarkLine } from './lossSwitch.js';
import { escapeHtml, RUN_COLORS } from './trainingCurves.js';

export type FlipMeasure = 'changed' | 'rightToWrong' | 'wrongToRight';

const FLIP_WORDS: Record<FlipMeasure, string> = { changed: 'top class changed', rightToWrong: 'right → wrong', wrongToRight: 'wrong → right' };

interface AxisTooltipParam {
  marker?: string;
  seriesName?: string;
  seriesId?: string;
  value?: unknown;
  axisValue?: unknown;
}

/**
 * Flips per epoch (left axis) and, where `metrics` holds a run's epoch metrics, its accuracy on
 * the events' split per epoch (right axis, dashed, in the run's colour and under its legend entry).
 * Loss switches sit where the training curves put them (lossSwitch.ts), each in its run's colour.
 */
export function flipTimelineOption(events: FlipEvents, measure: FlipMeasure, metrics: Readonly<Record<number, readonly EpochMetric[] | undefined>> = {}) {
  const switches = events.runs.map((r, i) => r.switches.map((s) => ({ epoch: s.epoch, name: `${r.name}: → ${s.loss}`, color: RUN_COLORS[i % RUN_COLORS.length]! })));
  const accuracy = events.runs.map((r) =>
    events.split === null
      ? []
      : (metrics[r.runId] ?? [])
          .filter((m) => m.split === events.split && Number.isFinite(m.accuracy))
          .map((m): [number, number] => [m.epoch, m.accuracy])
          .sort((a, b) => a[0] - b[0]),
  );
  const withAccuracy = accuracy.some((points) => points.length > 0);
  const counts = events.runs.flatMap((r) => r.epochs.map((e) => e[measure]));
  const lastEpoch = Math.max(1, ...events.runs.flatMap((r) => r.epochs.map((e) => e.epoch)), ...accuracy.flat().map((p) => p[0]), ...switches.flat().map((s) => s.epoch + 1));
  const x = epochAxis(lastEpoch);
  const y = fitValues(counts, { includeZero: true, integer: true });
  const acc = fitValues(accuracy.flat().map((p) => p[1]), { clamp: [0, 1] });
  return withTopLegend(
    {
      animation: false,
      grid: { left: 56, right: withAccuracy ? 60 : 16, bottom: 40 },
      tooltip: {
        trigger: 'axis',
        confine: true,
        formatter: (raw: unknown): string => {
          const params = (Array.isArray(raw) ? raw : [raw]) as AxisTooltipParam[];
          const lines = params.map((p) => {
            const v = Array.isArray(p.value) ? Number(p.value[1]) : Number(p.value);
            const what = p.seriesId?.startsWith('accuracy-') ? `accuracy <b>${(v * 100).toFixed(1)}%</b>` : `${FLIP_WORDS[measure]} <b>${v}</b>`;
            return `${p.marker ?? ''}${escapeHtml(p.seriesName ?? '')} ${what}`;
          });
          return [`epoch ${escapeHtml(String(params[0]?.axisValue ?? ''))}`, ...lines].join('<br/>');
        },
      },
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 24, min: x.min, max: x.max, interval: x.interval },
      yAxis: [
        { type: 'value', name: 'examples', nameLocation: 'middle', nameGap: 42, min: y.min, max: y.max, interval: y.interval },
        ...(withAccuracy
          ? [{ type: 'value', name: `accuracy (${events.split})`, nameLocation: 'middle', nameGap: 44, min: acc.min, max: acc.max, interval: acc.interval, position: 'right', splitLine: { show: false }, axisLabel: { formatter: percentTick(acc.interval) } }]
          : []),
      ],
      series: [
        ...events.runs.map((r, i) => ({
          type: 'line',
          id: `flips-${r.runId}`,
          name: r.name,
          data: r.epochs.map((e) => [e.epoch, e[measure]]),
          symbolSize: 5,
          itemStyle: { color: RUN_COLORS[i % RUN_COLORS.length] },
          // each run's switches on its own series: hiding the run hides its marks
          ...(switches[i]!.length ? { markLine: lossSwitchMarkLine(switches[i]!) } : {}),
        })),
        ...events.runs.flatMap((r, i) =>
          accuracy[i]!.length
            ? [{
                type: 'line',
                id: `accuracy-${r.runId}`,
                name: r.name,
                yAxisIndex: 1,
                data: accuracy[i],
                symbol: 'none',
                lineStyle: { type: 'dashed', width: 1.5 },
                itemStyle: { color: RUN_COLORS[i % RUN_COLORS.length] },
              }]
            : [],
        ),
      ],
    },
    events.runs.map((r) => r.name),
    { gap: 12 },
  );
}

/** counts[teacherTop][studentTop] of the examples whose training label is `label`. */
/** Label `label`'s teacher × student counts: from the whole cube, or from a one-label answer (empty when it is another label's). */
export function confusionSlice(confusion: ThreeWayConfusion, label: number): number[][] {
  const C = confusion.numClasses;
  if (confusion.label !== null && confusion.label !== label) return [];
  const base = confusion.label === null ? label * C * C : 0;
  return Array.from({ length: C }, (_, t) => Array.from({ length: C }, (_, s) => confusion.counts[base + t * C + s]!));
}

/**
 * The slice as a heatmap: cells [student class, teacher class, count]. Above THREE_WAY_MAX_CLASSES classes only the classes with a count in the slice get a row
 * or column (a label's examples reach few of a thousand classes), and cells are [student position,
 * teacher position, count, student class, teacher class]; below, every class does.
 */
export function confusionSliceOption(slice: number[][], classNames: readonly string[]) {
  const C = slice.length;
  const compact = C > THREE_WAY_MAX_CLASSES;
  const rows = Array.from({ length: C }, (_, t) => t).filter((t) => !compact || slice[t]!.some((v) => v > 0));
  const cols = Array.from({ length: C }, (_, c) => c).filter((c) => !compact || slice.some((row) => row[c]! > 0));
  const data: number[][] = [];
  let max = 0;
  rows.forEach((t, ti) =>
    cols.forEach((c, ci) => {
      const v = slice[t]![c]!;
      data.push(compact ? [ci, ti, v, c, t] : [c, t, v]);
      max = Math.max(max, v);
    }),
  );
  const names = (classes: number[]) => classes.map((c) => classNames[c] ?? String(c));
  return {
    animation: false,
    grid: { left: 110, right: 12, top: 10, bottom: 70 },
    tooltip: { formatter: (p: { value: number[] }) => `teacher ${classNames[confusionCellClasses(p.value).teacherTop]}, student ${classNames[confusionCellClasses(p.value).studentTop]}: ${p.value[2]}` },
    xAxis: { type: 'category', data: names(cols), name: "student's top class", nameLocation: 'middle', nameGap: 56, axisLabel: { rotate: 40, fontSize: 10 } },
    yAxis: { type: 'category', data: names(rows), name: "teacher's top class", nameLocation: 'middle', nameGap: 96, axisLabel: { fontSize: 10 } },
    // the count, not the last dimension (ECharts' default), which in compact cells is the teacher's class
    visualMap: { show: false, dimension: 2, min: 0, max: Math.max(1, max), inRange: { color: ['#f8f9fa', '#1864ab'] } },
    series: [{ type: 'heatmap', data, label: { show: true, fontSize: 10, formatter: (p: { value: number[] }) => (p.value[2] ? String(p.value[2]) : '') } }],
  };
}

/** The student's and teacher's top classes of a heatmap cell of confusionSliceOption. */
export function confusionCellClasses(cell: readonly number[]): { studentTop: number; teacherTop: number } {
  return cell.length >= 5 ? { studentTop: cell[3]!, teacherTop: cell[4]! } : { studentTop: cell[0]!, teacherTop: cell[1]! };
}

/** The class × epoch heatmap's height: one row of cells per class, so a hundred classes stay readable. */
export function classHeatmapHeight(classes: number): string {
  return `${Math.max(360, 60 + classes * 20)}px`;
}

export type HeatmapMeasure = 'kl' | 'deviation';

/** Cells get their value written in them while they stay this few. */
const LABELLED_CELLS = 160;

/**
 * The class × epoch heatmap: x = student epoch, y = training label, colour = mean KL(teacher ‖
 * student) (sequential from 0) or mean b − a (diverging around 0). A cell's value is
 * [epoch index, label, mean or '-', examples].
 */
export function classHeatmapOption(heatmap: ClassDeviationHeatmap, classNames: readonly string[], measure: HeatmapMeasure) {
  const grid = heatmap[measure];
  const data: [number, number, number | '-', number][] = [];
  let extent = 0;
  grid.forEach((row, c) =>
    row.forEach((v, e) => {
      data.push([e, c, v ?? '-', heatmap.counts[c]![e]!]);
      if (v !== null) extent = Math.max(extent, Math.abs(v));
    }),
  );
  // the colour scale's end on a round number, written with the digits it needs (0.002, not 0.00)
  extent = extent > 0 ? fitAxis({ min: 0, max: extent }, { ticks: 4 }).max : 1;
  const digits = Math.max(2, tickDecimals(extent));
  const names = grid.map((_, c) => classNames[c] ?? String(c));
  const what = measure === 'kl' ? 'mean KL(teacher ‖ student)' : 'mean b − a';
  const labelled = data.length <= LABELLED_CELLS;
  return {
    animation: false,
    grid: { left: 110, right: 78, top: 10, bottom: 44 },
    tooltip: {
      formatter: (p: { value: [number, number, number | '-', number] }) =>
        `${escapeHtml(names[p.value[1]] ?? '')}, epoch ${heatmap.epochs[p.value[0]]}<br/>${what}: <b>${p.value[2] === '-' ? '—' : p.value[2].toFixed(4)}</b> (${p.value[3]} examples)`,
    },
    xAxis: { type: 'category', data: heatmap.epochs.map(String), name: 'student epoch', nameLocation: 'middle', nameGap: 26, splitArea: { show: false } },
    yAxis: { type: 'category', data: names, name: 'training label', nameLocation: 'middle', nameGap: 96, axisLabel: { fontSize: 10 }, inverse: true },
    visualMap: {
      type: 'continuous',
      // the value, not the last dimension (the count)
      dimension: 2,
      min: measure === 'kl' ? 0 : -extent,
      max: extent,
      calculable: false,
      orient: 'vertical',
      right: 4,
      top: 'middle',
      itemHeight: 140,
      precision: digits,
      text: [extent.toFixed(digits), (measure === 'kl' ? 0 : -extent).toFixed(digits)],
      textStyle: { fontSize: 10 },
      inRange: { color: measure === 'kl' ? ['#f8f9fa', '#ffa8a8', '#c92a2a'] : ['#1864ab', '#f8f9fa', '#c92a2a'] },
    },
    series: [
      {
        type: 'heatmap',
        name: what,
        data,
        label: { show: labelled, fontSize: 9, formatter: (p: { value: [number, number, number | '-', number] }) => (p.value[2] === '-' ? '' : p.value[2].toFixed(2)) },
        emphasis: { itemStyle: { borderColor: '#111', borderWidth: 1 } },
      },
    ],
  };
}
