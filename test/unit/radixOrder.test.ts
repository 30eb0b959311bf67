import { describe, expect, it } from 'vitest';
import { radixOrder } from '../../main/analytics/radixOrder.js';

/** The order a plain comparator sort gives: ascending, NaN last, ties by row. */
function comparatorOrder(keys: Float64Array): number[] {
  const rank = (v: number) => (Number.isNaN(v) ? 1 : 0);
  return Array.from(keys.keys()).sort((x, y) => rank(keys[x]!) - rank(keys[y]!) || (rank(keys[x]!) ? 0 : keys[x]! - keys[y]!) || x - y);
}

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('radixOrder', () => {
  it('sorts like a comparator sort: negatives, ±0, ±∞, NaN, subnormals, huge and tiny values, ties by row', () => {
    const specials = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1, 1 + 2 ** -52, 1 - 2 ** -53];
    const random = seeded(7);
    const keys = new Float64Array(5000);
    for (let i = 0; i < keys.length; i++) {
      const r = random();
      keys[i] = r < 0.2 ? specials[Math.floor(random() * specials.length)]! : r < 0.5 ? Math.round((random() - 0.5) * 20) : (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    }
    expect(Array.from(radixOrder(keys))).toEqual(comparatorOrder(keys));
  });

  it('sorts short columns (the comparison path) the same way', () => {
    const random = seeded(11);
    const keys = Float64Array.from({ length: 300 }, () => (random() < 0.1 ? NaN : random() < 0.2 ? -0 : Math.round((random() - 0.5) * 10)));
    expect(Array.from(radixOrder(keys))).toEqual(comparatorOrder(keys));
  });

  it('keeps row order where every key is equal, and handles empty and single columns', () => {
    expect(Array.from(radixOrder(new Float64Array([3, 3, 3, 3])))).toEqual([0, 1, 2, 3]);
    expect(Array.from(radixOrder(new Float64Array([NaN, NaN])))).toEqual([0, 1]);
    expect(Array.from(radixOrder(new Float64Array(0)))).toEqual([]);
    expect(Array.from(radixOrder(new Float64Array([-2])))).toEqual([0]);
  });
});
