// Progress of long work, reported as {stage, done, total, etaSeconds}; the ETA comes from
// the rate observed so far in the current stage.

export interface ProgressSnapshot {
  stage: string;
  done: number;
  total: number;
  etaSeconds: number | null;
}

export function estimateEtaSeconds(done: number, total: number, elapsedSeconds: number): number | null {
  if (done <= 0 || total <= 0 || elapsedSeconds <= 0) return null;
  const remaining = Math.max(0, total - done);
  return (remaining * elapsedSeconds) / done;
}

/** Tracks one task's stages; `now` is injectable so the ETA is testable. */
export function createProgressTracker(now: () => number = () => Date.now()) {
  let stage = '';
  let stageStart = now();
  return {
    update(nextStage: string, done: number, total: number): ProgressSnapshot {
      if (nextStage !== stage) {
        stage = nextStage;
        stageStart = now();
      }
      const elapsed = (now() - stageStart) / 1000;
      return { stage, done, total, etaSeconds: estimateEtaSeconds(done, total, elapsed) };
    },
  };
}
