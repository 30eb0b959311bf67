// The dynamics page's chart data: flips per epoch per run with switch marks and accuracy, one
// label's slice of the three-way confusion, the class × epoch heatmap and the cartography map.
import { describe, expect, it } from 'vitest';
import type { CartographyMapMeta, ClassDeviationHeatmap } from '../../shared/analytics.js';
import { decodeBinaryFrame, encodeBinaryFrame } from '../../shared/binaryFrame.js';
import { brushedView, cartographyMapOption, cartographyMapPoints, mapGroupOf, mapSeries, type MapGroup } from '../../renderer/src/charts/cartographyMap.js';
import { classHeatmapOption, confusionCellClasses, confusionSlice, confusionSliceOption, flipTimelineOption } from '../../renderer/src/charts/dynamics.js';

describe('dynamics charts', () => {
  it('plots each run\'s flips per epoch and marks each run\'s loss switches on its own series', () => {
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
    // the switch after 1 epoch sits at x = 1 (epochs done), where the training curves put it
    expect((option.series[0] as { markLine?: unknown }).markLine).toBeUndefined();
    expect((option.series[1] as { markLine?: { data: { xAxis: number }[] } }).markLine!.data.map((d) => d.xAxis)).toEqual([1]);
    expect(option.yAxis).toHaveLength(1);
    // counts from 0, on whole steps
    expect(option.yAxis[0]).toMatchObject({ min: 0, max: 6, interval: 2 });

    // Each run's accuracy on the events' split goes on a second axis, in epoch order, under the run's legend entry.
    const metric = (epoch: number, split: string, accuracy: number) => ({ epoch, split, loss: 1, accuracy, seconds: null });
    const withAccuracy = flipTimelineOption(events, 'changed', { 2: [metric(2, 'train', 0.8), metric(1, 'train', 0.6), metric(1, 'test', 0.5), metric(3, 'test', 0.55)] });
    expect(withAccuracy.yAxis).toHaveLength(2);
    // the accuracy axis is fitted to the run's accuracies (0.6 and 0.8), not 0 to 100%
    expect(withAccuracy.yAxis[1]).toMatchObject({ min: 0.6, max: 0.8, interval: 0.05, position: 'right' });
    const series = withAccuracy.series as { id: string; name: string; data: number[][]; yAxisIndex?: number; markLine?: unknown }[];
    expect(series.map((s) => [s.id, s.name, s.yAxisIndex ?? 0])).toEqual([['flips-1', 't', 0], ['flips-2', 's', 0], ['accuracy-2', 's', 1]]);
    expect(series[2]!.data).toEqual([[1, 0.6], [2, 0.8]]);
    expect(series[1]!.markLine).toBeDefined();
    // Without a split (every split) there is no one accuracy to draw.
    expect(flipTimelineOption({ ...events, split: null }, 'changed', { 2: [metric(1, 'train', 0.6)] }).series).toHaveLength(2);
  });

  it('slices the three-way confusion at one label', () => {
    // C = 2: counts[(label·2 + teacher)·2 + student]
    const confusion = { studentRunId: 2, teacherRunId: 1, studentEpoch: 3, teacherEpoch: 3, split: null, numClasses: 2, label: null, n: 36, counts: [1, 2, 3, 4, 5, 6, 7, 8] };
    expect(confusionSlice(confusion, 0)).toEqual([[1, 2], [3, 4]]);
    expect(confusionSlice(confusion, 1)).toEqual([[5, 6], [7, 8]]);
    expect(confusionSliceOption(confusionSlice(confusion, 1), ['a', 'b']).series[0]!.data).toEqual([[0, 0, 5], [1, 0, 6], [0, 1, 7], [1, 1, 8]]);
  });

  it('reads a one-label answer as that label\'s slice, and refuses another label', () => {
    const slice = { studentRunId: 2, teacherRunId: 1, studentEpoch: 3, teacherEpoch: 3, split: null, numClasses: 2, label: 1, n: 26, counts: [5, 6, 7, 8] };
    expect(confusionSlice(slice, 1)).toEqual([[5, 6], [7, 8]]);
    expect(confusionSlice(slice, 0)).toEqual([]);
  });

  it('above the cube limit keeps only the classes a label reaches, and its cells name their classes', () => {
    const C = 300;
    const slice = Array.from({ length: C }, () => new Array<number>(C).fill(0));
    slice[7]![7] = 40;
    slice[7]![250] = 3;
    slice[120]![7] = 2;
    const option = confusionSliceOption(slice, Array.from({ length: C }, (_, c) => `c${c}`));
    expect(option.yAxis.data).toEqual(['c7', 'c120']);
    expect(option.xAxis.data).toEqual(['c7', 'c250']);
    expect(option.series[0]!.data).toHaveLength(4);
    const cell = option.series[0]!.data.find((d) => d[2] === 3)!;
    expect(confusionCellClasses(cell)).toEqual({ studentTop: 250, teacherTop: 7 });
    expect(confusionCellClasses([1, 0, 6])).toEqual({ studentTop: 1, teacherTop: 0 });
  });

  it('colours every cell by its count, in the compact layout too: a zero is the light end of the scale', () => {
    // ECharts colours by the visualMap's dimension, else by a cell's last value
    const colouredBy = (option: ReturnType<typeof confusionSliceOption>, cell: number[]) => cell[option.visualMap.dimension ?? cell.length - 1];
    const C = 300;
    const slice = Array.from({ length: C }, () => new Array<number>(C).fill(0));
    // teacher classes far above the largest count: their rows' zeros must still read 0
    slice[7]![7] = 40;
    slice[7]![250] = 3;
    slice[260]![7] = 2;
    for (const option of [confusionSliceOption(slice, []), confusionSliceOption([[0, 5], [2, 0]], ['a', 'b'])]) {
      for (const cell of option.series[0]!.data) expect(colouredBy(option, cell)).toBe(cell[2]);
      expect(option.visualMap.min).toBe(0);
    }
    const compact = confusionSliceOption(slice, []);
    expect(compact.series[0]!.data.filter((cell) => colouredBy(compact, cell) === 0)).toEqual([[1, 1, 0, 250, 260]]);
    expect(compact.visualMap.max).toBe(40);
  });
});

describe('the class × epoch deviation heatmap', () => {
  const heatmap: ClassDeviationHeatmap = {
    studentRunId: 2,
    teacherRunId: 1,
    studentEpoch: 2,
    teacherEpoch: 3,
    split: 'train',
    classChoice: 'teacher-top',
    epochs: [1, 2],
    counts: [[4, 4], [0, 0], [3, 3]],
    kl: [[0.5, 0.25], [null, null], [1.5, 0.75]],
    deviation: [[-2, -1], [null, null], [0.5, 3]],
  };

  it('puts epochs across, labels down, and the mean (or "-" where no example counts) with its count in each cell', () => {
    const option = classHeatmapOption(heatmap, ['a', 'b', 'c'], 'kl');
    expect(option.xAxis.data).toEqual(['1', '2']);
    expect(option.yAxis.data).toEqual(['a', 'b', 'c']);
    expect(option.series[0]!.data).toEqual([[0, 0, 0.5, 4], [1, 0, 0.25, 4], [0, 1, '-', 0], [1, 1, '-', 0], [0, 2, 1.5, 3], [1, 2, 0.75, 3]]);
    expect([option.visualMap.min, option.visualMap.max]).toEqual([0, 1.5]);
  });

  it('colours b − a on a scale symmetric around zero', () => {
    const option = classHeatmapOption(heatmap, ['a', 'b', 'c'], 'deviation');
    expect(option.series[0]!.data[1]).toEqual([1, 0, -1, 4]);
    expect([option.visualMap.min, option.visualMap.max]).toEqual([-3, 3]);
    expect(option.visualMap.inRange.color).toHaveLength(3);
  });
});

describe('the cartography map', () => {
  // bits: never-matches 1, forgets 2, overtakes 4, tracks 8
  const meta = (axes: 'kl' | 'deviation'): CartographyMapMeta => ({
    studentRunId: 2,
    teacherRunId: 1,
    studentEpoch: 3,
    teacherEpoch: 3,
    split: 'train',
    axes,
    xMeasure: axes === 'kl' ? 'klMean' : 'deviationMean',
    yMeasure: axes === 'kl' ? 'klStd' : 'deviationStd',
    n: 6,
    missing: 0,
    klThreshold: 0.1,
    klStdThreshold: 0.05,
    counts: { 'never-matches': 2, forgets: 1, overtakes: 2, tracks: 1, other: 1 },
  });
  const points = (axes: 'kl' | 'deviation' = 'kl') =>
    cartographyMapPoints(
      decodeBinaryFrame<CartographyMapMeta>(
        encodeBinaryFrame(meta(axes), {
          id: Int32Array.from([10, 11, 12, 13, 14, 15]),
          x: Float32Array.from([2, 0.5, 0.05, 0.3, 3, 0.2]),
          y: Float32Array.from([0.5, 0.4, 0.01, 0.2, 0.1, 0.3]),
          regions: Uint8Array.from([1, 2, 8, 0, 1 | 4, 4]),
        }),
      ),
    );
  const names: Record<MapGroup, string> = { 'never-matches': 'never matches', forgets: 'forgets', overtakes: 'overtakes', tracks: 'tracks', other: 'in no region' };

  it('draws a point in one group: overtakes over the KL region it shares, none as "other"', () => {
    expect([0, 1, 2, 4, 8, 1 | 4, 8 | 4].map(mapGroupOf)).toEqual(['other', 'never-matches', 'forgets', 'overtakes', 'tracks', 'overtakes', 'overtakes']);
    const series = mapSeries(points());
    expect(series.map((s) => [s.group, Array.from(s.ids), Array.from(s.xy)])).toEqual([
      ['other', [13], [Math.fround(0.3), Math.fround(0.2)]],
      ['tracks', [12], [Math.fround(0.05), Math.fround(0.01)]],
      ['forgets', [11], [0.5, Math.fround(0.4)]],
      ['never-matches', [10], [2, 0.5]],
      ['overtakes', [14, 15], [3, Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)]],
    ]);
  });

  it('is one large scatter series per group, with the thresholds of "tracks" as dashed lines', () => {
    const p = points();
    const option = cartographyMapOption(p, mapSeries(p), names);
    const scatter = option.series.filter((s) => s.type === 'scatter') as { name: string; large: boolean; itemStyle: { color: string } }[];
    expect(scatter.map((s) => s.name)).toEqual(['in no region', 'tracks', 'forgets', 'never matches', 'overtakes']);
    expect(scatter.every((s) => s.large)).toBe(true);
    expect(new Set(scatter.map((s) => s.itemStyle.color)).size).toBe(5);
    const lines = (option.series.at(-1) as { markLine: { data: object[] } }).markLine.data;
    expect(lines).toEqual([expect.objectContaining({ xAxis: 0.1 }), expect.objectContaining({ yAxis: 0.05 })]);
    expect(option.xAxis.name).toMatch(/mean KL/);
    // b − a has no thresholds: the line marks zero deviation.
    const dev = points('deviation');
    const devOption = cartographyMapOption(dev, mapSeries(dev), names);
    expect((devOption.series.at(-1) as { markLine: { data: object[] } }).markLine.data).toEqual([expect.objectContaining({ xAxis: 0 })]);
    expect(devOption.xAxis.name).toMatch(/b − a/);
  });

  it('turns a brushed rectangle into range filters on the plotted measures, with the region when the points share one', () => {
    const p = points();
    // ids 10 and 14 (never-matches; overtakes drawn over never-matches): two groups, no region
    expect(brushedView(p, [3.5, 1.5], [0, 1])).toEqual({ ranges: [{ measure: 'klMean', min: 1.5, max: 3.5 }, { measure: 'klStd', min: 0, max: 1 }], region: null, hits: 2 });
    expect(brushedView(p, [1.5, 2.5], [0, 1])).toMatchObject({ region: 'never-matches', hits: 1 });
    expect(brushedView(p, [0, 0.1], [0, 0.02])).toMatchObject({ region: 'tracks', hits: 1 });
    expect(brushedView(p, [0.25, 0.35], [0.15, 0.25])).toMatchObject({ region: null, hits: 1 });
    expect(brushedView(p, [5, 6], [0, 1])).toBeNull();
    expect(brushedView(points('deviation'), [0, 1], [0, 1])!.ranges.map((r) => r.measure)).toEqual(['deviationMean', 'deviationStd']);
  });
});
