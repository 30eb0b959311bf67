// The whole import: parse and check every file in memory, then write the dataset in one
// transaction. Used in-process for the embedded sample and inside the import worker.
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ImportOptions } from '../../shared/domain.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_GROUPS } from '../../shared/fashionMnist.js';
import { createDatasetQueries } from '../store/datasetQueries.js';
import { parseDataset } from './importDataset.js';
import type { ParsedDataset, ReportProgress } from './parsedDataset.js';

export async function importIntoDatabase(
  db: Database.Database,
  options: ImportOptions,
  report: ReportProgress = () => {},
): Promise<number> {
  const parsed = await parseDataset(options, report);
  const queries = createDatasetQueries(db);
  const name = options.name ?? uniqueName(path.basename(options.path).replace(/\.(csv|jsonl|ndjson|zip)$/i, ''), queries.isNameTaken);
  const total = parsed.examples.length;
  report('write', 0, total);
  return queries.insertDataset(
    {
      name,
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

export function uniqueName(base: string, taken: (name: string) => boolean): string {
  const stem = base.trim() || 'dataset';
  if (!taken(stem)) return stem;
  for (let i = 2; ; i++) if (!taken(`${stem} (${i})`)) return `${stem} (${i})`;
}
