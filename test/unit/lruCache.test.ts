import { describe, expect, it } from 'vitest';
import { LruCache } from '../../shared/lruCache.js';

const bytesOf = (value: Uint8Array) => value.byteLength;

describe('LruCache', () => {
  it('evicts the least recently used entry first, where get refreshes and peek does not', () => {
    const cache = new LruCache<string, number>({ maxEntries: 3 });
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.get('a')).toBe(1);
    expect(cache.peek('b')).toBe(2);
    cache.set('d', 4);
    expect([...cache.keys()]).toEqual(['c', 'a', 'd']);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('b')).toBeUndefined();
    cache.set('c', 30);
    cache.set('e', 5);
    expect([...cache.keys()]).toEqual(['d', 'c', 'e']);
    expect([...cache.values()]).toEqual([4, 30, 5]);
  });

  it('keeps the bytes within the budget, oldest out first, and always the entry just set', () => {
    const cache = new LruCache<string, Uint8Array>({ maxBytes: 10, sizeOf: bytesOf });
    cache.set('a', new Uint8Array(4)).set('b', new Uint8Array(4));
    expect(cache.bytes).toBe(8);
    cache.set('c', new Uint8Array(4));
    expect([...cache.keys()]).toEqual(['b', 'c']);
    expect(cache.bytes).toBe(8);
    cache.set('big', new Uint8Array(25));
    expect([...cache.keys()]).toEqual(['big']);
    expect(cache.bytes).toBe(25);
    // Replacing a key counts its new size only.
    cache.set('big', new Uint8Array(3));
    expect(cache.bytes).toBe(3);
  });

  it('measures entries again on remeasure, evicting what outgrew the budget but never the most recent', () => {
    const grows = new Map<string, number>([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    const cache = new LruCache<string, string>({ maxBytes: 6, maxEntries: 8, sizeOf: (v) => grows.get(v)! });
    for (const k of ['a', 'b', 'c']) cache.set(k, k);
    expect(cache.bytes).toBe(3);
    grows.set('a', 3).set('b', 3).set('c', 3);
    expect(cache.bytes).toBe(3);
    cache.get('a');
    cache.remeasure();
    expect([...cache.keys()]).toEqual(['c', 'a']);
    expect(cache.bytes).toBe(6);
    grows.set('a', 100);
    cache.remeasure();
    expect([...cache.keys()]).toEqual(['a']);
    expect(cache.bytes).toBe(100);
  });

  it('deletes, deletes by a test and clears, keeping its byte count', () => {
    const cache = new LruCache<number, Uint8Array>({ sizeOf: bytesOf });
    for (let k = 1; k <= 5; k++) cache.set(k, new Uint8Array(k));
    expect(cache.delete(2)).toBe(true);
    expect(cache.delete(2)).toBe(false);
    expect(cache.bytes).toBe(13);
    expect(cache.deleteWhere((v, k) => k % 2 === 1 && v.byteLength > 1)).toBe(2);
    expect([...cache.keys()]).toEqual([1, 4]);
    expect(cache.bytes).toBe(5);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('refuses bounds that would keep nothing', () => {
    expect(() => new LruCache({ maxEntries: 0 })).toThrow(/at least one entry/);
    expect(() => new LruCache({ maxBytes: -1 })).toThrow(/cannot be negative/);
  });
});
