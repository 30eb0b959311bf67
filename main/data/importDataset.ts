// Parses any supported dataset into memory: picks the importer (by the format asked for,
// else by looking at the path), runs it, then applies the class/subset/noise options.
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImportFormat, ImportOptions } from '../../shared/domain.js';
import { ImportError } from '../../shared/errors.js';
import { applyDatasetOptions } from './datasetOptions.js';
import { importIdx, isIdxFileName } from './idx.js';
import { importImageFolder, listImageFolder, type ImageFolderListing } from './imageFolder.js';
import type { ParsedDataset, ReportProgress } from './parsedDataset.js';
import { importTextTable, textTableFormatOf } from './textTable.js';
import { importZipDataset } from './zipDataset.js';

export async function parseDataset(options: ImportOptions, report: ReportProgress = () => {}): Promise<ParsedDataset> {
  const source = path.resolve(options.path);
  const format = options.format ?? (await detectFormat(source));
  await checkSourceFits(source, format);
  const split = { testFraction: options.testFraction, seed: options.seed };
  let parsed: ParsedDataset;
  switch (format) {
    case 'idx':
      parsed = await importIdx(source, { classNames: options.classNames, maxImageSide: options.maxImageSide }, report);
      break;
    case 'folder':
      parsed = await importImageFolder(source, { ...split, maxImageSide: options.maxImageSide }, report);
      break;
    case 'csv':
    case 'jsonl':
      parsed = await importTextTable(source, { ...split, format }, report);
      break;
    case 'zip':
      parsed = await importZipDataset(source, { ...split, maxImageSide: options.maxImageSide }, report);
      break;
  }
  return applyDatasetOptions({ ...parsed, source }, options);
}

/**
 * An image folder walked and reshaped by the import options (classes, subset, noise) before any
 * pixel is decoded, so a subset of a million photos decodes only the files it keeps.
 */
export async function listFolderForImport(options: ImportOptions): Promise<ImageFolderListing> {
  await checkSourceFits(path.resolve(options.path), 'folder');
  const listing = await listImageFolder(path.resolve(options.path), { testFraction: options.testFraction, seed: options.seed, maxImageSide: options.maxImageSide });
  const reshaped = applyDatasetOptions({ kind: 'image', format: 'folder', shape: null, ...listing }, options);
  return { source: listing.source, classNames: reshaped.classNames, examples: reshaped.examples, skipped: listing.skipped };
}

/** The format asked for, else the one the path shows. */
export async function importFormatOf(options: ImportOptions): Promise<ImportFormat> {
  return options.format ?? (await detectFormat(path.resolve(options.path)));
}

/** What the path is (links followed); a missing one or one that cannot be read is refused by name. */
async function statSource(source: string): Promise<Stats> {
  return fs.stat(source).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new ImportError(`no such file or directory: ${source}`);
    throw new ImportError(`cannot read: ${err.message}`, { file: source }, { cause: err });
  });
}

/**
 * The path can hold `format`: a regular file or a folder (a FIFO or a device, read whole, never
 * ends), a folder for `folder`, a file for `zip`, and a .csv or .jsonl file read as what its
 * extension says, so that the format the dataset records is the one it was read as.
 */
async function checkSourceFits(source: string, format: ImportFormat): Promise<void> {
  const stat = await statSource(source);
  if (!stat.isFile() && !stat.isDirectory()) throw new ImportError('not a regular file or a folder (a pipe, device or socket cannot be imported)', { file: source });
  if (format === 'folder' && !stat.isDirectory()) throw new ImportError('--format folder needs a folder of class folders; this is a file', { file: source });
  if (format === 'zip' && stat.isDirectory()) throw new ImportError('--format zip needs a .zip file; this is a folder', { file: source });
  const named = stat.isFile() ? textTableFormatOf(source) : null;
  if ((format === 'csv' || format === 'jsonl') && named !== null && named !== format) {
    throw new ImportError(`a .${path.extname(source).slice(1).toLowerCase()} file is read as ${named.toUpperCase()}, not as --format ${format}`, { file: source });
  }
}

/** Tells the format from the path: IDX names, .csv/.jsonl/.zip files, or folders of images. */
export async function detectFormat(source: string): Promise<ImportFormat> {
  const stat = await statSource(source);
  if (!stat.isDirectory()) {
    const textFormat = textTableFormatOf(source);
    if (textFormat) return textFormat;
    if (path.extname(source).toLowerCase() === '.zip') return 'zip';
    if (isIdxFileName(path.basename(source))) return 'idx';
    throw new ImportError('cannot tell the format: expected a .csv, .jsonl, .ndjson or .zip file, an IDX images file, or a folder', { file: source });
  }
  const entries = (await fs.readdir(source, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  if (entries.some((e) => e.isFile() && isIdxFileName(e.name))) return 'idx';
  const textFormats = entries.filter((e) => e.isFile()).map((e) => textTableFormatOf(e.name));
  // Mixed CSV and JSONL files: pick one, the importer then names the odd file out.
  const textFormat = textFormats.find((f) => f !== null);
  if (textFormat) return textFormat;
  if (entries.some((e) => e.isDirectory())) return 'folder';
  throw new ImportError(
    'no dataset found: expected IDX files, <split>.csv or <split>.jsonl files, or folders of images per class',
    { file: source },
  );
}
