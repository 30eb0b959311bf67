import { describe, expect, it } from 'vitest';
import { formatCount, formatEta, percent } from '../../renderer/src/format.js';
import { className, exampleCount, noisyCount, perClassCounts } from '../../renderer/src/datasetStats.js';
import type { DatasetSummary } from '../../shared/domain.js';

describe('formatEta', () => {
  it('shows a dash when unknown', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(undefined)).toBe('—');
    expect(formatEta(Number.NaN)).toBe('—');
    expect(formatEta(-3)).toBe('—');
  });
  it('scales from seconds to hours', () => {
    expect(formatEta(0)).toBe('0 s');
    expect(formatEta(12.4)).toBe('12 s');
    expect(formatEta(59.6)).toBe('1 min 00 s');
    expect(formatEta(185)).toBe('3 min 05 s');
    expect(formatEta(3720)).toBe('1 h 02 min');
  });
});

describe('formatCount and percent', () => {
  it('groups thousands', () => {
    expect(formatCount(70000)).toBe('70,000');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(-1234567)).toBe('-1,234,567');
  });
  it('clamps percentages', () => {
    expect(percent(5, 10)).toBe(50);
    expect(percent(5, 0)).toBe(0);
    expect(percent(20, 10)).toBe(100);
  });
});

describe('dataset stats', () => {
  const d: DatasetSummary = {
    id: 1,
    name: 'fm',
    kind: 'image',
    format: 'idx',
    source: '/data/fm',
    classNames: ['a', 'b', 'c'],
    classGroups: [],
    shape: { height: 28, width: 28, channels: 1 },
    splits: [
      { split: 'train', count: 6, perClass: [1, 2, 3], noisy: 2 },
      { split: 'test', count: 3, perClass: [1, 1, 1], noisy: 0 },
    ],
    createdAt: '2024-01-01T00:00:00Z',
  };
  it('counts over all splits or one', () => {
    expect(exampleCount(d)).toBe(9);
    expect(exampleCount(d, 'test')).toBe(3);
    expect(noisyCount(d)).toBe(2);
    expect(perClassCounts(d)).toEqual([2, 3, 4]);
    expect(perClassCounts(d, 'train')).toEqual([1, 2, 3]);
    expect(perClassCounts(d, 'nope')).toEqual([0, 0, 0]);
  });
  it('names classes', () => {
    expect(className(d, 1)).toBe('b');
    expect(className(d, 7)).toBe('class 7');
    expect(className(d, null)).toBe('');
  });
});
