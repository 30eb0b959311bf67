// `disobey train`, `resume`, `runs` and `demo`: training in this process (itself apart from
// any UI), progress with an ETA on stderr, a summary table or JSON on stdout. Ctrl-C cancels;
// a killed process leaves its runs interrupted, ready for `disobey resume`.
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { DomainError } from '../../shared/errors.js';
import { ensureSampleDataset } from '../data/sampleDataset.js';
import { mechanismPresetSpecs, paperPresetSpec, planExperiment } from '../services/experimentPlanner.js';
import { createRunQueries } from '../store/runQueries.js';
import { BackendKinds, selectBackend, type BackendKind } from '../train/backend.js';
import { runExperiment, type TrainProgress } from '../train/experimentRunner.js';
import { formatEta, formatRuns } from './formatRuns.js';

export interface TrainCommandOptions {
  db: Database.Database;
  backend?: string;
  json: boolean;
}

function backendChoice(value: string | undefined): BackendKind | undefined {
  if (value === undefined) return undefined;
  if (!(BackendKinds as readonly string[]).includes(value)) throw new DomainError('VALIDATION_ERROR', `--backend must be one of ${BackendKinds.join(', ')}; got "${value}"`);
  return value as BackendKind;
}

function progressPrinter(enabled: boolean) {
  let last = 0;
  return (p: TrainProgress) => {
    if (!enabled) return;
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    const rate = p.examplesPerSecond ? `${Math.round(p.examplesPerSecond)} ex/s` : '';
    process.stderr.write(`\r\x1b[K${p.runName}: epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss?.toFixed(3) ?? '…'} ${rate} · ETA ${formatEta(p.etaSeconds)}`);
  };
}

async function trainExperiment(opts: TrainCommandOptions, experimentId: number, runIds?: number[]): Promise<void> {
  const backend = await selectBackend(backendChoice(opts.backend));
  const showProgress = process.stderr.isTTY === true && !opts.json;
  if (!opts.json) console.error(`training on backend: ${backend.name}`);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    await runExperiment({ db: opts.db, tf: backend.tf, backendName: backend.name, experimentId, runIds, signal: controller.signal, onProgress: progressPrinter(showProgress) });
  } finally {
    process.off('SIGINT', onSigint);
    if (showProgress) process.stderr.write('\n');
  }
  const runs = createRunQueries(opts.db).listRuns(experimentId);
  if (opts.json) console.log(JSON.stringify({ experimentId, backend: backend.name, runs }));
  else console.log(`experiment ${experimentId}\n${formatRuns(runs)}`);
  const failed = runs.filter((r) => r.status === 'failed');
  if (failed.length) throw new Error(`${failed.length} run(s) failed: ${failed.map((r) => `${r.name}: ${r.error}`).join('; ')}`);
}

export async function trainFromFile(opts: TrainCommandOptions, file: string): Promise<void> {
  let spec: unknown;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DomainError('SPEC_ERROR', `${file}: ${(err as Error).message}`, { file });
  }
  const { experimentId } = planExperiment(opts.db, spec);
  await trainExperiment(opts, experimentId);
}

export async function trainPreset(opts: TrainCommandOptions, datasetId: number, epochs?: number, preset: 'paper' | 'mechanisms' = 'paper'): Promise<void> {
  const specs = preset === 'paper' ? [paperPresetSpec(opts.db, datasetId, epochs)] : mechanismPresetSpecs(opts.db, datasetId, epochs);
  const planned = specs.map((spec) => planExperiment(opts.db, spec).experimentId);
  for (const experimentId of planned) await trainExperiment(opts, experimentId);
}

export async function resumeRun(opts: TrainCommandOptions, runId: number): Promise<void> {
  const runs = createRunQueries(opts.db);
  runs.reconcileInterrupted();
  const run = runs.getRun(runId);
  if (!['interrupted', 'cancelled', 'failed'].includes(run.status)) {
    throw new DomainError('CONFLICT', `run ${runId} is ${run.status}; only interrupted, cancelled or failed runs resume`);
  }
  // The run, then any of its experiment's runs that never got their turn.
  const waiting = runs.listRuns(run.experimentId).filter((r) => r.id !== runId && (r.status === 'pending' || r.status === 'interrupted'));
  await trainExperiment(opts, run.experimentId, [runId, ...waiting.map((r) => r.id)]);
}

export function listRuns(opts: TrainCommandOptions): void {
  const runs = createRunQueries(opts.db);
  runs.reconcileInterrupted();
  const all = runs.listRuns();
  console.log(opts.json ? JSON.stringify(all) : all.length ? formatRuns(all) : 'no runs yet: disobey train --dataset ID --preset paper');
}

/** `npm run demo`: the paper preset on the embedded sample, in the app's default database. */
export async function demo(opts: TrainCommandOptions, epochs?: number): Promise<void> {
  await ensureSampleDataset(opts.db);
  const sample = opts.db.prepare("SELECT id FROM datasets WHERE name = 'Fashion-MNIST sample'").pluck().get() as number | undefined;
  if (sample === undefined) throw new Error('the embedded sample dataset was deleted from this database; import it again with disobey import resources/sample/fashion-mnist');
  await trainPreset(opts, sample, epochs);
}
