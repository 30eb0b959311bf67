// Reads NumPy's .npy arrays (format versions 1–3) and .npz archives (a ZIP of .npy files), the
// formats a training job elsewhere writes its predictions in (docs/ingest.md). Only what an
// ingest needs: little-endian floats and integers, and fixed-width unicode strings, C order.
// A file's header is read (and can be checked) before its data.
import { ImportError } from '../../shared/errors.js';
import { excerpt } from './messageExcerpt.js';
import { openZip } from './zipReader.js';
import { openRegularFile } from '../regularFile.js';

export type NpyArray =
  | { kind: 'float'; shape: number[]; data: Float32Array | Float64Array }
  | { kind: 'int'; shape: number[]; data: Float64Array }
  | { kind: 'string'; shape: number[]; data: string[] };

/** What an .npy header says: enough to check an array's type and shape before its data is read. */
export interface NpyHeader {
  descr: string;
  kind: NpyArray['kind'];
  shape: number[];
  /** the number of values, the product of the shape */
  count: number;
  /** bytes per value */
  itemSize: number;
  /** where the data starts in the file */
  dataStart: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/**
 * The most data one .npy file may hold: fs.readFile's limit (2 GiB), past which a single read of
 * the array (and the matrix built from it) is no longer a reasonable unit of work.
 */
export const MAX_NPY_DATA_BYTES = 2 ** 31 - 1;

function unreadable(file: string, what: string): ImportError {
  return new ImportError(`not a readable .npy array: ${what}`, { file });
}

/** The preamble's length (magic, version, header length) and the header's, from the file's first 12 bytes. */
function headerExtent(head: Buffer, file: string): { headerStart: number; dataStart: number; major: number } {
  if (head.length < 10 || !head.subarray(0, 6).equals(MAGIC)) throw unreadable(file, 'no \\x93NUMPY magic');
  const major = head[6]!;
  if (major < 1 || major > 3) throw unreadable(file, `format version ${major} is unknown`);
  if (major > 1 && head.length < 12) throw unreadable(file, 'the header runs past the end of the file');
  const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  return { headerStart, dataStart: headerStart + headerLength, major };
}

/** Parses an .npy header; `bytes` holds the file from its start through at least the header. */
export function parseNpyHeader(bytes: Buffer, file: string): NpyHeader {
  const { headerStart, dataStart, major } = headerExtent(bytes, file);
  if (dataStart > bytes.length) throw unreadable(file, 'the header runs past the end of the file');
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw unreadable(file, `header without descr, fortran_order or shape: ${excerpt(header.trim())}`);
  if (fortran === 'True') throw unreadable(file, 'Fortran-ordered arrays are not supported (write with np.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw unreadable(file, `bad shape (${excerpt(shapeText)})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = /^[<|=]?[a-zA-Z](\d+)$/.exec(descr)?.[1];
  const type = descr.replace(/^[<|=]/, '');
  const kind = /^f[248]$/.test(type) ? 'float' : /^[iu][1248]$/.test(type) ? 'int' : /^U\d+$/.test(type) ? 'string' : null;
  if (descr.startsWith('>') || width === undefined || kind === null) throw unreadable(file, `dtype ${excerpt(descr)} is not supported (little-endian float, int or unicode only)`);
  const itemSize = Number(width) * (kind === 'string' ? 4 : 1);
  return { descr, kind, shape, count, itemSize, dataStart };
}

/** The bytes the data of `header` needs. */
export function npyDataBytes(header: NpyHeader): number {
  return header.count * header.itemSize;
}

/** Parses one .npy file's bytes; `file` names it in errors. */
export function parseNpy(bytes: Buffer, file: string): NpyArray {
  const header = parseNpyHeader(bytes, file);
  const body = bytes.subarray(header.dataStart);
  const needed = npyDataBytes(header);
  if (body.length < needed) throw tooShort(header, body.length, file);
  // Copy into an aligned buffer: the data offset is only guaranteed 16-aligned within the file.
  const raw = Buffer.alloc(needed);
  body.copy(raw, 0, 0, needed);
  return decodeNpyData(header, raw, file);
}

function tooShort(header: NpyHeader, held: number, file: string): ImportError {
  return unreadable(file, `${header.count} values of ${header.descr} need ${npyDataBytes(header)} bytes, the file holds ${held}`);
}

/** The values of an array from its data bytes (`raw`, at an offset aligned for its type, exactly npyDataBytes long). */
function decodeNpyData(header: NpyHeader, raw: Buffer, file: string): NpyArray {
  const { shape, count, descr } = header;
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
        const chars = header.itemSize / 4;
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
      throw unreadable(file, `dtype ${excerpt(descr)} is not supported (little-endian float, int or unicode only)`);
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

/** An open .npy file whose header has been read: check it, then read the data (or not), then close. */
export interface NpyFile {
  header: NpyHeader;
  /** Refuses, before a byte of data is read, an array of more than MAX_NPY_DATA_BYTES (`advice` says what to write instead). */
  checkSize(advice: string): void;
  /** The array, read straight into an aligned buffer (one copy of the data in memory); a file shorter than its header says is refused before reading. */
  read(): Promise<NpyArray>;
  close(): Promise<void>;
}

/** The refusal of what is not a regular file (a FIFO, a socket, a device): reading one could wait forever. */
export function notRegularFile(file: string): ImportError {
  return new ImportError('is not a regular file (a named pipe, socket or device?): the ingest reads regular files only', { file });
}

/**
 * Opens an .npy file and reads its header only. The file is opened without blocking and checked,
 * once open, to be a regular file: what is read is what was checked, whatever the path names since.
 */
export async function openNpy(file: string): Promise<NpyFile> {
  const cannotRead = (err: unknown) => new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  const opened = await openRegularFile(file).catch((err: unknown) => {
    throw cannotRead(err);
  });
  if (!opened) throw notRegularFile(file);
  const { handle, stat } = opened;
  try {
    const readAt = async (position: number, length: number, into = Buffer.alloc(length)): Promise<Buffer> => {
      let done = 0;
      try {
        while (done < length) {
          // One read moves at most 2 GiB − 1 bytes.
          const { bytesRead } = await handle.read(into, done, Math.min(length - done, 2 ** 30), position + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
      } catch (err) {
        throw cannotRead(err);
      }
      return done === length ? into : into.subarray(0, done);
    };
    const head = await readAt(0, Math.min(stat.size, 12));
    const { dataStart } = headerExtent(head, file);
    if (dataStart > stat.size) throw unreadable(file, 'the header runs past the end of the file');
    const header = parseNpyHeader(await readAt(0, dataStart), file);
    const needed = npyDataBytes(header);
    const held = stat.size - dataStart;
    return {
      header,
      checkSize(advice) {
        if (needed > MAX_NPY_DATA_BYTES) {
          throw new ImportError(`its ${header.count.toLocaleString('en')} values (${(needed / 2 ** 30).toFixed(1)} GiB) are more than one .npy file may hold here (2 GiB): ${advice}`, { file });
        }
      },
      async read() {
        if (needed > MAX_NPY_DATA_BYTES) throw unreadable(file, `its data (${needed} bytes) is more than 2 GiB`);
        if (held < needed) throw tooShort(header, held, file);
        // A buffer of its own starts at offset 0, aligned for any type: the typed array views it without a copy.
        const raw = await readAt(dataStart, needed, Buffer.allocUnsafeSlow(needed));
        if (raw.length < needed) throw tooShort(header, raw.length, file);
        return decodeNpyData(header, raw, file);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** A whole .npy file (its header checked only for being readable). */
export async function readNpy(file: string): Promise<NpyArray> {
  const npy = await openNpy(file);
  try {
    npy.checkSize('split it (one file per split or epoch)');
    return await npy.read();
  } finally {
    await npy.close();
  }
}

/** The arrays of an .npz archive asked for (by name, without ".npy"), and the names of all it holds. */
export interface NpzArrays {
  arrays: Map<string, NpyArray>;
  /** every array in the archive, in its order, whether read or not */
  names: string[];
}

/**
 * The arrays named in `wanted` from an .npz archive; the others are listed but never inflated
 * (an archive may also hold embeddings or a model's weights, gigabytes the ingest does not need).
 */
export async function readNpz(file: string, wanted: readonly string[]): Promise<NpzArrays> {
  const zip = await openZip(file);
  try {
    const arrays = new Map<string, NpyArray>();
    const names: string[] = [];
    for (const [name, entry] of zip.entries) {
      if (!name.endsWith('.npy')) continue;
      const array = name.slice(0, -4);
      names.push(array);
      if (wanted.includes(array)) arrays.set(array, parseNpy(await zip.read(entry), `${file}:${excerpt(name)}`));
    }
    return { arrays, names };
  } finally {
    await zip.close();
  }
}
