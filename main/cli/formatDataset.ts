// Plain-text rendering of dataset summaries for the terminal.
import type { DatasetSummary, SkippedFiles } from '../../shared/domain.js';
import { printable } from './output.js';

export function formatDataset(d: DatasetSummary): string {
  const shape = d.shape ? ` ${d.shape.height}×${d.shape.width}×${d.shape.channels}` : d.kind === 'image' ? ', no stored pixels' : '';
  const lines = [
    `dataset ${d.id} "${printable(d.name)}" (${d.kind}${shape}, ${d.classNames.length} classes, from ${d.format})`,
    `classes: ${d.classNames.map((c, i) => `${i}=${printable(c)}`).join(', ')}`,
  ];
  if (d.storage?.store === 'reference') {
    const tensors = d.storage.trainSize > 0 ? `training tensors ${d.storage.trainSize}×${d.storage.trainSize}` : 'no training tensors';
    lines.push(`stored by reference: originals in ${d.storage.root}; thumbnails and ${tensors}`);
  }
  const width = Math.max(5, ...d.splits.map((s) => s.split.length));
  lines.push(`${'split'.padEnd(width)}  ${'count'.padStart(7)}  ${'noisy'.padStart(6)}  per class`);
  for (const s of d.splits) {
    lines.push(`${s.split.padEnd(width)}  ${String(s.count).padStart(7)}  ${String(s.noisy).padStart(6)}  ${s.perClass.join(' ')}`);
  }
  return lines.join('\n');
}

/** What an import skipped: the count, then the first few with their reasons; null when nothing was. */
export function formatSkipped(skipped: SkippedFiles): string | null {
  if (skipped.count === 0) return null;
  const more = skipped.count > skipped.examples.length ? ` (the first ${skipped.examples.length} below)` : '';
  return [`skipped ${skipped.count} file${skipped.count === 1 ? '' : 's'}${more}:`, ...skipped.examples.map((e) => `  ${printable(e.path)}: ${e.reason}`)].join('\n');
}
