// The half-precision codec behind float16 storage (shared/float16.ts): every one of the 65,536
// halves decoded and encoded back, every rounding boundary between neighbours tried, and the
// textbook cases (IEEE 754 binary16) by their bits.
import { describe, expect, it } from 'vitest';
import { decodeHalves, encodeHalves, fromHalfBits, toHalfBits } from '../../shared/float16.js';

const isNaNBits = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

describe('float16', () => {
  it('decodes every half to its value and encodes that value back to the same bits', () => {
    for (let h = 0; h < 65536; h++) {
      const v = fromHalfBits(h);
      if (isNaNBits(h)) {
        expect(Number.isNaN(v)).toBe(true);
        expect(isNaNBits(toHalfBits(v))).toBe(true);
        continue;
      }
      const e = (h >>> 10) & 0x1f;
      const m = h & 0x3ff;
      const expected = (h & 0x8000 ? -1 : 1) * (e === 0x1f ? Infinity : e === 0 ? m / 1024 / 16384 : (1 + m / 1024) * 2 ** (e - 15));
      expect(v).toBe(expected);
      expect(toHalfBits(v)).toBe(h);
    }
  });

  it('rounds to the nearest half, ties to the even one, between every pair of neighbouring halves', () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (const sign of [0, 0x8000]) {
      // (Past the largest finite half, 65504, rounding goes to Infinity: a textbook case below.)
      for (let h = 0; h < 0x7bff; h++) {
        const lo = fromHalfBits(sign | h);
        const hi = fromHalfBits(sign | (h + 1));
        f[0] = (lo + hi) / 2; // exact: a half has 11 significant bits, a float32 24
        const mid = f[0]!;
        expect(mid).toBe((lo + hi) / 2);
        const even = h % 2 === 0 ? h : h + 1;
        expect(toHalfBits(mid)).toBe(sign | even);
        // One float32 step either side of the midpoint goes to the nearer half.
        const bits = u[0]!;
        u[0] = bits - 1;
        expect(toHalfBits(f[0]!)).toBe(sign | h);
        u[0] = bits + 1;
        expect(toHalfBits(f[0]!)).toBe(sign | (h + 1));
      }
    }
  });

  it('encodes the textbook cases', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff], // the largest half
      [65519.99, 0x7bff],
      [65520, 0x7c00], // rounds past the largest: Infinity
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // the smallest normal
      [2 ** -24, 0x0001], // the smallest subnormal
      [2 ** -25, 0x0000], // half of it: a tie, to even (zero)
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // a tie between 1 and 2: to even
      [1e-8, 0x0000],
      [1 + 2 ** -11, 0x3c00], // a tie: to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [2 ** -14 - 2 ** -25, 0x0400], // the largest subnormal's tie with the smallest normal: to even
    ];
    for (const [value, bits] of cases) expect([value, toHalfBits(value)]).toEqual([value, bits]);
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(toHalfBits(NaN) & 0x3ff).not.toBe(0);
  });

  it('encodes and decodes arrays, every probability within half a unit in the last place', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.exp(-i / 40));
    const back = decodeHalves(encodeHalves(values));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      // ulp of a half at v: 2^(e-10) for normals, 2^-24 for subnormals
      const ulp = v >= 2 ** -14 ? 2 ** (Math.floor(Math.log2(v)) - 10) : 2 ** -24;
      expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(ulp / 2);
    }
  });
});
