// The whole import, in one transaction: parse and check every file in memory and write it, or,
// for image folders stored by reference, stream the files into an open transaction. Used in-process for the embedded sample and inside the import worker.
import path from 'node:path';
import { DEFAULT_MAX_IMAGE_SIDE, DEFAULT_TRAIN_SIZE, SKIPPED_EXAMPLES, type ImportOptions, type SkippedFile, type SkippedFiles } from '../../shared/domain.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_GROUPS } from '../../shared/fashionMnist.js';
import { ImportError } from '../../shared/errors.js';
import type { Store } from '../store/store.js';
import { decodeImageFolder } from './imageFolder.js';
import { importFormatOf, listFolderForImport, parseDataset } from './importDataset.js';
import { chooseStore, readHeaders, writeReferenceDataset } from './referenceImport.js';
import type { ParsedDataset, ReportProgress } from './parsedDataset.js';

export interface ImportOutcome {
  datasetId: number;
  /** files the importer passed over: how many, and the first few with the reason */
  skipped: SkippedFiles;
}

/** The import, answering the new dataset's id. */
export async function importIntoDatabase(store: Store, options: ImportOptions, report: ReportProgress = () => {}): Promise<number> {
  return (await importWithSkipped(store, options, report)).datasetId;
}

/** The import, answering the new dataset's id and what was skipped, for the import summary. */
export async function importWithSkipped(
  store: Store,
  options: ImportOptions,
  report: ReportProgress = () => {},
  signal?: AbortSignal,
  /** where a reference import stages its rows (default: a new file beside the database) */
  stagingFile?: string,
): Promise<ImportOutcome> {
  const format = await importFormatOf(options);
  if (format !== 'folder' && (options.store !== undefined || options.trainSize !== undefined)) {
    throw new ImportError(`the image store (--store, --train-size) applies to image folders; this is a ${format} source`, { file: options.path, field: 'store' });
  }
  if (format !== 'folder') return writeParsed(store, options, await parseDataset({ ...options, format }, report), report);
  // Image folders: walk, then read every header (sizes decide the default store), then decode.
  const maxSide = options.maxImageSide ?? DEFAULT_MAX_IMAGE_SIDE;
  const listing = await listFolderForImport(options);
  const headers = await readHeaders(listing, maxSide, report, signal);
  const kind = chooseStore(options.store, headers);
  if (kind === 'pixels') {
    if (options.trainSize !== undefined) {
      throw new ImportError('--train-size applies to the reference store: the pixels store keeps every image whole at its own size', { file: options.path, field: 'trainSize' });
    }
    const split = { testFraction: options.testFraction, seed: options.seed, maxImageSide: options.maxImageSide };
    return writeParsed(store, options, await decodeImageFolder(listing, split, report), report);
  }
  const datasetId = await writeReferenceDataset(
    store,
    listing,
    headers,
    {
      name: datasetNameOf(options),
      renameIfTaken: options.name === undefined,
      trainSize: options.trainSize ?? DEFAULT_TRAIN_SIZE,
      maxSide,
      classGroups: defaultClassGroups({ classNames: listing.classNames }),
      options: { ...storedOptions(options), store: 'reference', trainSize: options.trainSize ?? DEFAULT_TRAIN_SIZE },
      stagingFile,
    },
    report,
    signal,
  );
  return { datasetId, skipped: summarizeSkipped(listing.skipped) };
}

/** Without --name, the folder's name, numbered under the write lock if taken (two imports at once). */
function datasetNameOf(options: ImportOptions): string {
  return options.name ?? (path.basename(options.path).replace(/\.(csv|jsonl|ndjson|zip)$/i, '').trim() || 'dataset');
}

function storedOptions(options: ImportOptions) {
  return { subset: options.subset, classes: options.classes, noise: options.noise, testFraction: options.testFraction, seed: options.seed };
}

/** A dataset parsed whole in memory (the pixels store, texts, IDX, ZIP), written in one transaction. */
function writeParsed(store: Store, options: ImportOptions, parsed: ParsedDataset, report: ReportProgress): ImportOutcome {
  const total = parsed.examples.length;
  report('write', 0, total);
  const datasetId = store.importDataset(
    {
      name: datasetNameOf(options),
      renameIfTaken: options.name === undefined,
      kind: parsed.kind,
      format: parsed.format,
      source: parsed.source,
      classNames: parsed.classNames,
      classGroups: defaultClassGroups(parsed),
      shape: parsed.shape,
      options: storedOptions(options),
    },
    examplesInSplitOrder(parsed),
    (written) => report('write', written, total),
  );
  return { datasetId, skipped: summarizeSkipped(parsed.skipped ?? []) };
}

/** All skipped files counted, the first SKIPPED_EXAMPLES named (the list comes sorted by path). */
export function summarizeSkipped(skipped: SkippedFile[]): SkippedFiles {
  return { count: skipped.length, examples: skipped.slice(0, SKIPPED_EXAMPLES) };
}

/** Confusable groups we know by class names; other datasets start with none (settable later). */
function defaultClassGroups(parsed: Pick<ParsedDataset, 'classNames'>): number[][] {
  const same = parsed.classNames.length === FASHION_MNIST_CLASSES.length && parsed.classNames.every((c, i) => c === FASHION_MNIST_CLASSES[i]);
  return same ? FASHION_MNIST_GROUPS : [];
}

function* examplesInSplitOrder(parsed: ParsedDataset) {
  const nextIndex = new Map<string, number>();
  for (const e of parsed.examples) {
    const index = nextIndex.get(e.split) ?? 0;
    nextIndex.set(e.split, index + 1);
    yield {
      split: e.split,
      index,
      label: e.label,
      noisyLabel: e.noisyLabel ?? null,
      group: e.group ?? null,
      sourceRef: e.sourceRef,
      pixels: e.pixels ?? null,
      text: e.text ?? null,
    };
  }
}
