// The .npy reader behind `disobey ingest`: the dtypes and header versions NumPy writes, and a
// clear refusal of what it cannot read.
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../main/data/npyReader.js';

function npy(descr: string, shape: string, data: Buffer, { version = 1, fortran = 'False' } = {}): Buffer {
  const lengthBytes = version === 1 ? 2 : 4;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((8 + lengthBytes + header.length) % 64)) + '\n';
  const head = Buffer.alloc(8 + lengthBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

describe('parseNpy', () => {
  it('reads float32 [n, C] with its shape, and float64 from a version 2 header', () => {
    const f32 = parseNpy(npy('<f4', '(2, 3)', Buffer.from(new Float32Array([0.5, 0.25, 0.25, 1, 0, 0]).buffer)), 'a.npy');
    expect(f32.kind).toBe('float');
    expect(f32.shape).toEqual([2, 3]);
    expect(Array.from(f32.data as Float32Array)).toEqual([0.5, 0.25, 0.25, 1, 0, 0]);
    const f64 = parseNpy(npy('<f8', '(1, 2)', Buffer.from(new Float64Array([0.1, 0.9]).buffer), { version: 2 }), 'b.npy');
    expect(Array.from(f64.data as Float64Array)).toEqual([0.1, 0.9]);
  });

  it('reads float16, int64 and unicode strings', () => {
    const half = Buffer.alloc(4);
    half.writeUInt16LE(0x3c00, 0); // 1.0
    half.writeUInt16LE(0x3800, 2); // 0.5
    expect(Array.from(parseNpy(npy('<f2', '(2,)', half), 'h.npy').data as Float32Array)).toEqual([1, 0.5]);
    const ints = Buffer.alloc(16);
    ints.writeBigInt64LE(7n, 0);
    ints.writeBigInt64LE(123456789012n, 8);
    expect(parseNpy(npy('<i8', '(2,)', ints), 'i.npy')).toEqual({ kind: 'int', shape: [2], data: new Float64Array([7, 123456789012]) });
    const text = Buffer.alloc(2 * 6 * 4);
    [...'test:4'].forEach((ch, i) => text.writeUInt32LE(ch.codePointAt(0)!, 4 * i));
    [...'a'].forEach((ch, i) => text.writeUInt32LE(ch.codePointAt(0)!, 24 + 4 * i));
    expect(parseNpy(npy('<U6', '(2,)', text), 's.npy').data).toEqual(['test:4', 'a']);
  });

  it('refuses what it cannot read, naming the file', () => {
    const data = Buffer.alloc(16);
    expect(() => parseNpy(Buffer.from('PK\x03\x04 not numpy'), 'x.npy')).toThrow(/x\.npy: not a readable \.npy array: no \\x93NUMPY magic/);
    expect(() => parseNpy(npy('<f4', '(2, 2)', data, { fortran: 'True' }), 'f.npy')).toThrow(/Fortran-ordered/);
    expect(() => parseNpy(npy('>f4', '(2, 2)', data), 'b.npy')).toThrow(/dtype >f4 is not supported/);
    expect(() => parseNpy(npy('|O', '(2,)', data), 'o.npy')).toThrow(/dtype \|O is not supported/);
    expect(() => parseNpy(npy('<f4', '(3, 2)', data), 't.npy')).toThrow(/6 values of <f4 need 24 bytes, the file holds 16/);
  });
});
