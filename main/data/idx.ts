// IDX files (the MNIST family: MNIST, Fashion-MNIST, KMNIST…), plain or gzipped: a folder of
// train/test image+label pairs, or one images file with its labels file beside it.
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ImageShape } from '../../shared/domain.js';
import { ImportError } from '../../shared/errors.js';
import { FASHION_MNIST_CLASSES } from '../../shared/fashionMnist.js';
import { listNames } from './messageExcerpt.js';
import type { ParsedDataset, ParsedExample, ReportProgress } from './parsedDataset.js';

export interface IdxArray {
  dims: number[];
  /** the values, row-major, a view into the (decompressed) file */
  data: Uint8Array;
}

export interface IdxImportOptions {
  /** names for labels 0..K-1; overrides a classes.txt beside the files */
  classNames?: string[];
}

interface IdxPair {
  split: string;
  images: string;
  labels: string;
}

const UNSIGNED_BYTE = 0x08;
const DTYPE_NAMES: Record<number, string> = { 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

// train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte, and the dotted train-images.idx3-ubyte some mirrors use.
const IDX_NAME = /^(train|t10k|test)-(images|labels)[-.]idx(\d)-ubyte(\.gz)?$/i;

export function isIdxFileName(name: string): boolean {
  return IDX_NAME.test(name);
}

/** Parses one IDX file (gunzipping it first when it starts with the gzip magic bytes). */
export function parseIdx(buffer: Uint8Array, file: string): IdxArray {
  let bytes = buffer;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (err) {
      throw new ImportError(`corrupt gzip data: ${(err as Error).message}`, { file }, { cause: err });
    }
  }
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
  const expected = dims.reduce((product, n) => product * n, 1);
  const found = bytes.length - headerLength;
  if (found < expected) {
    throw new ImportError(`truncated: expected ${expected} bytes of data, found ${found} (dimensions ${dims.join('×')})`, { file });
  }
  if (found > expected) {
    throw new ImportError(`${found - expected} unexpected bytes after the data (dimensions ${dims.join('×')} need ${expected} bytes)`, { file });
  }
  return { dims, data: bytes.subarray(headerLength) };
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

  const examples: ParsedExample[] = [];
  let shape: ImageShape | null = null;
  let shapeFile = '';
  let maxLabel = -1;
  let maxLabelFile = '';
  const distinct = new Set<number>();
  report('parse', 0, pairs.length);
  for (const [done, pair] of pairs.entries()) {
    const images = parseIdx(await readFile(pair.images), pair.images);
    const labels = parseIdx(await readFile(pair.labels), pair.labels);
    const pairShape = imageShape(images.dims, pair.images);
    if (labels.dims.length !== 1) {
      throw new ImportError(`a labels file must have 1 dimension, this one has ${labels.dims.length} (${labels.dims.join('×')})`, { file: pair.labels });
    }
    const count = images.dims[0] as number;
    if (labels.dims[0] !== count) {
      throw new ImportError(`${labels.dims[0]} labels in ${pair.labels} but ${count} images in ${pair.images}`, { file: pair.labels });
    }
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
    // Both foo and foo.gz present: the sort put the plain one first, and it needs no gunzip.
    if (!target.has(split)) target.set(split, path.join(dir, name));
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

function imageShape(dims: number[], file: string): ImageShape {
  if (dims.length === 3) return { height: dims[1] as number, width: dims[2] as number, channels: 1 };
  if (dims.length === 4 && (dims[3] === 1 || dims[3] === 3)) {
    return { height: dims[1] as number, width: dims[2] as number, channels: dims[3] };
  }
  throw new ImportError(
    `an images file must have 3 dimensions (count, height, width) or 4 with 1 or 3 channels; this one is ${dims.join('×')}`,
    { file },
  );
}

async function chooseClassNames(source: string, dir: string, maxLabel: number, options: IdxImportOptions): Promise<string[]> {
  if (options.classNames) return options.classNames;
  const classesFile = path.join(dir, 'classes.txt');
  if (await fileExists(classesFile)) {
    const text = await fs.readFile(classesFile, 'utf8');
    const names = text.split(/\r?\n/).map((line) => line.trim());
    while (names.length > 0 && names[names.length - 1] === '') names.pop();
    const blank = names.indexOf('');
    if (blank >= 0) throw new ImportError('blank class name', { file: classesFile, row: blank + 1 });
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

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
