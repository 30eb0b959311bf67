// The shared progress tracker behind every progress line (the app's tasks, the CLI's import, ingest
// and export): no estimate in a stage's first second, then the rate so far; the terminal's line.
import { describe, expect, it } from 'vitest';
import { createProgressTracker, formatProgressLine } from '../../shared/progress.js';

describe('progress tracker', () => {
  it('gives no estimate in the first second of a stage, then the rate so far', () => {
    let now = 0;
    const tracker = createProgressTracker(() => now);
    tracker.update('decode', 0, 100);
    now = 900; // 90 done in 0.9 s would promise 0.1 s left: too early to say
    expect(tracker.update('decode', 90, 100).etaSeconds).toBeNull();
    now = 1000;
    expect(tracker.update('decode', 50, 100).etaSeconds).toBe(1);
    now = 1500; // a new stage starts its own clock
    expect(tracker.update('write', 10, 100).etaSeconds).toBeNull();
    now = 3500;
    expect(tracker.update('write', 40, 100).etaSeconds).toBe(3);
  });

  it('prints the stage, the count, the unit and the ETA ("…" while there is none)', () => {
    expect(formatProgressLine({ stage: 'import', done: 120, total: 1000, etaSeconds: 65 })).toBe('import 120/1000 · ETA 1m05s');
    expect(formatProgressLine({ stage: 'ingest', done: 3, total: 40, etaSeconds: null }, 'run-epochs')).toBe('ingest 3/40 run-epochs · ETA …');
  });
});
