// A filter's exampleIdSet is refused by field when its bits are not base64 that `atob` decodes
// (wrong length, misplaced padding) or reach past the largest id: it used to pass the schema and
// throw "The string to be decoded is not correctly encoded." from deep inside a query (HTTP 500).
import { describe, expect, it } from 'vitest';
import { ExampleFilter } from '../../shared/analytics.js';
import { encodeExampleIdSet, exampleIdSetTest } from '../../shared/exampleIdSet.js';
import { describeZodError } from '../../shared/zodIssues.js';

function refusal(exampleIdSet: unknown): string {
  const parsed = ExampleFilter.safeParse({ exampleIdSet });
  return parsed.success ? 'accepted' : describeZodError(parsed.error);
}

function atobAccepts(bits: string): boolean {
  try {
    atob(bits);
    return true;
  } catch {
    return false;
  }
}

describe('exampleIdSet in a filter', () => {
  it('refuses bits atob cannot decode, naming exampleIdSet.bits', () => {
    expect(refusal({ first: 1, bits: 'AAAAA' })).toBe('exampleIdSet.bits: not base64: 5 characters of data (4k + 1) do not decode to whole bytes');
    expect(refusal({ first: 1, bits: 'AAAAA===' })).toMatch(/^exampleIdSet\.bits: not base64/);
    expect(refusal({ first: 1, bits: 'AAAAAA=' })).toBe('exampleIdSet.bits: not base64: = padding must make the length a multiple of 4, got 7 characters');
    expect(refusal({ first: 1, bits: 'AA=A' })).toMatch(/^exampleIdSet\.bits: not base64: only A–Z/);
    expect(refusal({ first: 1, bits: 'AA AA' })).toMatch(/^exampleIdSet\.bits: not base64: only A–Z/);
  });

  it('accepts exactly what atob decodes (padded or not)', () => {
    const cases = ['AAAA', 'AAAAAA', 'AAAAAA==', 'AAAAAAA', 'AAAAAAA=', 'AAAAA', 'AAAAAAAAA', 'AAAAA=', 'AAAAAA='];
    for (const bits of cases) expect(refusal({ first: 1, bits }) === 'accepted', bits).toBe(atobAccepts(bits));
  });

  it('refuses bits whose last id would pass the largest exact integer', () => {
    expect(refusal({ first: Number.MAX_SAFE_INTEGER - 8, bits: 'AAAA' })).toBe(`exampleIdSet.bits: 3 bytes of bits from first id ${Number.MAX_SAFE_INTEGER - 8} reach past the largest id, ${Number.MAX_SAFE_INTEGER}`);
    expect(refusal({ first: Number.MAX_SAFE_INTEGER - 23, bits: 'AAAA' })).toBe('accepted');
  });

  it('keeps a set the encoder made, and its membership', () => {
    const set = encodeExampleIdSet([5, 9, 30]);
    const parsed = ExampleFilter.parse({ exampleIdSet: set });
    const has = exampleIdSetTest(parsed.exampleIdSet!);
    expect([4, 5, 9, 30, 31].map(has)).toEqual([false, true, true, true, false]);
  });
});
