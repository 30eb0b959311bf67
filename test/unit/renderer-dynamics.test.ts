// The dynamics page's chart data: flips per epoch per run with switch marks, and one label's
// slice of the three-way confusion.
import { describe, expect, it } from 'vitest';
import { confusionSlice, confusionSliceOption, flipTimelineOption } from '../../renderer/src/charts/dynamics.js';

describe('dynamics charts', () => {
  it('plots each run\'s flips per epoch and marks loss switches between epochs', () => {
    const counts = (changed: number) => ({ changed, rightToWrong: changed - 1, wrongToRight: 1 });
    const events = {
      experimentId: 1,
      split: 'train',
      runs: [
        { runId: 1, name: 't', role: 'teacher' as const, n: 10, epochs: [{ epoch: 2, ...counts(5) }, { epoch: 3, ...counts(3) }], switches: [] },
        { runId: 2, name: 's', role: 'student' as const, n: 10, epochs: [{ epoch: 2, ...counts(7) }], switches: [{ epoch: 1, loss: 'kd', before: 1, after: 2, counts: counts(7) }] },
      ],
    };
    const option = flipTimelineOption(events, 'rightToWrong');
    expect(option.series.map((s) => s.data)).toEqual([[[2, 4], [3, 2]], [[2, 6]]]);
    expect((option.series[0] as { markLine?: { data: { xAxis: number }[] } }).markLine!.data.map((d) => d.xAxis)).toEqual([1.5]);
  });

  it('slices the three-way confusion at one label', () => {
    // C = 2: counts[(label·2 + teacher)·2 + student]
    const confusion = { studentRunId: 2, teacherRunId: 1, studentEpoch: 3, teacherEpoch: 3, split: null, numClasses: 2, n: 36, counts: [1, 2, 3, 4, 5, 6, 7, 8] };
    expect(confusionSlice(confusion, 0)).toEqual([[1, 2], [3, 4]]);
    expect(confusionSlice(confusion, 1)).toEqual([[5, 6], [7, 8]]);
    expect(confusionSliceOption(confusionSlice(confusion, 1), ['a', 'b']).series[0]!.data).toEqual([[0, 0, 5], [1, 0, 6], [0, 1, 7], [1, 1, 8]]);
  });
});
