// An analysis frame's label-probability trajectories (SPEC "per-example"): the mean and population
// std of p(training label) over a run's epochs 1..E, E the epoch the frame reads the run at, as
// whole columns (one pass over the epochs) or for one row.
import type { FrameBasis, RunAt } from './frameBasis.js';
import { stepwise, type Stepwise } from './framePasses.js';

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

/** Probability bytes a run's epochs may total for its label-probability statistics to be built as whole columns. */
export const TRAJECTORY_COLUMN_BYTES = 64 * 1024 * 1024;

type MeanAndStd = [Float64Array, Float64Array];

/**
 * The trajectories stage: per run, from its matrices at epochs 1..E (read without keeping them),
 * continuing the furthest running sums `labelProbSums` holds for the run. Columns are built in a
 * pass of one step per epoch (so the service can build them in idle turns); a row comes from the
 * columns where they exist, from the whole columns where the run's matrices are small, else from
 * the example's history.
 */
export function createTrajectories(basis: FrameBasis, labelProbSums: LabelProbSumStore | undefined) {
  const { dataset, n, C, probsOf, exampleHistory } = basis;
  const columns = new Map<number, MeanAndStd>();
  const builds = new Map<number, Stepwise<MeanAndStd>>();

  /** The pass building a run's columns (started on first use, shared by every caller). */
  function build(run: RunAt): Stepwise<MeanAndStd> {
    let pass = builds.get(run.runId);
    if (!pass) {
      pass = stepwise(function* () {
        // Epochs are added in order either way, so sums continued from a shared start are the
        // same to the last bit as sums built here from epoch 1.
        const start = labelProbSums?.latest(run.runId);
        const from = start && start.epoch <= run.epoch && start.sum.length === n ? start : undefined;
        const sum = from ? from.sum.slice() : new Float64Array(n);
        const sumSq = from ? from.sumSq.slice() : new Float64Array(n);
        for (let e = (from?.epoch ?? 0) + 1; e <= run.epoch; e++) {
          const table = probsOf(run.runId, e, false);
          const probs = table.dense;
          for (let i = 0; i < n; i++) {
            const p = probs ? probs[i * C + dataset.trainLabel[i]!]! : table.prob(i, dataset.trainLabel[i]!);
            sum[i]! += p;
            sumSq[i]! += p * p;
          }
          if (e < run.epoch) yield;
        }
        labelProbSums?.keep(run.runId, { epoch: run.epoch, sum, sumSq });
        const mean = sum.map((v) => v / run.epoch);
        const std = sumSq.map((v, i) => Math.sqrt(Math.max(0, v / run.epoch - mean[i]! * mean[i]!)));
        columns.set(run.runId, [mean, std]);
        return [mean, std] as MeanAndStd;
      });
      builds.set(run.runId, pass);
    }
    return pass;
  }

  /** Mean and std columns of a run, built on first use. */
  function columnsOf(run: RunAt): MeanAndStd {
    return columns.get(run.runId) ?? build(run).get();
  }

  /** Mean and std of one row. */
  function row(run: RunAt, i: number): [number, number] {
    const cached = columns.get(run.runId);
    if (cached) return [cached[0][i]!, cached[1][i]!];
    // Where a run's matrices are small the whole column is cheaper than a page's hundred history
    // queries (random reads across the predictions table), and it stays with the frame.
    if (run.epoch * probsOf(run.runId, run.epoch).bytes <= TRAJECTORY_COLUMN_BYTES) {
      const [mean, std] = columnsOf(run);
      return [mean[i]!, std[i]!];
    }
    // Otherwise a page of examples reads each one's history through the per-example index:
    // loading every epoch's whole matrix for 100 rows would cost epochs × runs matrix reads.
    const y = dataset.trainLabel[i]!;
    const history = exampleHistory(dataset.ids[i]!)?.filter((h) => h.runId === run.runId && h.epoch <= run.epoch);
    const labelProbs = history && history.length === run.epoch ? history.map((h) => h.probs[y]!) : Array.from({ length: run.epoch }, (_, e) => probsOf(run.runId, e + 1).prob(i, y));
    let sum = 0;
    let sumSq = 0;
    for (const p of labelProbs) {
      sum += p;
      sumSq += p * p;
    }
    const mean = sum / run.epoch;
    return [mean, Math.sqrt(Math.max(0, sumSq / run.epoch - mean * mean))];
  }

  return { build, columns: columnsOf, row, held: (): Float64Array[] => [...columns.values()].flat() };
}
