// `disobey manifest`: per-example weights or a curriculum for the next distillation run, from
// explorer filters given as rules (shared/trainingManifest.ts, docs/manifests.md).
import fs from 'node:fs';
import path from 'node:path';
import { createAnalyticsService } from '../analytics/analyticsService.js';
import { writeTrainingManifest } from '../export/trainingManifest.js';
import { TrainingManifestArgs } from '../../shared/trainingManifest.js';
import { describeZodError } from '../../shared/zodIssues.js';
import type { Store } from '../store/store.js';

export interface ManifestCommandOptions {
  experiment: number;
  student: number | undefined;
  epoch: number | undefined;
  split: string | undefined;
  /** each a JSON rule {filter, weight, reason} */
  rules: string[];
  /** a JSON file holding an array of rules */
  rulesFile: string | undefined;
  defaultWeight: number | undefined;
  kind: string | undefined;
  format: string | undefined;
  /** absent: the manifest goes to stdout */
  out: string | undefined;
  force: boolean;
  json: boolean;
}

function parseJson(text: string, what: string, usage: (message: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usage(`${what} is not JSON: ${(err as Error).message}`);
  }
}

export async function manifestCommand(store: Store, options: ManifestCommandOptions, usage: (message: string) => Error): Promise<void> {
  const rules = options.rules.map((r, i) => parseJson(r, `--rule ${i + 1}`, usage));
  if (options.rulesFile !== undefined) {
    const list = parseJson(fs.readFileSync(options.rulesFile, 'utf8'), options.rulesFile, usage);
    if (!Array.isArray(list)) throw usage(`${options.rulesFile} must hold a JSON array of rules`);
    rules.push(...(list as unknown[]));
  }
  if (!rules.length) throw usage('manifest needs at least one --rule JSON or --rules FILE');
  const out = options.out === undefined ? undefined : path.resolve(options.out);
  const format = options.format ?? (out && /\.jsonl$/i.test(out) ? 'jsonl' : 'csv');
  // Checked whole by the contract's schema, as the app's call is.
  const parsed = TrainingManifestArgs.safeParse({
    experimentId: options.experiment,
    studentRunId: options.student,
    epoch: options.epoch,
    split: options.split,
    rules,
    defaultWeight: options.defaultWeight,
    kind: options.kind,
    format,
    path: out,
    overwrite: options.force,
  });
  if (!parsed.success) throw usage(describeZodError(parsed.error));
  const result = await writeTrainingManifest({ store, filteredIds: createAnalyticsService(store).filteredIds }, parsed.data);
  if (result.content !== undefined) process.stdout.write(result.content);
  const summary = { path: result.path, rows: result.rows, bytes: result.bytes, counts: result.counts };
  if (options.json) {
    (out === undefined ? process.stderr : process.stdout).write(JSON.stringify(summary) + '\n');
    return;
  }
  const lines = [`${result.rows} examples${out ? ` written to ${out}` : ''}`, ...result.counts.map((c) => `  stage ${c.stage}  weight ${c.weight}  ${c.count.toString().padStart(8)}  ${c.reason}`)];
  // With the manifest on stdout, the summary goes to stderr so a pipe gets the manifest alone.
  (out === undefined ? process.stderr : process.stdout).write(lines.join('\n') + '\n');
}
