import { describe, expect, it } from 'vitest';
import { decodeFilter, EMPTY_FILTER, encodeFilter, sameSelection, selectionKey } from '../../renderer/src/routeQuery.js';

describe('route query filter state', () => {
  it('decodes an empty query to the defaults', () => {
    expect(decodeFilter({})).toEqual(EMPTY_FILTER);
  });

  it('round-trips a full state', () => {
    const state = { split: 'train', label: 3, noisyOnly: true, example: 1234 };
    const query = encodeFilter(state);
    expect(query).toEqual({ split: 'train', label: '3', noisy: '1', example: '1234' });
    expect(decodeFilter(query)).toEqual(state);
  });

  it('leaves defaults out of the URL', () => {
    expect(encodeFilter(EMPTY_FILTER)).toEqual({});
    expect(encodeFilter({ ...EMPTY_FILTER, label: 0 })).toEqual({ label: '0' });
  });

  it('drops values that do not make sense', () => {
    expect(decodeFilter({ split: '../etc', label: '-1', noisy: 'yes', example: '0' })).toEqual(EMPTY_FILTER);
    expect(decodeFilter({ label: '1.5', example: 'abc' })).toEqual(EMPTY_FILTER);
    expect(decodeFilter({ label: '99999999999999999999' }).label).toBeNull();
  });

  it('takes the first of repeated parameters', () => {
    expect(decodeFilter({ split: [null, 'test', 'train'], noisy: ['true'] })).toEqual({ ...EMPTY_FILTER, split: 'test', noisyOnly: true });
  });

  it('compares and keys selections without the open example', () => {
    const a = { split: 'train', label: null, noisyOnly: false, example: 1 };
    const b = { ...a, example: 2 };
    expect(sameSelection(a, b)).toBe(true);
    expect(sameSelection(a, { ...a, noisyOnly: true })).toBe(false);
    expect(selectionKey(7, a)).toBe(selectionKey(7, b));
    expect(selectionKey(7, a)).not.toBe(selectionKey(8, a));
  });
});
