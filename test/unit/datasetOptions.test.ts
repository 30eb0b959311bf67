// Import options on a parsed dataset: class filter, per-split subset, symmetric label noise,
// and the seeded generator they all draw from.
import { describe, expect, it } from 'vitest';
import { addLabelNoise, applyDatasetOptions, keepClasses, subsetPerSplit } from '../../main/data/datasetOptions.js';
import type { ParsedDataset } from '../../main/data/parsedDataset.js';
import { ImportError } from '../../shared/errors.js';
import { createRandom } from '../../shared/seededRandom.js';

/** `perSplit` examples in each of train and test, labels cycling over `classes` names. */
function dataset(perSplit: number, classes = ['a', 'b', 'c', 'd']): ParsedDataset {
  const examples = ['train', 'test'].flatMap((split) =>
    Array.from({ length: perSplit }, (_, i) => ({ split, label: i % classes.length, text: `${split}-${i}`, sourceRef: `${split}.csv:${i + 2}` })),
  );
  return { kind: 'text', format: 'csv', source: '/data/set.csv', classNames: classes, shape: null, examples };
}

describe('createRandom', () => {
  it('repeats for a seed, differs across seeds, stays in range', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const seqA = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 100 }, () => createRandom(43).next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const r = createRandom(1);
    const ints = Array.from({ length: 1000 }, () => r.int(5));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('shuffles in place to a permutation', () => {
    const array = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = createRandom(9).shuffle(array);
    expect(shuffled).toBe(array);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffled).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('gives large seeds their own stream', () => {
    expect(createRandom(2 ** 32 + 5).next()).not.toBe(createRandom(5).next());
  });
});

describe('keepClasses', () => {
  it('keeps the named classes in the given order and renumbers them', () => {
    const ds = keepClasses(dataset(8), ['c', 'a']);
    expect(ds.classNames).toEqual(['c', 'a']);
    expect(ds.examples.filter((e) => e.split === 'train').map((e) => [e.text, e.label])).toEqual([
      ['train-0', 1],
      ['train-2', 0],
      ['train-4', 1],
      ['train-6', 0],
    ]);
  });

  it('rejects an unknown class, naming it and listing the known ones', () => {
    let err: unknown;
    try {
      keepClasses(dataset(4), ['a', 'zebra']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toContain('set.csv');
    expect((err as Error).message).toContain('unknown class "zebra"');
    expect((err as Error).message).toContain('a, b, c, d');
  });
});

describe('subsetPerSplit', () => {
  it('keeps at most N per split, in the original order, the same for the same seed', () => {
    const ds = subsetPerSplit(dataset(100), 10, 5);
    for (const split of ['train', 'test']) {
      const kept = ds.examples.filter((e) => e.split === split).map((e) => Number(e.text?.split('-')[1]));
      expect(kept).toHaveLength(10);
      expect(kept).toEqual([...kept].sort((x, y) => x - y));
    }
    expect(subsetPerSplit(dataset(100), 10, 5).examples).toEqual(ds.examples);
    expect(subsetPerSplit(dataset(100), 10, 6).examples).not.toEqual(ds.examples);
    expect(subsetPerSplit(dataset(7), 10, 5).examples).toHaveLength(14);
  });
});

describe('addLabelNoise', () => {
  it('flips about `rate` of train labels to a different class, leaves test alone, and repeats per seed', () => {
    const clean = dataset(1000);
    const noisy = addLabelNoise(clean, 0.2, 11);
    const train = noisy.examples.filter((e) => e.split === 'train');
    const flipped = train.filter((e) => e.noisyLabel !== undefined);
    expect(flipped.length).toBeGreaterThanOrEqual(150);
    expect(flipped.length).toBeLessThanOrEqual(250);
    for (const e of flipped) {
      expect(e.noisyLabel).not.toBe(e.label);
      expect(e.noisyLabel).toBeGreaterThanOrEqual(0);
      expect(e.noisyLabel).toBeLessThan(4);
    }
    // the clean labels are kept
    expect(noisy.examples.map((e) => e.label)).toEqual(clean.examples.map((e) => e.label));
    // every other class is reachable
    expect(new Set(flipped.map((e) => e.noisyLabel))).toEqual(new Set([0, 1, 2, 3]));
    expect(noisy.examples.filter((e) => e.split === 'test').every((e) => e.noisyLabel === undefined)).toBe(true);
    expect(addLabelNoise(clean, 0.2, 11).examples).toEqual(noisy.examples);
    expect(addLabelNoise(clean, 0.2, 12).examples).not.toEqual(noisy.examples);
  });
});

describe('applyDatasetOptions', () => {
  it('filters classes, then subsets, then adds noise', () => {
    const ds = applyDatasetOptions(dataset(400), { classes: ['b', 'd'], subset: 50, noise: { rate: 0.5, seed: 1 }, seed: 2 });
    expect(ds.classNames).toEqual(['b', 'd']);
    expect(ds.examples.filter((e) => e.split === 'train')).toHaveLength(50);
    expect(ds.examples.filter((e) => e.split === 'test')).toHaveLength(50);
    // with two classes the only other class is the flip target
    for (const e of ds.examples) if (e.noisyLabel !== undefined) expect(e.noisyLabel).toBe(1 - e.label);
    expect(ds.examples.some((e) => e.noisyLabel !== undefined)).toBe(true);
  });

  it('leaves the dataset as it is without options', () => {
    const ds = dataset(10);
    expect(applyDatasetOptions(ds, {})).toBe(ds);
    expect(applyDatasetOptions(ds, { noise: { rate: 0, seed: 0 } })).toBe(ds);
  });
});
