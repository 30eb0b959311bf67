// Legends that show every series (renderer/src/charts/legend.ts): each chart builder, given many
// series with long names, draws a plain legend (never paginated) naming every series in full,
// and puts its plot below the legend's rows; the host re-fits those rows at the chart's width.
import { describe, expect, it } from 'vitest';
import { ExampleFilter, type CartographyMapMeta, type EigenLabResult, type GradientAggregate } from '../../shared/analytics.js';
import type { FindingClaim } from '../../shared/findings.js';
import { decodeBinaryFrame, encodeBinaryFrame } from '../../shared/binaryFrame.js';
import { cartographyMapOption, cartographyMapPoints, mapSeries, type MapGroup } from '../../renderer/src/charts/cartographyMap.js';
import { flipTimelineOption } from '../../renderer/src/charts/dynamics.js';
import { compareAt, modeProfileOption, topProgressOption, trajectoryOption } from '../../renderer/src/charts/eigenLab.js';
import { findingChartOption } from '../../renderer/src/charts/findings.js';
import { gradientBarsOption } from '../../renderer/src/charts/gradientView.js';
import { ASSUMED_CHART_WIDTH, estimateTextWidth, fitLegendRoom, legendBlock, legendRoomOf, wrapLegendName, LEGEND_WRAP_CHARS } from '../../renderer/src/charts/legend.js';
import { trainingCurveOption } from '../../renderer/src/charts/trainingCurves.js';

const LONG = (i: number) => `student ${i}: late KD (one-hot → KD τ=4 at epoch 5), narrower MLP with 64 hidden units, seed ${100 + i}`;
const MANY = 14;

type Legend = { type?: string; top: number; left: number; right: number; data: string[]; formatter?: (name: string) => string; textStyle?: { overflow?: string; width?: number; ellipsis?: string } };
type AnyOption = { legend?: Legend | Legend[]; grid?: { top?: number } | { top?: number }[]; series?: { name?: string; data?: unknown }[]; title?: { text: string } | { text: string }[] };

function legendOf(option: AnyOption): Legend {
  expect(Array.isArray(option.legend)).toBe(false);
  return option.legend as Legend;
}

function gridTops(option: AnyOption): number[] {
  const grids = Array.isArray(option.grid) ? option.grid : [option.grid ?? {}];
  return grids.map((g) => g.top as number);
}

/** The properties every legend must have: plain, every series named in full, room above the plot. */
function expectFullLegend(option: AnyOption) {
  const legend = legendOf(option);
  expect(legend.type).toBe('plain');
  // every named series has its entry
  const seriesNames = new Set((option.series ?? []).map((s) => s.name).filter((n): n is string => typeof n === 'string' && n !== 'thresholds'));
  for (const name of seriesNames) expect(legend.data).toContain(name);
  // no clipping: no truncating overflow, and the formatter only breaks lines
  expect(legend.textStyle?.overflow).not.toBe('truncate');
  expect(legend.textStyle?.ellipsis).toBeUndefined();
  for (const name of legend.data) {
    const shown = legend.formatter ? legend.formatter(name) : name;
    expect(shown.replace(/\n/g, ' ')).toBe(name);
  }
  // the plot starts below the legend's rows at the width the builders assume
  const { height } = legendBlock(legend.data, ASSUMED_CHART_WIDTH - legend.left - legend.right);
  for (const top of gridTops(option)) expect(top).toBeGreaterThanOrEqual(legend.top + height + 8);
  return legend;
}

describe('every chart names every series in a plain, wrapping legend', () => {
  it('training curves with many long run names', () => {
    const runs = Array.from({ length: MANY }, (_, i) => ({ id: i + 1, name: LONG(i), role: 'student' as const, epochs: 4, spec: {} }));
    const metrics = Object.fromEntries(runs.map((r) => [r.id, [{ epoch: 1, split: 'test', loss: 1, accuracy: 0.5, seconds: null }]]));
    const option = trainingCurveOption(runs, metrics, 'loss') as AnyOption;
    const legend = expectFullLegend(option);
    expect(legend.data).toHaveLength(MANY);
    // fourteen long names need many rows: the plot moved well down
    expect(gridTops(option)[0]).toBeGreaterThan(100);
  });

  it('flips per epoch with many runs', () => {
    const events = {
      experimentId: 1,
      split: 'test',
      runs: Array.from({ length: MANY }, (_, i) => ({ runId: i + 1, name: LONG(i), role: 'student' as const, n: 10, epochs: [{ epoch: 2, changed: i, rightToWrong: 0, wrongToRight: 0 }], switches: [] })),
    };
    expect(expectFullLegend(flipTimelineOption(events, 'changed') as AnyOption).data).toHaveLength(MANY);
  });

  it('the cartography map with long region names', () => {
    const meta: CartographyMapMeta = {
      studentRunId: 2, teacherRunId: 1, studentEpoch: 3, teacherEpoch: 3, split: 'test', axes: 'kl', xMeasure: 'klMean', yMeasure: 'klStd',
      n: 2, missing: 0, klThreshold: 0.1, klStdThreshold: 0.05, counts: { 'never-matches': 1, forgets: 0, overtakes: 0, tracks: 1, other: 0 },
    };
    const points = cartographyMapPoints(decodeBinaryFrame<CartographyMapMeta>(encodeBinaryFrame(meta, { id: Int32Array.from([1, 2]), x: Float32Array.from([0.5, 0.05]), y: Float32Array.from([0.2, 0.01]), regions: Uint8Array.from([1, 8]) })));
    const names: Record<MapGroup, string> = {
      'never-matches': 'never matches the teacher at any epoch of training',
      forgets: 'forgets: matched the teacher once, then drifted away again',
      overtakes: 'overtakes: right where the teacher is wrong, at the last epoch',
      tracks: 'tracks the teacher closely from start to end',
      other: 'in no region',
    };
    const legend = expectFullLegend(cartographyMapOption(points, mapSeries(points), names) as AnyOption);
    expect(legend.data).toEqual(Object.values(names).slice(0, 4).concat([names.other]));
  });

  it('a finding card', () => {
    const claim = {
      id: 'exp4', title: 'KD gain', claim: 'KD beats one-hot', source: 'docs', status: 'reproduced', statistic: 2.87, statisticName: 'mean',
      unit: 'points', interval: [-2.2, 7.9], intervalMethod: 't over 3 seeds', threshold: { op: '>=', value: 1, text: '≥ +1 point' }, reason: 'r',
      evidence: [1, 2, 3].map((seed) => ({ seed, experimentId: seed, value: seed, label: `seed ${seed}`, kdRunId: 1, onehotRunId: 2 })),
      explore: [{ experimentId: 1, studentRunId: 1, filter: ExampleFilter.parse({ split: 'test' }), label: 'x' }],
    } as unknown as FindingClaim;
    expect(expectFullLegend(findingChartOption(claim) as AnyOption).data).toEqual(['each seed', 'statistic', '95% interval', 'threshold']);
  });

  it('the gradient bars, with short one-line panel titles', () => {
    const agg = (name: string): GradientAggregate => ({ name, n: 5, normOnehot: 1, normKd: 0.5, cosOnehot: 0.2, cosKd: 0.3 });
    const option = gradientBarsOption([agg('Q1'), agg('Q2')]) as AnyOption;
    expectFullLegend(option);
    const titles = (option.title as { text: string; top: number }[]);
    for (const t of titles) {
      expect(t.text.length).toBeLessThanOrEqual(32);
      expect(t.text).not.toContain('\n');
    }
    // the titles sit between the legend and the plots
    const legend = legendOf(option);
    for (const t of titles) {
      expect(t.top).toBeGreaterThan(legend.top);
      for (const top of gridTops(option)) expect(top).toBeGreaterThan(t.top + 14);
    }
  });

  it('the eigen lab charts with many modes', () => {
    const n = 12;
    const row = (scale: number) => Array.from({ length: n }, (_, k) => scale / (k + 1));
    const result: EigenLabResult = {
      eigenvalues: Array.from({ length: n }, (_, k) => 4 / (k + 1)),
      stepSize: 0.025,
      teacherSteps: 20,
      steps: [0, 10, 20, 30],
      teacher: [row(0), row(0.5), row(0.8), row(1)],
      student: [row(0), row(0.4), row(0.7), row(0.9)],
      closedFormTeacher: [row(0), row(0.5), row(0.8), row(1)],
      closedFormStudent: [row(0), row(0.4), row(0.7), row(0.9)],
    };
    const modes = Array.from({ length: n }, (_, k) => k + 1);
    const trajectories = expectFullLegend(trajectoryOption(result, modes, { closedForm: true }) as AnyOption);
    expect(trajectories.data).toHaveLength(4 * n);
    const cmp = compareAt(result, { index: 2 }, 'matched');
    expectFullLegend(modeProfileOption(result, cmp) as AnyOption);
    expect(expectFullLegend(topProgressOption(result, modes, { comparison: cmp }) as AnyOption).data).toHaveLength(2 * (n - 1));
  });
});

describe('legend rows', () => {
  it('wraps onto more rows as the chart narrows, and the host moves the plot to match', () => {
    const runs = Array.from({ length: 8 }, (_, i) => ({ id: i + 1, name: `run ${i} with a fairly long name`, role: 'student' as const, epochs: 3, spec: {} }));
    const option = trainingCurveOption(runs, {}, 'accuracy');
    const room = legendRoomOf(option)!;
    expect(room.names).toHaveLength(8);
    const narrow = fitLegendRoom(option, 320);
    const wide = fitLegendRoom(option, 1600);
    const top = (o: object) => (o as { grid: { top: number } }).grid.top;
    expect(legendBlock(room.names, 320 - 16).rows).toBeGreaterThan(legendBlock(room.names, 1600 - 16).rows);
    expect(top(narrow)).toBeGreaterThan(top(option));
    expect(top(wide)).toBeLessThan(top(option));
    // fitted again, the room is still known; the same width leaves it as it is
    expect(fitLegendRoom(narrow, 320)).toBe(narrow);
    // an option without a wrapped legend passes through untouched
    const bare = { series: [] };
    expect(fitLegendRoom(bare, 500)).toBe(bare);
  });

  it('lays rows out as ECharts does: an item moves down only when it would cross the width', () => {
    const fixed = () => 40; // every name 40 px: items are 18 + 5 + 40 = 63 px, plus a 10 px gap
    expect(legendBlock(['a', 'b', 'c'], 63 * 3 + 20, fixed)).toEqual({ rows: 1, height: 14 });
    expect(legendBlock(['a', 'b', 'c'], 63 * 3 + 19, fixed)).toEqual({ rows: 2, height: 14 + 10 + 14 });
    expect(legendBlock([], 100, fixed)).toEqual({ rows: 0, height: 0 });
  });

  it('breaks a very long name onto lines at spaces, never cutting it', () => {
    const name = LONG(3);
    expect(name.length).toBeGreaterThan(LEGEND_WRAP_CHARS);
    const wrapped = wrapLegendName(name);
    expect(wrapped.split('\n').length).toBeGreaterThan(1);
    expect(wrapped.replace(/\n/g, ' ')).toBe(name);
    for (const line of wrapped.split('\n')) expect(line.length).toBeLessThanOrEqual(LEGEND_WRAP_CHARS);
    expect(wrapLegendName('teacher')).toBe('teacher');
    // a two-line name makes its row taller
    expect(legendBlock([name], 2000).height).toBeGreaterThan(legendBlock(['teacher'], 2000).height);
  });

  it('estimates text widths generously: wider text, wider estimate', () => {
    expect(estimateTextWidth('MMMM', 11)).toBeGreaterThan(estimateTextWidth('iiii', 11));
    expect(estimateTextWidth('teacher', 11)).toBeGreaterThanOrEqual(40);
    expect(estimateTextWidth('teacher', 22)).toBeGreaterThan(estimateTextWidth('teacher', 11));
  });
});
