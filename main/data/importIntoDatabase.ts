// The whole import: parse and check every file in memory, then write the dataset in one
// transaction. Used in-process for the embedded sample and inside the import worker.
import path from 'node:path';
import { SKIPPED_EXAMPLES, type ImportOptions, type SkippedFile, type SkippedFiles } from '../../shared/domain.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_GROUPS } from '../../shared/fashionMnist.js';
import type { Store } from '../store/store.js';
import { parseDataset } from './importDataset.js';
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
): Promise<ImportOutcome> {
  const parsed = await parseDataset(options, report);
  const total = parsed.examples.length;
  report('write', 0, total);
  const datasetId = store.importDataset(
    {
      // Without --name, the folder's name, numbered under the write lock if taken (two imports at once).
      name: options.name ?? (path.basename(options.path).replace(/\.(csv|jsonl|ndjson|zip)$/i, '').trim() || 'dataset'),
      renameIfTaken: options.name === undefined,
      kind: parsed.kind,
      format: parsed.format,
      source: parsed.source,
      classNames: parsed.classNames,
      classGroups: defaultClassGroups(parsed),
      shape: parsed.shape,
      options: { subset: options.subset, classes: options.classes, noise: options.noise, testFraction: options.testFraction, seed: options.seed },
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
function defaultClassGroups(parsed: ParsedDataset): number[][] {
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
