// The explorer's review helpers without a browser (issue 17): fitted axis bounds, the range row's
// drag arithmetic and the histogram it draws, the presets' one definition (filter and words), the
// number keys' set order, which key presses are typing, P1 points back to their examples, P2 bins
// as a half-open range, unbounded range rows in the URL, and one numbering of examples.
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MEASURES, type DeviationReport, type ScatterMeta } from '../../shared/analytics.js';
import { measureHistogram } from '../../main/analytics/measureHistogram.js';
import { finiteExtent, niceAxis, niceStep } from '../../renderer/src/explorer/axisBounds.js';
import { binPoints, binRange, nextBelow } from '../../renderer/src/explorer/deviationCharts.js';
import { decodeExplorerState, emptyExplorerState, encodeExplorerState, filterOf, hasFilters } from '../../renderer/src/explorer/explorerState.js';
import { activePreset, describePreset, FILTER_PRESETS, presetPatch, presetTooltip } from '../../renderer/src/explorer/filterPresets.js';
import { MEASURE_HELP } from '../../renderer/src/explorer/measureLabels.js';
import { boundsOfBin, boundsOfDrag, formatBound, roundBound } from '../../renderer/src/explorer/rangeBounds.js';
import { isTypingTarget, setKeysOf } from '../../renderer/src/explorer/reviewKeys.js';
import { idAtPoint, scatterLayout, scatterLegend, type ScatterPoints } from '../../renderer/src/explorer/scatterPoints.js';
import { formatExampleNumber } from '../../renderer/src/format.js';

describe('fitted axis bounds', () => {
  it('round both ends to the tick step, so the end labels are ticks', () => {
    expect(niceStep(0.13)).toBe(0.1);
    expect(niceStep(0.19)).toBe(0.2);
    expect(niceStep(2.4)).toBe(2.5);
    expect(niceStep(8)).toBe(10);
    expect(niceAxis(0.03, 0.58)).toEqual({ min: 0, max: 0.6, interval: 0.1 });
    const a = niceAxis(-3.71, 12.2);
    expect(a.min).toBeLessThanOrEqual(-3.71);
    expect(a.max).toBeGreaterThanOrEqual(12.2);
    expect((a.max - a.min) / a.interval).toBeLessThanOrEqual(7);
    for (const v of [a.min, a.max]) expect(Math.abs(v / a.interval - Math.round(v / a.interval))).toBeLessThan(1e-9);
  });
  it('fit a narrow filtered range instead of keeping a wide one', () => {
    const a = niceAxis(1.02, 1.31);
    expect(a.min).toBeGreaterThanOrEqual(1);
    expect(a.max).toBeLessThanOrEqual(1.35);
    expect((1.31 - 1.02) / (a.max - a.min)).toBeGreaterThan(0.75);
  });
  it('give a single value room and no data a unit axis', () => {
    const one = niceAxis(2, 2);
    expect(one.min).toBeLessThan(2);
    expect(one.max).toBeGreaterThan(2);
    expect(niceAxis(Infinity, -Infinity)).toEqual({ min: 0, max: 1, interval: 0.2 });
    expect(finiteExtent([1, NaN, -2], [Infinity, 5])).toEqual([-2, 5]);
  });
});

describe('the range row', () => {
  it('histograms the defined values between their min and max, NaN counted apart', () => {
    const values = Float64Array.from([0, 1, 2, 3, 4, NaN, 10, 2.5]);
    const h = measureHistogram('kl', values, Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 5);
    expect(h).toMatchObject({ n: 6, missing: 1, min: 0, max: 10 });
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([2, 2, 1, 0, 1]); // 0,1 | 2,3 | 4 | — | 10 (the maximum in the last bin)
    expect(measureHistogram('kl', values, Int32Array.from([5]), 30)).toMatchObject({ n: 0, missing: 1, min: null, edges: [], counts: [] });
    expect(measureHistogram('kl', values, Int32Array.from([2, 2]), 30)).toMatchObject({ edges: [2, 2], counts: [2] });
  });

  it('turns a drag into bounds rounded outward, an end reached leaving its side open', () => {
    // 200 px over [0, 1]: a drag from 60 to 140 px is 0.3 … 0.7
    expect(boundsOfDrag(60, 140, 200, 0, 1)).toEqual({ min: 0.3, max: 0.7 });
    expect(boundsOfDrag(140, 60, 200, 0, 1)).toEqual({ min: 0.3, max: 0.7 });
    expect(boundsOfDrag(-5, 100, 200, 0, 1)).toEqual({ min: undefined, max: 0.5 });
    expect(boundsOfDrag(100, 260, 200, 0, 1)).toEqual({ min: 0.5, max: undefined });
    // rounded outward to a thousandth of the span: the example at the edge stays in
    expect(roundBound(0.12345, 0.001, 'min')).toBe(0.123);
    expect(roundBound(0.12345, 0.001, 'max')).toBe(0.124);
    const b = boundsOfDrag(33.3, 66.7, 100, -2, 4);
    expect(b.min!).toBeLessThanOrEqual(-2 + 0.333 * 6 + 1e-9);
    expect(b.max!).toBeGreaterThanOrEqual(-2 + 0.667 * 6 - 1e-9);
    expect(b.max! - (-2 + 0.667 * 6)).toBeLessThan(0.006);
  });

  it('sets a bar’s own bin on a click', () => {
    const edges = [0, 0.25, 0.5, 0.75, 1];
    expect(boundsOfBin(edges, 1)).toEqual({ min: 0.25, max: 0.5 });
    expect(boundsOfBin(edges, 0)).toEqual({ min: undefined, max: 0.25 });
    expect(boundsOfBin(edges, 3)).toEqual({ min: 0.75, max: undefined });
    expect(formatBound(100, 0, 500)).toBe('100');
    expect(formatBound(0.25, 0, 1)).toBe('0.25');
    expect(formatBound(-0.00001, 0, 1)).toBe('0');
  });

  it('keeps a row with no bound in the URL, filtering nothing until a bound is set', () => {
    const state = { ...emptyExplorerState(), ranges: [{ measure: 'kl' as const }] };
    const back = decodeExplorerState(encodeExplorerState(state));
    expect(back.ranges).toEqual([{ measure: 'kl' }]);
    expect(filterOf(back, 3).ranges).toBeUndefined();
    expect(hasFilters(back)).toBe(true); // "Clear all" removes the row too
    expect(decodeExplorerState({ range: ['kl:2:1'] }).ranges).toEqual([]);
  });

  it('explains every measure in a line', () => {
    for (const m of EXAMPLE_MEASURES) expect(MEASURE_HELP[m].length).toBeGreaterThan(20);
  });
});

describe('filter presets', () => {
  const pair = { studentRunId: 7, teacherRunId: 3 };
  const names = { runName: (id: number) => (id === 3 ? 'teacher' : 'KD'), className: String, setName: String };

  it('set only their own clauses, clearing every other filter and the brush but keeping the split', () => {
    const busy = { ...emptyExplorerState(), split: 'test', labels: [1], noisy: true, brush: { kind: 'rect' as const, x: [0, 1] as [number, number], y: [0, 1] as [number, number] } };
    const misfits = FILTER_PRESETS.find((p) => p.id === 'misfits')!;
    const next = { ...busy, ...presetPatch(misfits, pair) };
    expect(filterOf(next, 7)).toEqual({ split: 'test', correctness: [{ runId: 7, correct: false }] });
    expect(next.brush).toBeNull();
    expect(activePreset(next, pair)).toBe('misfits');
    expect(activePreset({ ...next, labels: [2] }, pair)).toBeNull();
  });

  it('describe exactly the filter they set, from the same definition', () => {
    const words = Object.fromEntries(FILTER_PRESETS.map((p) => [p.id, describePreset(p, pair, names)]));
    expect(words).toEqual({
      'teacher-unsure': 'teacher margin ≤ 0.2',
      'student-disagrees': 'teacher and KD disagree',
      misfits: 'KD wrong',
      'label-noise': 'teacher p(label) ≤ 0.1; student p(label) ≤ 0.1; teacher wrong, KD wrong',
    });
    for (const p of FILTER_PRESETS) {
      expect(presetTooltip(p, pair, names)).toContain(`Sets the filter: ${words[p.id]}`);
      // each is its own selection, and is recognised when applied
      expect(activePreset({ ...emptyExplorerState(), ...presetPatch(p, pair) }, pair)).toBe(p.id);
    }
    expect(new Set(FILTER_PRESETS.map((p) => JSON.stringify(filterOf({ ...emptyExplorerState(), ...presetPatch(p, pair) }, 7)))).size).toBe(4);
  });
});

describe('keyboard review', () => {
  it('gives key 1 to the most recently used set, then the newest of the rest, nine at most', () => {
    const sets = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, name: `s${i + 1}` }));
    const keys = setKeysOf(sets, [4, 9]);
    expect(keys.map((k) => [k.key, k.setId])).toEqual([[1, 4], [2, 9], [3, 12], [4, 11], [5, 10], [6, 8], [7, 7], [8, 6], [9, 5]]);
    expect(setKeysOf(sets.slice(0, 2), [99])).toEqual([{ key: 1, setId: 2, name: 's2' }, { key: 2, setId: 1, name: 's1' }]);
  });

  it('treats text fields, selects and editable text as typing, not buttons or checkboxes', () => {
    const el = (tagName: string, extra: Record<string, unknown> = {}) => ({ tagName, isContentEditable: false, ...extra }) as unknown as EventTarget;
    expect(isTypingTarget(el('INPUT', { type: 'text' }))).toBe(true);
    expect(isTypingTarget(el('INPUT', { type: 'range' }))).toBe(true);
    expect(isTypingTarget(el('TEXTAREA'))).toBe(true);
    expect(isTypingTarget(el('SELECT'))).toBe(true);
    expect(isTypingTarget(el('DIV', { isContentEditable: true }))).toBe(true);
    expect(isTypingTarget(el('INPUT', { type: 'checkbox' }))).toBe(false);
    expect(isTypingTarget(el('BUTTON'))).toBe(false);
    expect(isTypingTarget(el('DIV'))).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe('P1 and P2 click-through', () => {
  const meta = { n: 5, beta: 0.5, intercept: 0.1, classNames: ['a', 'b'], classGroups: [] } as unknown as ScatterMeta;
  const points: ScatterPoints = {
    meta,
    id: Int32Array.from([11, 12, 13, 14, 15]),
    a: Float32Array.from([0, 1, 2, 3, 4]),
    b: Float32Array.from([0, -1, -2, -3, -8]),
    label: Uint16Array.from([1, 0, 1, 0, 1]),
    teacherTop: Uint16Array.from([1, 0, 0, 0, 1]),
    studentTop: Uint16Array.from([1, 1, 1, 0, 0]),
  };

  it('knows which example each point of each colour series is', () => {
    const layout = scatterLayout(points, 'class');
    // class 0: ids 12, 14; class 1: ids 11, 13, 15
    expect(idAtPoint(layout, 0, 1)).toBe(14);
    expect(idAtPoint(layout, 1, 2)).toBe(15);
    expect(idAtPoint(layout, 2, 0)).toBeNull(); // the diagonal
    expect(idAtPoint(scatterLayout(points, 'correctness'), 1, 0)).toBe(12); // teacher right, student wrong
    // each axis fitted to its own data
    expect(layout.x.min).toBeLessThanOrEqual(0);
    expect(layout.x.max).toBeGreaterThanOrEqual(4);
    expect(layout.x.max).toBeLessThan(6);
    expect(layout.y.min).toBeLessThanOrEqual(-8);
    expect(layout.y.max).toBeGreaterThanOrEqual(0);
    expect(8 / (layout.y.max - layout.y.min)).toBeGreaterThan(0.6);
    expect(scatterLegend(layout, meta).map((i) => i.name)).toEqual(['a', 'b', 'diagonal', 'fitted line, β = 0.500']);
  });

  it('turns a P2 bin into a half-open teacher-φ range, the last bin closed', () => {
    expect(nextBelow(1)).toBeLessThan(1);
    expect(nextBelow(1)).toBeGreaterThan(1 - 1e-15);
    expect(nextBelow(-2)).toBeLessThan(-2);
    expect(nextBelow(0)).toBeLessThan(0);
    const bin = (lo: number, hi: number) => ({ centre: (lo + hi) / 2, delta: -0.1, count: 5, lo, hi });
    const report = {
      students: [{ studentRunId: 4, studentName: 'KD', splits: [{ split: 'train', bins: [bin(-1, 0), { centre: null, delta: null, count: 0, lo: null, hi: null }, bin(0, 2)] }] }],
    } as unknown as DeviationReport;
    const [points2] = binPoints(report, 'train');
    expect(points2!.map((p) => [p.lo, p.hi, p.last])).toEqual([[-1, 0, false], [0, 2, true]]);
    expect(binRange(points2![0]!)).toEqual({ min: -1, max: nextBelow(0) });
    expect(binRange(points2![1]!)).toEqual({ min: 0, max: 2 });
  });
});

it('numbers an example by its stored id', () => {
  expect(formatExampleNumber(25)).toBe('#25');
});
