import { describe, expect, it } from 'vitest';
import { decodeBinaryFrame, decodeDeltaVarint, encodeBinaryFrame, encodeDeltaVarint } from '../../shared/binaryFrame.js';

describe('binary frames', () => {
  it('round-trips meta and columns of every type, aligned whatever their lengths', () => {
    const columns = {
      id: Int32Array.of(1, -2, 3),
      a: Float32Array.of(0.5, NaN, -Infinity),
      b: Float64Array.of(Math.PI),
      small: Uint8Array.of(7, 8, 9, 10, 11),
      label: Uint16Array.of(65535),
      big: Uint32Array.of(4_000_000_000),
    };
    const bytes = encodeBinaryFrame({ n: 3, names: ['x', 'é'] }, columns);
    // Decoding must not depend on the buffer's offset (IPC and fetch hand over views).
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const frame = decodeBinaryFrame<{ n: number; names: string[] }>(shifted.subarray(3));
    expect(frame.meta).toEqual({ n: 3, names: ['x', 'é'] });
    for (const [name, column] of Object.entries(columns)) {
      expect(frame.columns[name]!.constructor).toBe(column.constructor);
      expect(Array.from(frame.columns[name]!)).toEqual(Array.from(column));
    }
  });

  it('names what is wrong with bytes that are not a frame', () => {
    expect(() => decodeBinaryFrame(new TextEncoder().encode('{"ok":true}'))).toThrow(/bad magic/);
    const bytes = encodeBinaryFrame({}, { a: new Float64Array(100) });
    expect(() => decodeBinaryFrame(bytes.subarray(0, 20))).toThrow(/truncated/);
    expect(() => decodeBinaryFrame(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated in column a/);
  });
});

describe('delta-coded Int32 columns', () => {
  const roundTrip = (ids: Int32Array) => decodeBinaryFrame(encodeBinaryFrame({}, { id: ids, a: new Float32Array(ids.length) }, { deltaCoded: ['id'] })).columns.id;

  it('round-trips sorted, unsorted, empty, single and extreme ids exactly', () => {
    for (const ids of [[], [7], [0, 1, 2, 3, 1000, 1001, 5_000_000], [5, 3, 9, -4, 0], [-2147483648, 2147483647, -2147483648, 0]]) {
      const back = roundTrip(Int32Array.from(ids));
      expect(back).toBeInstanceOf(Int32Array);
      expect(Array.from(back!)).toEqual(ids);
    }
  });

  it('takes one byte an id for consecutive ids, against four uncoded', () => {
    expect(encodeDeltaVarint(Int32Array.from({ length: 1000 }, (_, i) => 10 + i)).length).toBe(1000);
    const coded = encodeBinaryFrame({}, { id: Int32Array.from({ length: 1000 }, (_, i) => i) }, { deltaCoded: ['id'] });
    const plain = encodeBinaryFrame({}, { id: Int32Array.from({ length: 1000 }, (_, i) => i) });
    expect(plain.length - coded.length).toBeGreaterThan(2900); // 3000 bytes of ids, less the longer header
  });

  it('refuses coded bytes that end early or run over', () => {
    expect(() => decodeDeltaVarint(Uint8Array.from([0x80]), 1)).toThrow(/ends early/);
    expect(() => decodeDeltaVarint(Uint8Array.from([2, 2]), 1)).toThrow(/left over/);
    expect(() => encodeBinaryFrame({}, { a: new Float32Array(2) }, { deltaCoded: ['a'] })).toThrow(/not an Int32Array/);
  });
});
