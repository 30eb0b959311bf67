import { describe, expect, it } from 'vitest';
import { decodeBinaryFrame, encodeBinaryFrame } from '../../shared/binaryFrame.js';

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
