import { describe, expect, it, vi } from 'vitest';
import { coalesce } from '../../renderer/src/coalesce.js';
import { formatAccuracy, formatEtaShort } from '../../renderer/src/format.js';
import {
  bestStudentTestAccuracy,
  experimentEtaSeconds,
  experimentFraction,
  isBareStartHash,
  newestExperimentId,
  runEtaSeconds,
  runFraction,
  specBatchSize,
  statusCounts,
  type LiveProgress,
} from '../../renderer/src/runProgress.js';
import type { RunStatus, RunSummary } from '../../shared/runs.js';

function live(patch: Partial<LiveProgress> = {}): LiveProgress {
  return {
    experimentId: 1,
    runId: 1,
    runName: 'teacher',
    epoch: 2,
    epochs: 4,
    batch: 50,
    batches: 100,
    loss: 0.5,
    examplesPerSecond: 1000,
    etaSeconds: 30,
    receivedAt: 1,
    ...patch,
  };
}

function run(id: number, status: RunStatus, epochsDone: number, patch: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    experimentId: 1,
    role: 'student',
    name: `run ${id}`,
    teacherRunId: null,
    spec: { batchSize: 10 },
    status,
    backend: null,
    epochs: 4,
    epochsDone,
    trainAccuracy: null,
    testAccuracy: null,
    seconds: 0,
    error: null,
    ...patch,
  };
}

describe('run progress', () => {
  it('adds the share of the current epoch to the epochs done', () => {
    expect(runFraction(run(1, 'running', 1), live())).toBeCloseTo((1 + 0.5) / 4);
    expect(runFraction(run(1, 'running', 1))).toBe(0.25);
    expect(runFraction(run(1, 'done', 4))).toBe(1);
    // a stale event from before a cancel does not count
    expect(runFraction(run(1, 'cancelled', 1), live({ epoch: 4 }))).toBe(0.25);
    // never behind what the database says
    expect(runFraction(run(1, 'running', 3), live({ epoch: 1, batch: 1 }))).toBe(0.75);
  });

  it('estimates a run’s time left from its remaining batches', () => {
    // 2 more epochs of 100 batches and 50 batches of this one, 10 examples each, at 1000/s
    expect(runEtaSeconds(live(), 10)).toBeCloseTo(2.5);
    expect(runEtaSeconds(live({ examplesPerSecond: null }), 10)).toBeNull();
    expect(runEtaSeconds(live(), null)).toBeNull();
    expect(runEtaSeconds(null, 10)).toBeNull();
    expect(specBatchSize({ batchSize: 64 })).toBe(64);
    expect(specBatchSize(null)).toBeNull();
  });

  it('weighs runs by epochs for the experiment’s fraction and takes the newest ETA', () => {
    const exp = { runs: [run(1, 'done', 4), run(2, 'running', 0), run(3, 'pending', 0)] };
    const progress = { 2: live({ runId: 2, epoch: 1, batch: 100, etaSeconds: 40, receivedAt: 5 }), 1: live({ etaSeconds: 99, receivedAt: 9 }) };
    expect(experimentFraction(exp, progress)).toBeCloseTo((4 + 1) / 12);
    expect(experimentEtaSeconds(exp, progress)).toBe(40);
    expect(experimentEtaSeconds({ runs: [run(1, 'done', 4)] }, progress)).toBeNull();
  });

  it('tallies statuses and finds the best student', () => {
    const runs = [
      run(1, 'done', 4, { role: 'teacher', testAccuracy: 0.95 }),
      run(2, 'done', 4, { testAccuracy: 0.81 }),
      run(3, 'failed', 1, { testAccuracy: 0.86 }),
      run(4, 'pending', 0),
    ];
    expect(statusCounts(runs)).toEqual([
      { status: 'pending', count: 1 },
      { status: 'done', count: 2 },
      { status: 'failed', count: 1 },
    ]);
    expect(bestStudentTestAccuracy(runs)).toBe(0.86);
    expect(bestStudentTestAccuracy([runs[0]!])).toBeNull();
  });

  it('picks the newest experiment and recognises a start without a route', () => {
    expect(newestExperimentId([])).toBeNull();
    expect(
      newestExperimentId([
        { id: 1, createdAt: '2025-01-02 10:00:00' },
        { id: 3, createdAt: '2025-01-01 10:00:00' },
        { id: 2, createdAt: '2025-01-02 10:00:00' },
      ]),
    ).toBe(2);
    expect(isBareStartHash('')).toBe(true);
    expect(isBareStartHash('#')).toBe(true);
    expect(isBareStartHash('#/')).toBe(false);
    expect(isBareStartHash('#/experiments')).toBe(false);
  });
});

describe('formatEtaShort', () => {
  it('is compact', () => {
    expect(formatEtaShort(null)).toBe('—');
    expect(formatEtaShort(-1)).toBe('—');
    expect(formatEtaShort(4.4)).toBe('4s');
    expect(formatEtaShort(65)).toBe('1m05s');
    expect(formatEtaShort(3599)).toBe('59m59s');
    expect(formatEtaShort(3720)).toBe('1h02m');
    expect(formatAccuracy(0.9134)).toBe('91.3%');
    expect(formatAccuracy(null)).toBe('—');
  });
});

describe('coalesce', () => {
  it('runs once per burst with the keys collected, without starving a steady stream', () => {
    vi.useFakeTimers();
    try {
      const calls: number[][] = [];
      const c = coalesce<number>(300, (keys) => calls.push([...keys]));
      c.request(1);
      vi.advanceTimersByTime(100);
      c.request(2);
      c.request(1);
      vi.advanceTimersByTime(199);
      expect(calls).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(calls).toEqual([[1, 2]]);
      c.request();
      c.flush();
      expect(calls).toEqual([[1, 2], []]);
      c.request(5);
      c.cancel();
      vi.advanceTimersByTime(1000);
      expect(calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
