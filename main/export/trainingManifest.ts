// A training manifest (shared/trainingManifest.ts): every listed example with the weight, stage
// and reason of the first rule whose filter passes it, or the default weight. Written like the
// set exports (a partial file moved into place), or returned as text for web mode's download.
import type { AnalysisScope, ExampleFilter } from '../../shared/analytics.js';
import { ValidationError } from '../../shared/errors.js';
import { DEFAULT_REASON, type TrainingManifestArgs, type TrainingManifestResult } from '../../shared/trainingManifest.js';
import type { Store } from '../store/store.js';
import { csvRecord, csvText } from './csvText.js';
import { createOutputFile } from './outputFile.js';

export interface ManifestSources {
  store: Store;
  /** ids of every example a filter passes, in id order (analyticsService.filteredIds) */
  filteredIds(scope: AnalysisScope, filter: ExampleFilter): ArrayLike<number>;
}

/**
 * The most a manifest returned as `content` (no `path`: the exportTrainingManifest call behind
 * web mode's Download button) holds: it is built at once on the services' event loop and sent in
 * one JSON answer. Past either limit it is refused, by rows before it is built, by size as soon as
 * its text passes it; written to a file (`path`) it has none. `disobey manifest` printing to
 * stdout passes null: a pipe takes any size.
 */
export const INLINE_MANIFEST_LIMITS = { rows: 50_000, bytes: 4 * 1024 * 1024 } as const;
export type InlineManifestLimits = { rows: number; bytes: number };

function tooLargeInline(what: string, limits: InlineManifestLimits): ValidationError {
  return new ValidationError(
    `this manifest has ${what}; one returned without a path holds at most ${limits.rows.toLocaleString('en-US')} rows and ${limits.bytes.toLocaleString('en-US')} bytes: give a path to write it to a file (the Write file button)`,
    { field: 'path' },
  );
}

export async function writeTrainingManifest(sources: ManifestSources, args: TrainingManifestArgs, inline: InlineManifestLimits | null = INLINE_MANIFEST_LIMITS): Promise<TrainingManifestResult> {
  const { rules, defaultWeight, kind, format, split, path, overwrite, ...scope } = args;
  const dataset = sources.store.datasets.getDataset(sources.store.experiments.getExperiment(scope.experimentId).datasetId);
  const splits = dataset.splits.map((s) => s.split);
  if (split !== undefined && !splits.includes(split)) throw new ValidationError(`dataset ${dataset.id} has no split "${split}" (splits: ${splits.join(', ')})`, { field: 'split' });
  const examples = sources.store.examples.listed(dataset.id, split);
  const limits = path === undefined ? inline : null;
  if (limits && examples.length > limits.rows) throw tooLargeInline(`${examples.length.toLocaleString('en-US')} rows`, limits);
  const position = new Map(examples.map((e, i) => [e.id, i]));

  // ruleOf[i]: the index of the first rule passing example i; rules.length where none does.
  const ruleOf = new Int32Array(examples.length).fill(rules.length);
  rules.forEach((rule, r) => {
    for (const id of Array.from(sources.filteredIds(scope, rule.filter))) {
      const i = position.get(id);
      if (i !== undefined && ruleOf[i] === rules.length) ruleOf[i] = r;
    }
  });
  const weightOf = (r: number) => (r < rules.length ? rules[r]!.weight : defaultWeight);
  const reasonOf = (r: number) => (r < rules.length ? rules[r]!.reason : DEFAULT_REASON);
  const counts = [...rules.map((rule, r) => ({ reason: rule.reason, weight: rule.weight, stage: r + 1, count: 0 })), { reason: DEFAULT_REASON, weight: defaultWeight, stage: rules.length + 1, count: 0 }];
  for (const r of ruleOf) counts[r]!.count++;

  const order = Array.from(examples.keys());
  // A curriculum lists stage 1 (the first rule's examples) first; stable, so id order within a stage.
  if (kind === 'curriculum') order.sort((a, b) => ruleOf[a]! - ruleOf[b]!);
  const curriculum = kind === 'curriculum';
  const header = format === 'csv' ? csvRecord(['id', 'split', 'index', 'source_ref', ...(curriculum ? ['stage'] : []), 'weight', 'reason']) : '';
  const line = (i: number): string => {
    const e = examples[i]!;
    const r = ruleOf[i]!;
    const stage = curriculum ? [r + 1] : [];
    // split, source_ref and reason are text cells (spreadsheet-safe, csvText); JSONL keeps them exact.
    if (format === 'csv') return csvRecord([e.id, csvText(e.split), e.idx, e.source_ref === null ? null : csvText(e.source_ref), ...stage, weightOf(r), csvText(reasonOf(r))]);
    return JSON.stringify({ id: e.id, split: e.split, index: e.idx, source_ref: e.source_ref, ...(curriculum ? { stage: r + 1 } : {}), weight: weightOf(r), reason: reasonOf(r) }) + '\n';
  };

  if (path === undefined) {
    const lines = [header];
    let bytes = Buffer.byteLength(header);
    for (const i of order) {
      const text = line(i);
      bytes += Buffer.byteLength(text);
      if (limits && bytes > limits.bytes) throw tooLargeInline(`more than ${limits.bytes.toLocaleString('en-US')} bytes of text`, limits);
      lines.push(text);
    }
    return { path: null, rows: examples.length, bytes, counts, content: lines.join('') };
  }
  const out = await createOutputFile(path, overwrite);
  try {
    const encoder = new TextEncoder();
    await out.write(encoder.encode(header));
    const BATCH = 10_000;
    for (let start = 0; start < order.length; start += BATCH) await out.write(encoder.encode(order.slice(start, start + BATCH).map(line).join('')));
    const bytes = await out.publish();
    return { path, rows: examples.length, bytes, counts };
  } catch (err) {
    await out.discard();
    throw err;
  }
}
