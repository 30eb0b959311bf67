// Reads NumPy's .npy arrays (format versions 1–3) and .npz archives (a ZIP of .npy files), the
// formats a training job elsewhere writes its predictions in (docs/ingest.md). Only what an
// ingest needs: little-endian floats and integers, and fixed-width unicode strings, C order.
import fs from 'node:fs/promises';
import { ImportError } from '../../shared/errors.js';
import { excerpt } from './messageExcerpt.js';
import { openZip } from './zipReader.js';

export type NpyArray =
  | { kind: 'float'; shape: number[]; data: Float32Array | Float64Array }
  | { kind: 'int'; shape: number[]; data: Float64Array }
  | { kind: 'string'; shape: number[]; data: string[] };

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** Parses one .npy file's bytes; `file` names it in errors. */
export function parseNpy(bytes: Buffer, file: string): NpyArray {
  const fail = (what: string) => new ImportError(`not a readable .npy array: ${what}`, { file });
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) throw fail('no \\x93NUMPY magic');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw fail(`format version ${major} is unknown`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw fail('the header runs past the end of the file');
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw fail(`header without descr, fortran_order or shape: ${header.trim()}`);
  if (fortran === 'True') throw fail('Fortran-ordered arrays are not supported (write with np.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw fail(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(dataStart);
  const width = /^[<|=]?[a-zA-Z](\d+)$/.exec(descr)?.[1];
  if (descr.startsWith('>') || width === undefined) throw fail(`dtype ${descr} is not supported (little-endian float, int or unicode only)`);
  const itemSize = Number(width) * (descr.includes('U') ? 4 : 1);
  if (body.length < count * itemSize) throw fail(`${count} values of ${descr} need ${count * itemSize} bytes, the file holds ${body.length}`);
  // Copy into an aligned buffer: the data offset is only guaranteed 16-aligned within the file.
  const raw = Buffer.alloc(count * itemSize);
  body.copy(raw, 0, 0, count * itemSize);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const type = descr.replace(/^[<|=]/, '');
  switch (type) {
    case 'f4':
      return { kind: 'float', shape, data: new Float32Array(raw.buffer, raw.byteOffset, count) };
    case 'f8':
      return { kind: 'float', shape, data: new Float64Array(raw.buffer, raw.byteOffset, count) };
    case 'f2': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(2 * i, true));
      return { kind: 'float', shape, data };
    }
    case 'i1':
    case 'i2':
    case 'i4':
    case 'i8':
    case 'u1':
    case 'u2':
    case 'u4':
    case 'u8': {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = readInteger(view, i, type);
      return { kind: 'int', shape, data };
    }
    default:
      if (type.startsWith('U')) {
        const chars = Number(width);
        const data: string[] = new Array<string>(count);
        for (let i = 0; i < count; i++) {
          const codes: number[] = [];
          for (let c = 0; c < chars; c++) {
            const code = view.getUint32((i * chars + c) * 4, true);
            if (code === 0) break;
            codes.push(code);
          }
          data[i] = String.fromCodePoint(...codes);
        }
        return { kind: 'string', shape, data };
      }
      throw fail(`dtype ${descr} is not supported (little-endian float, int or unicode only)`);
  }
}

function readInteger(view: DataView, i: number, type: string): number {
  switch (type) {
    case 'i1':
      return view.getInt8(i);
    case 'u1':
      return view.getUint8(i);
    case 'i2':
      return view.getInt16(2 * i, true);
    case 'u2':
      return view.getUint16(2 * i, true);
    case 'i4':
      return view.getInt32(4 * i, true);
    case 'u4':
      return view.getUint32(4 * i, true);
    case 'i8':
      return Number(view.getBigInt64(8 * i, true));
    default:
      return Number(view.getBigUint64(8 * i, true));
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
  return parseNpy(bytes, file);
}

/** Every array of an .npz archive by name, without the ".npy" suffix. */
export async function readNpz(file: string): Promise<Map<string, NpyArray>> {
  const zip = await openZip(file);
  try {
    const arrays = new Map<string, NpyArray>();
    for (const [name, entry] of zip.entries) {
      if (!name.endsWith('.npy')) continue;
      arrays.set(name.slice(0, -4), parseNpy(await zip.read(entry), `${file}:${excerpt(name)}`));
    }
    return arrays;
  } finally {
    await zip.close();
  }
}
