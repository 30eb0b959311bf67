// ECharts options for the run monitor's curves, built without ECharts so they can be tested
// without a browser: loss and accuracy per epoch, one colour per run, train dashed and test
// solid, and a vertical mark where a scheduled student switches its loss (lossSwitch.ts decides
// its x, the same on every chart over epochs). Axes are fitted to the curves (axes.ts) and the
// legend wraps to show every run's full name (legend.ts). Where label noise flipped training
// labels, train accuracy is against those given labels, and the words here say so (as the CLI's
// `runs` marks it with *).
import type { ChartOption, LineSeriesOption } from './chartOption.js';
import { lossSwitches, type LossSpec } from '../../../shared/experimentSpec.js';
import { epochAxis, fitValues, percentTick } from './axes.js';
import { withTopLegend } from './legend.js';
import { lossSwitchMarkLine } from './lossSwitch.js';

export { lossSwitches, type LossSwitch } from '../../../shared/experimentSpec.js';
import type { EpochMetric, RunSummary } from '../../../shared/runs.js';
import type { DatasetSummary } from '../../../shared/domain.js';
import { formatCount } from '../format.js';

export type CurveMetric = 'loss' | 'accuracy';
export const CURVE_SPLITS = ['train', 'test'] as const;
export type CurveSplit = (typeof CURVE_SPLITS)[number];

export const RUN_COLORS = ['#1f2937', '#2563c9', '#d9480f', '#2b8a3e', '#9c36b5', '#c2255c', '#0b7285', '#e07400', '#5c7cfa', '#5c940d'];

export type CurveChartOption = ChartOption<LineSeriesOption>;

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

/** What train accuracy is measured against, in the words of the run table and the accuracy charts. */
export interface TrainLabelWords {
  /** label noise flipped some of the train split's labels: train accuracy is against noisy labels */
  noisy: boolean;
  /** after a train accuracy: '*' where noisy, else '' */
  mark: string;
  /** the tooltip of a train accuracy (its header, its cells) */
  title: string;
  /** the tooltip of the loss chart's key ('' where not noisy) */
  lossTitle: string;
  /** the line under the run table ('' where not noisy) */
  footnote: string;
  /** the accuracy chart's key to its lines */
  curveKey: string;
  /** the train split as the accuracy tooltip names it */
  tooltipSplit: string;
}

/**
 * How train accuracy reads on an experiment's dataset: against the training labels as given,
 * which label noise flipped for some train examples (the dataset's count, as the CLI's
 * `experimentsWithLabelNoise` decides from the same labels), so a run can score near 100% on them
 * by fitting the noise. Test accuracy is against the true labels either way.
 */
export function trainLabelWords(dataset: Pick<DatasetSummary, 'splits'> | null | undefined): TrainLabelWords {
  const train = dataset?.splits.find((s) => s.split === 'train');
  const flipped = train?.noisy ?? 0;
  if (!train || flipped === 0) {
    return { noisy: false, mark: '', title: 'Share of the train examples whose top class is the label.', lossTitle: '', footnote: '', curveKey: 'train dashed · test solid', tooltipSplit: 'train' };
  }
  return {
    noisy: true,
    mark: '*',
    title:
      `Against the given training labels, noisy: label noise flipped ${formatCount(flipped)} of the ${formatCount(train.count)} train labels, ` +
      'so near 100% here means a run memorised the flipped labels, not that it learned the true classes. Test accuracy is against the true labels.',
    lossTitle:
      `Train loss is against the given training labels, noisy: label noise flipped ${formatCount(flipped)} of the ${formatCount(train.count)} train labels, ` +
      'so a train loss near 0 means a run memorised the flipped labels. Test loss is against the true labels.',
    footnote: `* train accuracy is against the given training labels, noisy: label noise flipped ${formatCount(flipped)} of the ${formatCount(train.count)} train labels; test accuracy is against the true labels.`,
    curveKey: 'train dashed, against the given (noisy) labels · test solid',
    tooltipSplit: 'train (noisy labels)',
  };
}

/** The axis tooltip: one line per series at the hovered epoch, with its split (`trainSplit`: train's name there). */
export function tooltipFormatter(metric: CurveMetric, trainSplit = 'train') {
  return (raw: unknown): string => {
    const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[];
    const first = params[0];
    const head = first ? `epoch ${escapeHtml(String(first.axisValue ?? (first.value as number[] | undefined)?.[0] ?? ''))}` : '';
    const lines = params.map((p) => {
      const split = p.seriesId?.endsWith('-train') ? trainSplit : 'test';
      const y = Array.isArray(p.value) ? Number(p.value[1]) : Number(p.value);
      return `${p.marker ?? ''}${escapeHtml(p.seriesName ?? '')} <span style="color:#8b949e">${split}</span> <b>${formatValue(metric, y)}</b>`;
    });
    return [head, ...lines].join('<br/>');
  };
}

/**
 * The options of one curve chart: two series (train dashed, test solid) per run, loss switches
 * marked on the test series. `trainLabels` (trainLabelWords): the tooltip names train's noisy
 * labels where label noise flipped some (train loss and accuracy are both against them).
 */
export function trainingCurveOption(
  runs: readonly CurveRun[],
  metrics: Readonly<Record<number, readonly EpochMetric[] | undefined>>,
  metric: CurveMetric,
  trainLabels?: Pick<TrainLabelWords, 'tooltipSplit'>,
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
        ...(switches.length > 0 ? { markLine: lossSwitchMarkLine(switches.map((s) => ({ epoch: s.epoch, name: `${run.name}: → ${describeLoss(s.loss)}`, color }))) } : {}),
      };
    });
  });
  const x = epochAxis(maxEpochs);
  const values = series.flatMap((s) => (s.data as [number, number][]).map((p) => p[1]));
  const y = metric === 'accuracy' ? fitValues(values, { clamp: [0, 1] }) : fitValues(values);
  return withTopLegend<CurveChartOption>(
    {
      animation: false,
      grid: { left: 56, right: 20, bottom: 34 },
      tooltip: { trigger: 'axis', formatter: tooltipFormatter(metric, trainLabels?.tooltipSplit ?? 'train'), confine: true },
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 22, min: x.min, max: x.max, interval: x.interval },
      yAxis: {
        type: 'value',
        min: y.min,
        max: y.max,
        interval: y.interval,
        ...(metric === 'accuracy' ? { axisLabel: { formatter: percentTick(y.interval) } } : {}),
      },
      series,
    },
    [...new Set(runs.map((r) => r.name))],
    { gap: 12 },
  );
}
