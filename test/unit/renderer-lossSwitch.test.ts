// A loss switch sits at the same x on every chart over epochs (renderer/src/charts/lossSwitch.ts):
// for a student whose KD phase starts at epoch 5 (0-based), the training curves and the flips
// timeline both mark x = 5 — on the curve's point after 5 epochs, the last under one-hot, with the
// flip that compares epoch 5 with epoch 6 (the first under KD) just after it.
import { describe, expect, it } from 'vitest';
import { flipTimelineOption } from '../../renderer/src/charts/dynamics.js';
import { lossSwitchMarkLine, lossSwitchX } from '../../renderer/src/charts/lossSwitch.js';
import { lossSwitches, trainingCurveOption } from '../../renderer/src/charts/trainingCurves.js';
import { lossAtEpoch, type LossPhase } from '../../shared/experimentSpec.js';

const SWITCH = 5;
const EPOCHS = 8;
const kd = { kind: 'kd' as const, alpha: 1, tau: 4, tauSquared: true };
const phases: LossPhase[] = [
  { from: 0, loss: { kind: 'onehot' } },
  { from: SWITCH, loss: kd },
];
const spec = { phases };

type Marked = { id: string; data: [number, number][]; markLine?: { data: { xAxis: number; name: string; lineStyle: { color: string } }[] } };

function markedX(series: Marked[]): number[] {
  return series.flatMap((s) => s.markLine?.data.map((d) => d.xAxis) ?? []);
}

describe('loss-switch markers', () => {
  const metrics = { 7: Array.from({ length: EPOCHS }, (_, e) => ({ epoch: e + 1, split: 'test', loss: 1 / (e + 1), accuracy: 0.5 + e / 40, seconds: null })) };
  const curves = trainingCurveOption([{ id: 7, name: 'late KD', role: 'student', epochs: EPOCHS, spec }], metrics, 'accuracy').series as Marked[];
  const flips = flipTimelineOption(
    {
      experimentId: 1,
      split: 'test',
      runs: [{
        runId: 7,
        name: 'late KD',
        role: 'student',
        n: 100,
        epochs: Array.from({ length: EPOCHS - 1 }, (_, i) => ({ epoch: i + 2, changed: 10 - i, rightToWrong: 1, wrongToRight: 2 })),
        // as main/analytics/flipEvents.ts reports it: lossSwitches(spec), before = epoch, after = epoch + 1
        switches: lossSwitches(spec).map((s) => ({ epoch: s.epoch, loss: s.loss.kind, before: s.epoch, after: s.epoch + 1, counts: null })),
      }],
    },
    'changed',
    metrics,
  ).series as Marked[];

  it('puts the switch at the same x on the training curves and the flips timeline', () => {
    expect(markedX(curves)).toEqual([lossSwitchX(SWITCH)]);
    expect(markedX(flips)).toEqual([lossSwitchX(SWITCH)]);
    expect(lossSwitchX(SWITCH)).toBe(SWITCH);
  });

  it('sits on the last point under the old loss, every later point under the new one', () => {
    const x = lossSwitchX(SWITCH);
    // the curve's x counts epochs done: the point at x trained its last epoch (0-based x − 1) under one-hot
    const test = curves.find((s) => s.id.endsWith('-test'))!;
    const atMark = test.data.find(([epoch]) => epoch === x)!;
    expect(atMark).toBeDefined();
    expect(lossAtEpoch(phases, atMark[0] - 1).kind).toBe('onehot');
    for (const [epoch] of test.data.filter(([epoch]) => epoch > x)) expect(lossAtEpoch(phases, epoch - 1).kind).toBe('kd');
    // the flips: the point right after the mark compares epoch x with x + 1, the first under KD
    const flipSeries = flips.find((s) => s.id.startsWith('flips-'))!;
    expect(flipSeries.data.map(([epoch]) => epoch)).toContain(x + 1);
    expect(flipSeries.data.every(([epoch]) => epoch !== x + 0.5)).toBe(true);
  });

  it('draws each mark dotted in its run\'s colour, its label on hover', () => {
    const line = lossSwitchMarkLine([{ epoch: 3, name: 'a: → KD', color: '#2563c9' }]);
    expect(line.data).toEqual([expect.objectContaining({ xAxis: 3, name: 'a: → KD', lineStyle: expect.objectContaining({ color: '#2563c9', type: 'dotted' }) })]);
    expect((line.label as { show: boolean }).show).toBe(false);
    expect(((line.emphasis as { label: { show: boolean } }).label).show).toBe(true);
  });
});
