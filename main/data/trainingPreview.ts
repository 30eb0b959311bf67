// The import form's preview of a folder stored by reference: the first few images (one per class
// first, in natural order) made exactly as the import makes them (referenceImport.ts's
// referenceImage: the thumbnail, and the training image cut to S×S) without writing anything.
// Cost-bounded: the walk opens at most `count` class folders and reads at most SCAN_LIMIT names
// in each, so a folder of a million files answers as fast as one of ten.
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ImportError } from '../../shared/errors.js';
import { previewCount, type TrainingPreview, type TrainingPreviewImage } from '../../shared/trainingPreview.js';
import { IMAGE_EXTENSIONS, openImage } from './imageFolder.js';
import { compareNatural, sortNatural } from './naturalOrder.js';
import { referenceImage } from './referenceImport.js';
import { isKnownSplitName } from './splitNames.js';

/** Names read per class folder at most: the preview takes the first images of these in natural order. */
const SCAN_LIMIT = 2000;
/** Files larger than this are not previewed (the import reads them; a preview should answer at once). */
const MAX_PREVIEW_FILE_BYTES = 64 * 1024 * 1024;

interface PreviewFile {
  file: string;
  relative: string;
  className: string;
}

export interface TrainingPreviewRequest {
  path: string;
  trainSize: number;
  count: number;
  maxImageSide: number;
}

export async function previewTrainingImages(request: TrainingPreviewRequest): Promise<TrainingPreview> {
  const folder = path.resolve(request.path);
  const stat = await fs.stat(folder).catch(() => null);
  if (!stat?.isDirectory()) throw new ImportError('is not a folder: the reference store reads a folder of class folders', { file: folder });
  const S = request.trainSize;
  const files = await firstImages(folder, previewCount(request.count, S));
  if (files.length === 0) throw new ImportError('no images found in its class folders (PNG, JPEG, WebP, GIF, TIFF or BMP)', { file: folder });
  const problems: TrainingPreview['problems'] = [];
  const images: TrainingPreviewImage[] = [];
  for (const f of files) {
    try {
      const { size } = await fs.stat(f.file);
      if (size > MAX_PREVIEW_FILE_BYTES) throw new Error(`${Math.round(size / 1024 / 1024)} MB, larger than a preview reads (${MAX_PREVIEW_FILE_BYTES / 1024 / 1024} MB); the import reads it`);
      const opened = await openImage(f.file, f.file, request.maxImageSide);
      const header = { width: opened.width, height: opened.height, grey: opened.grey };
      const channels = header.grey ? 1 : 3;
      const made = await referenceImage(f.file, channels, S, request.maxImageSide, header);
      const training = made.tensor ? await sharp(made.tensor, { raw: { width: S, height: S, channels } }).png().toBuffer() : null;
      images.push({
        path: f.relative,
        className: f.className,
        width: made.width,
        height: made.height,
        thumbnail: `data:image/webp;base64,${made.thumbnail.toString('base64')}`,
        training: training ? `data:image/png;base64,${training.toString('base64')}` : null,
      });
    } catch (err) {
      problems.push({ path: f.relative, reason: (err as Error).message });
    }
  }
  return { folder, trainSize: S, images, problems };
}

/** Sub-folders in natural order (links and dot-folders left out). */
async function subfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return sortNatural(entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name));
}

/** The first `perClass` image files of a class folder in natural order, among its first SCAN_LIMIT names. */
async function firstFilesOf(dir: string, perClass: number): Promise<string[]> {
  const names: string[] = [];
  const handle = await fs.opendir(dir);
  try {
    for await (const entry of handle) {
      if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) names.push(entry.name);
      if (names.length >= SCAN_LIMIT) break;
    }
  } finally {
    await handle.close().catch(() => {}); // closed already when the loop ran to the end
  }
  return names.sort(compareNatural).slice(0, perClass);
}

/**
 * root/<class>/* or root/<split>/<class>/* (the train split, else the first): one image of each
 * class in turn, the first `count` classes, up to `count` images.
 */
async function firstImages(folder: string, count: number): Promise<PreviewFile[]> {
  let base = folder;
  let classes = await subfolders(folder);
  const splits = classes.filter(isKnownSplitName);
  if (splits.length > 0) {
    base = path.join(folder, splits.find((s) => s.toLowerCase() === 'train') ?? (splits[0] as string));
    classes = await subfolders(base);
  }
  const chosen = classes.slice(0, count);
  const perClass = Math.ceil(count / Math.max(1, chosen.length));
  const lists = await Promise.all(chosen.map(async (name) => ({ name, files: await firstFilesOf(path.join(base, name), perClass) })));
  const out: PreviewFile[] = [];
  for (let round = 0; round < perClass && out.length < count; round++) {
    for (const { name, files } of lists) {
      const file = files[round];
      if (file === undefined || out.length >= count) continue;
      const full = path.join(base, name, file);
      out.push({ file: full, relative: path.relative(folder, full).split(path.sep).join('/'), className: name });
    }
  }
  return out;
}
