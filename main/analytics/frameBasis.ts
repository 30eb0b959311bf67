// The first stages of an analysis frame: which runs it reads at which epoch, and their probability
// matrices laid over the dataset's id order. What these produce (FrameBasis) is what every later
// stage — row measures, trajectories, dynamics — reads.
import { ValidationError } from '../../shared/errors.js';
import type { RunSummary } from '../../shared/runs.js';
import type { StoredMatrix, TopKStoredMatrix } from '../store/matrixChunks.js';
import type { DatasetColumns } from './datasetColumns.js';
import type { PredictionMatrices } from './predictionMatrices.js';
import { denseTable, topColumn, topKTable, type ProbabilityTable } from './probabilityTable.js';

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
  teacherProbs: ProbabilityTable;
  studentProbs: ProbabilityTable;
  /** k of φ per row */
  confidenceClass: Int32Array;
  /** a run-epoch's probabilities over the dataset's rows (`keep` false: not held by the frame) */
  probsOf(runId: number, epoch: number, keep?: boolean): ProbabilityTable;
  /** φ of row i of a table at the row's confidence class */
  confidence(probs: ProbabilityTable, i: number): number;
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
 * What frames derive from one stored matrix and share: its rows laid over a dataset's id order
 * (a table: dense rows, or a top-k run's stored columns), and its top class per row. Every frame
 * of a training experiment reads the same earlier epochs and the other runs' matrices again;
 * these are kept as long as the matrix is (weakly, by the matrix), so they follow the matrix
 * cache's budget.
 */
export function createMatrixViews() {
  let tableOf = new WeakMap<StoredMatrix | TopKStoredMatrix, { dataset: DatasetColumns; table: ProbabilityTable }>();
  let topClassOf = new WeakMap<ProbabilityTable, Int32Array>();
  return {
    /** A matrix's rows laid over the dataset's id order; examples it lacks are not recorded (NaN rows). */
    aligned(dataset: DatasetColumns, m: StoredMatrix | TopKStoredMatrix): ProbabilityTable {
      const hit = tableOf.get(m);
      if (hit?.dataset === dataset) return hit.table;
      const table = 'probs' in m ? denseTable(alignRows(dataset, m.exampleIds, m.probs, m.numClasses), m.numClasses) : topKTable(m, dataset.ids.length, storedRowOf(dataset, m.exampleIds));
      tableOf.set(m, { dataset, table });
      return table;
    },
    /** Top class per row of an aligned table (ties → lowest class). */
    topClass(table: ProbabilityTable): Int32Array {
      let top = topClassOf.get(table);
      if (!top) topClassOf.set(table, (top = topColumn(table)));
      return top;
    },
    clear(): void {
      tableOf = new WeakMap();
      topClassOf = new WeakMap();
    },
  };
}
export type MatrixViews = ReturnType<typeof createMatrixViews>;

/** Whether a matrix holds exactly the dataset's ids in its order. */
function sameIds(dataset: DatasetColumns, exampleIds: Int32Array): boolean {
  const n = dataset.ids.length;
  if (exampleIds.length !== n) return false;
  for (let i = 0; i < n; i++) if (exampleIds[i] !== dataset.ids[i]) return false;
  return true;
}

function alignRows(dataset: DatasetColumns, exampleIds: Int32Array, probs: Float32Array, numClasses: number): Float32Array {
  if (sameIds(dataset, exampleIds)) return probs;
  const out = new Float32Array(dataset.ids.length * numClasses).fill(NaN);
  exampleIds.forEach((id, r) => {
    const row = dataset.rowOf(id);
    if (row !== undefined) out.set(probs.subarray(r * numClasses, (r + 1) * numClasses), row * numClasses);
  });
  return out;
}

/** Each dataset row's stored row (−1 where the matrix lacks it), or null when they are the same. */
function storedRowOf(dataset: DatasetColumns, exampleIds: Int32Array): Int32Array | null {
  if (sameIds(dataset, exampleIds)) return null;
  const out = new Int32Array(dataset.ids.length).fill(-1);
  exampleIds.forEach((id, r) => {
    const row = dataset.rowOf(id);
    if (row !== undefined) out[row] = r;
  });
  return out;
}

/**
 * Stage 2, the matrices: any run-epoch's probabilities over the dataset's rows, every run checked
 * to record as many classes as the first one read (the teacher). Those read with `keep` are held
 * by the frame; the others only by the matrix cache, so a pass over a hundred epochs pins none.
 */
export function createProbabilityReader(dataset: DatasetColumns, matrices: PredictionMatrices, views: MatrixViews) {
  const kept = new Map<string, ProbabilityTable>();
  let numClasses = 0;
  return {
    /** classes of the runs (0 before the first read) */
    numClasses: () => numClasses,
    probsOf(runId: number, epoch: number, keep = true): ProbabilityTable {
      const key = `${runId}:${epoch}`;
      let probs = kept.get(key);
      if (!probs) {
        const m = matrices.stored(runId, epoch);
        if (numClasses === 0) numClasses = m.numClasses;
        if (m.numClasses !== numClasses) throw new ValidationError(`run ${runId} records ${m.numClasses} classes, its teacher ${numClasses}`);
        probs = views.aligned(dataset, m);
        if (keep) kept.set(key, probs);
      }
      return probs;
    },
  };
}

/** φ at a row's confidence class, and the remembered last example history: the basis's helpers. */
export function basisHelpers(confidenceClass: Int32Array, history: ((exampleId: number) => ExampleHistoryRow[]) | undefined) {
  // The page asks for one example's history once per run and measure: keep the last one.
  let last: { id: number; rows: ExampleHistoryRow[] } | undefined;
  return {
    confidence: (probs: ProbabilityTable, i: number) => probs.confidence(i, confidenceClass[i]!),
    exampleHistory: (id: number): ExampleHistoryRow[] | undefined => {
      if (!history) return undefined;
      if (last?.id !== id) last = { id, rows: history(id) };
      return last.rows;
    },
  };
}
