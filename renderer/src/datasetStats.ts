// Counts derived from a dataset summary: per class and noisy totals for one split or all.
import type { DatasetSummary } from '../../shared/domain.js';

export function splitsOf(dataset: DatasetSummary, split: string | null) {
  return split === null ? dataset.splits : dataset.splits.filter((s) => s.split === split);
}

export function exampleCount(dataset: DatasetSummary, split: string | null = null): number {
  return splitsOf(dataset, split).reduce((n, s) => n + s.count, 0);
}

export function noisyCount(dataset: DatasetSummary, split: string | null = null): number {
  return splitsOf(dataset, split).reduce((n, s) => n + s.noisy, 0);
}

export function perClassCounts(dataset: DatasetSummary, split: string | null = null): number[] {
  const counts = dataset.classNames.map(() => 0);
  for (const s of splitsOf(dataset, split)) s.perClass.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
  return counts;
}

export function className(dataset: DatasetSummary | null | undefined, label: number | null | undefined): string {
  if (label === null || label === undefined) return '';
  return dataset?.classNames[label] ?? `class ${label}`;
}

/** How many examples of one class (or of every class, label null) a split holds (or all splits, split null). */
export function classCount(dataset: DatasetSummary, split: string | null, label: number | null): number {
  return label === null ? exampleCount(dataset, split) : splitsOf(dataset, split).reduce((n, s) => n + (s.perClass[label] ?? 0), 0);
}

/** How many of those have a training label flipped by label noise (counted under their clean class). */
export function noisyClassCount(dataset: DatasetSummary, split: string | null, label: number | null): number {
  return label === null ? noisyCount(dataset, split) : splitsOf(dataset, split).reduce((n, s) => n + (s.noisyPerClass?.[label] ?? 0), 0);
}

/** Each split's count for the class filter (every class when label is null), in the dataset's split order. */
export function splitCountsFor(dataset: DatasetSummary, label: number | null): { split: string; count: number; noisy: number }[] {
  return dataset.splits.map((s) => ({ split: s.split, count: classCount(dataset, s.split, label), noisy: noisyClassCount(dataset, s.split, label) }));
}

/** A dataset kept by reference and imported with training size 0: it stores no training images, so nothing trains on it here. */
export function keepsNoTrainingImages(dataset: DatasetSummary): boolean {
  return dataset.storage?.store === 'reference' && dataset.storage.trainSize === 0;
}

/** The training image's shape as height × width × channels ("32×32×3"), or null for a dataset without one. */
export function trainingShapeText(dataset: DatasetSummary): string | null {
  const shape = dataset.shape;
  return shape ? `${shape.height}×${shape.width}×${shape.channels}` : null;
}
