// The store: one open database as typed repositories (datasets, examples, experiments, runs,
// predictions, curated sets, mechanisms, meta), each built once with its statements prepared
// once, and the transactions that are the store's verbs. No module outside main/store sees
// better-sqlite3 (eslint.config.js enforces it): they receive a Store.
import type Database from 'better-sqlite3';
import { createCuratedSetQueries } from './curatedSetQueries.js';
import { createDatasetQueries, type NewDataset, type NewExample } from './datasetQueries.js';
import { createExampleQueries } from './exampleQueries.js';
import { createMatrixStore } from './matrixChunks.js';
import { createImageSourceQueries } from './imageSourceQueries.js';
import { createMechanismQueries, type NewExampleMechanism } from './mechanismQueries.js';
import { createMetaQueries } from './metaQueries.js';
import { openDatabase, openDatabaseForReading, type OpenOptions } from './openDatabase.js';
import { createRunQueries, type NewRun } from './runQueries.js';

/** An open better-sqlite3 connection, for the few store-side readers that take one. */
export type Connection = Database.Database;

/**
 * One experiment to create with its runs. `teacher`: a teacher run to create, an existing run to
 * distil from, or 'first' for the teacher run of the first experiment of the same call (seed
 * replicates sharing one teacher: their stored spec then says `teacher: {reuseRunId}`).
 */
export interface NewExperiment {
  datasetId: number;
  name: string;
  spec: Record<string, unknown>;
  teacher: { name: string; spec: NewRun['spec'] } | { reuseRunId: number } | 'first';
  students: { name: string; spec: NewRun['spec'] }[];
  /** the series and seed label of a seed replicate */
  series?: { series: string; seed: number };
}

/** An experiment recorded elsewhere (docs/ingest.md): its runs are claimed by this process at once. */
export interface NewIngestedExperiment {
  datasetId: number;
  name: string;
  spec: unknown;
  /** teachers before the students that name them */
  runs: { name: string; role: 'teacher' | 'student'; teacher: string | null; spec: NewRun['spec'] }[];
}

/** The per-example mechanism rows of a mechanism dataset, example by example (the i-th list for the i-th example). */
export type MechanismRowsOfExample = Omit<NewExampleMechanism, 'exampleId'>[];

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}

/** The store over an open connection (which it closes on `close`). */
export function createStore(db: Connection) {
  const datasetQueries = createDatasetQueries(db);
  const exampleQueries = createExampleQueries(db);
  const runQueries = createRunQueries(db);
  const mechanismQueries = createMechanismQueries(db);
  const matrixStore = createMatrixStore(db);

  const datasets = {
    ...pick(datasetQueries, ['isNameTaken', 'listDatasets', 'getDataset', 'requireDataset', 'deleteDataset', 'setClassGroups']),
    ...pick(exampleQueries, ['header', 'idByName', 'splitsOf']),
  };
  const examples = {
    ...pick(datasetQueries, ['listExamples', 'getExample', 'getExamplePixels']),
    ...pick(exampleQueries, ['columnsOf', 'textsOf', 'textOf', 'trainingRows', 'listed', 'labelledRows', 'splitIndexRows', 'sourceRefRows', 'imagesOfSplit']),
  };
  const experiments = pick(runQueries, ['deleteExperiment', 'deleteIdleExperiment', 'listExperiments', 'getExperiment', 'experimentsWithLabelNoise', 'seriesOf', 'experimentSpec']);
  const runs = pick(runQueries, ['getRun', 'runSummary', 'listRuns', 'setRunSpec', 'setPreprocessing', 'finishRun', 'epochMetrics', 'reconcileInterrupted', 'resumeQueue', 'epochsToTakeOver']);
  const predictions = pick(matrixStore, ['readMatrix', 'readStored', 'readRow', 'readRows', 'readHistory', 'runStamp', 'clearCache']);

  const importDatasetTx = db.transaction((dataset: NewDataset, rows: Iterable<NewExample>, onRow?: (written: number) => void, mechanisms?: readonly MechanismRowsOfExample[]) => {
    const id = datasetQueries.insertDataset(dataset, rows, onRow);
    if (mechanisms) {
      const ids = mechanismQueries.exampleIdsOf(id);
      mechanismQueries.insertMany(mechanisms.flatMap((list, i) => list.map((r) => ({ ...r, exampleId: ids[i]! }))));
    }
    return id;
  });

  const createExperimentsTx = db.transaction((planned: readonly NewExperiment[]): number[] => {
    let firstTeacher: number | null = null;
    return planned.map((one, i) => {
      const { teacher } = one;
      if (teacher === 'first' && firstTeacher === null) throw new Error('the first experiment of a plan has no earlier teacher to share');
      const id = runQueries.createExperiment(one.datasetId, one.name, teacher === 'first' ? { ...one.spec, teacher: { reuseRunId: firstTeacher } } : one.spec);
      const teacherRunId =
        teacher === 'first'
          ? firstTeacher!
          : 'reuseRunId' in teacher
            ? teacher.reuseRunId
            : runQueries.createRun({ experimentId: id, role: 'teacher', name: teacher.name, teacherRunId: null, spec: teacher.spec });
      for (const student of one.students) runQueries.createRun({ experimentId: id, role: 'student', name: student.name, teacherRunId, spec: student.spec });
      if (one.series) runQueries.setExperimentSeries(id, one.series.series, one.series.seed);
      if (i === 0) firstTeacher = teacherRunId;
      return id;
    });
  });

  const ingestExperimentTx = db.transaction((plan: NewIngestedExperiment) => {
    const experimentId = runQueries.createExperiment(plan.datasetId, plan.name, plan.spec);
    const ids = new Map<string, number>();
    for (const r of plan.runs) {
      const id = runQueries.createRun({
        experimentId,
        role: r.role,
        name: r.name,
        teacherRunId: r.teacher === null ? null : ids.get(r.teacher)!,
        spec: r.spec,
      });
      runQueries.claimNextRun([id], new Set(['pending']), process.pid, 'external');
      ids.set(r.name, id);
    }
    return { experimentId, ids };
  });

  const finishIngestTx = db.transaction((finished: readonly { runId: number; spec?: unknown }[]) => {
    for (const run of finished) if (run.spec !== undefined) runQueries.setRunSpec(run.runId, run.spec);
    for (const run of finished) runQueries.finishRun(run.runId, 'done');
  });

  return {
    /** the database file (':memory:' for a database in memory) */
    file: db.name,
    /** opened read-only: every write fails with READ_ONLY */
    readonly: db.readonly,
    datasets,
    examples,
    experiments,
    runs,
    predictions,
    curatedSets: createCuratedSetQueries(db),
    mechanisms: pick(mechanismQueries, ['exampleIdsOf']),
    meta: createMetaQueries(db),
    /** where a reference dataset's originals live: its root, each example's file, size, hash and thumbnail */
    imageSources: createImageSourceQueries(db),

    /**
     * Writes a dataset and all its examples (with a mechanism dataset's per-example mechanism
     * rows) in one IMMEDIATE transaction; returns the new id. A taken name is refused, or
     * numbered when `renameIfTaken`.
     */
    importDataset(dataset: NewDataset, rows: Iterable<NewExample>, onRow?: (written: number) => void, mechanisms?: readonly MechanismRowsOfExample[]): number {
      return importDatasetTx.immediate(dataset, rows, onRow, mechanisms);
    },
    /** Creates experiments with their runs (and series) in one IMMEDIATE transaction; their ids in order. */
    createExperiments(planned: readonly NewExperiment[]): number[] {
      return createExperimentsTx.immediate(planned);
    },
    /** Creates an ingested experiment with its runs, claimed by this process, in one IMMEDIATE transaction. */
    ingestExperiment(plan: NewIngestedExperiment): { experimentId: number; ids: Map<string, number> } {
      return ingestExperimentTx.immediate(plan);
    },
    /** An ingest's end: runs whose spec changed get it, then every run is done; one IMMEDIATE transaction. */
    finishIngest(finished: readonly { runId: number; spec?: unknown }[]): void {
      finishIngestTx.immediate(finished);
    },
    /** One trained epoch: metrics, every example's probabilities, checkpoint, epochs_done; one IMMEDIATE transaction. */
    recordEpoch: runQueries.recordEpoch,
    /** One epoch recorded as its probability matrix only (ingested runs); one IMMEDIATE transaction. */
    recordEpochMatrix: runQueries.recordEpochMatrix,
    /** Claims the first of the candidate runs that can train now for this process; one IMMEDIATE transaction. */
    claimNextRun: runQueries.claimNextRun,
    close(): void {
      db.close();
    },
  };
}

export type Store = ReturnType<typeof createStore>;
export type DatasetRepository = Store['datasets'];
export type ExampleRepository = Store['examples'];
export type ExperimentRepository = Store['experiments'];
export type RunRepository = Store['runs'];

/** Opens (or creates) the database as openDatabase does (schema check, read-only, busy wait, errors naming the file) and returns its store. */
export function openStore(file: string, options: OpenOptions = {}): Store {
  return createStore(openDatabase(file, options));
}

/** For commands that only read: the store, opened read-only when the file or its folder cannot be written. */
export function openStoreForReading(file: string, options: Omit<OpenOptions, 'readonly'> = {}): { store: Store; readOnly: boolean } {
  const { db, readOnly } = openDatabaseForReading(file, options);
  return { store: createStore(db), readOnly };
}

export { WRITER_BUSY_TIMEOUT_MS, databaseWritable, type OpenOptions } from './openDatabase.js';
export { databaseError } from './databaseErrors.js';
export type { NewDataset, NewExample } from './datasetQueries.js';
export type { DatasetHeader, ListedExample, TrainingExampleRow } from './exampleQueries.js';
export type { EpochMatrixRecord, EpochRecord, RunRecord } from './runQueries.js';
export type { CuratedExampleRow } from './curatedSetQueries.js';
