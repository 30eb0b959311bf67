import { describe, expect, it } from 'vitest';
import {
  curvePoints,
  describeLoss,
  escapeHtml,
  lossSwitches,
  seriesId,
  tooltipFormatter,
  trainingCurveOption,
  trainLabelWords,
} from '../../renderer/src/charts/trainingCurves.js';
import type { EpochMetric, RunSummary } from '../../shared/runs.js';

const phasesLate = [
  { from: 0, loss: { kind: 'onehot' } },
  { from: 2, loss: { kind: 'kd', alpha: 1, tau: 1, tauSquared: true } },
];

function run(id: number, name: string, spec: unknown, epochs = 4): Pick<RunSummary, 'id' | 'name' | 'role' | 'epochs' | 'spec'> {
  return { id, name, role: id === 1 ? 'teacher' : 'student', epochs, spec };
}

function metric(epoch: number, split: string, loss: number, accuracy: number): EpochMetric {
  return { epoch, split, loss, accuracy, seconds: 1 };
}

const runs = [
  run(1, 'teacher', { phases: [{ from: 0, loss: { kind: 'onehot' } }] }),
  run(2, 'late KD', { phases: phasesLate }),
  run(3, 'KD τ=4', { phases: [{ from: 0, loss: { kind: 'kd', alpha: 1, tau: 4, tauSquared: true } }] }),
];
const metrics: Record<number, EpochMetric[]> = {
  1: [metric(2, 'test', 0.5, 0.82), metric(1, 'train', 0.9, 0.7), metric(1, 'test', 0.8, 0.75), metric(2, 'train', 0.4, 0.86), metric(2, 'ood-x', 1, 0.1)],
  2: [metric(1, 'train', 1.1, 0.6), metric(1, 'test', 1.0, 0.65)],
};

type Series = { id: string; name: string; data: [number, number][]; lineStyle: { type: string }; markLine?: { data: { xAxis: number; name: string }[] } };

describe('trainingCurveOption', () => {
  it('has a train and a test series per run', () => {
    const option = trainingCurveOption(runs, metrics, 'accuracy');
    const series = option.series as Series[];
    expect(series).toHaveLength(6);
    expect(series.map((s) => s.id)).toEqual(['run-1-train', 'run-1-test', 'run-2-train', 'run-2-test', 'run-3-train', 'run-3-test']);
    expect(series[0]!.lineStyle.type).toBe('dashed');
    expect(series[1]!.lineStyle.type).toBe('solid');
    expect((option.legend as { data: string[] }).data).toEqual(['teacher', 'late KD', 'KD τ=4']);
  });

  it('plots [epoch, value] points in epoch order, per split and metric', () => {
    const acc = trainingCurveOption(runs, metrics, 'accuracy').series as Series[];
    expect(acc[0]!.data).toEqual([[1, 0.7], [2, 0.86]]);
    expect(acc[1]!.data).toEqual([[1, 0.75], [2, 0.82]]);
    expect(acc[4]!.data).toEqual([]); // no metrics yet
    const loss = trainingCurveOption(runs, metrics, 'loss').series as Series[];
    expect(loss[1]!.data).toEqual([[1, 0.8], [2, 0.5]]);
    expect(loss[3]!.data).toEqual([[1, 1.0]]);
  });

  it('marks the loss switch of a scheduled student at its switch epoch', () => {
    const series = trainingCurveOption(runs, metrics, 'loss').series as Series[];
    const marked = series.filter((s) => s.markLine);
    expect(marked.map((s) => s.id)).toEqual(['run-2-test']);
    expect(marked[0]!.markLine!.data).toEqual([expect.objectContaining({ xAxis: 2, name: 'late KD: → KD τ=1' })]);
  });

  it('spans the x axis over the longest run', () => {
    const option = trainingCurveOption([...runs, run(4, 'long', {}, 9)], metrics, 'accuracy');
    expect(option.xAxis).toMatchObject({ type: 'value', min: 1, max: 9 });
  });
});

describe('curve helpers', () => {
  it('reads loss switches from stored specs, tolerating odd ones', () => {
    expect(lossSwitches({ phases: phasesLate })).toEqual([{ epoch: 2, loss: phasesLate[1]!.loss }]);
    expect(lossSwitches({ phases: [{ from: 0, loss: { kind: 'onehot' } }] })).toEqual([]);
    expect(lossSwitches(null)).toEqual([]);
    expect(lossSwitches({ phases: [{ from: 'x' }] })).toEqual([]);
  });

  it('fits the accuracy axis to the curves on round steps inside [0, 1], not 0 to 100%', () => {
    const y = trainingCurveOption(runs, metrics, 'accuracy').yAxis as { min: number; max: number; interval: number; axisLabel: { formatter: (v: number) => string } };
    // the points span 0.6 to 0.86
    expect([y.min, y.max, y.interval]).toEqual([0.6, 0.9, 0.1]);
    expect(y.axisLabel.formatter(0.6)).toBe('60%');
    const near1 = trainingCurveOption(runs, { 1: [metric(1, 'test', 0.1, 0.981), metric(2, 'test', 0.05, 0.997)] }, 'accuracy').yAxis as { min: number; max: number; interval: number; axisLabel: { formatter: (v: number) => string } };
    expect([near1.min, near1.max]).toEqual([0.98, 1]);
    expect(near1.axisLabel.formatter(0.985)).toBe('98.5%');
  });

  it('describes losses', () => {
    expect(describeLoss({ kind: 'onehot' })).toBe('one-hot');
    expect(describeLoss({ kind: 'kd', alpha: 0.5, tau: 4, tauSquared: false })).toBe('KD τ=4 α=0.5 (no τ²)');
    expect(describeLoss({ kind: 'jacobian', beta: 0.15, tau: 2, tauSquared: true, topClasses: 20, directions: 2, fdStep: 0.05 })).toBe('Jacobian matching β=0.15 τ=2');
    expect(describeLoss({ kind: 'contrastive', beta: 0.03, tau: 1, tauSquared: true, tauC: 0.1, eps: 0.97, dim: 128, positives: 'label' })).toBe('contrastive (label positives) β=0.03 τ=1');
  });

  it('ignores splits other than the one asked for', () => {
    expect(curvePoints(metrics[1], 'accuracy', 'test')).toEqual([[1, 0.75], [2, 0.82]]);
    expect(curvePoints(undefined, 'loss', 'train')).toEqual([]);
  });

  it('formats tooltips with split and escaped names', () => {
    const text = tooltipFormatter('accuracy')([
      { marker: '', seriesName: '<b>x</b>', seriesId: seriesId(2, 'train'), value: [3, 0.5], axisValue: 3 },
      { marker: '', seriesName: 'y', seriesId: seriesId(2, 'test'), value: [3, 0.25], axisValue: 3 },
    ]);
    expect(text).toContain('epoch 3');
    expect(text).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(text).toContain('train');
    expect(text).toContain('50.00%');
    expect(text).toContain('25.00%');
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });
});

describe('train accuracy against the given (noisy) labels', () => {
  const split = (name: string, count: number, noisy: number) => ({ split: name, count, perClass: [count], noisy });
  const noisy = { splits: [split('train', 1350, 263), split('test', 450, 0)] };
  const clean = { splits: [split('train', 1350, 0), split('test', 450, 0)] };

  it('marks train accuracy with * and says against which labels where label noise flipped some', () => {
    const words = trainLabelWords(noisy);
    expect(words.noisy).toBe(true);
    expect(words.mark).toBe('*');
    expect(words.title).toContain('Against the given training labels, noisy: label noise flipped 263 of the 1,350 train labels');
    expect(words.footnote).toMatch(/^\* train accuracy is against the given training labels, noisy: label noise flipped 263 of the 1,350 train labels; test accuracy is against the true labels\.$/);
    expect(words.curveKey).toBe('train dashed, against the given (noisy) labels · test solid');
    expect(words.lossTitle).toMatch(/^Train loss is against the given training labels, noisy: label noise flipped 263 of the 1,350 train labels, so a train loss near 0/);
  });

  it('marks nothing where no train label was flipped, or the dataset is not known yet', () => {
    for (const dataset of [clean, null, undefined, { splits: [split('test', 10, 3)] }]) {
      const words = trainLabelWords(dataset);
      expect(words).toMatchObject({ noisy: false, mark: '', footnote: '', curveKey: 'train dashed · test solid', tooltipSplit: 'train' });
    }
  });

  it('names train’s noisy labels in the tooltips of the accuracy and loss charts, both measured against them', () => {
    const params = [{ seriesName: 'teacher', seriesId: 'run-1-train', value: [2, 0.95], axisValue: 2 }];
    const accuracy = trainingCurveOption(runs, metrics, 'accuracy', trainLabelWords(noisy)).tooltip as { formatter: (p: unknown) => string };
    expect(accuracy.formatter(params)).toContain('train (noisy labels)');
    const loss = trainingCurveOption(runs, metrics, 'loss', trainLabelWords(noisy)).tooltip as { formatter: (p: unknown) => string };
    expect(loss.formatter(params)).toContain('train (noisy labels)');
    const plain = trainingCurveOption(runs, metrics, 'accuracy', trainLabelWords(clean)).tooltip as { formatter: (p: unknown) => string };
    expect(plain.formatter(params)).not.toContain('noisy');
  });
});
