// Shapes of experiments, runs and their per-epoch metrics as the app shows them.
import { z } from 'zod';
import { Id } from './domain.js';

/** The training backends, best first: the one list the contract, the trainer, the CLI and the form use. */
export const TrainingBackends = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export const RunStatus = z.enum(['pending', 'running', 'done', 'interrupted', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

export const EpochMetric = z.object({
  epoch: z.number().int().positive(),
  split: z.string(),
  loss: z.number(),
  accuracy: z.number(),
  seconds: z.number().nullable(),
});
export type EpochMetric = z.infer<typeof EpochMetric>;

export const RunSummary = z.object({
  id: Id,
  experimentId: Id,
  role: z.enum(['teacher', 'student']),
  name: z.string(),
  teacherRunId: Id.nullable(),
  spec: z.unknown(),
  status: RunStatus,
  backend: z.string().nullable(),
  epochs: z.number().int().nonnegative(),
  epochsDone: z.number().int().nonnegative(),
  trainAccuracy: z.number().nullable(),
  testAccuracy: z.number().nullable(),
  seconds: z.number(),
  error: z.string().nullable(),
  /**
   * The first epochs this run took over from an earlier run of its experiment that trains
   * identically up to there (sharedPrefixEpochs): its epochs 1 … epochs are copies of that run's
   * recorded epochs. Null (or absent) when the run trained every epoch itself.
   */
  sharedFrom: z.object({ runId: Id, epochs: z.number().int().positive() }).nullable().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const ExperimentSummary = z.object({
  id: Id,
  datasetId: Id,
  name: z.string(),
  createdAt: z.string(),
  /** seed replicates share a series key (docs/findings.md); null for an experiment planned without seeds */
  series: z.string().nullable(),
  /** this replicate's seed label; null without seeds */
  seed: z.number().int().nullable(),
  runs: z.array(RunSummary),
});
export type ExperimentSummary = z.infer<typeof ExperimentSummary>;

/**
 * What changes when any run records an epoch: "id:epochsDone" of every run. Pages refetch and
 * the analytics drop cached results when it changes.
 */
export function recordedEpochsKey(runs: readonly Pick<RunSummary, 'id' | 'epochsDone'>[]): string {
  return runs.map((r) => `${r.id}:${r.epochsDone}`).join(',');
}
