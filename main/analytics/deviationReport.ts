// SPEC M1–M7 for every student of an experiment against its teacher, per split (OOD splits
// included), from the analysis frame's columns and shared/deviationMetrics.ts.
import type { SplitDeviation } from '../../shared/analytics.js';
import { accuracyOfTops, binnedDeviation, exaggerationSlope, hardPointFitRateOfTops, underfitsLowConfidence } from '../../shared/deviationMetrics.js';
import type { AnalysisFrame } from './analysisFrame.js';

export interface SplitReportOptions {
  bins: number;
  hardFraction: number;
}

/** A split's numbers, with β's bootstrap interval left [null, null] for the caller, and the (a, b) it needs. */
export interface SplitDeviationParts {
  deviation: SplitDeviation;
  a: Float64Array;
  b: Float64Array;
}

export const orNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

/** Rows of one split, in id order. */
export function rowsOfSplit(frame: AnalysisFrame, split: string): Int32Array {
  const si = frame.dataset.splitNames.indexOf(split);
  const column = frame.dataset.split;
  const out = new Int32Array(column.length);
  let kept = 0;
  if (si >= 0) for (let i = 0; i < column.length; i++) if (column[i] === si) out[kept++] = i;
  return out.subarray(0, kept);
}

// Plain loops: Float64Array.from with a mapping function is ~20× slower in V8.
function gather(values: Float64Array | Int32Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = values[rows[r]!]!;
  return out;
}

/** Drops examples a run has no prediction for (NaN rows, e.g. a run ingested for a subset). */
function predictedRows(frame: AnalysisFrame, rows: Int32Array): Int32Array {
  const { teacherProbs, studentProbs } = frame;
  let kept = 0;
  const out = new Int32Array(rows.length);
  for (const i of rows) if (teacherProbs.recorded(i) && studentProbs.recorded(i)) out[kept++] = i;
  return out.subarray(0, kept);
}

/** The (a, b) = (teacher φ, student φ) pairs of β on one split, the rows both runs predicted, in id order. */
export function slopeColumns(frame: AnalysisFrame, split: string): { rows: Int32Array; a: Float64Array; b: Float64Array } {
  const rows = predictedRows(frame, rowsOfSplit(frame, split));
  return { rows, a: gather(frame.measure('teacherPhi'), rows), b: gather(frame.measure('studentPhi'), rows) };
}

/**
 * The whole columns splitDeviation reads, one a step: a report awaits a turn of the event loop
 * before each, so the calls that arrive meanwhile (a student's scatter, a grid page) are answered
 * between columns. At a million examples a column costs 0.1–0.5 s, and a report of three students
 * built all of them in one turn of 8–18 s while the explorer's next scatter waited.
 */
export function splitDeviationSteps(frame: AnalysisFrame): (() => unknown)[] {
  return [...slopeColumnSteps(frame), () => frame.measure('kl'), () => frame.topClass(frame.teacher.runId), () => frame.topClass(frame.student.runId)];
}

/** The whole columns slopeColumns reads (β's bootstrap needs only these), one a step. */
export function slopeColumnSteps(frame: AnalysisFrame): (() => unknown)[] {
  return [() => frame.measure('teacherPhi'), () => frame.measure('studentPhi')];
}

/**
 * A split's numbers from the frame's columns: φ, KL and each run's top class per row (so a top-k
 * run's report never completes its rows; accuracy, fidelity and M3 are exact from its top classes).
 */
export function splitDeviation(frame: AnalysisFrame, split: string, options: SplitReportOptions): SplitDeviationParts {
  const { rows, a, b } = slopeColumns(frame, split);
  const teacherTop = gather(frame.topClass(frame.teacher.runId), rows);
  const studentTop = gather(frame.topClass(frame.student.runId), rows);
  const labels = gather(frame.dataset.trainLabel, rows);
  const clean = gather(frame.dataset.label, rows);
  let noisy = false;
  for (let r = 0; r < labels.length && !noisy; r++) noisy = labels[r] !== clean[r];
  const slope = exaggerationSlope(a, b, { bootstrap: 0 });
  const binned = binnedDeviation(a, b, options.bins);
  const kl = gather(frame.measure('kl'), rows);
  const deviation: SplitDeviation = {
    split,
    n: rows.length,
    beta: orNull(slope.beta),
    intercept: orNull(slope.intercept),
    betaCi95: [null, null],
    bins: Array.from(binned.delta, (delta, j) => ({
      centre: orNull(binned.centres[j]),
      delta: orNull(delta),
      count: binned.counts[j]!,
      lo: orNull(binned.edges[j]),
      hi: orNull(binned.edges[j + 1]),
    })),
    underfits: underfitsLowConfidence(binned),
    hardPointFitRate: rows.length ? orNull(hardPointFitRateOfTops(a, (r) => studentTop[r]!, labels, options.hardFraction)) : null,
    teacherAccuracy: orNull(accuracyOfTops(teacherTop, labels)),
    studentAccuracy: orNull(accuracyOfTops(studentTop, labels)),
    teacherCleanAccuracy: noisy ? orNull(accuracyOfTops(teacherTop, clean)) : null,
    studentCleanAccuracy: noisy ? orNull(accuracyOfTops(studentTop, clean)) : null,
    meanKl: kl.length ? orNull(kl.reduce((s, v) => s + v, 0) / kl.length) : null,
    fidelity: orNull(accuracyOfTops(teacherTop, studentTop)),
  };
  return { deviation, a, b };
}

/** The teacher's accuracy on the train split's training labels (0 when there is no train split). */
export function teacherTrainAccuracy(frame: AnalysisFrame): number {
  const rows = rowsOfSplit(frame, 'train');
  const top = frame.topClass(frame.teacher.runId);
  let correct = 0;
  for (const i of rows) if (top[i] === frame.dataset.trainLabel[i]) correct++;
  return rows.length ? correct / rows.length : 0;
}
