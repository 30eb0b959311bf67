// The import options that reshape a parsed dataset, in a fixed order: keep some classes,
// then a seeded subset per split, then symmetric label noise on train.
import type { ImportOptions } from '../../shared/domain.js';
import { ImportError } from '../../shared/errors.js';
import { createRandom } from '../../shared/seededRandom.js';
import { excerpt, listNames } from './messageExcerpt.js';
import type { ParsedDataset, ParsedExample } from './parsedDataset.js';

export type DatasetOptions = Partial<Pick<ImportOptions, 'classes' | 'subset' | 'noise' | 'seed'>>;

export function applyDatasetOptions(dataset: ParsedDataset, options: DatasetOptions): ParsedDataset {
  let result = dataset;
  if (options.classes) result = keepClasses(result, options.classes);
  if (options.subset !== undefined) result = subsetPerSplit(result, options.subset, options.seed ?? 0);
  if (options.noise && options.noise.rate > 0) result = addLabelNoise(result, options.noise.rate, options.noise.seed);
  return result;
}

/** Keeps the named classes, renumbered 0..k-1 in the order given. */
export function keepClasses(dataset: ParsedDataset, classes: string[]): ParsedDataset {
  const newLabel = new Map<number, number>();
  classes.forEach((name, i) => {
    const old = dataset.classNames.indexOf(name);
    if (old < 0) {
      throw new ImportError(`unknown class "${excerpt(name, 40)}"; the classes are: ${listNames(dataset.classNames, 12)}`, { file: dataset.source });
    }
    if (newLabel.has(old)) throw new ImportError(`class "${name}" is listed twice`, { file: dataset.source });
    newLabel.set(old, i);
  });
  const examples: ParsedExample[] = [];
  for (const example of dataset.examples) {
    const label = newLabel.get(example.label);
    if (label !== undefined) examples.push({ ...example, label });
  }
  if (examples.length === 0) throw new ImportError(`no examples of the classes ${listNames(classes, 12)}`, { file: dataset.source });
  return { ...dataset, classNames: [...classes], examples };
}

/** At most `size` examples per split, a seeded random choice kept in the original order. */
export function subsetPerSplit(dataset: ParsedDataset, size: number, seed: number): ParsedDataset {
  const bySplit = new Map<string, number[]>();
  dataset.examples.forEach((example, i) => {
    const members = bySplit.get(example.split);
    if (members) members.push(i);
    else bySplit.set(example.split, [i]);
  });
  const random = createRandom(seed);
  const chosen = new Set<number>();
  // Splits in order of first appearance, so the draw is fixed for a given file.
  for (const members of bySplit.values()) {
    const picked = members.length <= size ? members : random.shuffle([...members]).slice(0, size);
    for (const i of picked) chosen.add(i);
  }
  return { ...dataset, examples: dataset.examples.filter((_, i) => chosen.has(i)) };
}

/** With probability `rate`, a train example's training label becomes a uniformly random other class. */
export function addLabelNoise(dataset: ParsedDataset, rate: number, seed: number): ParsedDataset {
  const classCount = dataset.classNames.length;
  const random = createRandom(seed);
  const examples = dataset.examples.map((example) => {
    if (example.split !== 'train' || random.next() >= rate) return example;
    // Draw from the K-1 other classes by skipping over the clean one.
    const other = random.int(classCount - 1);
    return { ...example, noisyLabel: other >= example.label ? other + 1 : other };
  });
  return { ...dataset, examples };
}
