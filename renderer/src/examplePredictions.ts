// What the dataset page's detail panel says the runs made of one example: each finished run's
// predicted class, probability of the training label and top classes at its last recorded
// epoch (from the analytics' exampleTrajectory, the explorer's own source), and where to look
// further — the newest experiment on the dataset with a trained student opens in the explorer.
import type { ExampleTrajectory } from '../../shared/analytics.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { runsAtEpoch } from './explorer/inspectorData.js';

/** At most this many experiments are asked about one example (newest first); the panel says how many more exist. */
export const PREDICTION_EXPERIMENTS = 4;
/** Top classes listed per run. */
export const TOP_CLASSES = 3;

export interface RunPrediction {
  runId: number;
  name: string;
  role: 'teacher' | 'student';
  epoch: number;
  predicted: number;
  predictedProb: number;
  /** probability of the training label (the flipped one where label noise changed it) */
  labelProb: number;
  correct: boolean;
  top: { cls: number; p: number }[];
}

const newestFirst = (a: Pick<ExperimentSummary, 'id' | 'createdAt'>, b: Pick<ExperimentSummary, 'id' | 'createdAt'>) =>
  a.createdAt === b.createdAt ? b.id - a.id : a.createdAt < b.createdAt ? 1 : -1;

/** The dataset's experiments with at least one finished run that recorded an epoch, newest first. */
export function experimentsWithFinishedRuns<E extends Pick<ExperimentSummary, 'id' | 'datasetId' | 'createdAt' | 'runs'>>(experiments: readonly E[], datasetId: number): E[] {
  return experiments.filter((e) => e.datasetId === datasetId && e.runs.some((r) => r.status === 'done' && r.epochsDone > 0)).sort(newestFirst);
}

/** The experiment "Open in explorer" goes to: the newest on the dataset with a student that recorded an epoch (the explorer analyses a student). */
export function explorerExperiment<E extends Pick<ExperimentSummary, 'id' | 'datasetId' | 'createdAt' | 'runs'>>(experiments: readonly E[], datasetId: number): E | null {
  return experiments.filter((e) => e.datasetId === datasetId && e.runs.some((r) => r.role === 'student' && r.epochsDone > 0)).sort(newestFirst)[0] ?? null;
}

/** The k most probable classes, most probable first (ties: the lower class first). */
export function topClasses(probs: readonly number[], k = TOP_CLASSES): { cls: number; p: number }[] {
  return probs
    .map((p, cls) => ({ cls, p }))
    .sort((a, b) => b.p - a.p || a.cls - b.cls)
    .slice(0, k);
}

/** Each finished run of the experiment at its last recorded epoch, in the trajectory's order (teacher first). */
export function finishedRunPredictions(experiment: Pick<ExperimentSummary, 'runs'>, trajectory: ExampleTrajectory): RunPrediction[] {
  const finished = new Set(experiment.runs.filter((r) => r.status === 'done').map((r) => r.id));
  return runsAtEpoch(trajectory, null)
    .filter((r) => finished.has(r.runId) && r.probs !== null && r.top !== null)
    .map((r) => ({
      runId: r.runId,
      name: r.name,
      role: r.role,
      epoch: r.epoch!,
      predicted: r.top!,
      predictedProb: r.topProb!,
      labelProb: r.labelProb!,
      correct: r.correct,
      top: topClasses(r.probs!),
    }));
}
