// Experiments, runs, per-epoch metrics and per-example predictions. One completed epoch is
// one transaction (metrics, the probability matrix, checkpoint, epochs_done), so a killed
// trainer loses at most the epoch in flight and the file stays consistent.
import type Database from 'better-sqlite3';
import type { EpochMetric, ExperimentSummary, RunStatus, RunSummary } from '../../shared/runs.js';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { softmaxInto } from '../../shared/softmax.js';
import { lossNeedsTeacher, sharedPrefixEpochs, trainingSpec, type LossSpec, type RunSpec } from '../../shared/experimentSpec.js';
import { processIsAlive } from '../processAlive.js';
import { createMatrixStore, PRECISIONS, type Precision, type TopKMatrix } from './matrixChunks.js';

export interface NewRun {
  experimentId: number;
  role: 'teacher' | 'student';
  name: string;
  teacherRunId: number | null;
  spec: { epochs: number } & Record<string, unknown>;
}

export interface RunRecord {
  id: number;
  experimentId: number;
  datasetId: number;
  role: 'teacher' | 'student';
  name: string;
  teacherRunId: number | null;
  spec: unknown;
  status: RunStatus;
  epochsDone: number;
  seconds: number;
  checkpoint: Buffer | null;
  preprocessing: unknown;
  ownerPid: number | null;
}

/** One epoch's outputs for every recorded example: logits row-major, n × numClasses. */
export interface EpochPredictions {
  exampleIds: ArrayLike<number>;
  /** the training label of each example (noisy label where flipped); the store keeps only the probabilities */
  labels: ArrayLike<number>;
  logits: Float32Array;
  numClasses: number;
}

export interface EpochRecord {
  runId: number;
  epoch: number;
  seconds: number;
  metrics: { split: string; loss: number; accuracy: number }[];
  predictions: EpochPredictions;
  checkpoint: Buffer;
}

/**
 * An epoch recorded as its probability matrix only (runs ingested from elsewhere, docs/ingest.md):
 * all C probabilities of each row (ascending example ids), or a top-k matrix.
 */
export interface EpochMatrixRecord {
  runId: number;
  epoch: number;
  seconds: number;
  metrics: { split: string; loss: number; accuracy: number }[];
  matrix: { exampleIds: Int32Array; probs: Float32Array; numClasses: number } | TopKMatrix;
}

interface RunRow {
  id: number;
  experiment_id: number;
  dataset_id: number;
  role: 'teacher' | 'student';
  name: string;
  teacher_run_id: number | null;
  spec: string;
  status: RunStatus;
  backend: string | null;
  epochs_done: number;
  seconds: number;
  error: string | null;
  owner_pid: number | null;
  preprocessing: string | null;
  checkpoint?: Buffer | null;
  shared_from_run_id: number | null;
  shared_epochs: number;
  train_acc: number | null;
  test_acc: number | null;
}

/** What deciding on shared epochs reads of each run of an experiment. */
interface PeerRow {
  id: number;
  status: RunStatus;
  epochs_done: number;
  teacher_run_id: number | null;
  spec: string;
}

interface ExperimentRow {
  id: number;
  dataset_id: number;
  name: string;
  created_at: string;
  series: string | null;
  seed: number | null;
}

const RUN_COLUMNS = `r.id, r.experiment_id, e.dataset_id, r.role, r.name, r.teacher_run_id, r.spec, r.status, r.backend,
  r.epochs_done, r.seconds, r.error, r.owner_pid, r.preprocessing, r.shared_from_run_id, r.shared_epochs,
  (SELECT accuracy FROM epoch_metrics m WHERE m.run_id = r.id AND m.epoch = r.epochs_done AND m.split = 'train') AS train_acc,
  (SELECT accuracy FROM epoch_metrics m WHERE m.run_id = r.id AND m.epoch = r.epochs_done AND m.split = 'test') AS test_acc`;

/**
 * Whether runs hand over the epochs they share (handOverSharedEpochs): on unless
 * DISOBEY_SHARED_EPOCHS=0, which `npm run bench -- training` sets to time the demo without it.
 */
const shareEpochs = () => process.env.DISOBEY_SHARED_EPOCHS !== '0';

export function createRunQueries(db: Database.Database) {
  const insertExperiment = db.prepare('INSERT INTO experiments (dataset_id, name, spec) VALUES (?, ?, ?)');
  const removeExperiment = db.prepare('DELETE FROM experiments WHERE id = ?');
  const experimentKnown = db.prepare('SELECT 1 FROM experiments WHERE id = ?').pluck();
  const trainingNow = db.prepare("SELECT id, name, owner_pid, experiment_id FROM runs WHERE experiment_id = ? AND status = 'running' ORDER BY id");
  // Students of other experiments (seed replicates) distilled from this one's teacher: its runs cannot go without theirs.
  const dependants = db.prepare(
    `SELECT DISTINCT s.experiment_id FROM runs s JOIN runs t ON t.id = s.teacher_run_id
     WHERE t.experiment_id = ? AND s.experiment_id <> t.experiment_id ORDER BY s.experiment_id`,
  ).pluck();
  const insertRun = db.prepare('INSERT INTO runs (experiment_id, role, name, teacher_run_id, spec) VALUES (?, ?, ?, ?, ?)');
  const selectRun = db.prepare(`SELECT ${RUN_COLUMNS}, r.checkpoint FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`);
  const selectRuns = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.id`);
  const selectRunSummary = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`);
  const selectExperimentRuns = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.experiment_id = ? ORDER BY r.id`);
  const selectExperiments = db.prepare('SELECT id, dataset_id, name, created_at, series, seed FROM experiments ORDER BY id');
  const selectExperiment = db.prepare('SELECT id, dataset_id, name, created_at, spec, series, seed FROM experiments WHERE id = ?');
  const selectSeries = db.prepare('SELECT id, seed FROM experiments WHERE series = ? ORDER BY seed, id');
  const setSeries = db.prepare('UPDATE experiments SET series = ?, seed = ? WHERE id = ?');
  const selectNoisyExperiments = db
    .prepare('SELECT x.id FROM experiments x WHERE EXISTS (SELECT 1 FROM examples e WHERE e.dataset_id = x.dataset_id AND e.noisy_label IS NOT NULL)')
    .pluck();
  const claim = db.prepare("UPDATE runs SET status = 'running', owner_pid = ?, backend = ?, error = NULL WHERE id = ?");
  const runState = db.prepare('SELECT id, role, status, teacher_run_id, spec FROM runs WHERE id = ?');
  const finish = db.prepare("UPDATE runs SET status = ?, error = ?, owner_pid = NULL, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?");
  const setPreprocessing = db.prepare('UPDATE runs SET preprocessing = ? WHERE id = ?');
  const setSpec = db.prepare('UPDATE runs SET spec = ? WHERE id = ?');
  const running = db.prepare("SELECT id, owner_pid FROM runs WHERE status = 'running'");
  const markInterrupted = db.prepare("UPDATE runs SET status = 'interrupted', owner_pid = NULL WHERE id = ? AND status = 'running'");
  const insertMetric = db.prepare('INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, split, loss, accuracy, seconds) VALUES (?, ?, ?, ?, ?, ?)');
  // The experiment's `storage` (float32 unless it asked for float16) is the precision of every chunk its runs write.
  const storageOf = db.prepare("SELECT json_extract(e.spec, '$.storage') FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?").pluck();
  const precisionOf = (runId: number): Precision => {
    const storage = storageOf.get(runId);
    return PRECISIONS.find((p) => p === storage) ?? 'float32';
  };
  const matrices = createMatrixStore(db);
  const advance = db.prepare('UPDATE runs SET epochs_done = ?, seconds = seconds + ?, checkpoint = ? WHERE id = ?');
  const experimentOf = db.prepare('SELECT experiment_id FROM runs WHERE id = ?').pluck();
  const peersOf = db.prepare('SELECT id, status, epochs_done, teacher_run_id, spec FROM runs WHERE experiment_id = ? ORDER BY id');
  const copyMatrices = db.prepare(
    `INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs, top_k, top_classes, label_classes, label_probs, precision)
     SELECT ?, epoch, chunk, num_classes, first_id, last_id, example_ids, probs, top_k, top_classes, label_classes, label_probs, precision
     FROM prediction_matrices WHERE run_id = ? AND epoch <= ?`,
  );
  const copyMetrics = db.prepare('INSERT INTO epoch_metrics (run_id, epoch, split, loss, accuracy, seconds) SELECT ?, epoch, split, loss, accuracy, seconds FROM epoch_metrics WHERE run_id = ? AND epoch <= ?');
  const clearRecorded = [db.prepare('DELETE FROM prediction_matrices WHERE run_id = ?'), db.prepare('DELETE FROM epoch_metrics WHERE run_id = ?')];
  const takeOver = db.prepare(
    `UPDATE runs SET epochs_done = ?, seconds = (SELECT seconds FROM runs WHERE id = ?), checkpoint = ?,
       preprocessing = (SELECT preprocessing FROM runs WHERE id = ?), shared_from_run_id = ?, shared_epochs = ? WHERE id = ?`,
  );

  // Stored specs as run specs, parsed once each: every recorded epoch compares its experiment's runs.
  const parsedSpecs = new Map<string, RunSpec | null>();
  const specOf = (p: PeerRow): RunSpec | null => {
    if (!parsedSpecs.has(p.spec)) {
      if (parsedSpecs.size >= 1000) parsedSpecs.clear();
      parsedSpecs.set(p.spec, trainingSpec(JSON.parse(p.spec)));
    }
    return parsedSpecs.get(p.spec)!;
  };

  /** Runs that have not trained an epoch yet: the ones that may still take over another's first epochs. */
  const unstarted = (p: PeerRow) => (p.status === 'pending' || p.status === 'interrupted') && p.epochs_done === 0;

  /**
   * The run whose first epochs `run` can take over: the earlier run of its experiment, of the same
   * teacher, that trains identically for the most epochs (the lowest id among equals); null when none does.
   */
  function prefixSource(run: PeerRow, peers: readonly PeerRow[]): { source: PeerRow; epochs: number } | null {
    let best: { source: PeerRow; epochs: number } | null = null;
    for (const peer of peers) {
      if (peer.id >= run.id || peer.teacher_run_id !== run.teacher_run_id) continue;
      const epochs = sharedPrefixEpochs(specOf(peer), specOf(run));
      if (epochs > 0 && (!best || epochs > best.epochs)) best = { source: peer, epochs };
    }
    return best;
  }

  /** For an unstarted run: the earlier run it shares its first epochs with, while that run has not recorded them yet; else null. */
  function handOverAhead(runId: number): { source: PeerRow; epochs: number } | null {
    if (!shareEpochs()) return null;
    const peers = peersOf.all(experimentOf.get(runId)) as PeerRow[];
    const run = peers.find((p) => p.id === runId);
    const from = run && unstarted(run) ? prefixSource(run, peers) : null;
    return from && from.source.epochs_done < from.epochs ? from : null;
  }

  /**
   * Where `rec` is the last epoch a later, unstarted run of the experiment shares with this one, that
   * run takes the epochs over: copies of their recorded rows and metrics, this checkpoint, and
   * the time they took. It then resumes from here like an interrupted run, with the numbers it
   * would have computed itself (the same spec, seed and losses up to here; tested).
   */
  function handOverSharedEpochs(rec: EpochRecord): void {
    if (!shareEpochs()) return;
    const peers = peersOf.all(experimentOf.get(rec.runId)) as PeerRow[];
    for (const twin of peers) {
      if (twin.id <= rec.runId || !unstarted(twin)) continue;
      const from = prefixSource(twin, peers);
      if (from?.source.id !== rec.runId || from.epochs !== rec.epoch) continue;
      for (const clear of clearRecorded) clear.run(twin.id);
      copyMatrices.run(twin.id, rec.runId, rec.epoch);
      copyMetrics.run(twin.id, rec.runId, rec.epoch);
      takeOver.run(rec.epoch, rec.runId, rec.checkpoint, rec.runId, rec.runId, rec.epoch, twin.id);
    }
  }
  const metricsOf = db.prepare('SELECT epoch, split, loss, accuracy, seconds FROM epoch_metrics WHERE run_id = ? ORDER BY epoch, split');

  function toExperiment(e: ExperimentRow, runs: RunSummary[]): ExperimentSummary {
    return { id: e.id, datasetId: e.dataset_id, name: e.name, createdAt: e.created_at, series: e.series, seed: e.seed, runs };
  }

  function toSummary(r: RunRow): RunSummary {
    const spec = JSON.parse(r.spec) as { epochs?: number };
    return {
      id: r.id,
      experimentId: r.experiment_id,
      role: r.role,
      name: r.name,
      teacherRunId: r.teacher_run_id,
      spec,
      status: r.status,
      backend: r.backend,
      epochs: spec.epochs ?? 0,
      epochsDone: r.epochs_done,
      trainAccuracy: r.train_acc,
      testAccuracy: r.test_acc,
      seconds: r.seconds,
      error: r.error,
      sharedFrom: r.shared_from_run_id === null || r.shared_epochs === 0 ? null : { runId: r.shared_from_run_id, epochs: r.shared_epochs },
    };
  }

  const recordEpochTx = db.transaction((rec: EpochRecord) => {
    for (const m of rec.metrics) insertMetric.run(rec.runId, rec.epoch, m.split, m.loss, m.accuracy, m.split === 'train' ? rec.seconds : null);
    const { exampleIds, logits, numClasses } = rec.predictions;
    const n = exampleIds.length;
    // The matrix holds rows in ascending example id, whatever order the splits were predicted in.
    const order = ascendingOrder(exampleIds);
    const matrix = new Float32Array(n * numClasses);
    const ids = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const i = order[r]!;
      softmaxInto(logits, i * numClasses, numClasses, matrix.subarray(r * numClasses, (r + 1) * numClasses));
      ids[r] = exampleIds[i]!;
    }
    matrices.writeMatrix(rec.runId, rec.epoch, numClasses, ids, matrix, precisionOf(rec.runId));
    advance.run(rec.epoch, rec.seconds, rec.checkpoint, rec.runId);
    handOverSharedEpochs(rec);
  });
  const recordMatrixTx = db.transaction((rec: EpochMatrixRecord) => {
    for (const m of rec.metrics) insertMetric.run(rec.runId, rec.epoch, m.split, m.loss, m.accuracy, m.split === 'train' ? rec.seconds : null);
    const m = rec.matrix;
    const precision = precisionOf(rec.runId);
    if ('k' in m) matrices.writeTopK(rec.runId, rec.epoch, m, precision);
    else matrices.writeMatrix(rec.runId, rec.epoch, m.numClasses, m.exampleIds, m.probs, precision);
    advance.run(rec.epoch, rec.seconds, null, rec.runId);
  });

  return {
    createExperiment(datasetId: number, name: string, spec: unknown): number {
      return Number(insertExperiment.run(datasetId, name, JSON.stringify(spec)).lastInsertRowid);
    },
    /** Deletes an experiment with its runs and everything they recorded (foreign keys cascade). */
    deleteExperiment(id: number): void {
      removeExperiment.run(id);
    },
    /**
     * What a person deletes: the experiment with its runs and every probability they recorded, in
     * one transaction. Refused (CONFLICT, naming them) while one of its runs trains in a live
     * process, or while another experiment's students were distilled from its teacher (a seed
     * replicate sharing the first one's). Answers false when there was no such experiment.
     */
    deleteIdleExperiment(id: number, isAlive: (pid: number) => boolean = processIsAlive): boolean {
      return db
        .transaction(() => {
          if (!experimentKnown.get(id)) return false;
          refuseWhileTraining(trainingNow.all(id) as RunningRow[], isAlive, `experiment ${id} is training`, 'experimentId');
          const others = dependants.all(id) as number[];
          if (others.length) {
            const list = others.join(', ');
            throw new DomainError('CONFLICT', `the students of experiment${others.length === 1 ? '' : 's'} ${list} were distilled from this experiment's teacher: delete ${others.length === 1 ? 'it' : 'them'} first`, { field: 'experimentId' });
          }
          removeExperiment.run(id);
          return true;
        })
        .immediate();
    },
    createRun(run: NewRun): number {
      return Number(insertRun.run(run.experimentId, run.role, run.name, run.teacherRunId, JSON.stringify(run.spec)).lastInsertRowid);
    },
    getRun(id: number): RunRecord {
      const r = selectRun.get(id) as RunRow | undefined;
      if (!r) throw new NotFoundError(`no run with id ${id}`);
      return {
        id: r.id,
        experimentId: r.experiment_id,
        datasetId: r.dataset_id,
        role: r.role,
        name: r.name,
        teacherRunId: r.teacher_run_id,
        spec: JSON.parse(r.spec),
        status: r.status,
        epochsDone: r.epochs_done,
        seconds: r.seconds,
        checkpoint: r.checkpoint ?? null,
        preprocessing: r.preprocessing ? JSON.parse(r.preprocessing) : null,
        ownerPid: r.owner_pid,
      };
    },
    runSummary(id: number): RunSummary {
      const r = selectRunSummary.get(id) as RunRow | undefined;
      if (!r) throw new NotFoundError(`no run with id ${id}`);
      return toSummary(r);
    },
    listRuns(experimentId?: number): RunSummary[] {
      const rows = (experimentId === undefined ? selectRuns.all() : selectExperimentRuns.all(experimentId)) as RunRow[];
      return rows.map(toSummary);
    },
    listExperiments(): ExperimentSummary[] {
      const byExperiment = new Map<number, RunSummary[]>();
      for (const r of (selectRuns.all() as RunRow[]).map(toSummary)) byExperiment.set(r.experimentId, [...(byExperiment.get(r.experimentId) ?? []), r]);
      return (selectExperiments.all() as ExperimentRow[]).map((e) => toExperiment(e, byExperiment.get(e.id) ?? []));
    },
    getExperiment(id: number): ExperimentSummary {
      const e = selectExperiment.get(id) as ExperimentRow | undefined;
      if (!e) throw new NotFoundError(`no experiment with id ${id}`);
      return toExperiment(e, (selectExperimentRuns.all(id) as RunRow[]).map(toSummary));
    },
    /** Experiments whose dataset has label noise (some training label differs from the clean one). */
    experimentsWithLabelNoise(): Set<number> {
      return new Set(selectNoisyExperiments.all() as number[]);
    },
    /** Marks an experiment as the replicate with seed label `seed` of the series `series`. */
    setExperimentSeries(id: number, series: string, seed: number): void {
      setSeries.run(series, seed, id);
    },
    /**
     * The seed replicates an experiment belongs to, in seed order: every experiment of its series,
     * or the experiment alone (seed null) when it was planned without seeds.
     */
    seriesOf(id: number): { experimentId: number; seed: number | null }[] {
      const e = selectExperiment.get(id) as ExperimentRow | undefined;
      if (!e) throw new NotFoundError(`no experiment with id ${id}`);
      if (e.series === null) return [{ experimentId: e.id, seed: e.seed }];
      return (selectSeries.all(e.series) as { id: number; seed: number | null }[]).map((r) => ({ experimentId: r.id, seed: r.seed }));
    },
    experimentSpec(id: number): unknown {
      const e = selectExperiment.get(id) as { spec: string } | undefined;
      if (!e) throw new NotFoundError(`no experiment with id ${id}`);
      return JSON.parse(e.spec);
    },
    /**
     * Claims the first of `candidates` (in order) that can train now, for this process: one whose
     * status is `claimable` and that does not distil from a teacher still training or waiting.
     * Several worker processes call this on one database; the immediate transaction makes each
     * claim atomic. 'wait' means candidates remain but each waits for a teacher.
     */
    claimNextRun(candidates: readonly number[], claimable: ReadonlySet<RunStatus>, pid: number, backend: string): number | 'wait' | 'none' {
      return db
        .transaction(() => {
          let waiting = false;
          for (const id of candidates) {
            const run = runState.get(id) as { status: RunStatus; teacher_run_id: number | null; spec: string } | undefined;
            if (!run || !claimable.has(run.status)) continue;
            const distils = (JSON.parse(run.spec) as { phases?: { loss: LossSpec }[] }).phases?.some((p) => lossNeedsTeacher(p.loss)) ?? false;
            const teacher = distils && run.teacher_run_id !== null ? (runState.get(run.teacher_run_id) as { id: number; status: RunStatus }) : null;
            if (teacher && (teacher.status === 'running' || (claimable.has(teacher.status) && candidates.includes(teacher.id)))) {
              waiting = true;
              continue;
            }
            // A run that can take over an earlier run's first epochs waits for it to record them,
            // rather than train them again (handOverSharedEpochs).
            const ahead = handOverAhead(id);
            if (ahead && (ahead.source.status === 'running' || (claimable.has(ahead.source.status) && candidates.includes(ahead.source.id)))) {
              waiting = true;
              continue;
            }
            claim.run(pid, backend, id);
            return id;
          }
          return waiting ? 'wait' : 'none';
        })
        .immediate();
    },
    /**
     * The first epochs an unstarted run will take over from an earlier run still to record them
     * (handOverSharedEpochs), for its queue's ETA; 0 when none will.
     */
    epochsToTakeOver(runId: number): number {
      const ahead = handOverAhead(runId);
      return ahead && ['pending', 'interrupted', 'running'].includes(ahead.source.status) ? ahead.epochs : 0;
    },
    /** Replaces a run's spec (an ingest adds the splits a run recorded once its files are read). */
    setRunSpec(runId: number, spec: unknown): void {
      setSpec.run(JSON.stringify(spec), runId);
    },
    setPreprocessing(runId: number, preprocessing: unknown): void {
      setPreprocessing.run(JSON.stringify(preprocessing), runId);
    },
    recordEpoch(rec: EpochRecord): void {
      // IMMEDIATE: the write lock is taken at BEGIN, where busy_timeout waits for the other
      // worker's epoch. Deferred, a student's epoch failed with "database is locked" after a few
      // tens of ms while the teacher's worker wrote and the explorer read (bench/loadBench.ts).
      recordEpochTx.immediate(rec);
    },
    /** An epoch recorded from its probabilities (an ingested run): no logits, no checkpoint. */
    recordEpochMatrix(rec: EpochMatrixRecord): void {
      recordMatrixTx.immediate(rec);
    },
    finishRun(runId: number, status: Exclude<RunStatus, 'pending' | 'running'>, error: string | null = null): void {
      finish.run(status, error, runId);
    },
    epochMetrics(runId: number): EpochMetric[] {
      return metricsOf.all(runId) as EpochMetric[];
    },
    /** Runs left 'running' by a process that no longer exists were interrupted (SIGKILL, crash, power loss). */
    reconcileInterrupted(isAlive: (pid: number) => boolean = processIsAlive): number[] {
      const stale = (running.all() as { id: number; owner_pid: number | null }[]).filter((r) => r.owner_pid === null || !isAlive(r.owner_pid));
      for (const r of stale) markInterrupted.run(r.id);
      return stale.map((r) => r.id);
    },
    /**
     * What resuming `runId` trains: the run, then its experiment's runs that never got their turn
     * (pending, interrupted) and the students that could not start because this run, their
     * teacher, had not finished (failed or cancelled without an epoch: say the disk filled up).
     */
    resumeQueue(runId: number): number[] {
      const run = selectRunSummary.get(runId) as RunRow | undefined;
      if (!run) throw new NotFoundError(`no run with id ${runId}`);
      const waited = (r: RunRow) => r.teacher_run_id === runId && r.epochs_done === 0 && (r.status === 'failed' || r.status === 'cancelled');
      const queued = (selectExperimentRuns.all(run.experiment_id) as RunRow[]).filter((r) => r.id !== runId && (r.status === 'pending' || r.status === 'interrupted' || waited(r)));
      return [runId, ...queued.map((r) => r.id)];
    },
  };
}

export type RunQueries = ReturnType<typeof createRunQueries>;

/** Positions of `ids` in ascending id order (the identity when they already ascend, as imports write them). */
function ascendingOrder(ids: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: ids.length }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) sorted = ids[i]! > ids[i - 1]!;
  return sorted ? order : order.sort((x, y) => ids[x]! - ids[y]!);
}

/** A run marked running, with the process that claimed it. */
export interface RunningRow {
  id: number;
  name: string;
  owner_pid: number | null;
  experiment_id: number;
}

/**
 * CONFLICT, naming the runs, when any of `rows` trains in a live process: what a delete of their
 * experiment or dataset must wait for. Runs whose process died were interrupted and do not count.
 */
export function refuseWhileTraining(rows: readonly RunningRow[], isAlive: (pid: number) => boolean, what: string, field: 'experimentId' | 'datasetId'): void {
  const live = rows.filter((r) => r.owner_pid !== null && isAlive(r.owner_pid));
  if (live.length === 0) return;
  const names = live.map((r) => `run ${r.id} "${r.name}"${field === 'datasetId' ? ` of experiment ${r.experiment_id}` : ''}`).join(', ');
  throw new DomainError('CONFLICT', `${what} (${names}): cancel its training first, then delete it`, { field });
}

