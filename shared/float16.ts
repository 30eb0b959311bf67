// IEEE 754 binary16 ("half") encoding of probabilities for experiments stored at float16
// (docs/database.md, "Precision"). Node 20 has no Float16Array: floats are rounded to the nearest
// half, ties to even, with subnormals, ±Infinity past 65504 and NaN kept a (quiet) NaN.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half nearest to `value` (first rounded to float32, as a Float32Array holds it), as its 16 bits. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  // The half exponent, biased by 15 (float32's bias is 127).
  const e = exponent - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: m × 2^-24. Below 2^-25 (half the smallest subnormal) everything rounds to 0.
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const halfway = 1 << (shift - 1);
    const rest = full & ((1 << shift) - 1);
    let h = full >>> shift;
    if (rest > halfway || (rest === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa steps the exponent, up to Infinity: exactly what rounding means.
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** The value of a half given as its 16 bits. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

let table: Float32Array | null = null;

/** Every half's value, 256 KB built once: decoding a matrix is then one lookup per value. */
function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromHalfBits(h);
  }
  return table;
}

/** `values` as halves. */
export function encodeHalves(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]!);
  return out;
}

/** Halves as float32 values (every half is exactly a float32). */
export function decodeHalves(halves: Uint16Array, out = new Float32Array(halves.length)): Float32Array {
  const t = halfTable();
  for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]!]!;
  return out;
}
