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
