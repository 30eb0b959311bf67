// The one worker protocol and launcher (main/workers), with the real built workers: progress
// arrives typed, a cancel stops the job and writes nothing, a DomainError thrown in a worker
// arrives as its own class with its code and place, and a worker that dies rejects its jobs.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { exaggerationSlope } from '../../shared/deviationMetrics.js';
import { CancelledError, DomainError, ImportError, NotFoundError } from '../../shared/errors.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createBootstrapPool } from '../../main/workers/bootstrapPool.js';
import { launchWorker, runWorkerJob, workerEntryPath, WorkerExitedError, type WorkerExit } from '../../main/workers/launcher.js';
import { reviveWorkerError, toWorkerError, type ProgressOf } from '../../main/workers/protocol.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => (temp = makeTempDir()));
afterEach(() => temp.dispose());

function datasetCount(file: string): number {
  const db = openDatabase(file);
  try {
    return db.prepare('SELECT count(*) FROM datasets').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('a worker error on the wire', () => {
  it('comes back as the class it was thrown as, with its code, place and unreworded message', () => {
    const thrown = new ImportError('label 12 is out of range', { file: 'labels.csv', row: 7 });
    const revived = reviveWorkerError(structuredClone(toWorkerError(thrown)), 'import');
    expect(revived).toBeInstanceOf(ImportError);
    expect(revived).toMatchObject({ name: 'ImportError', code: 'IMPORT_ERROR', message: 'labels.csv, row 7: label 12 is out of range', place: { file: 'labels.csv', row: 7 } });
    expect(reviveWorkerError(toWorkerError(new NotFoundError('no run 9')), 'training')).toBeInstanceOf(NotFoundError);
    const plain = reviveWorkerError(toWorkerError(new TypeError('x is undefined')), 'import');
    expect(plain).not.toBeInstanceOf(DomainError);
    expect([plain.name, plain.message]).toEqual(['TypeError', 'x is undefined']);
    expect(plain.stack).toContain('(in the import worker)');
  });
});

describe.skipIf(!fs.existsSync(workerEntryPath('import')) || !fs.existsSync(workerEntryPath('train')) || !fs.existsSync(workerEntryPath('bootstrap')))('the worker launcher', () => {
  it('runs an import in a thread: typed progress, then the dataset it wrote', async () => {
    const file = path.join(temp.dir, 'app.db');
    const progress: ProgressOf<'import'>[] = [];
    const outcome = await runWorkerJob('import', { databasePath: file, options: ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset: 300 }) }, { onProgress: (p) => progress.push(p) });
    expect(outcome).toEqual({ datasetId: 1, skipped: { count: 0, examples: [] } });
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(typeof p.stage).toBe('string');
      expect(p.done).toBeLessThanOrEqual(p.total);
    }
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    expect(datasetCount(file)).toBe(1);
  });

  it('cancels an import at its first progress: CancelledError, the thread ended, nothing written', async () => {
    const file = path.join(temp.dir, 'app.db');
    const worker = launchWorker('import');
    const exited = new Promise<WorkerExit>((resolve) => worker.onExit(resolve));
    let seen = 0;
    const job = worker.start({ databasePath: file, options: ImportOptions.parse({ path: sampleDatasetDir() }) }, () => {
      if (seen++ === 0) job.cancel();
    });
    const err = await job.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe('import cancelled; nothing was written');
    await exited;
    expect(worker.jobsInFlight).toBe(0);
    expect(datasetCount(file)).toBe(0);
  });

  it('rejects with the DomainError the worker threw, class, code and place intact', async () => {
    const dir = path.join(temp.dir, 'broken');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(sampleDatasetDir(), 'train-images-idx3-ubyte.gz'), path.join(dir, 'train-images-idx3-ubyte.gz'));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]));
    const file = path.join(temp.dir, 'app.db');
    const err = await runWorkerJob('import', { databasePath: file, options: ImportOptions.parse({ path: dir }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err).toMatchObject({ code: 'IMPORT_ERROR', place: { file: expect.stringContaining('train-labels-idx1-ubyte') } });
    expect(datasetCount(file)).toBe(0);
  });

  it('carries a process worker\'s DomainError too: a database it cannot open, named', async () => {
    const worker = launchWorker('train');
    try {
      const notADatabase = path.join(temp.dir, 'folder.db');
      fs.mkdirSync(notADatabase);
      const err = await worker.start({ databasePath: notADatabase, experimentId: 1, backend: 'cpu' }).result.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'READ_ONLY', place: { file: notADatabase } });
    } finally {
      await worker.terminate();
    }
  }, 60_000);

  it('rejects the jobs of a worker process that dies, and says how it ended', async () => {
    const worker = launchWorker('train');
    const exited = new Promise<WorkerExit>((resolve) => worker.onExit(resolve));
    const job = worker.start({ databasePath: path.join(temp.dir, 'app.db'), experimentId: 1, backend: 'cpu' });
    process.kill(worker.id!, 'SIGKILL');
    const err = await job.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerExitedError);
    expect((err as Error).message).toBe('the training worker stopped unexpectedly (signal SIGKILL)');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
    await expect(worker.start({ databasePath: 'x', experimentId: 1 }).result).rejects.toBeInstanceOf(WorkerExitedError);
  }, 60_000);

  it('fits bootstrap intervals on parallel threads, equal to the same fit in-process', async () => {
    const n = 2000;
    const columns = Array.from({ length: 6 }, (_, k) => {
      const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i * (k + 1)) * 0.5);
      const b = Float64Array.from(a, (x, i) => 1.3 * x + Math.cos(i * 7 + k) * 0.1);
      return { a, b, seed: k + 1 };
    });
    const pool = createBootstrapPool(3);
    try {
      const intervals = await Promise.all(columns.map(({ a, b, seed }) => pool.interval(a, b, 200, seed)));
      expect(intervals).toEqual(columns.map(({ a, b, seed }) => exaggerationSlope(a, b, { bootstrap: 200, seed }).ci95));
    } finally {
      await pool.close();
    }
  });

  it('fits all the columns of a report in one call, resamples cut across threads and shared by students of one teacher, as one thread fits each', async () => {
    const n = 9000;
    const teacher = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 2);
    const student = (slope: number, k: number) => Float64Array.from(teacher, (x, i) => slope * x + Math.cos(i * 7 + k) * 0.3);
    const columns = [
      { a: teacher, b: student(1.2, 1) },
      { a: teacher, b: student(0.9, 2) },
      { a: teacher, b: student(1.05, 3) },
      // another teacher on the same rows, one of other rows, one without spread
      { a: Float64Array.from(teacher, (x) => -x), b: student(1, 4) },
      { a: teacher.subarray(0, 5000), b: student(1.1, 5).subarray(0, 5000) },
      { a: new Float64Array(n).fill(0.5), b: student(1, 6) },
    ];
    const pool = createBootstrapPool(2);
    try {
      // 1000 × 9000 draws: two ranges, one per thread
      const intervals = await pool.intervals(columns, 1000, 3);
      expect(intervals).toEqual(columns.map(({ a, b }) => exaggerationSlope(a, b, { bootstrap: 1000, seed: 3 }).ci95));
      expect(intervals[5]).toEqual([NaN, NaN]);
    } finally {
      await pool.close();
    }
  });
});
