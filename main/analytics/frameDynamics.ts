// An analysis frame's dynamics: the analysed student's epochs 1..E against the teacher's last
// epoch (dataset cartography, docs/metrics.md), as whole columns in one pass over the epochs —
// with the class × epoch heatmap's sums riding along — or for one row.
import type { FrameBasis } from './frameBasis.js';
import { lastRow, stepwise } from './framePasses.js';
import { confidenceColumn, klColumn, oneRowTable, pairRows, topColumn, type ProbabilityTable } from './probabilityTable.js';
import { TRAJECTORY_COLUMN_BYTES } from './frameTrajectories.js';

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

export const DYNAMICS_FIELDS = ['klMean', 'klStd', 'deviationMean', 'deviationStd', 'flips', 'klMinBeforeLast'] as const;
type DynamicsRow = Record<(typeof DYNAMICS_FIELDS)[number], number>;

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

const rowOf = (d: StudentDynamics, i: number) => Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, d[f][i]!])) as DynamicsRow;

/**
 * The dynamics stage, from the student's matrices at epochs 1..E (read without keeping them: a
 * run of a hundred epochs would otherwise pin them all), the teacher's last and the teacher's φ
 * column. `columnBytes`: the student's epochs' probability bytes up to which one row is computed
 * from the epoch matrices (kept) rather than from the example's history.
 */
export function createStudentDynamics(basis: FrameBasis, teacherPhi: () => Float64Array, columnBytes = TRAJECTORY_COLUMN_BYTES) {
  const { dataset, n, C, studentAt, teacherProbs, studentProbs, confidenceClass, probsOf } = basis;
  let columns: StudentDynamics | undefined;
  let classEpoch: ClassEpochSums | undefined;

  // One epoch per step, so the service can build it in idle turns (and a request that needs it
  // meanwhile finishes the same pass).
  const build = stepwise(function* (): Generator<void, StudentDynamics> {
    const epochs = studentAt.epoch;
    const a = teacherPhi();
    const acc = createDynamicsAccumulator(n);
    // The class × epoch heatmap's sums ride along: reading the epoch matrices is the pass's cost.
    const cells = dataset.splitNames.length * C;
    const sums: ClassEpochSums = { epochs, kl: new Float64Array(epochs * cells), deviation: new Float64Array(epochs * cells), count: new Uint32Array(epochs * cells) };
    for (let e = 1; e <= epochs; e++) {
      const probs = e === epochs ? studentProbs : probsOf(studentAt.runId, e, false);
      const kl = klColumn(teacherProbs, probs);
      const b = confidenceColumn(probs, confidenceClass);
      const top = topColumn(probs);
      const base = (e - 1) * cells;
      for (let i = 0; i < n; i++) {
        const recorded = probs.recorded(i) && teacherProbs.recorded(i);
        acc.add(i, e, epochs, kl[i]!, b[i]! - a[i]!, top[i]!, recorded);
        if (!recorded) continue;
        const o = base + dataset.split[i]! * C + dataset.trainLabel[i]!;
        sums.kl[o]! += kl[i]!;
        sums.deviation[o]! += b[i]! - a[i]!;
        sums.count[o]! += 1;
      }
      if (e < epochs) yield;
    }
    classEpoch = sums;
    return (columns = acc.finish(epochs));
  });
  const columnsOf = (): StudentDynamics => columns ?? build.get();

  /** One row's dynamics: from the columns where they are built, else from that row's epochs alone. */
  const row = lastRow((i: number): DynamicsRow => {
    if (columns) return rowOf(columns, i);
    const epochs = studentAt.epoch;
    // A page's rows come one by one: from the epoch matrices where they are small enough to keep
    // (building whole columns for a page of 100 would cost the first page of every filter the
    // full pass), else from each example's history.
    const small = epochs * studentProbs.bytes <= columnBytes;
    const history = small ? undefined : basis.exampleHistory(dataset.ids[i]!)?.filter((h) => h.runId === studentAt.runId && h.epoch <= epochs);
    const fromHistory = history !== undefined && history.length === epochs;
    const a = basis.confidence(teacherProbs, i);
    const k = confidenceClass[i]!;
    const acc = createDynamicsAccumulator(1);
    for (let e = 1; e <= epochs; e++) {
      // An example's history row is a table of one row; `at` is the row in `probs`.
      const probs: ProbabilityTable = fromHistory ? oneRowTable(history[e - 1]!.probs, i, n) : probsOf(studentAt.runId, e, small);
      const recorded = probs.recorded(i) && teacherProbs.recorded(i);
      acc.add(0, e, epochs, pairRows(teacherProbs, probs).kl(i), probs.confidence(i, k) - a, probs.top(i), recorded);
    }
    return rowOf(acc.finish(epochs), 0);
  });

  return {
    /** the pass over the epochs, a step at a time */
    build,
    columns: columnsOf,
    /** per epoch, split and training label (built in the same pass as the columns) */
    classEpochSums: (): ClassEpochSums => {
      columnsOf();
      return classEpoch!;
    },
    row,
    held: (): ArrayBufferView[] => [...(columns ? DYNAMICS_FIELDS.map((f) => columns![f]) : []), ...(classEpoch ? [classEpoch.kl, classEpoch.deviation, classEpoch.count] : [])],
  };
}
