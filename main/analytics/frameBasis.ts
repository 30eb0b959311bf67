// The first stages of an analysis frame: which runs it reads at which epoch, and their probability
// matrices laid over the dataset's id order. What these produce (FrameBasis) is what every later
// stage — row measures, trajectories, dynamics — reads.
import { argmaxRows, logitConfidenceRow } from '../../shared/deviationMetrics.js';
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

/** One recorded epoch of one run for one example. */
export interface ExampleHistoryRow {
  runId: number;
  epoch: number;
  probs: Float32Array;
}

/** What every stage after the matrices reads. */
export interface FrameBasis {
  dataset: DatasetColumns;
  /** rows (the dataset's examples) */
  n: number;
  /** classes */
  C: number;
  teacherAt: RunAt;
  studentAt: RunAt;
  teacherProbs: Float32Array;
  studentProbs: Float32Array;
  /** k of φ per row */
  confidenceClass: Int32Array;
  /** a run-epoch's probabilities over the dataset's rows (`keep` false: not held by the frame) */
  probsOf(runId: number, epoch: number, keep?: boolean): Float32Array;
  /** φ of row i of a matrix at the row's confidence class */
  confidence(probs: Float32Array, i: number): number;
  /** one example's recorded epochs of every run (the last example asked for is remembered); undefined without the per-example index */
  exampleHistory(exampleId: number): ExampleHistoryRow[] | undefined;
}

/**
 * Stage 1, the runs read: the teacher at its last epoch, the analysed student at the analysed
 * epoch, the experiment's other students at that epoch where they have it (else at their last),
 * other teachers at their last; and the analysed student's namesake in each other seed replicate,
 * read like the experiment's other students.
 */
export function readRuns(
  pair: { teacher: RunSummary; student: RunSummary; teacherEpoch: number; studentEpoch: number },
  experimentRuns: readonly RunSummary[],
  seedReplicateRuns: readonly (readonly RunSummary[])[],
): { teacherAt: RunAt; studentAt: RunAt; runs: RunAt[]; replicateStudents: RunAt[] } {
  const teacherAt: RunAt = { runId: pair.teacher.id, name: pair.teacher.name, role: 'teacher', epoch: pair.teacherEpoch };
  const studentAt: RunAt = { runId: pair.student.id, name: pair.student.name, role: 'student', epoch: pair.studentEpoch };
  const runs: RunAt[] = [teacherAt];
  for (const r of experimentRuns) {
    if (r.id === teacherAt.runId || r.epochsDone === 0) continue;
    const epoch = r.id === studentAt.runId ? studentAt.epoch : r.role === 'teacher' ? r.epochsDone : Math.min(pair.studentEpoch, r.epochsDone);
    runs.push({ runId: r.id, name: r.name, role: r.role, epoch });
  }
  const replicateStudents: RunAt[] = seedReplicateRuns.flatMap((replicate) => {
    const r = replicate.find((x) => x.role === 'student' && x.name === studentAt.name && x.epochsDone > 0);
    return r ? [{ runId: r.id, name: r.name, role: 'student' as const, epoch: Math.min(pair.studentEpoch, r.epochsDone) }] : [];
  });
  return { teacherAt, studentAt, runs, replicateStudents };
}

/**
 * What frames derive from one probability matrix and share: its rows laid over a dataset's id
 * order, and its top class per row. Every frame of a training experiment reads the same earlier
 * epochs and the other runs' matrices again; these are kept as long as the matrix is (weakly, by
 * the matrix), so they follow the matrix cache's budget.
 */
export function createMatrixViews() {
  let alignedOf = new WeakMap<Float32Array, { dataset: DatasetColumns; rows: Float32Array }>();
  let topClassOf = new WeakMap<Float32Array, Int32Array>();
  return {
    /** A matrix's rows laid over the dataset's id order; examples it lacks get NaN rows. */
    aligned(dataset: DatasetColumns, exampleIds: Int32Array, probs: Float32Array, numClasses: number): Float32Array {
      const hit = alignedOf.get(probs);
      if (hit?.dataset === dataset) return hit.rows;
      const rows = alignRows(dataset, exampleIds, probs, numClasses);
      alignedOf.set(probs, { dataset, rows });
      return rows;
    },
    /** Top class per row of an aligned matrix (ties → lowest class). */
    topClass(probs: Float32Array, numClasses: number): Int32Array {
      let top = topClassOf.get(probs);
      if (!top) topClassOf.set(probs, (top = argmaxRows(probs, numClasses)));
      return top;
    },
    clear(): void {
      alignedOf = new WeakMap();
      topClassOf = new WeakMap();
    },
  };
}
export type MatrixViews = ReturnType<typeof createMatrixViews>;

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

/**
 * Stage 2, the matrices: any run-epoch's probabilities over the dataset's rows, every run checked
 * to record as many classes as the first one read (the teacher). Those read with `keep` are held
 * by the frame; the others only by the matrix cache, so a pass over a hundred epochs pins none.
 */
export function createProbabilityReader(dataset: DatasetColumns, matrices: PredictionMatrices, views: MatrixViews) {
  const kept = new Map<string, Float32Array>();
  let numClasses = 0;
  return {
    /** classes of the runs (0 before the first read) */
    numClasses: () => numClasses,
    probsOf(runId: number, epoch: number, keep = true): Float32Array {
      const key = `${runId}:${epoch}`;
      let probs = kept.get(key);
      if (!probs) {
        const m = matrices.get(runId, epoch);
        if (numClasses === 0) numClasses = m.numClasses;
        if (m.numClasses !== numClasses) throw new ValidationError(`run ${runId} records ${m.numClasses} classes, its teacher ${numClasses}`);
        probs = views.aligned(dataset, m.exampleIds, m.probs, m.numClasses);
        if (keep) kept.set(key, probs);
      }
      return probs;
    },
  };
}

/** φ at a row's confidence class, and the remembered last example history: the basis's helpers. */
export function basisHelpers(C: number, confidenceClass: Int32Array, history: ((exampleId: number) => ExampleHistoryRow[]) | undefined) {
  // The page asks for one example's history once per run and measure: keep the last one.
  let last: { id: number; rows: ExampleHistoryRow[] } | undefined;
  return {
    confidence: (probs: Float32Array, i: number) => logitConfidenceRow(probs, i * C, C, confidenceClass[i]!),
    exampleHistory: (id: number): ExampleHistoryRow[] | undefined => {
      if (!history) return undefined;
      if (last?.id !== id) last = { id, rows: history(id) };
      return last.rows;
    },
  };
}
