// `disobey manifest`: per-example weights or a curriculum for the next distillation run, from
// explorer filters given as rules (shared/trainingManifest.ts, docs/manifests.md).
import fs from 'node:fs';
import path from 'node:path';
import { createAnalyticsService } from '../analytics/analyticsService.js';
import { writeTrainingManifest } from '../export/trainingManifest.js';
import { TrainingManifestArgs } from '../../shared/trainingManifest.js';
import type { z } from 'zod';
import { describeFlagIssues } from '../../shared/zodIssues.js';
import type { Store } from '../store/store.js';
import { say, sayJson, warn, writeData } from './output.js';
import { READ_WITHOUT_BLOCKING } from '../regularFile.js';

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

/** A rules file is a few dozen filters; anything past this is not one (and /dev/zero never ends). */
export const MAX_RULES_FILE_BYTES = 4 << 20;

const NOT_READABLE: Record<string, string> = { ENOENT: 'no such file', ENOTDIR: 'no such file (a part of the path is not a folder)', EACCES: 'permission denied', EISDIR: 'is a folder, not a file' };

/**
 * The text of --rules FILE: a regular file of at most MAX_RULES_FILE_BYTES. Opened without blocking
 * (a FIFO with no writer would wait forever) and checked on the open descriptor, so what is read is
 * what was checked; read no further than the cap even if the file grows meanwhile.
 */
function readRulesFile(file: string, usage: (message: string) => Error): string {
  const refuse = (why: string) => usage(`--rules ${file}: ${why}`);
  let fd: number;
  try {
    fd = fs.openSync(file, READ_WITHOUT_BLOCKING);
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw refuse((code !== undefined && NOT_READABLE[code]) || message);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw refuse(NOT_READABLE.EISDIR!);
    if (!stat.isFile()) throw refuse('not a regular file (a pipe, device or socket is not read)');
    if (stat.size > MAX_RULES_FILE_BYTES) throw refuse(`${stat.size} bytes; a rules file holds at most ${MAX_RULES_FILE_BYTES} bytes`);
    const buffer = Buffer.alloc(MAX_RULES_FILE_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_RULES_FILE_BYTES) throw refuse(`grew past ${MAX_RULES_FILE_BYTES} bytes while being read`);
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === undefined) throw err;
    throw refuse((err as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}

/** The manifest's fields as the flags that set them, so a refusal names what the user typed. */
const MANIFEST_FLAGS: Record<string, string> = {
  experimentId: '--experiment',
  studentRunId: '--student',
  epoch: '--epoch',
  split: '--split',
  defaultWeight: '--default-weight',
  kind: '--kind',
  format: '--format',
  path: '--out',
  overwrite: '--force',
  rules: '--rule/--rules',
};

/**
 * A refused manifest option by its flag ("--default-weight: Too small: …"); a rule's by where it
 * came from: "--rule 2 filter.labels: …", or "--rules FILE rule 3 weight: …"; at most five.
 */
function describeManifestOptions(error: z.ZodError, options: ManifestCommandOptions): string {
  return describeFlagIssues(error, MANIFEST_FLAGS, ([field, at, ...rest]) => {
    if (field !== 'rules' || at === undefined || !/^\d+$/.test(at)) return undefined;
    const i = Number(at);
    const from = i < options.rules.length ? `--rule ${i + 1}` : `--rules ${options.rulesFile} rule ${i - options.rules.length + 1}`;
    return [from, rest.join('.')].filter(Boolean).join(' ');
  });
}

export async function manifestCommand(store: Store, options: ManifestCommandOptions, usage: (message: string) => Error): Promise<void> {
  const rules = options.rules.map((r, i) => parseJson(r, `--rule ${i + 1}`, usage));
  if (options.rulesFile !== undefined) {
    const list = parseJson(readRulesFile(options.rulesFile, usage), `--rules ${options.rulesFile}`, usage);
    if (!Array.isArray(list)) throw usage(`--rules ${options.rulesFile}: must hold a JSON array of rules`);
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
  if (!parsed.success) throw usage(describeManifestOptions(parsed.error, options));
  // Printed to stdout, not answered in a call: no cap on the inline content.
  const result = await writeTrainingManifest({ store, filteredIds: createAnalyticsService(store).filteredIds }, parsed.data, null);
  if (result.content !== undefined) writeData(result.content);
  const summary = { path: result.path, rows: result.rows, bytes: result.bytes, counts: result.counts };
  // With the manifest on stdout, the summary goes to stderr so a pipe gets the manifest alone.
  if (options.json) return sayJson(summary, out === undefined ? 'stderr' : 'stdout');
  const lines = [`${result.rows} examples${out ? ` written to ${out}` : ''}`, ...result.counts.map((c) => `  stage ${c.stage}  weight ${c.weight}  ${c.count.toString().padStart(8)}  ${c.reason}`)];
  if (out === undefined) warn(lines.join('\n'));
  else say(lines.join('\n'));
}
