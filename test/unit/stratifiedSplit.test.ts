// The train/test split of sources that carry none: per class, adding up to the share asked for.
import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from '../../main/data/stratifiedSplit.js';

const labelsOf = (classes: number, each: number) => Array.from({ length: classes * each }, (_, i) => i % classes);
const tests = (splits: string[]) => splits.filter((s) => s === 'test').length;

describe('stratifiedSplit', () => {
  it('gives the whole its share of test examples even where each class alone rounds to none', () => {
    // rounding 100 classes of 2 each at 0.2 gave no test split at all
    expect(tests(stratifiedSplit(labelsOf(100, 2), 0.2, 0))).toBe(40);
    // and 3 classes of 10 at 0.25 gave 9 (3 each), not 8
    expect(tests(stratifiedSplit(labelsOf(3, 10), 0.25, 0))).toBe(8);
    expect(tests(stratifiedSplit(labelsOf(10, 100), 0.2, 0))).toBe(200);
  });
  it('leaves every class a training example, a lone example in train, and draws the same for the same seed', () => {
    const labels = [...labelsOf(5, 2), 7];
    const splits = stratifiedSplit(labels, 0.9, 3);
    for (const label of new Set(labels)) expect(splits.some((s, i) => labels[i] === label && s === 'train'), `class ${label}`).toBe(true);
    expect(stratifiedSplit(labels, 0.9, 3)).toEqual(splits);
  });
});
