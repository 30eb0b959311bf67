// One analysed pair — a student at an epoch against its teacher — as per-example columns over the
// whole dataset in id order: the SPEC M1 confidences a and b, deviation, KL, margins, entropies,
// label probabilities (and their mean and variability across epochs, SPEC "per-example"), the
// experiment 7 logit gradients, and every run's top class. Filters, the report, the scatter and
// the gradient view all read these columns; formulas are those of shared/deviationMetrics.ts.
//
// buildAnalysisFrame runs named stages: the runs read and their matrices (frameBasis.ts), top
// classes, label-probability trajectories (frameTrajectories.ts), the student's dynamics
// (frameDynamics.ts), gradients, row measures and the columns over them (frameMeasures.ts).
// Everything a frame builds — and what queries derive from it (`kept`) — lives on the frame and
// counts in its bytes, which the service's one frame cache bounds.
import type { AnalysedPair, AnalysisScope, ExampleMeasure } from '../../shared/analytics.js';
import { ValidationError } from '../../shared/errors.js';
import { LruCache } from '../../shared/lruCache.js';
import type { RunSummary } from '../../shared/runs.js';
import type { DatasetColumns } from './datasetColumns.js';
import { basisHelpers, createMatrixViews, createProbabilityReader, readRuns, type ExampleHistoryRow, type FrameBasis, type MatrixViews, type RunAt } from './frameBasis.js';
import { createStudentDynamics, type ClassEpochSums, type StudentDynamics } from './frameDynamics.js';
import { columnBuilders, createGradients, createMeasureColumns, rowMeasures } from './frameMeasures.js';
import { createTrajectories, type LabelProbSumStore } from './frameTrajectories.js';
import type { PredictionMatrices } from './predictionMatrices.js';
import type { ProbabilityTable } from './probabilityTable.js';

export type { RunAt } from './frameBasis.js';
export type { ClassEpochSums, StudentDynamics } from './frameDynamics.js';
export { createLabelProbSumStore, type LabelProbSums, type LabelProbSumStore } from './frameTrajectories.js';

/**
 * What queries derive from a frame's columns and keep with it, counted in the frame's bytes
 * (exampleQuery.ts fills them). A frame's columns never change, so neither do these.
 */
export interface FrameKept {
  /**
   * Rows passing each recent filter, by the filter's JSON: the explorer pages through one filter,
   * and the report, scatter and grid of a view ask for the same one. At most FILTERS_KEPT, holding
   * at most twice the frame's rows in all (8 MB a frame at a million examples).
   */
  filters: LruCache<string, Int32Array>;
  /** whole-column orders and masks by name (`order:kl:true`, `low:0.25`): under load every page of every filter re-sorted 70,000 rows */
  derived: Map<string, Int32Array | Uint8Array>;
}
const FILTERS_KEPT = 16;

export interface AnalysisFrame {
  dataset: DatasetColumns;
  numClasses: number;
  student: RunAt;
  teacher: RunAt;
  /** the teacher first, then the experiment's runs in id order, each at the epoch it is read at */
  runs: RunAt[];
  /**
   * N of `misfitSeeds`: the seed replicates whose student of the analysed name has recorded an
   * epoch, this one included (1 for an experiment planned without seeds)
   */
  seedReplicates: number;
  /** k of φ per example */
  confidenceClass: Int32Array;
  /** the pair's probabilities over the dataset's rows (a top-k run's as stored) */
  teacherProbs: ProbabilityTable;
  studentProbs: ProbabilityTable;
  /** a measure for every row (computed on first use, then kept) */
  measure(name: ExampleMeasure): Float64Array;
  /** one row's measure: from the column when it exists, else computed for that row alone */
  measureAt(name: ExampleMeasure, row: number): number;
  /** a run's top class per example (ties → lowest class) */
  topClass(runId: number): Int32Array;
  /** a run's probabilities at the epoch it is read at, rows in the dataset's id order */
  runProbs(runId: number): ProbabilityTable;
  /** mean and population std of a run's p(training label) over its epochs 1..(read epoch), one row */
  labelProbStats(runId: number, row: number): [number, number];
  /** mean and std of p(training label) over a run's epochs, every row (built once; pages then read it) */
  labelProbColumns(runId: number): [Float64Array, Float64Array];
  /**
   * The passes over every epoch (each run's p(label) history, the student's dynamics) as steps of
   * one epoch: each call advances its pass by one epoch and returns true once it is complete.
   */
  buildSteps(): (() => boolean)[];
  /** the analysed student's epochs 1..E against the teacher's last epoch, every row (built on first use) */
  studentDynamics(): StudentDynamics;
  /** per epoch, split and training label: sums of KL_e and d_e (built in the same pass as studentDynamics) */
  classEpochSums(): ClassEpochSums;
  /** what queries derived from the frame and keep with it */
  kept: FrameKept;
  /** the arrays the frame has built and holds itself (columns, p(label) statistics, dynamics, what it keeps for queries); probability matrices are the matrix cache's */
  heldArrays(): ArrayBufferView[];
  /** bytes of the buffers behind heldArrays, each buffer once */
  heldBytes(): number;
}

/** Which pair a result describes: the analysed student and its teacher, each at its epoch. */
export function analysedPair(frame: Pick<AnalysisFrame, 'student' | 'teacher'>): AnalysedPair {
  return { studentRunId: frame.student.runId, teacherRunId: frame.teacher.runId, studentEpoch: frame.student.epoch, teacherEpoch: frame.teacher.epoch };
}

export interface FrameSources {
  dataset: DatasetColumns;
  matrices: PredictionMatrices;
  /** one example's recorded probabilities for every run and epoch (the per-example rows' index) */
  exampleHistory?(exampleId: number): ExampleHistoryRow[];
  experimentRuns: RunSummary[];
  runSummary(runId: number): RunSummary;
  /** probability bytes of the student's epochs up to which one row's dynamics build whole columns (default TRAJECTORY_COLUMN_BYTES) */
  dynamicsColumnBytes?: number;
  /** running p(label) sums shared by the frames of an experiment */
  labelProbSums?: LabelProbSumStore;
  /** the runs of the other seed replicates of the experiment's series, on the same dataset (none without seeds) */
  seedReplicateRuns?: RunSummary[][];
  /** aligned rows and top classes per matrix, shared by the frames of a service (default: the frame's own) */
  matrixViews?: MatrixViews;
}

/** Resolves the analysed pair of a scope: which student, which teacher, which epochs. */
export function resolvePair(scope: Pick<AnalysisScope, 'studentRunId' | 'epoch' | 'experimentId'>, sources: Pick<FrameSources, 'experimentRuns' | 'runSummary'>) {
  const recorded = sources.experimentRuns.filter((r) => r.role === 'student' && r.epochsDone > 0 && r.teacherRunId !== null);
  let student: RunSummary | undefined;
  if (scope.studentRunId !== undefined) {
    student = sources.experimentRuns.find((r) => r.id === scope.studentRunId);
    if (!student) throw new ValidationError(`run ${scope.studentRunId} is not part of experiment ${scope.experimentId}`, { field: 'studentRunId' });
    if (student.role !== 'student' || student.teacherRunId === null) throw new ValidationError(`run ${student.id} (${student.name}) is not a student with a teacher`, { field: 'studentRunId' });
    if (student.epochsDone === 0) throw new ValidationError(`student ${student.id} (${student.name}) has no recorded epoch yet`, { field: 'studentRunId' });
  } else {
    student = recorded[0];
    if (!student) throw new ValidationError(`experiment ${scope.experimentId} has no student with a recorded epoch yet`, { field: 'experimentId' });
  }
  const teacher = sources.runSummary(student.teacherRunId!);
  if (teacher.epochsDone === 0) throw new ValidationError(`teacher ${teacher.id} (${teacher.name}) has no recorded epoch`, { field: 'studentRunId' });
  if (scope.epoch !== undefined && scope.epoch > student.epochsDone) {
    throw new ValidationError(`student ${student.id} (${student.name}) has ${student.epochsDone} recorded epochs; epoch ${scope.epoch} is not one of them`, { field: 'epoch' });
  }
  const studentEpoch = scope.epoch ?? student.epochsDone;
  return { student, teacher, studentEpoch, teacherEpoch: teacher.epochsDone };
}

/**
 * The frame of a scope's pair: its stages are set up here and each builds what it computes on
 * first use (a page of 100 examples reads single rows; filters and sorts build whole columns), so
 * building a frame reads only the pair's two matrices and the teacher's top classes.
 */
export function buildAnalysisFrame(scope: AnalysisScope, sources: FrameSources): AnalysisFrame {
  const { dataset } = sources;
  const n = dataset.ids.length;
  const pair = resolvePair(scope, sources);
  const { teacherAt, studentAt, runs, replicateStudents } = readRuns(pair, sources.experimentRuns, sources.seedReplicateRuns ?? []);
  const views = sources.matrixViews ?? createMatrixViews();
  const { probsOf, numClasses } = createProbabilityReader(dataset, sources.matrices, views);
  const teacherProbs = probsOf(teacherAt.runId, teacherAt.epoch);
  const studentProbs = probsOf(studentAt.runId, studentAt.epoch);
  const C = numClasses();
  if (dataset.classNames.length !== C) throw new ValidationError(`runs record ${C} classes but dataset ${dataset.datasetId} has ${dataset.classNames.length}`);

  const runAt = (runId: number): RunAt => {
    const at = runs.find((r) => r.runId === runId);
    if (!at) throw new ValidationError(`run ${runId} is not analysed with this experiment (runs: ${runs.map((r) => r.runId).join(', ')})`, { field: 'runId' });
    return at;
  };
  const runProbs = (runId: number): ProbabilityTable => {
    const at = runAt(runId);
    return probsOf(at.runId, at.epoch);
  };
  // Top classes: each run's at the epoch it is read at (shared per matrix), and each other
  // replicate's student's, −1 where it lacks the row (built on first use; the matrices are not kept).
  const topClass = (runId: number): Int32Array => views.topClass(runProbs(runId));
  let replicateTops: Int32Array[] | undefined;
  const replicateTopClasses = (): Int32Array[] =>
    (replicateTops ??= replicateStudents.map((r) => {
      const probs = probsOf(r.runId, r.epoch, false);
      const top = views.topClass(probs).slice();
      for (let i = 0; i < n; i++) if (!probs.recorded(i)) top[i] = -1;
      return top;
    }));

  const confidenceClass = scope.classChoice === 'label' ? dataset.trainLabel : topClass(teacherAt.runId);
  const basis: FrameBasis = { dataset, n, C, teacherAt, studentAt, teacherProbs, studentProbs, confidenceClass, probsOf, ...basisHelpers(confidenceClass, sources.exampleHistory) };
  const trajectories = createTrajectories(basis, sources.labelProbSums);
  const dynamics = createStudentDynamics(basis, () => columns.measure('teacherPhi'), sources.dynamicsColumnBytes);
  const gradients = createGradients(basis);
  const columns = createMeasureColumns(
    n,
    rowMeasures(basis, { topClass, replicateTops: replicateTopClasses, trajectoryRow: trajectories.row, dynamicsRow: dynamics.row, gradientRow: gradients.row }),
    columnBuilders(basis, trajectories.columns, dynamics.columns),
  );
  const kept: FrameKept = { filters: new LruCache({ maxEntries: FILTERS_KEPT, maxBytes: 2 * n * 4, sizeOf: (rows) => rows.byteLength }), derived: new Map() };

  const heldArrays = (): ArrayBufferView[] => [
    ...columns.held(),
    ...(replicateTops ?? []),
    ...trajectories.held(),
    ...dynamics.held(),
    ...gradients.held(),
    ...kept.filters.values(),
    ...kept.derived.values(),
  ];
  return {
    dataset,
    numClasses: C,
    student: studentAt,
    teacher: teacherAt,
    runs,
    seedReplicates: 1 + replicateStudents.length,
    confidenceClass,
    teacherProbs,
    studentProbs,
    measure: columns.measure,
    measureAt: columns.measureAt,
    topClass,
    runProbs,
    labelProbStats: (runId, row) => trajectories.row(runAt(runId), row),
    labelProbColumns: (runId) => trajectories.columns(runAt(runId)),
    buildSteps: () => [...runs.map((r) => () => trajectories.build(r).step()), () => dynamics.build.step()],
    studentDynamics: dynamics.columns,
    classEpochSums: dynamics.classEpochSums,
    kept,
    heldArrays,
    heldBytes: () => {
      let bytes = 0;
      for (const buffer of new Set(heldArrays().map((a) => a.buffer))) bytes += buffer.byteLength;
      return bytes;
    },
  };
}
