// One analysed pair — a student at an epoch against its teacher — as per-example columns over the
// whole dataset in id order: the SPEC M1 confidences a and b, deviation, KL, margins, entropies,
// label probabilities (and their mean and variability across epochs, SPEC "per-example"), the
// experiment 7 logit gradients, and every run's top class. Filters, the report, the scatter and
// the gradient view all read these columns; formulas are those of shared/deviationMetrics.ts.
import type { AnalysedPair, AnalysisScope, ExampleMeasure } from '../../shared/analytics.js';
import { argmaxRow, argmaxRows, klPerExample, klRow, logitConfidence, logitConfidenceRow } from '../../shared/deviationMetrics.js';
import { ValidationError } from '../../shared/errors.js';
import type { RunSummary } from '../../shared/runs.js';
import type { DatasetColumns } from './datasetColumns.js';
import type { PredictionMatrices } from './predictionMatrices.js';

export interface RunAt {
  runId: number;
  name: string;
  role: 'teacher' | 'student';
  epoch: number;
}

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
  teacherProbs: Float32Array;
  studentProbs: Float32Array;
  /** a measure for every row (computed on first use, then kept) */
  measure(name: ExampleMeasure): Float64Array;
  /** one row's measure: from the column when it exists, else computed for that row alone */
  measureAt(name: ExampleMeasure, row: number): number;
  /** a run's top class per example (ties → lowest class) */
  topClass(runId: number): Int32Array;
  /** a run's probabilities at the epoch it is read at, rows in the dataset's id order */
  runProbs(runId: number): Float32Array;
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
  /** the arrays the frame has built and holds itself (columns, p(label) statistics, dynamics); probability matrices are the matrix cache's */
  heldArrays(): ArrayBufferView[];
}

/** Which pair a result describes: the analysed student and its teacher, each at its epoch. */
export function analysedPair(frame: Pick<AnalysisFrame, 'student' | 'teacher'>): AnalysedPair {
  return { studentRunId: frame.student.runId, teacherRunId: frame.teacher.runId, studentEpoch: frame.student.epoch, teacherEpoch: frame.teacher.epoch };
}

/**
 * Sums over the examples of one split and training label that the teacher and the student at
 * epoch e both recorded, at [((e − 1)·S + split)·C + label] (S splits, C classes): KL_e, d_e as in
 * StudentDynamics, and how many examples were summed.
 */
export interface ClassEpochSums {
  epochs: number;
  kl: Float64Array;
  deviation: Float64Array;
  count: Uint32Array;
}

/**
 * Dataset-cartography columns of the analysed student over its epochs e = 1..E (E the epoch read)
 * against the teacher at its last epoch: KL_e = KL(p^T ‖ p^S_e), d_e = φ(p^S_e,k) − a at the
 * frame's class k; means and population stds (ddof 0), top-class changes between consecutive
 * epochs, and the smallest KL_e before E. NaN where any of those epochs lacks the example.
 */
export interface StudentDynamics {
  klMean: Float64Array;
  klStd: Float64Array;
  deviationMean: Float64Array;
  deviationStd: Float64Array;
  flips: Float64Array;
  /** min KL_e over e = 1..E−1; +∞ when E = 1 */
  klMinBeforeLast: Float64Array;
}

const DYNAMICS_FIELDS = ['klMean', 'klStd', 'deviationMean', 'deviationStd', 'flips', 'klMinBeforeLast'] as const;

/**
 * Accumulates one example's epochs in order (Welford's mean and sum of squares, so long runs keep
 * their precision); the column and the single-row paths both use it and agree to the last bit.
 */
function createDynamicsAccumulator(n: number) {
  const klMean = new Float64Array(n);
  const klM2 = new Float64Array(n);
  const devMean = new Float64Array(n);
  const devM2 = new Float64Array(n);
  const flips = new Float64Array(n);
  const klMin = new Float64Array(n).fill(Infinity);
  const lastTop = new Int32Array(n);
  const missing = new Uint8Array(n);
  return {
    /** epoch e (1-based) of row i, of `epochs` in all */
    add(i: number, e: number, epochs: number, kl: number, deviation: number, top: number, recorded: boolean): void {
      if (!recorded) missing[i] = 1;
      let delta = kl - klMean[i]!;
      klMean[i]! += delta / e;
      klM2[i]! += delta * (kl - klMean[i]!);
      delta = deviation - devMean[i]!;
      devMean[i]! += delta / e;
      devM2[i]! += delta * (deviation - devMean[i]!);
      if (e < epochs) klMin[i] = Math.min(klMin[i]!, kl);
      if (e > 1 && top !== lastTop[i]) flips[i]! += 1;
      lastTop[i] = top;
    },
    finish(epochs: number): StudentDynamics {
      const out: StudentDynamics = {
        klMean,
        klStd: klM2.map((v) => Math.sqrt(Math.max(0, v / epochs))),
        deviationMean: devMean,
        deviationStd: devM2.map((v) => Math.sqrt(Math.max(0, v / epochs))),
        flips,
        klMinBeforeLast: klMin,
      };
      for (let i = 0; i < n; i++) if (missing[i]) for (const f of DYNAMICS_FIELDS) out[f][i] = NaN;
      return out;
    },
  };
}

export interface FrameSources {
  dataset: DatasetColumns;
  matrices: PredictionMatrices;
  /** one example's recorded probabilities for every run and epoch (the per-example rows' index) */
  exampleHistory?(exampleId: number): { runId: number; epoch: number; probs: Float32Array }[];
  experimentRuns: RunSummary[];
  runSummary(runId: number): RunSummary;
  /** probability bytes of the student's epochs up to which one row's dynamics build whole columns (default TRAJECTORY_COLUMN_BYTES) */
  dynamicsColumnBytes?: number;
  /** running p(label) sums shared by the frames of an experiment */
  labelProbSums?: LabelProbSumStore;
  /** the runs of the other seed replicates of the experiment's series, on the same dataset (none without seeds) */
  seedReplicateRuns?: RunSummary[][];
}

/** Σ p(training label) and Σ p² per row over a run's epochs 1..epoch, rows in the dataset's id order. */
export interface LabelProbSums {
  epoch: number;
  sum: Float64Array;
  sumSq: Float64Array;
}

/**
 * The furthest running sums built for each run. While a run trains, every epoch makes new frames;
 * from these a frame adds the epochs since, instead of passing over all of them again (a hundred
 * epochs of a 12,000-example run was ~40 ms a frame). The sums are kept read-only.
 */
export interface LabelProbSumStore {
  latest(runId: number): LabelProbSums | undefined;
  keep(runId: number, sums: LabelProbSums): void;
}

export function createLabelProbSumStore(): LabelProbSumStore {
  const byRun = new Map<number, LabelProbSums>();
  return {
    latest: (runId) => byRun.get(runId),
    keep: (runId, sums) => {
      if ((byRun.get(runId)?.epoch ?? 0) < sums.epoch) byRun.set(runId, sums);
    },
  };
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
 * A matrix's rows laid over the dataset's id order; examples it lacks get NaN rows. Kept per
 * matrix: every frame of a training experiment lays out the same earlier epochs again.
 */
function aligned(dataset: DatasetColumns, exampleIds: Int32Array, probs: Float32Array, numClasses: number): Float32Array {
  const hit = alignedOf.get(probs);
  if (hit?.dataset === dataset) return hit.rows;
  const rows = alignRows(dataset, exampleIds, probs, numClasses);
  alignedOf.set(probs, { dataset, rows });
  return rows;
}
const alignedOf = new WeakMap<Float32Array, { dataset: DatasetColumns; rows: Float32Array }>();

function alignRows(dataset: DatasetColumns, exampleIds: Int32Array, probs: Float32Array, numClasses: number): Float32Array {
  const n = dataset.ids.length;
  if (exampleIds.length === n) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = exampleIds[i] === dataset.ids[i];
    if (same) return probs;
  }
  const out = new Float32Array(n * numClasses).fill(NaN);
  exampleIds.forEach((id, r) => {
    const row = dataset.rowOf(id);
    if (row !== undefined) out.set(probs.subarray(r * numClasses, (r + 1) * numClasses), row * numClasses);
  });
  return out;
}

// Top classes per probability matrix, shared by every frame that reads it: a frame is rebuilt
// whenever any run of its experiment records an epoch, and the other runs' matrices are the same.
const topClassOf = new WeakMap<Float32Array, Int32Array>();
/** Probability bytes a run's epochs may total for its label-probability statistics to be built as whole columns. */
const TRAJECTORY_COLUMN_BYTES = 64 * 1024 * 1024;

export function buildAnalysisFrame(scope: AnalysisScope, sources: FrameSources): AnalysisFrame {
  const { dataset, matrices } = sources;
  const pair = resolvePair(scope, sources);
  const n = dataset.ids.length;
  const teacherAt: RunAt = { runId: pair.teacher.id, name: pair.teacher.name, role: 'teacher', epoch: pair.teacherEpoch };
  const studentAt: RunAt = { runId: pair.student.id, name: pair.student.name, role: 'student', epoch: pair.studentEpoch };
  // Other students are read at the same epoch where they have it, else at their last; teachers at their last.
  const runs: RunAt[] = [teacherAt];
  for (const r of sources.experimentRuns) {
    if (r.id === teacherAt.runId || r.epochsDone === 0) continue;
    const epoch = r.id === studentAt.runId ? studentAt.epoch : r.role === 'teacher' ? r.epochsDone : Math.min(pair.studentEpoch, r.epochsDone);
    runs.push({ runId: r.id, name: r.name, role: r.role, epoch });
  }
  // The analysed student's namesake in each other seed replicate, read like the experiment's other
  // students: at the analysed epoch where it has it, else at its last.
  const replicateStudents: RunAt[] = (sources.seedReplicateRuns ?? []).flatMap((replicate) => {
    const r = replicate.find((x) => x.role === 'student' && x.name === studentAt.name && x.epochsDone > 0);
    return r ? [{ runId: r.id, name: r.name, role: 'student' as const, epoch: Math.min(pair.studentEpoch, r.epochsDone) }] : [];
  });

  const probsCache = new Map<string, Float32Array>();
  let numClasses = 0;
  /** `keep` false: read without holding the matrix in the frame (the shared LRU cache still may). */
  const probsOf = (runId: number, epoch: number, keep = true): Float32Array => {
    const key = `${runId}:${epoch}`;
    let probs = probsCache.get(key);
    if (!probs) {
      const m = matrices.get(runId, epoch);
      if (numClasses === 0) numClasses = m.numClasses;
      if (m.numClasses !== numClasses) throw new ValidationError(`run ${runId} records ${m.numClasses} classes, its teacher ${numClasses}`);
      probs = aligned(dataset, m.exampleIds, m.probs, m.numClasses);
      if (keep) probsCache.set(key, probs);
    }
    return probs;
  };
  const teacherProbs = probsOf(teacherAt.runId, teacherAt.epoch);
  const studentProbs = probsOf(studentAt.runId, studentAt.epoch);
  const C = numClasses;
  if (dataset.classNames.length !== C) throw new ValidationError(`runs record ${C} classes but dataset ${dataset.datasetId} has ${dataset.classNames.length}`);

  const runAt = (runId: number): RunAt => {
    const at = runs.find((r) => r.runId === runId);
    if (!at) throw new ValidationError(`run ${runId} is not analysed with this experiment (runs: ${runs.map((r) => r.runId).join(', ')})`, { field: 'runId' });
    return at;
  };
  const runProbs = (runId: number): Float32Array => {
    const at = runAt(runId);
    return probsOf(at.runId, at.epoch);
  };
  const topClassOfProbs = (probs: Float32Array): Int32Array => {
    let top = topClassOf.get(probs);
    if (!top) topClassOf.set(probs, (top = argmaxRows(probs, C)));
    return top;
  };
  const topClass = (runId: number): Int32Array => topClassOfProbs(runProbs(runId));
  /** Each other replicate's student top class per row, −1 where it lacks the row (built on first use; the matrices are not kept). */
  let replicateTopsCache: Int32Array[] | undefined;
  const replicateTops = (): Int32Array[] =>
    (replicateTopsCache ??= replicateStudents.map((r) => {
      const probs = probsOf(r.runId, r.epoch, false);
      const top = topClassOfProbs(probs).slice();
      for (let i = 0; i < n; i++) if (!Number.isFinite(probs[i * C]!)) top[i] = -1;
      return top;
    }));

  const confidenceClass = scope.classChoice === 'label' ? dataset.trainLabel : topClass(teacherAt.runId);
  const columns = new Map<ExampleMeasure, Float64Array>();

  // Each measure is a function of one row; a column is that function over every row, built on
  // first use (filters, sorts), while a page of 100 examples reads single rows without it.
  const confidence = (probs: Float32Array, i: number) => logitConfidenceRow(probs, i * C, C, confidenceClass[i]!);
  const teacherMarginEntropy = lastRow((i) => marginAndEntropy(teacherProbs, i * C, C));
  const studentMarginEntropy = lastRow((i) => marginAndEntropy(studentProbs, i * C, C));
  // The page asks for one example's history once per run and measure: keep the last one.
  let lastHistory: { id: number; rows: ReturnType<NonNullable<FrameSources['exampleHistory']>> } | undefined;
  const exampleHistory = (id: number) => {
    if (!sources.exampleHistory) return undefined;
    if (lastHistory?.id !== id) lastHistory = { id, rows: sources.exampleHistory(id) };
    return lastHistory.rows;
  };

  /** Mean and population std of p(training label) over epochs 1..epoch of a run, for one row. */
  const trajectoryRow = (run: RunAt, i: number): [number, number] => {
    const cached = trajectories.get(run.runId);
    if (cached) return [cached[0][i]!, cached[1][i]!];
    // Where a run's matrices are small the whole column is cheaper than a page's hundred history
    // queries (random reads across the predictions table), and it stays with the frame.
    if (run.epoch * n * C * 4 <= TRAJECTORY_COLUMN_BYTES) {
      const [mean, std] = trajectory(run);
      return [mean[i]!, std[i]!];
    }
    // Otherwise a page of examples reads each one's history through the per-example index:
    // loading every epoch's whole matrix for 100 rows would cost epochs × runs matrix reads.
    const y = dataset.trainLabel[i]!;
    const history = exampleHistory(dataset.ids[i]!)?.filter((h) => h.runId === run.runId && h.epoch <= run.epoch);
    const labelProbs = history && history.length === run.epoch ? history.map((h) => h.probs[y]!) : Array.from({ length: run.epoch }, (_, e) => probsOf(run.runId, e + 1)[i * C + y]!);
    let sum = 0;
    let sumSq = 0;
    for (const p of labelProbs) {
      sum += p;
      sumSq += p * p;
    }
    const mean = sum / run.epoch;
    return [mean, Math.sqrt(Math.max(0, sumSq / run.epoch - mean * mean))];
  };
  const rowMeasures: Record<ExampleMeasure, (i: number) => number> = {
    teacherProb: (i) => teacherProbs[i * C + confidenceClass[i]!]!,
    studentProb: (i) => studentProbs[i * C + confidenceClass[i]!]!,
    teacherPhi: (i) => confidence(teacherProbs, i),
    studentPhi: (i) => confidence(studentProbs, i),
    deviation: (i) => confidence(studentProbs, i) - confidence(teacherProbs, i),
    kl: (i) => klRow(teacherProbs, i * C, studentProbs, i * C, C),
    teacherMargin: (i) => teacherMarginEntropy(i)[0],
    studentMargin: (i) => studentMarginEntropy(i)[0],
    teacherEntropy: (i) => teacherMarginEntropy(i)[1],
    studentEntropy: (i) => studentMarginEntropy(i)[1],
    teacherLabelProb: (i) => teacherProbs[i * C + dataset.trainLabel[i]!]!,
    studentLabelProb: (i) => studentProbs[i * C + dataset.trainLabel[i]!]!,
    teacherLabelProbMean: (i) => trajectoryRow(teacherAt, i)[0],
    teacherLabelProbStd: (i) => trajectoryRow(teacherAt, i)[1],
    studentLabelProbMean: (i) => trajectoryRow(studentAt, i)[0],
    studentLabelProbStd: (i) => trajectoryRow(studentAt, i)[1],
    gradNormOnehot: (i) => gradients().row(i)[0],
    gradNormKd: (i) => gradients().row(i)[1],
    gradCosOnehot: (i) => gradients().row(i)[2],
    gradCosKd: (i) => gradients().row(i)[3],
    tv: (i) => {
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.abs(teacherProbs[i * C + c]! - studentProbs[i * C + c]!);
      return sum / 2;
    },
    top1Disagree: (i) => (recordedByBoth(i) ? Number(topClass(teacherAt.runId)[i] !== topClass(studentAt.runId)[i]) : NaN),
    studentTopRankInTeacher: (i) => {
      if (!recordedByBoth(i)) return NaN;
      // Ties rank as argmax breaks them: an equal probability at a lower class index ranks higher.
      const s = topClass(studentAt.runId)[i]!;
      const ps = teacherProbs[i * C + s]!;
      let rank = 1;
      for (let c = 0; c < C; c++) {
        const p = teacherProbs[i * C + c]!;
        if (p > ps || (p === ps && c < s)) rank++;
      }
      return rank;
    },
    klMean: (i) => dynamicsRow(i).klMean,
    klStd: (i) => dynamicsRow(i).klStd,
    deviationMean: (i) => dynamicsRow(i).deviationMean,
    deviationStd: (i) => dynamicsRow(i).deviationStd,
    flips: (i) => dynamicsRow(i).flips,
    // Replicates without the row do not count; the analysed student without it makes the row NaN.
    misfitSeeds: (i) => {
      if (!Number.isFinite(studentProbs[i * C]!)) return NaN;
      const y = dataset.trainLabel[i]!;
      let k = Number(topClass(studentAt.runId)[i] !== y);
      for (const top of replicateTops()) if (top[i] !== -1 && top[i] !== y) k++;
      return k;
    },
  };

  /** Whole columns computed in one pass where that is much faster than row by row. */
  const columnBuilders: Partial<Record<ExampleMeasure, () => Float64Array>> = {
    teacherPhi: () => logitConfidence(teacherProbs, C, confidenceClass),
    studentPhi: () => logitConfidence(studentProbs, C, confidenceClass),
    deviation: () => {
      const a = measure('teacherPhi');
      return measure('studentPhi').map((b, i) => b - a[i]!);
    },
    kl: () => klPerExample(teacherProbs, studentProbs, C),
    teacherLabelProbMean: () => trajectory(teacherAt)[0],
    teacherLabelProbStd: () => trajectory(teacherAt)[1],
    studentLabelProbMean: () => trajectory(studentAt)[0],
    studentLabelProbStd: () => trajectory(studentAt)[1],
    klMean: () => studentDynamics().klMean,
    klStd: () => studentDynamics().klStd,
    deviationMean: () => studentDynamics().deviationMean,
    deviationStd: () => studentDynamics().deviationStd,
    flips: () => studentDynamics().flips,
  };

  function recordedByBoth(i: number): boolean {
    return Number.isFinite(teacherProbs[i * C]!) && Number.isFinite(studentProbs[i * C]!);
  }

  /**
   * The student's epochs 1..E as columns, one matrix at a time (not kept in the frame: a run of a
   * hundred epochs would otherwise pin them all).
   */
  let dynamicsCache: StudentDynamics | undefined;
  let classEpochCache: ClassEpochSums | undefined;
  // One epoch per step, so the service can build it in idle turns (and a request that needs it
  // meanwhile finishes the same pass).
  const dynamicsBuild = stepwise(function* (): Generator<void, StudentDynamics> {
    const epochs = studentAt.epoch;
    const a = measure('teacherPhi');
    const acc = createDynamicsAccumulator(n);
    // The class × epoch heatmap's sums ride along: reading the epoch matrices is the pass's cost.
    const cells = dataset.splitNames.length * C;
    const sums: ClassEpochSums = { epochs, kl: new Float64Array(epochs * cells), deviation: new Float64Array(epochs * cells), count: new Uint32Array(epochs * cells) };
    for (let e = 1; e <= epochs; e++) {
      const probs = e === epochs ? studentProbs : probsOf(studentAt.runId, e, false);
      const kl = klPerExample(teacherProbs, probs, C);
      const b = logitConfidence(probs, C, confidenceClass);
      const top = argmaxRows(probs, C);
      const base = (e - 1) * cells;
      for (let i = 0; i < n; i++) {
        const recorded = Number.isFinite(probs[i * C]!) && Number.isFinite(teacherProbs[i * C]!);
        acc.add(i, e, epochs, kl[i]!, b[i]! - a[i]!, top[i]!, recorded);
        if (!recorded) continue;
        const o = base + dataset.split[i]! * C + dataset.trainLabel[i]!;
        sums.kl[o]! += kl[i]!;
        sums.deviation[o]! += b[i]! - a[i]!;
        sums.count[o]! += 1;
      }
      if (e < epochs) yield;
    }
    classEpochCache = sums;
    return (dynamicsCache = acc.finish(epochs));
  });
  function studentDynamics(): StudentDynamics {
    return dynamicsCache ?? dynamicsBuild.get();
  }

  /** One row's dynamics: from the columns where they are built, else from that row's epochs alone. */
  const dynamicsRow = lastRow((i: number): Record<(typeof DYNAMICS_FIELDS)[number], number> => {
    const epochs = studentAt.epoch;
    const columnsOf = dynamicsCache;
    if (!columnsOf) {
      // A page's rows come one by one: from the epoch matrices where they are small enough to keep
      // (building whole columns for a page of 100 would cost the first page of every filter the
      // full pass), else from each example's history.
      const small = epochs * n * C * 4 <= (sources.dynamicsColumnBytes ?? TRAJECTORY_COLUMN_BYTES);
      const history = small ? undefined : exampleHistory(dataset.ids[i]!)?.filter((h) => h.runId === studentAt.runId && h.epoch <= epochs);
      const fromHistory = history !== undefined && history.length === epochs;
      const a = confidence(teacherProbs, i);
      const k = confidenceClass[i]!;
      const acc = createDynamicsAccumulator(1);
      for (let e = 1; e <= epochs; e++) {
        const probs = fromHistory ? history[e - 1]!.probs : probsOf(studentAt.runId, e, small);
        const at = fromHistory ? 0 : i * C;
        const recorded = Number.isFinite(probs[at]!) && Number.isFinite(teacherProbs[i * C]!);
        acc.add(0, e, epochs, klRow(teacherProbs, i * C, probs, at, C), logitConfidenceRow(probs, at, C, k) - a, argmaxRow(probs, at, C), recorded);
      }
      const one = acc.finish(epochs);
      return Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, one[f][0]!])) as Record<(typeof DYNAMICS_FIELDS)[number], number>;
    }
    const c = columnsOf;
    return Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, c[f][i]!])) as Record<(typeof DYNAMICS_FIELDS)[number], number>;
  });

  function measure(name: ExampleMeasure): Float64Array {
    let column = columns.get(name);
    if (!column) {
      const build = columnBuilders[name];
      if (build) column = build();
      else {
        const f = rowMeasures[name];
        column = new Float64Array(n);
        for (let i = 0; i < n; i++) column[i] = f(i);
      }
      columns.set(name, column);
    }
    return column;
  }

  /**
   * Experiment 7: g_onehot = p^S − e_y and g_kd = p^S − p^T (y the training label), their norms,
   * and each one's cosine to the mean gradient of the example's class within its split.
   */
  let gradientCache: { row(i: number): readonly [number, number, number, number] } | undefined;
  function gradients() {
    if (gradientCache) return gradientCache;
    const y = dataset.trainLabel;
    const sums = new Float64Array(dataset.splitNames.length * C * 2 * C);
    const at = (i: number) => (dataset.split[i]! * C + y[i]!) * 2 * C;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(studentProbs[i * C]!) || !Number.isFinite(teacherProbs[i * C]!)) continue;
      const o = at(i);
      for (let c = 0; c < C; c++) {
        const s = studentProbs[i * C + c]!;
        sums[o + c]! += s - (c === y[i] ? 1 : 0);
        sums[o + C + c]! += s - teacherProbs[i * C + c]!;
      }
    }
    gradientCache = {
      row: lastRow((i) => {
        const o = at(i);
        let n1 = 0;
        let n2 = 0;
        let d1 = 0;
        let d2 = 0;
        let m1 = 0;
        let m2 = 0;
        for (let c = 0; c < C; c++) {
          const s = studentProbs[i * C + c]!;
          const g1 = s - (c === y[i] ? 1 : 0);
          const g2 = s - teacherProbs[i * C + c]!;
          n1 += g1 * g1;
          n2 += g2 * g2;
          // The class mean is kept as a sum: a cosine does not depend on its length.
          d1 += g1 * sums[o + c]!;
          d2 += g2 * sums[o + C + c]!;
          m1 += sums[o + c]! * sums[o + c]!;
          m2 += sums[o + C + c]! * sums[o + C + c]!;
        }
        const cos = (d: number, g: number, m: number) => (g > 0 && m > 0 ? d / Math.sqrt(g * m) : NaN);
        return [Math.sqrt(n1), Math.sqrt(n2), cos(d1, n1, m1), cos(d2, n2, m2)] as const;
      }),
    };
    return gradientCache;
  }

  /** Mean and population standard deviation of p(training label) over epochs 1..epoch of a run. */
  const trajectories = new Map<number, [Float64Array, Float64Array]>();
  const trajectoryBuilds = new Map<number, Stepwise<[Float64Array, Float64Array]>>();
  function trajectoryBuild(run: RunAt): Stepwise<[Float64Array, Float64Array]> {
    let build = trajectoryBuilds.get(run.runId);
    if (!build) {
      build = stepwise(function* () {
        // Epochs are added in order either way, so sums continued from a shared start are the
        // same to the last bit as sums built here from epoch 1.
        const start = sources.labelProbSums?.latest(run.runId);
        const from = start && start.epoch <= run.epoch && start.sum.length === n ? start : undefined;
        const sum = from ? from.sum.slice() : new Float64Array(n);
        const sumSq = from ? from.sumSq.slice() : new Float64Array(n);
        for (let e = (from?.epoch ?? 0) + 1; e <= run.epoch; e++) {
          const probs = probsOf(run.runId, e, false);
          for (let i = 0; i < n; i++) {
            const p = probs[i * C + dataset.trainLabel[i]!]!;
            sum[i]! += p;
            sumSq[i]! += p * p;
          }
          if (e < run.epoch) yield;
        }
        sources.labelProbSums?.keep(run.runId, { epoch: run.epoch, sum, sumSq });
        const mean = sum.map((v) => v / run.epoch);
        const std = sumSq.map((v, i) => Math.sqrt(Math.max(0, v / run.epoch - mean[i]! * mean[i]!)));
        trajectories.set(run.runId, [mean, std]);
        return [mean, std] as [Float64Array, Float64Array];
      });
      trajectoryBuilds.set(run.runId, build);
    }
    return build;
  }
  function trajectory(run: RunAt): [Float64Array, Float64Array] {
    return trajectories.get(run.runId) ?? trajectoryBuild(run).get();
  }

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
    measure,
    measureAt: (name, row) => columns.get(name)?.[row] ?? rowMeasures[name](row),
    topClass,
    runProbs,
    labelProbStats: (runId, row) => trajectoryRow(runAt(runId), row),
    labelProbColumns: (runId) => trajectory(runAt(runId)),
    buildSteps: () => [...runs.map((r) => () => trajectoryBuild(r).step()), () => dynamicsBuild.step()],
    studentDynamics,
    heldArrays: () => {
      const held: ArrayBufferView[] = [...columns.values(), ...(replicateTopsCache ?? [])];
      for (const [mean, std] of trajectories.values()) held.push(mean, std);
      if (dynamicsCache) held.push(...DYNAMICS_FIELDS.map((f) => dynamicsCache![f]));
      if (classEpochCache) held.push(classEpochCache.kl, classEpochCache.deviation, classEpochCache.count);
      return held;
    },
    classEpochSums: () => {
      studentDynamics();
      return classEpochCache!;
    },
  };
}

/** Margin (top minus second probability) and natural-log entropy of one row. */
function marginAndEntropy(probs: Float32Array, offset: number, C: number): [number, number] {
  let first = -Infinity;
  let second = -Infinity;
  let h = 0;
  for (let c = 0; c < C; c++) {
    const p = probs[offset + c]!;
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
    if (p > 0) h -= p * Math.log(p);
  }
  return [first - second, h];
}

/**
 * A row function remembering its last row: a page asks for one example's measures one by one,
 * and several of them (margin and entropy, the four gradient figures, the six dynamics) come
 * from one computation over that row.
 */
function lastRow<T>(compute: (i: number) => T): (i: number) => T {
  let row = -1;
  let value: T;
  return (i) => {
    if (i !== row) {
      value = compute(i);
      row = i;
    }
    return value;
  };
}

interface Stepwise<T> {
  /** the value, finishing the pass first */
  get(): T;
  /** one more step of the pass; true once it is complete */
  step(): boolean;
}

/** A pass written as a generator (one `yield` per step), run to the end on demand or a step at a time. */
function stepwise<T>(pass: () => Generator<void, T>): Stepwise<T> {
  let running: Generator<void, T> | undefined;
  let result: { value: T } | undefined;
  const advance = (): boolean => {
    if (result) return true;
    running ??= pass();
    const next = running.next();
    if (next.done) result = { value: next.value };
    return result !== undefined;
  };
  return {
    get: () => {
      while (!advance());
      return result!.value;
    },
    step: advance,
  };
}
