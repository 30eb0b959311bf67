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

export async function writeTrainingManifest(sources: ManifestSources, args: TrainingManifestArgs): Promise<TrainingManifestResult> {
  const { rules, defaultWeight, kind, format, split, path, overwrite, ...scope } = args;
  const dataset = sources.store.datasets.getDataset(sources.store.experiments.getExperiment(scope.experimentId).datasetId);
  const splits = dataset.splits.map((s) => s.split);
  if (split !== undefined && !splits.includes(split)) throw new ValidationError(`dataset ${dataset.id} has no split "${split}" (splits: ${splits.join(', ')})`, { field: 'split' });
  const examples = sources.store.examples.listed(dataset.id, split);
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
    const content = header + order.map(line).join('');
    return { path: null, rows: examples.length, bytes: Buffer.byteLength(content), counts, content };
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
