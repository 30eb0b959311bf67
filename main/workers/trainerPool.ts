// The app's training workers: started on first use, given jobs, cancelled, and watched. Workers
// share an experiment's queue by claiming runs in the database; on wasm and the plain JS backend
// one worker per core trains independent runs side by side, and a run takes the cores its
// neighbours leave (gradient worker threads, main/train/dataParallel.ts): a teacher training
// alone uses every core, students training side by side one each — about one thread per core.
// If a worker dies, its runs are marked interrupted (by the caller, told through onExit) and can resume.
import { createRequire } from 'node:module';
import os from 'node:os';
import type { BackendKind } from '../train/backend.js';
import { launchWorker, type StartWorkerProcess, type WorkerExit, type WorkerHandle, type WorkerJob } from './launcher.js';
import type { ProgressOf, StartOf } from './protocol.js';

export interface TrainerEvents {
  onProgress(p: ProgressOf<'train'>): void;
  /** a job ended: done, cancelled or failed (its runs' own failures are recorded in the database) */
  onJobEnded(experimentId: number, error: Error | null): void;
  /** a worker ended while it may have been training */
  onExit(exit: WorkerExit): void;
}

function nativeTensorflowInstalled(): boolean {
  const require = createRequire(import.meta.url);
  return ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((pkg) => {
    try {
      require.resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  });
}

/** Native TensorFlow uses every core (or the GPU) from one process; wasm and cpu one process per core (up to 4). */
export function trainWorkerCount(backend: BackendKind | undefined): number {
  if (process.env.DISOBEY_TRAIN_WORKERS) return Math.max(1, Number(process.env.DISOBEY_TRAIN_WORKERS) || 1);
  const native = backend ? backend.startsWith('tensorflow') : nativeTensorflowInstalled();
  return native ? 1 : Math.max(1, Math.min(os.availableParallelism(), 4));
}

export function createTrainerPool(events: TrainerEvents, startProcess?: StartWorkerProcess) {
  let workers: WorkerHandle<'train'>[] = [];
  const jobs = new Set<{ experimentId: number; job: WorkerJob<'train'> }>();
  let backendKind: BackendKind | undefined;
  // After dispose the app's database is closing: a worker's late exit must not reach it.
  let disposed = false;

  function start(): WorkerHandle<'train'> {
    const worker = launchWorker('train', { startProcess });
    worker.onExit((exit) => {
      workers = workers.filter((w) => w !== worker);
      if (!disposed) events.onExit(exit);
    });
    return worker;
  }

  function pool(backend?: BackendKind): WorkerHandle<'train'>[] {
    // One TensorFlow per process: a different backend needs fresh workers.
    if (backend && backend !== backendKind) {
      for (const w of workers) void w.terminate();
      workers = [];
      backendKind = backend;
    }
    while (workers.length < trainWorkerCount(backendKind)) workers.push(start());
    return workers;
  }

  function send(worker: WorkerHandle<'train'>, payload: StartOf<'train'>): void {
    const job = worker.start(payload, (p) => {
      if (!disposed) events.onProgress(p);
    });
    const entry = { experimentId: payload.experimentId, job };
    jobs.add(entry);
    job.result.then(
      () => {
        jobs.delete(entry);
        if (!disposed) events.onJobEnded(payload.experimentId, null);
      },
      (err: Error) => {
        jobs.delete(entry);
        if (!disposed) events.onJobEnded(payload.experimentId, err);
      },
    );
  }

  return {
    train(job: StartOf<'train'>): void {
      // A whole experiment is shared by every worker; resuming named runs is one worker's job, since a
      // resumed run may be failed or cancelled, states another worker would otherwise claim again.
      const targets = job.runIds ? pool(job.backend).slice(0, 1) : pool(job.backend);
      for (const w of targets) send(w, { ...job, backend: backendKind });
    },
    /**
     * Cancels the jobs of `experimentId` (all jobs without one), queued or training; whether there
     * was one to cancel (a worker busy with another experiment is no reason to say yes).
     */
    cancel(experimentId?: number): boolean {
      let cancelled = false;
      for (const entry of jobs) {
        if (experimentId !== undefined && entry.experimentId !== experimentId) continue;
        entry.job.cancel();
        cancelled = true;
      }
      return cancelled;
    },
    dispose(): void {
      disposed = true;
      for (const w of workers) void w.terminate();
      workers = [];
    },
  };
}

export type TrainerPool = ReturnType<typeof createTrainerPool>;
