// Trains an experiment's queued runs, teacher first, recording every epoch. Used inside the
// training worker process and by the CLI; the store is the only shared state, so a run killed
// anywhere resumes from its last recorded epoch.
import type { AppEvent } from '../../shared/contract.js';
import { CancelledError, DomainError } from '../../shared/errors.js';
import { lossModelConflict, lossNeedsTeacher, parseRunSpec, type RunSpec } from '../../shared/experimentSpec.js';
import type { RunStatus } from '../../shared/runs.js';
import { databaseError } from '../store/databaseErrors.js';
import type { RunRecord, Store } from '../store/store.js';
import type { BackendKind, Tf } from './backend.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { predictAllSplits, RECORDING_BATCH, splitOutputs } from './epochRecording.js';
import { buildModel, type ClassifierModel } from './models.js';
import { predictFeatures, predictProbabilities, trainRun, type TrainRunOptions } from './trainer.js';
import { loadTrainingData, type TrainingData } from './trainingData.js';

/** What a progress report carries: the contract's trainProgress event, less its type tag. */
export type TrainProgress = Omit<Extract<AppEvent, { type: 'trainProgress' }>, 'type'>;

export interface RunnerCallbacks {
  onProgress?(p: TrainProgress): void;
  /** a run started, recorded an epoch, or ended */
  onRunChanged?(experimentId: number, runId: number): void;
  /**
   * Timing of each recorded epoch, for the benchmark's recording overhead; `aside` when its
   * predictions were made on the run's idle gradient workers while it trained on.
   */
  onEpochTiming?(t: { runId: number; epoch: number; trainSeconds: number; predictSeconds: number; writeSeconds: number; aside: boolean }): void;
}

export interface RunExperimentOptions extends RunnerCallbacks {
  store: Store;
  tf: Tf;
  backendName: string;
  experimentId: number;
  /**
   * Threads the machine gives training (its cores) and the backend the extra ones start: a run
   * takes its share, max ÷ the runs training at its start, all of them when it trains alone. The
   * count changes the speed only (dataParallel.ts). Default: one thread.
   */
  threads?: { backend: BackendKind; max: number; /** the thread probe's clock (tests give their own) */ now?: () => number };
  /** only these runs (resume); default: every run not yet done, cancelled ones excluded */
  runIds?: number[];
  signal?: AbortSignal;
}

const RUNNABLE: ReadonlySet<RunStatus> = new Set<RunStatus>(['pending', 'interrupted']);

export async function runExperiment(options: RunExperimentOptions): Promise<void> {
  const { store, experimentId } = options;
  const runs = store.runs;
  runs.reconcileInterrupted();
  const experimentRuns = runs.listRuns(experimentId);
  // A student may distil from another experiment's teacher (a seed series' shared teacher): one
  // that has not trained yet joins this queue, so the student waits for it instead of failing.
  const ownIds = new Set(experimentRuns.map((r) => r.id));
  const foreignTeachers = options.runIds
    ? []
    : [...new Set(experimentRuns.flatMap((r) => (r.role === 'student' && RUNNABLE.has(r.status) && r.teacherRunId !== null && !ownIds.has(r.teacherRunId) ? [r.teacherRunId] : [])))]
        .map((id) => runs.runSummary(id))
        .filter((t) => RUNNABLE.has(t.status));
  const queue = [...foreignTeachers, ...experimentRuns]
    .filter((r) => (options.runIds ? options.runIds.includes(r.id) : RUNNABLE.has(r.status)))
    .sort((a, b) => (a.role === b.role ? a.id - b.id : a.role === 'teacher' ? -1 : 1));
  const dataCache = new Map<string, TrainingData>();
  // A run that will take over an earlier run's first epochs (runQueries.ts) trains only the rest.
  const eta = createQueueEta(queue.map((r) => ({ id: r.id, remainingEpochs: r.epochs - Math.max(r.epochsDone, runs.epochsToTakeOver(r.id)) })));
  const candidates = queue.map((r) => r.id);
  const attempted = new Set<number>();
  // Runs are claimed one at a time, so several worker processes can share an experiment's queue.
  const claimable = options.runIds ? new Set<RunStatus>([...RUNNABLE, 'cancelled', 'failed']) : RUNNABLE;
  for (;;) {
    try {
      if (options.signal?.aborted) throw new CancelledError('training was cancelled');
      // A run is tried once per call: a failed run must not be claimed again when resuming.
      const next = store.claimNextRun(candidates.filter((id) => !attempted.has(id)), claimable, process.pid, options.backendName);
      if (next === 'none') return;
      if (next === 'wait') {
        await new Promise((resolve) => setTimeout(resolve, 200));
        // A teacher whose worker died would otherwise keep its students waiting forever.
        runs.reconcileInterrupted();
        continue;
      }
      attempted.add(next);
      await trainOneRun(runs.getRun(next), options, dataCache, eta);
    } catch (err) {
      // A cancelled experiment cancels the runs still waiting their turn, too.
      if (err instanceof CancelledError) {
        for (const id of candidates) {
          // Another experiment's teacher stays as it is: that experiment was not cancelled.
          if (!ownIds.has(id) || !RUNNABLE.has(runs.getRun(id).status)) continue;
          runs.finishRun(id, 'cancelled', 'cancelled before it started');
          options.onRunChanged?.(experimentId, id);
        }
      }
      throw err;
    }
  }
}

async function trainOneRun(run: RunRecord, options: RunExperimentOptions, dataCache: Map<string, TrainingData>, eta: QueueEta): Promise<void> {
  const { store, tf, signal } = options;
  const runs = store.runs;
  const spec = runSpecOf(run);
  const dataFor = (s: RunSpec) => {
    const key = JSON.stringify([s.model, s.trainSplit ?? 'train']);
    let data = dataCache.get(key);
    if (!data) dataCache.set(key, (data = loadTrainingData(store, run.datasetId, s.model, s.trainSplit)));
    return data;
  };
  options.onRunChanged?.(run.experimentId, run.id);
  let teacher: TeacherOutputs | undefined;
  try {
    const data = dataFor(spec);
    runs.setPreprocessing(run.id, data.preprocessing);
    const needsTeacher = spec.phases.some((p) => lossNeedsTeacher(p.loss));
    teacher = needsTeacher ? loadTeacher(run, spec, options, dataFor) : undefined;
    const teacherLogits = teacher?.logits;
    const resumeFrom = run.epochsDone > 0 && run.checkpoint ? decodeCheckpoint(run.checkpoint) : null;
    let lastBatchAt = performance.now();
    // The previous epoch's write, still to run: it waits for the next epoch's first step (see below).
    let pendingWrite: Promise<void> = Promise.resolve();
    await trainRun({
      tf,
      spec,
      data: { train: data.train },
      numClasses: data.numClasses,
      input: data.input,
      teacherLogits,
      teacherModel: teacher?.model,
      teacherFeatures: teacher?.features,
      startEpoch: resumeFrom ? run.epochsDone : 0,
      initialWeights: resumeFrom?.weights,
      initialOptimizerState: resumeFrom?.optimizer,
      initialHeads: resumeFrom?.heads,
      threads: threadsForRun(runs, options.threads),
      signal,
      onBatch: (b) => {
        eta.batchDone(run.id, 1 / b.batches);
        const now = performance.now();
        if (now - lastBatchAt < 200 && b.batch !== b.batches - 1) return;
        lastBatchAt = now;
        options.onProgress?.({
          experimentId: run.experimentId,
          runId: run.id,
          runName: run.name,
          epoch: b.epoch + 1,
          epochs: spec.epochs,
          batch: b.batch + 1,
          batches: b.batches,
          loss: b.loss,
          examplesPerSecond: b.examplesPerSecond,
          etaSeconds: eta.secondsLeft(),
        });
      },
      onEpochEnd: async (epoch, weights, info) => {
        await pendingWrite;
        const checkpoint = encodeCheckpoint({ weights, optimizer: info.optimizerState, heads: info.heads });
        const t0 = performance.now();
        // Where the run's gradient workers would idle (it trains faster alone), they predict every
        // split from this epoch's weights while this thread trains the next epoch; else every
        // thread predicts now, before training goes on.
        const aside = info.predictAside(data.splits, RECORDING_BATCH);
        const predicted = aside ? aside.then((logits) => splitOutputs(data.splits, logits, data.numClasses)) : Promise.resolve(await predictAllSplits(info.predictLogits, data.numClasses, data.splits));
        // The write runs once the next epoch's first step is under way (and its predictions are
        // made), so it overlaps training; the next epoch end, or the run's end, waits for it.
        pendingWrite = predicted.then((outputs) => {
          const t1 = performance.now(); // the predictions are in (at once when made here)
          return new Promise<void>((resolve, reject) =>
            setImmediate(() => {
              try {
                const w0 = performance.now();
                store.recordEpoch({
                  runId: run.id,
                  epoch: epoch + 1,
                  seconds: info.summary.seconds,
                  metrics: outputs.metrics,
                  predictions: { exampleIds: outputs.exampleIds, labels: outputs.labels, logits: outputs.logits, numClasses: data.numClasses },
                  checkpoint,
                });
                const w1 = performance.now();
                options.onEpochTiming?.({ runId: run.id, epoch: epoch + 1, trainSeconds: info.summary.seconds, predictSeconds: (t1 - t0) / 1000, writeSeconds: (w1 - w0) / 1000, aside: aside !== null });
                options.onRunChanged?.(run.experimentId, run.id);
                resolve();
              } catch (err) {
                reject(err as Error);
              }
            }),
          );
        });
        // A failed write surfaces at the next await; until then it must not count as unhandled.
        pendingWrite.catch(() => undefined);
      },
    })
      .then((result) => result.model.dispose())
      .finally(() => pendingWrite.catch(() => undefined));
    await pendingWrite;
    runs.finishRun(run.id, 'done');
  } catch (err) {
    if (err instanceof CancelledError) runs.finishRun(run.id, 'cancelled', err.message);
    else {
      const reason = databaseError(err, store.file); // "database or disk is full" → which file, and what to do
      runs.finishRun(run.id, 'failed', reason instanceof Error ? reason.message : String(reason));
    }
    options.onRunChanged?.(run.experimentId, run.id);
    if (err instanceof CancelledError) throw err;
    return;
  } finally {
    teacher?.model?.dispose();
  }
  options.onRunChanged?.(run.experimentId, run.id);
}

/**
 * A run's share of the training threads: all of them when it trains alone (see
 * RunExperimentOptions.threads). `npm run bench -- training` on the 2-core EPYC: the CNN trained
 * 1.6× faster on 2 threads (3,763 vs 2,350 examples/s). The MLP read 0.67× there while every
 * step copied the weights and the gradients through fresh buffers (dataSync); read through heap
 * views (tensorValues.ts), a 784-512-10 MLP step on 2 threads costs ~5% more CPU than on one
 * (20.6 against 19.5 ms, it was 26.7), so its two shards now run side by side too. Where a second
 * thread does not pay (the MLP on a 2-core Xeon), the run finds out in its first steps, timing
 * them with its workers and without, and keeps the faster (dataParallel.ts). The thread count
 * never changes the numbers, only the speed.
 */
function threadsForRun(runs: Store['runs'], threads: RunExperimentOptions['threads']): TrainRunOptions['threads'] {
  if (!threads || threads.max <= 1) return undefined;
  const training = runs.listRuns().filter((r) => r.status === 'running').length;
  return { backend: threads.backend, count: Math.max(1, Math.floor(threads.max / Math.max(1, training))), now: threads.now };
}

interface TeacherOutputs {
  logits: Float32Array;
  /** kept for a jacobian loss (disposed after the student's run) */
  model?: ClassifierModel;
  /** penultimate features for a contrastive loss */
  features?: { dim: number; rows: Float32Array };
}

/**
 * What the student's losses read from its teacher, from the teacher's final checkpoint and its own
 * preprocessing: train-split logits always, penultimate features for a contrastive phase, and the
 * model itself for a jacobian phase (its directional derivatives depend on each batch's directions).
 */
function loadTeacher(run: RunRecord, studentSpec: RunSpec, options: RunExperimentOptions, dataFor: (s: RunSpec) => TrainingData): TeacherOutputs {
  if (run.teacherRunId === null) throw new DomainError('SPEC_ERROR', `run ${run.id} distils but has no teacher run`);
  const teacher = options.store.runs.getRun(run.teacherRunId);
  if (teacher.status !== 'done' || !teacher.checkpoint) {
    throw new DomainError('CONFLICT', `the teacher run ${teacher.id} ("${teacher.name}") has not finished training (status ${teacher.status}); resuming run ${teacher.id} trains it, then this run`);
  }
  if (teacher.datasetId !== run.datasetId) throw new DomainError('SPEC_ERROR', `the teacher run ${teacher.id} was trained on another dataset`);
  const teacherSpec = runSpecOf(teacher);
  const data = dataFor(teacherSpec);
  const model = buildModel(options.tf, teacherSpec.model, data.input, data.numClasses, teacherSpec.seed);
  let handedOver = false;
  try {
    // A reused teacher was never checked against these losses by the experiment spec.
    for (const phase of studentSpec.phases) {
      const conflict = lossModelConflict(phase.loss, teacherSpec.model, 'teacher');
      if (conflict) throw new DomainError('SPEC_ERROR', `teacher run ${teacher.id}: ${conflict}`, { field: 'teacher' });
    }
    model.setWeights(decodeCheckpoint(teacher.checkpoint).weights);
    // The teacher is read on the examples the student fits, through the teacher's own preprocessing.
    const studentSplit = studentSpec.trainSplit ?? 'train';
    const target = data.splits.find((s) => s.split === studentSplit);
    if (!target) throw new DomainError('SPEC_ERROR', `the dataset has no ${studentSplit} split for run ${run.id} to train on`, { field: 'trainSplit' });
    const logits = predictProbabilities(options.tf, model, target.x, target.n, 512).logits;
    let features: TeacherOutputs['features'];
    if (studentSpec.phases.some((p) => p.loss.kind === 'contrastive')) {
      const out = predictFeatures(options.tf, model, target.x, target.n, 512);
      features = { dim: out.dim, rows: out.features };
    }
    handedOver = studentSpec.phases.some((p) => p.loss.kind === 'jacobian');
    return { logits, features, model: handedOver ? model : undefined };
  } finally {
    if (!handedOver) model.dispose();
  }
}

/** A stored student spec carries its selfDistill flag; training needs only the run spec. */
function runSpecOf(run: RunRecord): RunSpec {
  const { selfDistill: _selfDistill, ...spec } = run.spec as Record<string, unknown>;
  return parseRunSpec(spec);
}

interface QueueEta {
  batchDone(runId: number, epochFraction: number): void;
  secondsLeft(): number | null;
}

/** Seconds left for the whole queue, from the epochs per second observed so far. */
function createQueueEta(items: { id: number; remainingEpochs: number }[]): QueueEta {
  const total = items.reduce((n, i) => n + Math.max(0, i.remainingEpochs), 0);
  const started = performance.now();
  let done = 0;
  return {
    batchDone(_runId, fraction) {
      done += fraction;
    },
    secondsLeft() {
      const elapsed = (performance.now() - started) / 1000;
      if (done <= 0 || elapsed <= 0) return null;
      return Math.max(0, ((total - done) * elapsed) / done);
    },
  };
}
