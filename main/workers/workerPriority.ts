// Training is background work. Its workers run below normal priority so that when both want a
// core, the app's own process — the UI's API, web mode's readers — gets it first; with nothing
// else to do, training still gets every idle cycle. DISOBEY_TRAIN_PRIORITY=normal turns it off
// (e.g. on a headless box that only trains).
import os from 'node:os';

export type TrainingPriority = 'normal' | 'below-normal' | 'low';

const LEVELS: Record<TrainingPriority, number> = {
  normal: os.constants.priority.PRIORITY_NORMAL,
  'below-normal': os.constants.priority.PRIORITY_BELOW_NORMAL,
  low: os.constants.priority.PRIORITY_LOW,
};

export function trainingPriority(env: NodeJS.ProcessEnv = process.env): TrainingPriority {
  const asked = env.DISOBEY_TRAIN_PRIORITY;
  if (asked === undefined || asked === '') return 'below-normal';
  if (asked in LEVELS) return asked as TrainingPriority;
  throw new Error(`DISOBEY_TRAIN_PRIORITY must be one of ${Object.keys(LEVELS).join(', ')} (got "${asked}")`);
}

/**
 * Sets this process's scheduling priority. A failure (a sandbox refusing it) is reported, not
 * fatal: training at normal priority is still correct, only less polite.
 */
export function applyTrainingPriority(priority: TrainingPriority, pid = 0): string | null {
  try {
    os.setPriority(pid, LEVELS[priority]);
    return null;
  } catch (err) {
    return `could not set the training priority to ${priority}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
