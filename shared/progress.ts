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

/** Compact ETA for dense rows and the terminal: "42s", "1m05s", "2h03m"; `unknown` when there is none. */
export function formatEtaShort(seconds: number | null | undefined, unknown = '—'): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return unknown;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** No estimate before a stage has run this long: the rate of its first few items says little. */
export const ETA_AFTER_SECONDS = 1;

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
      return { stage, done, total, etaSeconds: elapsed < ETA_AFTER_SECONDS ? null : estimateEtaSeconds(done, total, elapsed) };
    },
  };
}

/** The terminal's progress line: "decode 120/1000 files · ETA 42s" ("ETA …" while there is none). */
export function formatProgressLine({ stage, done, total, etaSeconds }: ProgressSnapshot, unit = ''): string {
  return `${stage} ${done}/${total}${unit ? ` ${unit}` : ''} · ETA ${formatEtaShort(etaSeconds, '…')}`;
}
