// ECharts options for the run monitor's curves, built without ECharts so they can be tested
// without a browser: loss and accuracy per epoch, one colour per run, train dashed and test
// solid, and a vertical mark where a scheduled student switches its loss.
//
// The x axis counts epochs done (1-based). A loss phase that starts at 0-based epoch k takes
// over once k epochs are done, so its switch is marked at x = k: the last point under the old
// loss, with every later point under the new one.
import type { LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, MarkLineComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import { lossSwitches, type LossSpec } from '../../../shared/experimentSpec.js';

export { lossSwitches, type LossSwitch } from '../../../shared/experimentSpec.js';
import type { EpochMetric, RunSummary } from '../../../shared/runs.js';

export type CurveMetric = 'loss' | 'accuracy';
export const CURVE_SPLITS = ['train', 'test'] as const;
export type CurveSplit = (typeof CURVE_SPLITS)[number];

export const RUN_COLORS = ['#1f2937', '#2563c9', '#d9480f', '#2b8a3e', '#9c36b5', '#c2255c', '#0b7285', '#e67700', '#5c7cfa', '#74b816'];

export type CurveChartOption = ComposeOption<
  LineSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption | MarkLineComponentOption
>;

/** room for the legend at the chart's right (long run names are cut, with a tooltip) */
const LEGEND_WIDTH = 170;

type CurveRun = Pick<RunSummary, 'id' | 'name' | 'role' | 'epochs' | 'spec'>;

export function describeLoss(loss: LossSpec): string {
  if (loss.kind === 'onehot') return 'one-hot';
  const noTauSquared = loss.tauSquared ? '' : ' (no τ²)';
  if (loss.kind === 'jacobian') return `Jacobian matching β=${loss.beta} τ=${loss.tau}${noTauSquared}`;
  if (loss.kind === 'contrastive') return `contrastive (${loss.positives} positives) β=${loss.beta} τ=${loss.tau}${noTauSquared}`;
  return `KD τ=${loss.tau}${loss.alpha === 1 ? '' : ` α=${loss.alpha}`}${noTauSquared}`;
}

/** [epoch, value] points of one run, metric and split, in epoch order. */
export function curvePoints(metrics: readonly EpochMetric[] | undefined, metric: CurveMetric, split: CurveSplit): [number, number][] {
  if (!metrics) return [];
  return metrics
    .filter((m) => m.split === split && Number.isFinite(m[metric]))
    .map((m): [number, number] => [m.epoch, m[metric]])
    .sort((a, b) => a[0] - b[0]);
}

export function seriesId(runId: number, split: CurveSplit): string {
  return `run-${runId}-${split}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function formatValue(metric: CurveMetric, value: number): string {
  return metric === 'accuracy' ? `${(value * 100).toFixed(2)}%` : value.toFixed(4);
}

interface TooltipParam {
  marker?: string;
  seriesName?: string;
  seriesId?: string;
  value?: unknown;
  axisValue?: unknown;
}

/** The axis tooltip: one line per series at the hovered epoch, with its split. */
export function tooltipFormatter(metric: CurveMetric) {
  return (raw: unknown): string => {
    const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[];
    const first = params[0];
    const head = first ? `epoch ${escapeHtml(String(first.axisValue ?? (first.value as number[] | undefined)?.[0] ?? ''))}` : '';
    const lines = params.map((p) => {
      const split = p.seriesId?.endsWith('-train') ? 'train' : 'test';
      const y = Array.isArray(p.value) ? Number(p.value[1]) : Number(p.value);
      return `${p.marker ?? ''}${escapeHtml(p.seriesName ?? '')} <span style="color:#8b949e">${split}</span> <b>${formatValue(metric, y)}</b>`;
    });
    return [head, ...lines].join('<br/>');
  };
}

/** The accuracy axis's ends: whole tenths around the data (so nice ticks line up with them), within [0, 1], never empty. */
export function accuracyBounds(extent: { min: number; max: number }): [number, number] {
  if (!Number.isFinite(extent.min) || !Number.isFinite(extent.max)) return [0, 1];
  let lo = Math.max(0, Math.floor(extent.min * 10 + 1e-9) / 10);
  let hi = Math.min(1, Math.ceil(extent.max * 10 - 1e-9) / 10);
  if (hi <= lo) {
    if (hi < 1) hi = Math.min(1, lo + 0.1);
    else lo = Math.max(0, hi - 0.1);
  }
  return [Math.round(lo * 10) / 10, Math.round(hi * 10) / 10];
}

/** The options of one curve chart: two series (train dashed, test solid) per run, loss switches marked on the test series. */
export function trainingCurveOption(
  runs: readonly CurveRun[],
  metrics: Readonly<Record<number, readonly EpochMetric[] | undefined>>,
  metric: CurveMetric,
): CurveChartOption {
  const maxEpochs = Math.max(1, ...runs.map((r) => r.epochs));
  const series: LineSeriesOption[] = runs.flatMap((run, i) => {
    const color = RUN_COLORS[i % RUN_COLORS.length]!;
    return CURVE_SPLITS.map((split): LineSeriesOption => {
      const switches = split === 'test' ? lossSwitches(run.spec) : [];
      return {
        type: 'line' as const,
        id: seriesId(run.id, split),
        name: run.name,
        data: curvePoints(metrics[run.id], metric, split),
        color,
        showSymbol: true,
        symbolSize: 5,
        lineStyle: { width: split === 'test' ? 2 : 1.5, type: split === 'test' ? ('solid' as const) : ('dashed' as const) },
        itemStyle: { color },
        emphasis: { focus: 'series' as const },
        ...(switches.length > 0
          ? {
              markLine: {
                symbol: 'none',
                animation: false,
                lineStyle: { color, type: 'dotted' as const, width: 1.5 },
                // several runs often switch at the same epoch: labels show on hover, not stacked on each other
                label: { show: false, formatter: '{b}', color, fontSize: 10, position: 'insideEndTop' as const },
                emphasis: { label: { show: true }, lineStyle: { width: 2.5 } },
                data: switches.map((s) => ({ xAxis: s.epoch, name: `${run.name}: → ${describeLoss(s.loss)}` })),
              },
            }
          : {}),
      };
    });
  });
  return {
    animation: false,
    grid: { left: 52, right: LEGEND_WIDTH + 24, top: 14, bottom: 34 },
    legend: {
      type: 'scroll',
      orient: 'vertical',
      right: 4,
      top: 10,
      bottom: 10,
      data: [...new Set(runs.map((r) => r.name))],
      textStyle: { fontSize: 11, width: LEGEND_WIDTH - 30, overflow: 'truncate' },
      tooltip: { show: true },
    },
    tooltip: { trigger: 'axis', formatter: tooltipFormatter(metric), confine: true },
    xAxis: {
      type: 'value',
      name: 'epoch',
      nameLocation: 'middle',
      nameGap: 22,
      min: 1,
      max: maxEpochs,
      minInterval: 1,
    },
    yAxis:
      metric === 'accuracy'
        ? {
            type: 'value',
            min: (extent: { min: number; max: number }) => accuracyBounds(extent)[0],
            max: (extent: { min: number; max: number }) => accuracyBounds(extent)[1],
            axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
          }
        : { type: 'value', scale: true },
    series,
  };
}
