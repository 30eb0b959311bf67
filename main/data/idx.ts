// IDX files (the MNIST family: MNIST, Fashion-MNIST, KMNIST…), plain or gzipped: a folder of
// train/test image+label pairs, or one images file with its labels file beside it.
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { DEFAULT_MAX_IMAGE_SIDE, type ImageShape } from '../../shared/domain.js';
import { ImportError } from '../../shared/errors.js';
import { FASHION_MNIST_CLASSES } from '../../shared/fashionMnist.js';
import { checkImageSide } from './imageFolder.js';
import { listNames } from './messageExcerpt.js';
import { decodeUtf8 } from './textTable.js';
import type { ParsedDataset, ParsedExample, ReportProgress } from './parsedDataset.js';
import { MAX_ENTRY_BYTES } from './zipReader.js';

export interface IdxArray {
  dims: number[];
  /** the values, row-major, a view into the (decompressed) file */
  data: Uint8Array;
}

export interface IdxImportOptions {
  /** names for labels 0..K-1; overrides a classes.txt beside the files */
  classNames?: string[];
  /** images wider or taller than this are refused (default DEFAULT_MAX_IMAGE_SIDE) */
  maxImageSide?: number;
}

interface IdxPair {
  split: string;
  images: string;
  labels: string;
}

const UNSIGNED_BYTE = 0x08;
/** the most a gzipped IDX file may inflate to: the cap a zip entry has */
const MAX_INFLATED_BYTES = MAX_ENTRY_BYTES;
/** compressed bytes inflated first to find the header (at most 1024 bytes, for 255 dimensions) */
const HEADER_PREFIX = 256;
/** the most one of those prefixes may inflate to: a compressed byte inflates to about a kilobyte at most */
const HEADER_INFLATE_LIMIT = 1 << 20;
const DTYPE_NAMES: Record<number, string> = { 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

// train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte, and the dotted train-images.idx3-ubyte some mirrors use.
const IDX_NAME = /^(train|t10k|test)-(images|labels)[-.]idx(\d)-ubyte(\.gz)?$/i;

export function isIdxFileName(name: string): boolean {
  return IDX_NAME.test(name);
}

/**
 * Parses one IDX file (gunzipping it first when it starts with the gzip magic bytes). `checkDims`
 * sees the header's dimensions before the data is inflated or sized, and may refuse them by throwing.
 */
export function parseIdx(buffer: Uint8Array, file: string, checkDims: (dims: number[]) => void = () => {}): IdxArray {
  const gzipped = buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  const { dims, headerLength } = readHeader(gzipped ? inflateHeader(buffer, file) : buffer, file);
  checkDims(dims);
  const expected = dims.reduce((product, n) => product * n, 1);
  const bytes = gzipped ? inflateDeclared(buffer, file, dims, headerLength + expected) : buffer;
  const found = bytes.length - headerLength;
  if (found < expected) {
    throw new ImportError(`truncated: expected ${expected} bytes of data, found ${found} (dimensions ${dims.join('×')})`, { file });
  }
  if (found > expected) {
    throw new ImportError(`${found - expected} unexpected bytes after the data (dimensions ${dims.join('×')} need ${expected} bytes)`, { file });
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** The magic number, data type and dimensions at the start of an IDX file's (inflated) bytes. */
function readHeader(bytes: Uint8Array, file: string): { dims: number[]; headerLength: number } {
  if (bytes.length < 4) throw new ImportError(`not an IDX file: only ${bytes.length} bytes, too short for the 4-byte magic number`, { file });
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
    throw new ImportError(`not an IDX file: bad magic number 0x${magic} (expected 0x0000 followed by the data type and the number of dimensions)`, { file });
  }
  const dtype = bytes[2] as number;
  const ndims = bytes[3] as number;
  if (dtype !== UNSIGNED_BYTE) {
    const name = DTYPE_NAMES[dtype] ?? 'unknown';
    throw new ImportError(`unsupported IDX data type 0x${hex(dtype)} (${name}); only 0x08, unsigned byte, is supported`, { file });
  }
  if (ndims === 0) throw new ImportError('bad IDX header: zero dimensions', { file });
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new ImportError(`truncated header: ${ndims} dimensions need ${headerLength} bytes, the file has ${bytes.length}`, { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  return { dims, headerLength };
}

/**
 * The first inflated bytes of a gzipped file, enough for its IDX header (or all of them when
 * fewer), from a prefix of the compressed bytes: a gzip bomb is never inflated whole to learn what
 * it declares. The prefix grows fourfold until it holds the header; one that inflates past
 * HEADER_INFLATE_LIMIT is halved back towards the last that was too short.
 */
function inflateHeader(buffer: Uint8Array, file: string): Uint8Array {
  let tooShort = 0;
  let tooLong = Infinity;
  let length = Math.min(HEADER_PREFIX, buffer.length);
  for (;;) {
    const start = gunzip(buffer.subarray(0, length), file, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: HEADER_INFLATE_LIMIT });
    if (start && start.length >= idxHeaderLength(start)) return start;
    // All of it inflates to less than a header: inflated again strictly (just as small), so a stream cut short is reported as such.
    if (start && length === buffer.length) return gunzip(buffer, file, {}) ?? start;
    if (start) tooShort = length;
    else tooLong = length;
    length = tooLong === Infinity ? Math.min(length * 4, buffer.length) : Math.floor((tooShort + tooLong) / 2);
    // One more compressed byte inflates to at most about a kilobyte, so this cannot happen; it ends the loop if it does.
    if (length <= tooShort) throw new ImportError('corrupt gzip data: no IDX header found at the start of the inflated bytes', { file });
  }
}

/** The header length the first bytes ask for: 4 until the number of dimensions is known. */
function idxHeaderLength(start: Uint8Array): number {
  return start.length < 4 ? 4 : 4 + 4 * (start[3] as number);
}

/** A gzipped IDX file inflated whole, refused as soon as it passes the size its header declares. */
function inflateDeclared(buffer: Uint8Array, file: string, dims: number[], declared: number): Buffer {
  if (declared > MAX_INFLATED_BYTES) {
    throw new ImportError(
      `its header declares ${megabytes(declared)} MB (dimensions ${dims.join('×')}), past the ${megabytes(MAX_INFLATED_BYTES)} MB a gzipped IDX file may inflate to`,
      { file },
    );
  }
  // One byte past the declared size still inflates, and is refused below as "unexpected bytes after the data".
  const bytes = gunzip(buffer, file, { maxOutputLength: declared + 1 });
  if (!bytes) throw new ImportError(`inflates past the ${declared} bytes its header declares (dimensions ${dims.join('×')})`, { file });
  return bytes;
}

/** zlib's gunzip; null when the output would pass `options.maxOutputLength`, an ImportError when the stream is corrupt. */
function gunzip(bytes: Uint8Array, file: string, options: zlib.ZlibOptions): Buffer | null {
  try {
    return zlib.gunzipSync(bytes, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw new ImportError(`corrupt gzip data: ${(err as Error).message}`, { file }, { cause: err });
  }
}

/** Imports a folder of IDX train/test pairs, or one images file and its labels file. */
export async function importIdx(
  inputPath: string,
  options: IdxImportOptions = {},
  report: ReportProgress = () => {},
): Promise<ParsedDataset> {
  const source = path.resolve(inputPath);
  const stat = await fs.stat(source).catch(() => null);
  if (!stat) throw new ImportError(`no such file or directory: ${source}`);
  const pairs = stat.isDirectory() ? await findPairsInDirectory(source) : [await pairForImagesFile(source)];
  const dir = stat.isDirectory() ? source : path.dirname(source);
  const maxSide = options.maxImageSide ?? DEFAULT_MAX_IMAGE_SIDE;

  const examples: ParsedExample[] = [];
  let shape: ImageShape | null = null;
  let shapeFile = '';
  let maxLabel = -1;
  let maxLabelFile = '';
  const distinct = new Set<number>();
  report('parse', 0, pairs.length);
  for (const [done, pair] of pairs.entries()) {
    // Shapes and counts are checked from the headers, before a gzipped file's data is inflated.
    const images = parseIdx(await readFile(pair.images), pair.images, (dims) => imageShape(dims, maxSide, pair.images));
    const count = images.dims[0] as number;
    const labels = parseIdx(await readFile(pair.labels), pair.labels, (dims) => {
      if (dims.length !== 1) {
        throw new ImportError(`a labels file must have 1 dimension, this one has ${dims.length} (${dims.join('×')})`, { file: pair.labels });
      }
      if (dims[0] !== count) throw new ImportError(`${dims[0]} labels in ${pair.labels} but ${count} images in ${pair.images}`, { file: pair.labels });
    });
    const pairShape = imageShape(images.dims, maxSide, pair.images);
    if (shape && (shape.height !== pairShape.height || shape.width !== pairShape.width || shape.channels !== pairShape.channels)) {
      throw new ImportError(`images are ${describeShape(pairShape)} but ${shapeFile} has ${describeShape(shape)}`, { file: pair.images });
    }
    shape = pairShape;
    shapeFile = pair.images;
    const size = pairShape.height * pairShape.width * pairShape.channels;
    const ref = path.basename(pair.images);
    for (let i = 0; i < count; i++) {
      const label = labels.data[i] as number;
      if (label > maxLabel) {
        maxLabel = label;
        maxLabelFile = pair.labels;
      }
      distinct.add(label);
      examples.push({ split: pair.split, label, pixels: images.data.subarray(i * size, (i + 1) * size), sourceRef: `${ref}:${i}` });
    }
    report('parse', done + 1, pairs.length);
  }

  const files = pairs.map((p) => p.images).join(', ');
  if (examples.length === 0 || !shape) throw new ImportError('the dataset is empty: no images', { file: files });
  if (distinct.size < 2) throw new ImportError(`every example has label ${maxLabel}: a single class cannot be classified`, { file: files });
  const classNames = await chooseClassNames(source, dir, maxLabel, options);
  if (maxLabel >= classNames.length) {
    throw new ImportError(`label ${maxLabel} is out of range for ${classNames.length} class names (${listNames(classNames, 12)})`, { file: maxLabelFile });
  }
  return { kind: 'image', format: 'idx', source, classNames, shape, examples };
}

async function findPairsInDirectory(dir: string): Promise<IdxPair[]> {
  const names = (await fs.readdir(dir)).filter(isIdxFileName).sort();
  if (names.length === 0) {
    throw new ImportError('no IDX files found (expected names like train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz])', { file: dir });
  }
  const images = new Map<string, string>();
  const labels = new Map<string, string>();
  for (const name of names) {
    const match = IDX_NAME.exec(name);
    if (!match) continue;
    const split = splitOf(match[1] as string);
    const kind = (match[2] as string).toLowerCase();
    const target = kind === 'images' ? images : labels;
    const first = target.get(split);
    // Both foo and foo.gz present: the sort put the plain one first, and it needs no gunzip.
    if (!first) target.set(split, path.join(dir, name));
    // t10k-… and test-… both: which one holds the split would be a guess.
    else if (path.basename(first).replace(/\.gz$/i, '').toLowerCase() !== name.replace(/\.gz$/i, '').toLowerCase()) {
      throw new ImportError(`both ${path.basename(first)} and ${name} hold the ${split} ${kind}; keep one of them`, { file: path.join(dir, name) });
    }
  }
  for (const [split, file] of labels) {
    if (!images.has(split)) throw new ImportError(`a ${split} labels file without a ${split} images file`, { file });
  }
  const pairs: IdxPair[] = [];
  for (const split of ['train', 'test']) {
    const imagesFile = images.get(split);
    if (!imagesFile) continue;
    const labelsFile = labels.get(split);
    if (!labelsFile) throw new ImportError(`no ${split} labels file beside the images (expected a ${split}-labels-idx1-ubyte[.gz])`, { file: imagesFile });
    pairs.push({ split, images: imagesFile, labels: labelsFile });
  }
  return pairs;
}

async function pairForImagesFile(file: string): Promise<IdxPair> {
  const name = path.basename(file);
  if (!/images[-.]idx\d/i.test(name)) {
    throw new ImportError('not an IDX images file name (expected something like train-images-idx3-ubyte[.gz])', { file });
  }
  const dir = path.dirname(file);
  const stem = name.replace(/images([-.])idx\d/i, 'labels$1idx1');
  const candidates = [stem, stem.replace(/\.gz$/i, ''), stem.endsWith('.gz') ? stem : `${stem}.gz`];
  for (const candidate of new Set(candidates)) {
    const labels = path.join(dir, candidate);
    if (await fileExists(labels)) return { split: splitOf(name), images: file, labels };
  }
  throw new ImportError(`no labels file beside the images (looked for ${path.join(dir, stem)})`, { file });
}

/** train… → train; t10k… and test… → test (MNIST's own name for its test set is t10k). */
function splitOf(name: string): string {
  return /^(t10k|test)/i.test(name) ? 'test' : 'train';
}

/** The shape of an images file's images, refused when it has another rank, no pixels, or a side past `maxSide`. */
function imageShape(dims: number[], maxSide: number, file: string): ImageShape {
  const channels = dims.length === 3 ? 1 : dims[3];
  if ((dims.length !== 3 && dims.length !== 4) || (channels !== 1 && channels !== 3)) {
    throw new ImportError(
      `an images file must have 3 dimensions (count, height, width) or 4 with 1 or 3 channels; this one is ${dims.join('×')}`,
      { file },
    );
  }
  const height = dims[1] as number;
  const width = dims[2] as number;
  const empty = [height === 0 ? 'height' : '', width === 0 ? 'width' : ''].filter(Boolean);
  if (empty.length > 0) {
    throw new ImportError(`images of ${height}×${width} pixels: the ${empty.join(' and ')} ${empty.length > 1 ? 'are' : 'is'} 0 (dimensions ${dims.join('×')})`, { file });
  }
  checkImageSide(width, height, maxSide, file);
  return { height, width, channels };
}

async function chooseClassNames(source: string, dir: string, maxLabel: number, options: IdxImportOptions): Promise<string[]> {
  if (options.classNames) return options.classNames;
  const classesFile = path.join(dir, 'classes.txt');
  if (await fileExists(classesFile)) {
    // strict UTF-8, as the text tables are read: a lenient decode stored U+FFFD in a class name
    const text = decodeUtf8(await readFile(classesFile), classesFile).replace(/^\uFEFF/, '');
    const names = text.split(/\r?\n/).map((line) => line.trim());
    while (names.length > 0 && names[names.length - 1] === '') names.pop();
    const blank = names.indexOf('');
    if (blank >= 0) throw new ImportError('blank class name', { file: classesFile, row: blank + 1 });
    const twice = names.findIndex((name, i) => names.indexOf(name) < i);
    if (twice >= 0) throw new ImportError(`class "${names[twice]}" is named twice (rows ${names.indexOf(names[twice]!) + 1} and ${twice + 1})`, { file: classesFile, row: twice + 1 });
    return names;
  }
  if (/fashion/i.test(source)) return [...FASHION_MNIST_CLASSES];
  return Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
}

async function readFile(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
}

async function fileExists(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

function describeShape(shape: ImageShape): string {
  return `${shape.height}×${shape.width}×${shape.channels}`;
}

function megabytes(bytes: number): string {
  return bytes % (1 << 20) === 0 ? String(bytes / (1 << 20)) : (bytes / (1 << 20)).toFixed(1);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
