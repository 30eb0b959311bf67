// Deviation dynamics of an experiment (issue 8): the flips timeline — per run and epoch, how many
// examples changed their top class and how many went right→wrong or wrong→right, with each loss
// switch marked — and the three-way confusion's slice for one label (teacher × student top class).
import type { FlipEvents, ThreeWayConfusion } from '../../../shared/analytics.js';
import { RUN_COLORS } from './trainingCurves.js';

export type FlipMeasure = 'changed' | 'rightToWrong' | 'wrongToRight';

export function flipTimelineOption(events: FlipEvents, measure: FlipMeasure) {
  const switches = events.runs.flatMap((r, i) => r.switches.map((s) => ({ xAxis: s.epoch + 0.5, name: `${r.name}: → ${s.loss}`, lineStyle: { color: RUN_COLORS[i % RUN_COLORS.length], type: 'dotted' as const } })));
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 34, bottom: 40 },
    legend: { type: 'scroll', top: 4, textStyle: { fontSize: 11 } },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', minInterval: 1, name: 'epoch', nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'value', name: 'examples', nameLocation: 'middle', nameGap: 42 },
    series: events.runs.map((r, i) => ({
      type: 'line',
      name: r.name,
      data: r.epochs.map((e) => [e.epoch, e[measure]]),
      symbolSize: 5,
      itemStyle: { color: RUN_COLORS[i % RUN_COLORS.length] },
      ...(i === 0 && switches.length ? { markLine: { silent: false, symbol: 'none', label: { show: false }, data: switches } } : {}),
    })),
  };
}

/** counts[teacherTop][studentTop] of the examples whose training label is `label`. */
export function confusionSlice(confusion: ThreeWayConfusion, label: number): number[][] {
  const C = confusion.numClasses;
  return Array.from({ length: C }, (_, t) => Array.from({ length: C }, (_, s) => confusion.counts[(label * C + t) * C + s]!));
}

export function confusionSliceOption(slice: number[][], classNames: readonly string[]) {
  const data: [number, number, number][] = [];
  let max = 0;
  slice.forEach((row, t) =>
    row.forEach((v, s) => {
      data.push([s, t, v]);
      max = Math.max(max, v);
    }),
  );
  return {
    animation: false,
    grid: { left: 110, right: 12, top: 10, bottom: 70 },
    tooltip: { formatter: (p: { value: [number, number, number] }) => `teacher ${classNames[p.value[1]]}, student ${classNames[p.value[0]]}: ${p.value[2]}` },
    xAxis: { type: 'category', data: [...classNames], name: "student's top class", nameLocation: 'middle', nameGap: 56, axisLabel: { rotate: 40, fontSize: 10 } },
    yAxis: { type: 'category', data: [...classNames], name: "teacher's top class", nameLocation: 'middle', nameGap: 96, axisLabel: { fontSize: 10 } },
    visualMap: { show: false, min: 0, max: Math.max(1, max), inRange: { color: ['#f8f9fa', '#1864ab'] } },
    series: [{ type: 'heatmap', data, label: { show: true, fontSize: 10, formatter: (p: { value: [number, number, number] }) => (p.value[2] ? String(p.value[2]) : '') } }],
  };
}
