// Fitted axes (renderer/src/charts/axes.ts): both ends on a nice step around the data, for tiny,
// negative, constant, single-point and huge extents, clamped only where the bound means something;
// and every chart builder's value axes fitted that way to its own data.
import { describe, expect, it } from 'vitest';
import { cartographyMapOption, cartographyMapPoints, mapSeries, type MapGroup } from '../../renderer/src/charts/cartographyMap.js';
import { epochAxis, extentOf, fitAxis, fitValues, niceStep, percentTick, tickDecimals } from '../../renderer/src/charts/axes.js';
import { flipTimelineOption } from '../../renderer/src/charts/dynamics.js';
import { trainingCurveOption } from '../../renderer/src/charts/trainingCurves.js';
import { decodeBinaryFrame, encodeBinaryFrame } from '../../shared/binaryFrame.js';
import type { CartographyMapMeta } from '../../shared/analytics.js';

/** (max − min) / interval is whole, the step is 1, 2, 2.5 or 5 × 10^k, and the ends hold the data. */
function expectNice(axis: { min: number; max: number; interval: number }, lo: number, hi: number) {
  const steps = (axis.max - axis.min) / axis.interval;
  expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-9);
  expect(steps).toBeGreaterThanOrEqual(1);
  expect(steps).toBeLessThanOrEqual(10);
  const mantissa = axis.interval / 10 ** Math.floor(Math.log10(axis.interval) + 1e-12);
  expect([1, 2, 2.5, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
  expect(axis.min).toBeLessThanOrEqual(lo);
  expect(axis.max).toBeGreaterThanOrEqual(hi);
  // fitted: the data fills at least half of the axis (no 75%-empty plot)
  if (hi > lo) expect((hi - lo) / (axis.max - axis.min)).toBeGreaterThan(0.45);
}

describe('fitAxis', () => {
  it('rounds both ends to a nice step around the data', () => {
    expect(fitAxis({ min: 0.8034, max: 0.912 })).toEqual({ min: 0.8, max: 0.925, interval: 0.025 });
    expect(fitAxis({ min: 3, max: 97 })).toEqual({ min: 0, max: 100, interval: 20 });
    expect(fitAxis({ min: 0.1, max: 0.6 })).toEqual({ min: 0.1, max: 0.6, interval: 0.1 });
    expectNice(fitAxis({ min: 0.8034, max: 0.912 }), 0.8034, 0.912);
  });

  it('handles tiny extents without round-off in the ends', () => {
    const axis = fitAxis({ min: 1.2e-7, max: 3.1e-7 });
    expect(axis).toEqual({ min: 1e-7, max: 3.5e-7, interval: 5e-8 });
    expectNice(axis, 1.2e-7, 3.1e-7);
    expect(fitAxis({ min: 0.1, max: 0.3 })).toEqual({ min: 0.1, max: 0.3, interval: 0.05 });
  });

  it('handles negative extents, and keeps 0 on the axis when asked', () => {
    expect(fitAxis({ min: -3.2, max: -0.4 })).toEqual({ min: -4, max: 0, interval: 1 });
    expect(fitAxis({ min: -0.79, max: -0.3 })).toEqual({ min: -0.8, max: -0.3, interval: 0.1 });
    expect(fitAxis({ min: -0.79, max: -0.3 }, { includeZero: true })).toEqual({ min: -0.8, max: 0, interval: 0.2 });
    expect(fitAxis({ min: 2, max: 3 }, { includeZero: true })).toEqual({ min: 0, max: 3, interval: 1 });
    expectNice(fitAxis({ min: -12.3, max: 4.2 }), -12.3, 4.2);
  });

  it('gives a constant or a single point a window around it', () => {
    expect(fitAxis({ min: 0.8, max: 0.8 })).toEqual({ min: 0.7, max: 0.9, interval: 0.05 });
    expect(fitAxis({ min: -5, max: -5 })).toEqual({ min: -5.6, max: -4.4, interval: 0.2 });
    expect(fitAxis({ min: 0, max: 0 })).toEqual({ min: 0, max: 1, interval: 0.2 });
    expect(fitAxis({ min: 7, max: 7 }, { integer: true })).toEqual({ min: 6, max: 8, interval: 1 });
    expect(fitValues([0.42])).toEqual(fitAxis({ min: 0.42, max: 0.42 }));
    // a constant accuracy of 1 stays inside [0, 1]
    expect(fitAxis({ min: 1, max: 1 }, { clamp: [0, 1] })).toEqual({ min: 0.9, max: 1, interval: 0.05 });
  });

  it('handles huge extents', () => {
    const axis = fitAxis({ min: 12_000, max: 1_480_000 });
    expect(axis).toEqual({ min: 0, max: 1_500_000, interval: 500_000 });
    const far = fitAxis({ min: 1e15, max: 1e15 + 4e12 });
    expectNice(far, 1e15, 1e15 + 4e12);
  });

  it('clamps probabilities to [0, 1] without forcing the whole range', () => {
    expect(fitAxis({ min: 0.9812, max: 0.9991 }, { clamp: [0, 1] })).toEqual({ min: 0.98, max: 1, interval: 0.005 });
    expect(fitAxis({ min: 0.03, max: 0.97 }, { clamp: [0, 1] })).toEqual({ min: 0, max: 1, interval: 0.2 });
    // cosines: at most [−1, 1]
    expect(fitAxis({ min: -0.99, max: 0.999 }, { clamp: [-1, 1], ticks: 4 })).toEqual({ min: -1, max: 1, interval: 0.5 });
  });

  it('uses whole steps for counts and epochs', () => {
    expect(fitAxis({ min: 0, max: 3 }, { integer: true })).toEqual({ min: 0, max: 3, interval: 1 });
    expect(fitAxis({ min: 0, max: 37 }, { integer: true })).toEqual({ min: 0, max: 40, interval: 10 });
    expect(niceStep(0.3, true)).toBe(1);
    expect(niceStep(2.2, true)).toBe(5);
    expect(niceStep(22, true)).toBe(25);
  });

  it('skips missing and non-finite values, and falls back without data', () => {
    expect(extentOf([null, 2, Number.NaN, undefined, -1, Infinity])).toEqual({ min: -1, max: 2 });
    expect(extentOf(Float32Array.from([0.5, 0.25]))).toEqual({ min: 0.25, max: 0.5 });
    expect(extentOf([])).toBeNull();
    expect(fitValues([])).toEqual({ min: 0, max: 1, interval: 0.2 });
    expect(fitValues([], { clamp: [-1, 1], ticks: 4 })).toEqual({ min: -1, max: 1, interval: 0.5 });
  });

  it('labels ticks with the decimals their step needs', () => {
    expect(tickDecimals(0.25)).toBe(2);
    expect(tickDecimals(5)).toBe(0);
    expect(tickDecimals(2e-7)).toBe(7);
    expect(tickDecimals(2.5e-8)).toBe(9);
    expect(percentTick(0.05)(0.85)).toBe('85%');
    expect(percentTick(0.005)(0.985)).toBe('98.5%');
  });

  it('puts every epoch on a tick while there are few, and never "1" beside "5"', () => {
    expect(epochAxis(2)).toEqual({ min: 1, max: 2, interval: 1 });
    expect(epochAxis(8)).toEqual({ min: 1, max: 8, interval: 1 });
    expect(epochAxis(1)).toEqual({ min: 1, max: 2, interval: 1 });
    const long = epochAxis(37);
    expect(long).toEqual({ min: 0, max: 40, interval: 10 });
  });
});

describe('chart builders fit their value axes to their data', () => {
  const metric = (epoch: number, accuracy: number, loss: number) => ({ epoch, split: 'test', accuracy, loss, seconds: null });

  it('training curves: accuracy 81–86% gets an axis around it, loss too', () => {
    const runs = [{ id: 1, name: 'teacher', role: 'teacher' as const, epochs: 3, spec: {} }];
    const metrics = { 1: [metric(1, 0.81, 0.62), metric(2, 0.84, 0.48), metric(3, 0.86, 0.41)] };
    const acc = trainingCurveOption(runs, metrics, 'accuracy').yAxis as { min: number; max: number; interval: number };
    expect(acc).toMatchObject({ min: 0.81, max: 0.86, interval: 0.01 });
    const loss = trainingCurveOption(runs, metrics, 'loss').yAxis as { min: number; max: number; interval: number };
    expectNice(loss, 0.41, 0.62);
    expect(loss.min).toBeGreaterThan(0.3); // not pinned to 0
  });

  it('flips: counts from 0 on whole steps; accuracy fitted on its own axis', () => {
    const events = {
      experimentId: 1,
      split: 'test',
      runs: [{ runId: 1, name: 's', role: 'student' as const, n: 100, epochs: [{ epoch: 2, changed: 130, rightToWrong: 12, wrongToRight: 30 }, { epoch: 3, changed: 41, rightToWrong: 5, wrongToRight: 9 }], switches: [] }],
    };
    const option = flipTimelineOption(events, 'changed', { 1: [metric(1, 0.71, 1), metric(2, 0.74, 1), metric(3, 0.78, 1)] });
    const [counts, accuracy] = option.yAxis as { min: number; max: number; interval: number }[];
    expect(counts).toMatchObject({ min: 0, max: 150, interval: 50 });
    expectNice(accuracy!, 0.71, 0.78);
    expect(accuracy!.max).toBeLessThanOrEqual(1);
  });

  it('cartography: a filtered map fills the plot instead of a corner of 0 … 1', () => {
    const meta: CartographyMapMeta = {
      studentRunId: 2, teacherRunId: 1, studentEpoch: 3, teacherEpoch: 3, split: 'test', axes: 'kl', xMeasure: 'klMean', yMeasure: 'klStd',
      n: 3, missing: 0, klThreshold: 0.1, klStdThreshold: 0.05, counts: { 'never-matches': 0, forgets: 0, overtakes: 0, tracks: 0, other: 3 },
    };
    const frame = decodeBinaryFrame<CartographyMapMeta>(encodeBinaryFrame(meta, { id: Int32Array.from([1, 2, 3]), x: Float32Array.from([0.21, 0.3, 0.34]), y: Float32Array.from([0.06, 0.09, 0.11]), regions: Uint8Array.from([0, 0, 0]) }));
    const points = cartographyMapPoints(frame);
    const names = { 'never-matches': 'never matches', forgets: 'forgets', overtakes: 'overtakes', tracks: 'tracks', other: 'other' } as Record<MapGroup, string>;
    const option = cartographyMapOption(points, mapSeries(points), names);
    const x = option.xAxis as { min: number; max: number; interval: number };
    const y = option.yAxis as { min: number; max: number; interval: number };
    // from 0 (KL cannot go below) to a round number just above the points
    expect(x).toMatchObject({ min: 0, max: 0.4, interval: 0.1 });
    expectNice(x, 0, 0.34);
    expectNice(y, 0, 0.11);
    expect(y.max).toBeLessThanOrEqual(0.15);
  });
});
