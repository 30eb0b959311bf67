// Columns of numbers sent as bytes instead of JSON: the explorer's scatter of 70,000 examples is
// ~1.3 MB of typed arrays here against ~5 MB of JSON text, and decoding is a view, not a parse.
// Layout: "DSBF", u32 header length (LE), header JSON, zero padding to 8 bytes, then each column's
// bytes (little-endian), each starting at a multiple of 8. An Int32 column may be sent delta-coded
// (`coding: 'delta-varint'`): each value less the one before, zigzag-mapped and written as a LEB128
// varint, so the explorer's sorted example ids take ~1 byte each instead of 4.

export type ColumnArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
type ColumnType = 'f64' | 'f32' | 'i32' | 'u32' | 'u16' | 'u8';

const MAGIC = [0x44, 0x53, 0x42, 0x46]; // "DSBF"

const constructors = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u32: Uint32Array, u16: Uint16Array, u8: Uint8Array } as const;

function typeOf(column: ColumnArray): ColumnType {
  if (column instanceof Float64Array) return 'f64';
  if (column instanceof Float32Array) return 'f32';
  if (column instanceof Int32Array) return 'i32';
  if (column instanceof Uint32Array) return 'u32';
  if (column instanceof Uint16Array) return 'u16';
  return 'u8';
}

interface ColumnHeader {
  name: string;
  type: ColumnType;
  length: number;
  offset: number;
  /** how the column's bytes are coded (absent: the typed array's own bytes) */
  coding?: 'delta-varint';
  /** the coded column's size in bytes */
  bytes?: number;
}

export interface EncodeOptions {
  /** Int32 columns sent as zigzag varints of the differences between neighbours (small for sorted ids) */
  deltaCoded?: readonly string[];
}

/** Each value less the one before (the first less 0), zigzag-mapped, as LEB128 varints: at most 5 bytes a value. */
export function encodeDeltaVarint(values: Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 5);
  let o = 0;
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const d = v - prev; // exact in a double: |d| < 2³²
    prev = v;
    let z = d >= 0 ? 2 * d : -2 * d - 1;
    while (z >= 0x80) {
      out[o++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[o++] = z;
  }
  return out.subarray(0, o);
}

/** encodeDeltaVarint's inverse: `length` values from `bytes`; throws when the bytes end early or run over. */
export function decodeDeltaVarint(bytes: Uint8Array, length: number): Int32Array {
  const out = new Int32Array(length);
  let o = 0;
  let prev = 0;
  for (let i = 0; i < length; i++) {
    let z = 0;
    let scale = 1;
    let byte: number;
    do {
      if (o >= bytes.length) throw new Error('binary frame: delta-coded column ends early');
      byte = bytes[o++]!;
      z += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte & 0x80);
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    prev += d;
    out[i] = prev;
  }
  if (o !== bytes.length) throw new Error('binary frame: delta-coded column has bytes left over');
  return out;
}

export interface BinaryFrame<M = unknown> {
  meta: M;
  columns: Record<string, ColumnArray>;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

export function encodeBinaryFrame(meta: unknown, columns: Record<string, ColumnArray>, options: EncodeOptions = {}): Uint8Array<ArrayBuffer> {
  const headers: ColumnHeader[] = [];
  const bodies = new Map<string, Uint8Array>();
  let dataBytes = 0;
  for (const [name, column] of Object.entries(columns)) {
    if (options.deltaCoded?.includes(name)) {
      if (!(column instanceof Int32Array)) throw new Error(`binary frame: column ${name} is delta-coded but not an Int32Array`);
      const coded = encodeDeltaVarint(column);
      bodies.set(name, coded);
      headers.push({ name, type: 'i32', length: column.length, offset: dataBytes, coding: 'delta-varint', bytes: coded.length });
      dataBytes += align8(coded.length);
      continue;
    }
    bodies.set(name, new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    headers.push({ name, type: typeOf(column), length: column.length, offset: dataBytes });
    dataBytes += align8(column.byteLength);
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify({ meta, columns: headers }));
  const dataStart = align8(8 + headerBytes.length);
  const out = new Uint8Array(dataStart + dataBytes);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, headerBytes.length, true);
  out.set(headerBytes, 8);
  headers.forEach((h) => out.set(bodies.get(h.name)!, dataStart + h.offset));
  return out;
}

/** Decodes a frame; the columns are views into a copy aligned for every type (never into `bytes`). */
export function decodeBinaryFrame<M = unknown>(bytes: Uint8Array): BinaryFrame<M> {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not a Disobey binary frame (bad magic)');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new Error('binary frame truncated in its header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as { meta: M; columns: ColumnHeader[] };
  const dataStart = align8(8 + headerLength);
  const buffer = bytes.slice(dataStart).buffer;
  const columns: Record<string, ColumnArray> = {};
  for (const h of header.columns) {
    const Ctor = constructors[h.type];
    if (!Ctor) throw new Error(`binary frame column ${h.name} has unknown type ${String(h.type)}`);
    if (h.coding === 'delta-varint') {
      const size = h.bytes ?? NaN;
      if (h.type !== 'i32' || !(size >= 0)) throw new Error(`binary frame column ${h.name} is delta-coded but not i32 with a size`);
      if (h.offset + size > buffer.byteLength) throw new Error(`binary frame truncated in column ${h.name}`);
      columns[h.name] = decodeDeltaVarint(new Uint8Array(buffer, h.offset, size), h.length);
      continue;
    }
    if (h.coding !== undefined) throw new Error(`binary frame column ${h.name} has unknown coding ${String(h.coding)}`);
    if (h.offset + h.length * Ctor.BYTES_PER_ELEMENT > buffer.byteLength) throw new Error(`binary frame truncated in column ${h.name}`);
    columns[h.name] = new Ctor(buffer, h.offset, h.length);
  }
  return { meta: header.meta, columns };
}
