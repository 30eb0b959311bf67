// Folders of images, root/<split>/<class>/* or root/<class>/* (then split here): PNG, JPEG,
// WebP, GIF (first frame), TIFF and BMP. `listImageFolder` walks the folder; the pixels store
// decodes every image here into one shared height × width and 1 or 3 channels, the reference
// store (referenceImport.ts) keeps the files where they are. Entries that cannot be taken (names
// that are not UTF-8, symbolic links that leave the folder, other files) are skipped and listed
// with the reason; an image past the side cap is refused from its header, undecoded.
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_MAX_IMAGE_SIDE, type ImageShape, type SkippedFile } from '../../shared/domain.js';
import { isInsideFolder } from '../paths.js';
import { ImportError } from '../../shared/errors.js';
import { decodeBmp, isBmp } from './bmp.js';
import { escapeFileName, utf8FileName } from './fileNames.js';
import { compareNatural, sortNatural } from './naturalOrder.js';
import type { ParsedDataset, ParsedExample, ReportProgress } from './parsedDataset.js';
import { isKnownSplitName, normalizeSplitName } from './splitNames.js';
import { stratifiedSplit } from './stratifiedSplit.js';

export interface ImageFolderOptions {
  /** share of each class that goes to test when the folders carry no split */
  testFraction: number;
  seed: number;
  /** images wider or taller than this are refused (default DEFAULT_MAX_IMAGE_SIDE) */
  maxImageSide?: number;
}

interface ImageItem {
  file: string;
  split: string;
  className: string;
}

export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A walked image folder: every image with its split and label, in import order, and what was skipped. */
export interface ImageFolderListing {
  source: string;
  classNames: string[];
  /** `sourceRef` is the path relative to `source`, '/'-separated; no pixels yet */
  examples: ParsedExample[];
  skipped: SkippedFile[];
}

// sharp decodes on libuv's thread pool; a few files in flight keep it busy without
// holding thousands of undecoded files open at once.
const DECODE_CONCURRENCY = 8;
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp']);
/** The formats read, as messages name them. */
const IMAGE_FORMATS_READ = 'PNG, JPEG, WebP, GIF, TIFF or BMP';
const NOT_AN_IMAGE = `not an image file (${IMAGE_FORMATS_READ})`;

/** Walks the folder: classes in natural order, examples split, then class, then path. */
export async function listImageFolder(root: string, options: ImageFolderOptions): Promise<ImageFolderListing> {
  const source = path.resolve(root);
  const walk = await startWalk(source);
  const items = await listImages(walk, options);
  if (items.length === 0) throw new ImportError(`no images found in the class folders (${IMAGE_FORMATS_READ})`, { file: source });
  const classNames = sortNatural(new Set(items.map((item) => item.className)));
  if (classNames.length < 2) {
    throw new ImportError(`every image is in class "${classNames[0]}": a single class cannot be classified`, { file: source });
  }
  const labelOf = new Map(classNames.map((name, i) => [name, i]));
  const examples: ParsedExample[] = items.map((item) => ({
    split: item.split,
    label: labelOf.get(item.className) as number,
    sourceRef: path.relative(source, item.file).split(path.sep).join('/'),
  }));
  const skipped = walk.skipped.sort((a, b) => compareNatural(a.path, b.path));
  return { source, classNames, examples, skipped };
}

/** The pixels store: every image decoded whole into one shared shape. */
export async function importImageFolder(root: string, options: ImageFolderOptions, report: ReportProgress = () => {}): Promise<ParsedDataset> {
  return decodeImageFolder(await listImageFolder(root, options), options, report);
}

/** Decodes a listing's images (after any subset or class filter) for the pixels store. */
export async function decodeImageFolder(listing: ImageFolderListing, options: ImageFolderOptions, report: ReportProgress = () => {}): Promise<ParsedDataset> {
  const { source, classNames } = listing;
  const maxSide = options.maxImageSide ?? DEFAULT_MAX_IMAGE_SIDE;
  const files = listing.examples.map((e) => path.join(source, e.sourceRef));
  const decoded = await decodeAll(files, (file) => decodeImage(file, file, maxSide), report);
  const { shape, pixels } = sharedShape(decoded, files);
  const examples: ParsedExample[] = listing.examples.map((e, i) => ({ ...e, pixels: pixels[i] as Uint8Array }));
  return { kind: 'image', format: 'folder', source, classNames, shape, examples, skipped: listing.skipped };
}

/** Checks that every image has the first one's size; one colour image makes all RGB (grey ones replicated). */
export function sharedShape(decoded: DecodedImage[], files: string[]): { shape: ImageShape; pixels: Uint8Array[] } {
  const first = decoded[0] as DecodedImage;
  decoded.forEach((image, i) => {
    if (image.width !== first.width || image.height !== first.height) {
      throw new ImportError(
        `image is ${image.width}×${image.height} (width×height) but ${files[0]} set the size to ${first.width}×${first.height}; all images must share one size`,
        { file: files[i] },
      );
    }
  });
  const channels: 1 | 3 = decoded.some((image) => image.channels === 3) ? 3 : 1;
  return {
    shape: { height: first.height, width: first.width, channels },
    pixels: decoded.map((image) => (image.channels === channels ? image.data : greyToRgb(image.data))),
  };
}

/** One walk of a dataset folder: its root (and the root's real path, for links) and what was skipped. */
interface Walk {
  root: string;
  realRoot: string;
  skipped: SkippedFile[];
}

async function startWalk(root: string): Promise<Walk> {
  const realRoot = await fs.realpath(root).catch((err: NodeJS.ErrnoException) => {
    throw new ImportError(`cannot read the folder: ${err.message}`, { file: root }, { cause: err });
  });
  return { root, realRoot, skipped: [] };
}

/** Every image in a deterministic order: split, then class, then path, each sorted naturally. */
async function listImages(walk: Walk, options: ImageFolderOptions): Promise<ImageItem[]> {
  const root = walk.root;
  const top = await listDirectory(walk, root);
  if (top.dirs.length === 0) {
    throw new ImportError('no class folders found (expected root/<class>/*.png or root/<split>/<class>/*.png)', { file: root });
  }
  // An image beside the class folders has no class: listed with the skipped files, not lost without a word.
  for (const name of top.images) walk.skipped.push({ path: name, reason: 'an image in the dataset folder itself, outside every class folder' });
  if (await isSplitLayout(walk, top.dirs)) {
    const items: ImageItem[] = [];
    for (const splitDir of top.dirs) {
      const split = normalizeSplitName(splitDir, { file: path.join(root, splitDir) });
      const inner = await listDirectory(walk, path.join(root, splitDir));
      if (inner.images.length > 0) {
        throw new ImportError('images directly in a split folder; put them in one folder per class', { file: path.join(root, splitDir, inner.images[0] as string) });
      }
      for (const className of inner.dirs) {
        for (const file of await collectImages(walk, path.join(root, splitDir, className))) items.push({ file, split, className });
      }
    }
    return items;
  }
  const unsplit: ImageItem[] = [];
  for (const className of top.dirs) {
    for (const file of await collectImages(walk, path.join(root, className))) unsplit.push({ file, split: 'train', className });
  }
  const classIndex = new Map(sortNatural(new Set(unsplit.map((item) => item.className))).map((name, i) => [name, i]));
  const splits = stratifiedSplit(unsplit.map((item) => classIndex.get(item.className) as number), options.testFraction, options.seed);
  return unsplit.map((item, i) => ({ ...item, split: splits[i] as string }));
}

/** Split folders when all are known split names, or when they hold only folders (the classes). */
async function isSplitLayout(walk: Walk, dirs: string[]): Promise<boolean> {
  if (dirs.every(isKnownSplitName)) return true;
  // A look only: what these listings skip is recorded when the walk reaches them.
  const look: Walk = { ...walk, skipped: [] };
  for (const dir of dirs) {
    const inner = await listDirectory(look, path.join(walk.root, dir));
    if (inner.images.length > 0 || inner.dirs.length === 0) return false;
  }
  return true;
}

/**
 * A folder's subfolders and images by name. Hidden entries are passed over; the rest that cannot
 * be taken are recorded in `walk.skipped` with the reason: names that are not UTF-8 (they could
 * not be stored or shown as they are), files that are not images read here, and symbolic links except
 * those to an image inside the dataset folder. Linked folders are never followed, so a walk
 * cannot loop or leave the folder; an image linked from outside could pull a private file in.
 */
async function listDirectory(walk: Walk, dir: string): Promise<{ dirs: string[]; images: string[] }> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    throw new ImportError(`cannot read the folder: ${(err as Error).message}`, { file: dir }, { cause: err });
  }
  const relative = path.relative(walk.root, dir).split(path.sep).join('/');
  const skip = (name: string, reason: string) => walk.skipped.push({ path: relative ? `${relative}/${name}` : name, reason });
  const dirs: string[] = [];
  const images: string[] = [];
  for (const entry of entries) {
    const raw = entry.name;
    if (raw[0] === 0x2e) continue; // hidden: ".", "..", .DS_Store, ._x.png
    const name = utf8FileName(raw);
    if (name === null) {
      skip(escapeFileName(raw), 'the name is not valid UTF-8');
      continue;
    }
    const isImage = IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
    if (entry.isDirectory()) dirs.push(name);
    else if (entry.isFile()) {
      if (isImage) images.push(name);
      else skip(name, NOT_AN_IMAGE);
    } else if (entry.isSymbolicLink()) {
      const reason = await linkProblem(walk, path.join(dir, name), isImage);
      if (reason) skip(name, reason);
      else images.push(name);
    } else skip(name, 'not a regular file');
  }
  return { dirs: dirs.sort(compareNatural), images: images.sort(compareNatural) };
}

/** Why a symbolic link is not taken, or null for a link to an image file inside the dataset folder. */
async function linkProblem(walk: Walk, link: string, isImage: boolean): Promise<string | null> {
  const target = await fs.stat(link).catch(() => null);
  if (!target) return 'a broken symbolic link';
  if (target.isDirectory()) return 'a symbolic link to a folder (not followed)';
  if (!target.isFile()) return 'not a regular file';
  if (!isImage) return NOT_AN_IMAGE;
  const real = await fs.realpath(link).catch(() => null);
  if (real === null) return 'a broken symbolic link';
  if (!isInsideFolder(walk.realRoot, real)) return 'a symbolic link to a file outside the dataset folder (not followed)';
  return null;
}

/** Images in a class folder and, for folders that group them further, its subfolders. */
async function collectImages(walk: Walk, dir: string): Promise<string[]> {
  const { dirs, images } = await listDirectory(walk, dir);
  const files = images.map((name) => path.join(dir, name));
  // appended one at a time: a spread passes every file as an argument, past V8's ~120,000
  for (const sub of dirs) for (const file of await collectImages(walk, path.join(dir, sub))) files.push(file);
  return files;
}

/** Decodes a few at a time; the earliest failing item's error wins, whichever failed first. */
export async function decodeAll<T>(files: T[], decode: (item: T) => Promise<DecodedImage>, report: ReportProgress): Promise<DecodedImage[]> {
  const results = new Array<DecodedImage>(files.length);
  const failures: { index: number; error: unknown }[] = [];
  let next = 0;
  let done = 0;
  report('decode', 0, files.length);
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < files.length) {
      const index = next++;
      try {
        results[index] = await decode(files[index] as T);
      } catch (error) {
        failures.push({ index, error });
        return;
      }
      done++;
      report('decode', done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, files.length) }, worker));
  // The earliest failing file, whichever finished first, so the error does not depend on timing.
  const failure = failures.sort((a, b) => a.index - b.index)[0];
  if (failure) throw failure.error;
  return results;
}

/**
 * The error for an image file that could not be read, with a reason a user can act on: sharp's
 * "warning treated as error" and "unsupported image format" say what they mean for the file, and
 * only the first line of a decoder's message is kept (libvips gathers the messages of the images
 * decoded side by side in one buffer, so later lines can be another file's).
 */
export function unreadableImage(file: string, err: unknown): ImportError {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  return new ImportError(`cannot read the image: ${imageReadReason(message)}`, { file }, { cause: err });
}

function imageReadReason(message: string): string {
  if (/warning treated as error/i.test(message)) return 'the file is damaged or cut short (its decoder stopped at a warning)';
  if (/read error|premature end|truncated|corrupt/i.test(message)) return `the file is damaged or cut short (${message})`;
  if (/unsupported image format/i.test(message)) return 'its bytes are not an image of a format sharp reads (a damaged file, or another format under an image name)';
  return message;
}

/** The error for an image file of 0 bytes. */
export function emptyImage(file: string): ImportError {
  return new ImportError('cannot read the image: the file is empty (0 bytes)', { file });
}

/**
 * Refuses an image wider or taller than `maxSide` before it is decoded: four 16000×16000 PNGs
 * are about a megabyte on disk and a gigabyte of pixels.
 */
export function checkImageSide(width: number, height: number, maxSide: number, file: string): void {
  if (width > maxSide || height > maxSide) {
    throw new ImportError(
      `the image is ${width}×${height} pixels, past the ${maxSide}×${maxSide} limit (raise it with maxImageSide, or --max-image-side on the command line)`,
      { file },
    );
  }
}

/** An image opened for decoding: its header (size after EXIF orientation) and a sharp pipeline held to the side cap. */
export interface OpenedImage {
  image: Sharp;
  /** width and height as shown, after EXIF orientation */
  width: number;
  height: number;
  /** grey (with or without alpha): 1 channel out; anything else (RGB, CMYK, palette) 3 */
  grey: boolean;
}

/**
 * Opens an image file (or its bytes): the header first (sharp reads no pixels for metadata) and
 * the side cap checked on it, then a decoder held to the same limit. BMP, which sharp's build
 * does not read, is decoded here (bmp.ts) and handed over as raw pixels.
 */
export async function openImage(
  input: string | Buffer,
  file: string,
  maxSide = DEFAULT_MAX_IMAGE_SIDE,
  /** the header when already read (the reference import's header pass): not read again */
  known?: Omit<OpenedImage, 'image'>,
): Promise<OpenedImage> {
  const unreadable = async (err: unknown): Promise<never> => {
    const size = typeof input === 'string' ? await fs.stat(input).then((s) => s.size, () => -1) : input.length;
    throw size === 0 ? emptyImage(file) : unreadableImage(file, err);
  };
  const bytes = typeof input === 'string' && path.extname(input).toLowerCase() === '.bmp' ? await fs.readFile(input).catch(unreadable) : input;
  // sharp throws at once, not through its promise, on an empty buffer (a ZIP member of 0 bytes)
  if (typeof bytes !== 'string' && bytes.length === 0) throw emptyImage(file);
  if (typeof bytes !== 'string' && isBmp(bytes)) {
    const bmp = decodeBmp(bytes, file, maxSide);
    const image = sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: bmp.channels } });
    return { image, width: bmp.width, height: bmp.height, grey: false };
  }
  if (known) return { image: sharp(bytes, { limitInputPixels: maxSide * maxSide }), ...known };
  const meta = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(async (err: unknown) => {
      // A BMP under another extension (sharp reads no BMP): known by its bytes, only once sharp has failed.
      const content = typeof bytes === 'string' ? await fs.readFile(bytes).catch(() => null) : null;
      if (content && isBmp(content)) return content;
      return unreadable(err);
    });
  if (Buffer.isBuffer(meta)) return openImage(meta, file, maxSide, known);
  checkImageSide(meta.width ?? 0, meta.height ?? 0, maxSide, file);
  const turned = (meta.orientation ?? 1) >= 5; // EXIF 5–8 swap width and height
  return {
    image: sharp(bytes, { limitInputPixels: maxSide * maxSide }),
    width: (turned ? meta.height : meta.width) ?? 0,
    height: (turned ? meta.width : meta.height) ?? 0,
    grey: meta.channels === 1 || (meta.channels === 2 && meta.hasAlpha),
  };
}

/** Transparent pixels are composited on white, in both stores, before anything is kept (documented in the README). */
export const ALPHA_BACKGROUND = { r: 255, g: 255, b: 255 };

/**
 * The one path from a decoder to the colours either store keeps: EXIF orientation applied, alpha
 * composited on ALPHA_BACKGROUND, then 1 channel (grey) or 3 (sRGB: CMYK, 16-bit and palettes too).
 */
export function storedColours(image: Sharp, channels: 1 | 3): Sharp {
  const flat = image.rotate().flatten({ background: ALPHA_BACKGROUND }).toColourspace('srgb');
  // Grey is sRGB's first channel (a grey source's three are equal): libvips' own 16-bit → 8-bit
  // 'b-w' conversion made white 254, so a transparent pixel of a 16-bit PNG was not the background.
  return channels === 1 ? flat.extractChannel(0) : flat;
}

/**
 * Decodes an image (a file, or its bytes) to 8-bit grey or RGB pixels for the pixels store, EXIF
 * orientation applied; CMYK and 16-bit become 8-bit sRGB or grey, alpha is composited on white. `file` names it in errors.
 */
export async function decodeImage(input: string | Buffer, file: string, maxSide = DEFAULT_MAX_IMAGE_SIDE): Promise<DecodedImage> {
  const unreadable = (err: unknown): never => {
    throw unreadableImage(file, err);
  };
  const { image, grey } = await openImage(input, file, maxSide);
  // Grey files (with or without alpha) stay 1 channel; the rest become sRGB (CMYK, 16-bit, palette).
  const { data, info } = await storedColours(image, grey ? 1 : 3).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }).catch(unreadable);
  if (info.channels !== 1 && info.channels !== 3) {
    throw new ImportError(`unsupported image with ${info.channels} channels after compositing alpha (expected grey or RGB)`, { file });
  }
  if (data.length !== info.width * info.height * info.channels) {
    throw new ImportError(`unsupported pixel depth: ${data.length} bytes for ${info.width}×${info.height}×${info.channels}`, { file });
  }
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export function greyToRgb(grey: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i] as number;
    rgb[3 * i] = v;
    rgb[3 * i + 1] = v;
    rgb[3 * i + 2] = v;
  }
  return rgb;
}
