// The import dialog's text fields turned into the contract's import options, with a plain
// message for the first field that does not make sense; and what its path field may pick.
import { DEFAULT_TRAIN_SIZE, MAX_IMAGE_SIDE_LIMIT, MAX_TRAIN_SIZE, type ImportFormat, type ImportOptionsInput } from '../../shared/domain.js';
import type { CallArgs } from '../../shared/contract.js';
import type { PathFilter, PathPickMode } from './pathInput.js';

export const IMPORT_FORMATS = ['auto', 'idx', 'folder', 'csv', 'jsonl', 'zip'] as const;
export type ImportFormatChoice = (typeof IMPORT_FORMATS)[number];

/** What each format reads (main/data/importDataset.ts): a file, a folder, or either. */
const FORMAT_SOURCES: Record<ImportFormatChoice, { modes: PathPickMode[]; filters: PathFilter[] }> = {
  // IDX: a folder of the four files, or one images file (its labels file beside it); the plain
  // files have no extension, so "All files" comes with the gzipped ones.
  idx: { modes: ['openFile', 'openFolder'], filters: [{ name: 'IDX images', extensions: ['gz', 'ubyte'] }, { name: 'All files', extensions: ['*'] }] },
  folder: { modes: ['openFolder'], filters: [] },
  csv: { modes: ['openFile', 'openFolder'], filters: [{ name: 'CSV', extensions: ['csv'] }] },
  jsonl: { modes: ['openFile', 'openFolder'], filters: [{ name: 'JSONL', extensions: ['jsonl', 'ndjson'] }] },
  zip: { modes: ['openFile'], filters: [{ name: 'Curated-set ZIP export', extensions: ['zip'] }] },
  auto: {
    modes: ['openFile', 'openFolder'],
    filters: [
      { name: 'Datasets (CSV, JSONL, ZIP, IDX)', extensions: ['csv', 'jsonl', 'ndjson', 'zip', 'gz', 'ubyte'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
};

/** The native dialogs the path field offers for a format (file, folder or both) and their file filters. */
export function importSource(format: ImportFormatChoice): { modes: PathPickMode[]; filters: PathFilter[] } {
  return FORMAT_SOURCES[format];
}

/** The Format menu's words. */
export const IMPORT_FORMAT_LABELS: Record<ImportFormatChoice, string> = {
  auto: 'auto-detect',
  idx: 'IDX (MNIST family)',
  folder: 'image folders',
  csv: 'CSV (texts or pixels)',
  jsonl: 'JSONL (texts)',
  zip: 'ZIP (a curated-set export)',
};

export interface ImportFormFields {
  path: string;
  format: ImportFormatChoice;
  name: string;
  subset: string;
  classes: string;
  noiseRate: string;
  noiseSeed: string;
  testFraction: string;
  maxImageSide: string;
  /** image folders: where the pixels live; auto lets the importer choose from the images' sizes */
  store: 'auto' | 'pixels' | 'reference';
  /** reference store: the training tensor's side (blank: the default, 64; 0: none) */
  trainSize: string;
}

export function emptyImportForm(): ImportFormFields {
  return { path: '', format: 'auto', name: '', subset: '', classes: '', noiseRate: '', noiseSeed: '', testFraction: '', maxImageSide: '', store: 'auto', trainSize: '' };
}

export type BuiltImport = { ok: true; options: ImportOptionsInput } | { ok: false; error: string };

/** Comma-separated names, trimmed, empties dropped. */
export function parseClassList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

export function buildImportOptions(form: ImportFormFields): BuiltImport {
  const path = form.path.trim();
  if (!path) return { ok: false, error: 'Enter the path of a dataset file or folder.' };
  const options: ImportOptionsInput = { path };
  if (form.format !== 'auto') options.format = form.format as ImportFormat;
  const name = form.name.trim();
  if (name) options.name = name;

  const subset = parseNumber(form.subset);
  if (subset !== null) {
    if (!Number.isInteger(subset) || subset <= 0) return { ok: false, error: 'Subset must be a whole number of examples per split, above 0.' };
    options.subset = subset;
  }

  if (form.classes.trim()) {
    const classes = parseClassList(form.classes);
    if (classes.length < 2) return { ok: false, error: 'Class filter needs at least two class names, separated by commas.' };
    if (new Set(classes).size !== classes.length) return { ok: false, error: 'Class filter names a class twice.' };
    options.classes = classes;
  }

  const rate = parseNumber(form.noiseRate);
  const noiseSeed = parseNumber(form.noiseSeed);
  if (rate !== null) {
    if (Number.isNaN(rate) || rate < 0 || rate > 0.95) return { ok: false, error: 'Label-noise rate must be between 0 and 0.95.' };
    if (noiseSeed !== null && (!Number.isInteger(noiseSeed) || noiseSeed < 0)) return { ok: false, error: 'Noise seed must be a whole number, 0 or more.' };
    if (rate > 0) options.noise = { rate, seed: noiseSeed ?? 0 };
  } else if (noiseSeed !== null) {
    return { ok: false, error: 'A noise seed needs a label-noise rate.' };
  }

  const testFraction = parseNumber(form.testFraction);
  if (testFraction !== null) {
    if (Number.isNaN(testFraction) || testFraction <= 0 || testFraction >= 1) return { ok: false, error: 'Test fraction must be between 0 and 1 (exclusive).' };
    options.testFraction = testFraction;
  }

  const maxImageSide = parseNumber(form.maxImageSide);
  if (maxImageSide !== null) {
    if (!Number.isInteger(maxImageSide) || maxImageSide < 1 || maxImageSide > MAX_IMAGE_SIDE_LIMIT) {
      return { ok: false, error: `Max image side must be a whole number of pixels, 1 to ${MAX_IMAGE_SIDE_LIMIT}.` };
    }
    options.maxImageSide = maxImageSide;
  }

  if (form.store !== 'auto') options.store = form.store;
  const trainSize = parseNumber(form.trainSize);
  if (trainSize !== null) {
    if (!Number.isInteger(trainSize) || trainSize < 0 || trainSize > MAX_TRAIN_SIZE) {
      return { ok: false, error: `Training size must be a whole number of pixels, 0 to ${MAX_TRAIN_SIZE} (0 stores no training images).` };
    }
    if (form.store === 'pixels') return { ok: false, error: 'Training size applies to images stored by reference; the pixels store keeps every image whole.' };
    options.trainSize = trainSize;
  }
  return { ok: true, options };
}

/** How many images the import form previews (the call shows fewer when the training size is large). */
export const PREVIEW_IMAGES = 6;

/**
 * The training-image preview's arguments from the form: its path, training size (blank: the
 * default) and side cap, checked as the import checks them.
 */
export function previewRequest(form: ImportFormFields): { ok: true; args: CallArgs<'previewTrainingImages'> } | { ok: false; error: string } {
  const built = buildImportOptions({ ...form, store: 'reference' });
  if (!built.ok) return built;
  const { path, trainSize, maxImageSide } = built.options;
  return { ok: true, args: { path, trainSize: trainSize ?? DEFAULT_TRAIN_SIZE, count: PREVIEW_IMAGES, ...(maxImageSide !== undefined ? { maxImageSide } : {}) } };
}

/**
 * The preview's opening words, from what it shows (the server takes the first image of each class
 * in turn, then a second of each, until it has its count): "The first 6 images of 3 classes (one
 * of each class in turn)". Before a preview is shown, what it will be.
 */
export function previewSubject(images: readonly { className: string }[] | null): string {
  if (images === null) return 'The first images of the folder, one of each class in turn';
  const n = images.length;
  const k = new Set(images.map((i) => i.className)).size;
  if (n === 0) return 'No image of the folder could be read';
  if (n === 1) return 'The first image of the first class';
  if (n === k) return `The first image of each of ${k} classes`;
  if (k === 1) return `The first ${n} images of 1 class`;
  return `The first ${n} images of ${k} classes (one of each class in turn)`;
}

/** The side a previewed S×S training image is drawn at: small ones enlarged (pixel for pixel, to at least 64 px), large ones fitted to 128 px. */
export function previewDrawnSide(trainSize: number): number {
  if (trainSize >= 128) return 128;
  return trainSize * Math.max(1, Math.floor(64 / Math.max(1, trainSize)));
}
