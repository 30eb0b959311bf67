// The explorer says which splits its numbers cover and which labels its colours count
// (renderer/src/explorer/splitScope.ts, scatterPoints.ts): with no split chosen the scatter's β
// pools train and test and says so, Δ by teacher confidence names the one split it shows when
// the filter takes them all, and P1's legend names the training labels, noisy where label noise
// flipped them.
import { describe, expect, it } from 'vitest';
import { betaScope, deltaChartSplit, deltaSplitNote, splitList } from '../../renderer/src/explorer/splitScope.js';
import { colourCaption, scatterLayout, scatterLegend, type ScatterPoints } from '../../renderer/src/explorer/scatterPoints.js';

const SPLITS = ['train', 'test'];

describe('the scatter’s β names the splits it is fitted over', () => {
  it('with no split chosen, β is said to pool train (in-sample) and test (held out)', () => {
    const scope = betaScope(null, SPLITS);
    expect(scope.text).toBe('train and test pooled');
    expect(scope.pooled).toBe(true);
    expect(scope.title).toContain('train is in-sample');
    expect(scope.title).toContain('test is held out');
    expect(scope.title).toContain('Compare and the report give β for each split');
  });

  it('with a split chosen, β is that split’s and pools nothing', () => {
    expect(betaScope('test', SPLITS)).toMatchObject({ text: 'test', pooled: false });
    expect(betaScope('test', SPLITS).title).toContain('test is held out');
    expect(betaScope('train', SPLITS).title).toContain('train is in-sample');
  });

  it('a dataset of one split has nothing to pool', () => {
    expect(betaScope(null, ['train'])).toMatchObject({ text: '', pooled: false });
  });

  it('lists three or more splits as a sentence does', () => {
    expect(splitList(['train', 'test', 'shifted'])).toBe('train, test and shifted');
    expect(splitList(['train'])).toBe('train');
    expect(splitList([])).toBe('');
  });

  it('repeats the pooling on the fitted line’s legend entry, and only there', () => {
    const points: ScatterPoints = {
      meta: { n: 2, beta: 0.688, intercept: 0.1, classNames: ['a', 'b'], classGroups: [] } as unknown as ScatterPoints['meta'],
      id: Int32Array.from([1, 2]),
      a: Float32Array.from([0, 1]),
      b: Float32Array.from([0, 1]),
      label: Uint8Array.from([0, 1]),
      teacherTop: Uint8Array.from([0, 1]),
      studentTop: Uint8Array.from([0, 1]),
    };
    const layout = scatterLayout(points, 'class');
    const pooled = scatterLegend(layout, points.meta, betaScope(null, SPLITS).text);
    expect(pooled.at(-1)).toMatchObject({ name: 'fitted line, β = 0.688', note: 'train and test pooled' });
    expect(pooled.slice(0, 2).map((i) => i.note)).toEqual(['1', '1']);
    expect(scatterLegend(layout, points.meta).at(-1)!.note).toBeUndefined();
  });
});

describe('Δ by teacher confidence names its split', () => {
  it('shows the chosen split, else train, else the first split', () => {
    expect(deltaChartSplit('test', SPLITS)).toBe('test');
    expect(deltaChartSplit(null, SPLITS)).toBe('train');
    expect(deltaChartSplit(null, ['test', 'shifted'])).toBe('test');
  });

  it('says, when the filter takes every split, that it shows one while the scatter pools them', () => {
    const note = deltaSplitNote(null, 'train', SPLITS)!;
    expect(note.text).toBe('train only; the scatter pools train and test');
    expect(note.title).toContain('one split at a time');
    expect(note.title).toContain('train is in-sample');
  });

  it('says nothing when the chart and the scatter show the same split', () => {
    expect(deltaSplitNote('train', 'train', SPLITS)).toBeNull();
    expect(deltaSplitNote('test', 'test', SPLITS)).toBeNull();
    expect(deltaSplitNote(null, 'train', ['train'])).toBeNull();
  });
});

describe('P1’s legend names the labels its colours count', () => {
  it('with flipped labels among the splits shown: the training labels as given, noisy', () => {
    const caption = colourCaption('class', 263);
    expect(caption.text).toBe('training label, as given (some flipped by label noise):');
    expect(caption.title).toContain('label noise flipped 263');
    expect(caption.title).toContain('not of the true classes');
  });

  it('without: the training label, which is the true class', () => {
    const caption = colourCaption('class', 0);
    expect(caption.text).toBe('training label:');
    expect(caption.text).not.toContain('noise');
    expect(caption.title).toContain('true class');
  });

  it('correctness and groups are against the training label too', () => {
    expect(colourCaption('correctness', 5).text).toMatch(/^right or wrong against the training label, as given/);
    expect(colourCaption('group', 0).text).toBe('group of the training label:');
  });
});
