// `disobey train`, `resume`, `runs` and `demo`: training in this process (itself apart from
// any UI), progress with an ETA on stderr, a summary table or JSON on stdout. Ctrl-C cancels;
// a killed process leaves its runs interrupted, ready for `disobey resume`.
import fs from 'node:fs';
import { DomainError } from '../../shared/errors.js';
import { ImportOptions } from '../../shared/domain.js';
import { FINDINGS_PRESET, type Storage } from '../../shared/experimentSpec.js';
import { reproducedSummary } from '../../shared/findingsText.js';
import { importIntoDatabase } from '../data/importIntoDatabase.js';
import { ensureSampleDataset, SAMPLE_DATASET_NAME } from '../data/sampleDataset.js';
import { sampleDatasetDir } from '../paths.js';
import { findingsPresetSpec, mechanismPresetSpecs, paperPresetSpec, planExperiment } from '../services/experimentPlanner.js';
import { launchWorker, workerEntryPath, WorkerExitedError } from '../workers/launcher.js';
import { trainWorkerCount } from '../workers/trainerPool.js';
import { findingsCommand } from './findingsCommand.js';
import { BackendKinds, selectBackend, type BackendKind } from '../train/backend.js';
import { trainingThreads } from '../train/dataParallel.js';
import { runExperiment, type TrainProgress } from '../train/experimentRunner.js';
import { formatRuns } from './formatRuns.js';
import type { Store } from '../store/store.js';
import { formatEtaShort } from '../../shared/progress.js';
import { drawProgress, endProgress, say, sayJson, warn } from './output.js';

export interface TrainCommandOptions {
  store: Store;
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
    drawProgress(`${p.runName}: epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss?.toFixed(3) ?? '…'} ${rate} · ETA ${formatEtaShort(p.etaSeconds, '…')}`);
  };
}

async function trainExperiment(opts: TrainCommandOptions, experimentId: number, runIds?: number[]): Promise<void> {
  await trainQueues(opts, [experimentId], runIds);
  reportTrained(opts, experimentId, runIds);
}

/**
 * Trains the runs of `experimentIds` in this process and, for several experiments (seed
 * replicates) on a single-threaded backend, in as many extra worker processes as the trainer
 * would start: all claim runs from the same queues in the database (`claimNextRun`), the extra
 * workers taking the experiments in reverse order, so two cores train two replicates at once.
 */
async function trainQueues(opts: TrainCommandOptions, experimentIds: number[], runIds?: number[]): Promise<void> {
  const backend = await selectBackend(backendChoice(opts.backend));
  const showProgress = process.stderr.isTTY === true && !opts.json;
  const print = progressPrinter(showProgress);
  const extraWorkers = runIds === undefined && experimentIds.length > 1 && opts.store.file !== ':memory:' && fs.existsSync(workerEntryPath('train')) ? Math.min(trainWorkerCount(backend.kind), experimentIds.length) - 1 : 0;
  if (!opts.json) warn(`training on backend: ${backend.name}${extraWorkers ? ` in ${extraWorkers + 1} processes` : ''}`);
  const controller = new AbortController();
  const workers = Array.from({ length: extraWorkers }, () => launchWorker('train'));
  const jobs = workers.flatMap((worker) =>
    [...experimentIds].reverse().map((experimentId) => worker.start({ databasePath: opts.store.file, experimentId, backend: backend.kind }, (m) => m.type === 'progress' && print(m.progress))),
  );
  const onSigint = () => {
    controller.abort();
    for (const job of jobs) job.cancel();
  };
  process.once('SIGINT', onSigint);
  try {
    const threads = trainingThreads(backend.kind);
    for (const experimentId of experimentIds) await runExperiment({ store: opts.store, tf: backend.tf, backendName: backend.name, threads, experimentId, runIds, signal: controller.signal, onProgress: print });
    const outcomes = await Promise.allSettled(jobs.map((job) => job.result));
    const problems = workers.flatMap((_, w) => {
      const left = outcomes.slice(w * experimentIds.length, (w + 1) * experimentIds.length).map((o) => (o.status === 'rejected' ? (o.reason as Error) : null));
      const exited = left.filter((e) => e instanceof WorkerExitedError);
      return exited.length ? [`a training worker exited (code ${exited[0]!.exit.code}) with ${exited.length} experiment(s) left`] : [];
    });
    if (problems.length) warn(`disobey: ${problems.join('; ')}; disobey resume continues their runs`);
  } finally {
    process.off('SIGINT', onSigint);
    for (const w of workers) void w.terminate();
    if (showProgress) endProgress();
  }
}

/** Prints an experiment's runs (table or JSON) and fails when a run this command trained failed. */
function reportTrained(opts: TrainCommandOptions, experimentId: number, runIds?: number[]): void {
  const runs = opts.store.runs.listRuns(experimentId);
  if (opts.json) sayJson({ experimentId, backend: runs.find((r) => r.backend)?.backend ?? null, runs });
  else say(`experiment ${experimentId}\n${formatRuns(runs, opts.store.experiments.experimentsWithLabelNoise())}`);
  // A resume answers for the runs it trained, not for an older failure it left alone.
  const failed = runs.filter((r) => r.status === 'failed' && (runIds === undefined || runIds.includes(r.id)));
  if (failed.length) throw new Error(`${failed.length} run(s) failed: ${failed.map((r) => `${r.name}: ${r.error}`).join('; ')}`);
}

/** `seeds` (--seeds N) and `storage` (--precision) replace the file's own; every seed replicate is trained, in seed order. */
export async function trainFromFile(opts: TrainCommandOptions, file: string, seeds?: number, storage?: Storage): Promise<void> {
  let spec: unknown;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DomainError('SPEC_ERROR', `${file}: ${(err as Error).message}`, { file });
  }
  if (seeds !== undefined && spec !== null && typeof spec === 'object') spec = { ...spec, seeds };
  if (storage !== undefined && spec !== null && typeof spec === 'object') spec = { ...spec, storage };
  const { experimentIds } = planExperiment(opts.store, spec);
  await trainSeries(opts, experimentIds);
}

/** Trains seed replicates side by side where cores allow, then reports each. */
async function trainSeries(opts: TrainCommandOptions, experimentIds: number[]): Promise<void> {
  await trainQueues(opts, experimentIds);
  for (const experimentId of experimentIds) reportTrained(opts, experimentId);
}

/** With `seeds`, each preset experiment is planned as that many seed replicates, trained side by side where cores allow. */
export async function trainPreset(opts: TrainCommandOptions, datasetId: number, epochs?: number, preset: 'paper' | 'findings' | 'mechanisms' = 'paper', seeds?: number, storage?: Storage): Promise<void> {
  const specs =
    preset === 'paper'
      ? [paperPresetSpec(opts.store, datasetId, epochs, seeds)]
      : preset === 'findings'
        ? [findingsPresetSpec(opts.store, datasetId, { epochs, seeds })]
        : mechanismPresetSpecs(opts.store, datasetId, epochs).map((spec) => (seeds !== undefined ? { ...spec, seeds } : spec));
  for (const spec of specs) await trainSeries(opts, planExperiment(opts.store, storage === undefined ? spec : { ...spec, storage }).experimentIds);
}

export async function resumeRun(opts: TrainCommandOptions, runId: number): Promise<void> {
  const { runs } = opts.store;
  runs.reconcileInterrupted();
  const run = runs.getRun(runId);
  if (!['interrupted', 'cancelled', 'failed'].includes(run.status)) {
    throw new DomainError('CONFLICT', `run ${runId} is ${run.status}; only interrupted, cancelled or failed runs resume`);
  }
  // The run, then its experiment's runs that never got their turn, its students included.
  await trainExperiment(opts, run.experimentId, runs.resumeQueue(runId));
}

export function listRuns(opts: TrainCommandOptions): void {
  const { runs } = opts.store;
  if (!opts.store.readonly) runs.reconcileInterrupted(); // a read-only database lists as it was left
  const all = runs.listRuns();
  if (opts.json) sayJson(all);
  else say(all.length ? formatRuns(all, opts.store.experiments.experimentsWithLabelNoise()) : 'no runs yet: disobey train --dataset ID --preset paper');
}

/**
 * `npm run demo`: the findings preset (docs/findings.md) on the embedded sample with symmetric
 * label noise, as seed replicates trained side by side, then the findings: does it pay to disobey?
 */
export async function demo(opts: TrainCommandOptions, options: { epochs?: number; seeds?: number } = {}): Promise<void> {
  const started = Date.now();
  const datasetId = await ensureNoisySample(opts.store);
  const spec = findingsPresetSpec(opts.store, datasetId, options);
  const { experimentIds } = planExperiment(opts.store, spec);
  await trainSeries(opts, experimentIds);
  if (opts.json) return;
  say('');
  const findings = await findingsCommand(opts.store, { experiment: experimentIds[0], json: false });
  say(`\ndemo: ${((Date.now() - started) / 1000).toFixed(0)} s · ${reproducedSummary(findings.claims)} · npm start opens the app on the Findings page of experiment ${experimentIds[0]}`);
}

/** The sample with FINDINGS_PRESET's label noise, imported once into this database (by its name). */
async function ensureNoisySample(store: Store): Promise<number> {
  await ensureSampleDataset(store);
  const name = `${SAMPLE_DATASET_NAME} · ${FINDINGS_PRESET.trainExamples.toLocaleString('en')} train · ${FINDINGS_PRESET.noiseRate * 100}% label noise`;
  const existing = store.datasets.idByName(name);
  if (existing !== undefined) return existing;
  const dir = sampleDatasetDir();
  if (!fs.existsSync(dir)) throw new Error(`the embedded sample dataset is missing: ${dir}`);
  return importIntoDatabase(store, ImportOptions.parse({ path: dir, format: 'idx', name, subset: FINDINGS_PRESET.trainExamples, noise: { rate: FINDINGS_PRESET.noiseRate, seed: FINDINGS_PRESET.noiseSeed } }));
}
