// What the run monitor and the demo card show about training in flight: a run's fraction done
// (finished epochs plus the share of the current one from the latest trainProgress event),
// its own ETA, an experiment's overall fraction and ETA, status tallies and best accuracy.
import type { AppEvent } from '../../shared/contract.js';
import type { RunStatus, RunSummary, ExperimentSummary } from '../../shared/runs.js';

/** The latest trainProgress event of a run (without its `type` tag), stamped with when it arrived (ms). */
export type LiveProgress = Omit<Extract<AppEvent, { type: 'trainProgress' }>, 'type'> & { receivedAt: number };

type RunLike = Pick<RunSummary, 'status' | 'epochs' | 'epochsDone'>;

export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'done', 'interrupted', 'failed', 'cancelled'];
export const RESUMABLE_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['interrupted', 'cancelled', 'failed']);
export const ACTIVE_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['pending', 'running']);

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Whether a live progress event describes the run as it is now (not a finished earlier attempt). */
export function isLive(run: RunLike, live: LiveProgress | null | undefined): live is LiveProgress {
  return !!live && ACTIVE_STATUSES.has(run.status);
}

/** Fraction of a run done, 0–1: epochs done, plus the current epoch's share while it trains. */
export function runFraction(run: RunLike, live?: LiveProgress | null): number {
  if (run.status === 'done') return 1;
  const base = run.epochs > 0 ? run.epochsDone / run.epochs : 0;
  if (isLive(run, live) && live.epochs > 0) {
    const inEpoch = live.batches > 0 ? live.batch / live.batches : 0;
    const current = (live.epoch - 1 + inEpoch) / live.epochs;
    return clamp01(Math.max(base, current));
  }
  return clamp01(base);
}

/** The batch size a run trains with, read from its stored spec; null when the spec lacks one. */
export function specBatchSize(spec: unknown): number | null {
  const b = (spec as { batchSize?: unknown } | null | undefined)?.batchSize;
  return typeof b === 'number' && b > 0 ? b : null;
}

/** Seconds left for this run alone: remaining batches at the measured examples per second. */
export function runEtaSeconds(live: LiveProgress | null | undefined, batchSize: number | null): number | null {
  if (!live || !batchSize || !live.examplesPerSecond || live.examplesPerSecond <= 0 || live.batches <= 0) return null;
  const remainingBatches = Math.max(0, live.epochs - live.epoch) * live.batches + Math.max(0, live.batches - live.batch);
  return (remainingBatches * batchSize) / live.examplesPerSecond;
}

/** An experiment's fraction done, each run weighted by its epochs. */
export function experimentFraction(experiment: Pick<ExperimentSummary, 'runs'>, live: Readonly<Record<number, LiveProgress>>): number {
  let total = 0;
  let done = 0;
  for (const run of experiment.runs) {
    const weight = Math.max(1, run.epochs);
    total += weight;
    done += weight * runFraction(run, live[run.id]);
  }
  return total > 0 ? done / total : 0;
}

/** The queue ETA from the experiment's most recent progress event, while any of its runs is active. */
export function experimentEtaSeconds(experiment: Pick<ExperimentSummary, 'runs'>, live: Readonly<Record<number, LiveProgress>>): number | null {
  let latest: LiveProgress | null = null;
  for (const run of experiment.runs) {
    const p = live[run.id];
    if (isLive(run, p) && (!latest || p.receivedAt > latest.receivedAt)) latest = p;
  }
  return latest?.etaSeconds ?? null;
}

export function isActive(experiment: Pick<ExperimentSummary, 'runs'>): boolean {
  return experiment.runs.some((r) => ACTIVE_STATUSES.has(r.status));
}

/** How many runs have each status, in RUN_STATUSES order, zeros left out. */
export function statusCounts(runs: readonly Pick<RunSummary, 'status'>[]): { status: RunStatus; count: number }[] {
  return RUN_STATUSES.map((status) => ({ status, count: runs.filter((r) => r.status === status).length })).filter((c) => c.count > 0);
}

/** The best test accuracy among the student runs, or null when none has one yet. */
export function bestStudentTestAccuracy(runs: readonly Pick<RunSummary, 'role' | 'testAccuracy'>[]): number | null {
  let best: number | null = null;
  for (const r of runs) {
    if (r.role === 'student' && r.testAccuracy !== null && (best === null || r.testAccuracy > best)) best = r.testAccuracy;
  }
  return best;
}

/** The newest experiment's id (highest creation time, then id), or null when there is none. */
export function newestExperimentId(experiments: readonly Pick<ExperimentSummary, 'id' | 'createdAt'>[]): number | null {
  let newest: Pick<ExperimentSummary, 'id' | 'createdAt'> | null = null;
  for (const e of experiments) {
    if (!newest || e.createdAt > newest.createdAt || (e.createdAt === newest.createdAt && e.id > newest.id)) newest = e;
  }
  return newest?.id ?? null;
}

/** Whether the page was opened with no route at all (no hash), as a fresh app start is. */
export function isBareStartHash(hash: string): boolean {
  return hash === '' || hash === '#';
}

/** Whether any student has recorded an epoch, so the findings have something to say. */
export function hasTrainedStudent(runs: readonly Pick<RunSummary, 'role' | 'epochsDone'>[]): boolean {
  return runs.some((r) => r.role === 'student' && r.epochsDone > 0);
}

/** The page an experiment opens on: its findings once a student has trained, else its runs and training. */
export function landingPage(experiment: Pick<ExperimentSummary, 'runs'>): 'findings' | 'experiment' {
  return hasTrainedStudent(experiment.runs) ? 'findings' : 'experiment';
}
