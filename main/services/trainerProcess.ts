// The app's handle on its training worker processes: started on first use, given jobs, cancelled,
// and watched. Workers share an experiment's queue by claiming runs in the database; wasm and
// the plain JS backend use one thread per process, so there one worker per core trains
// independent runs side by side. If a worker dies, its runs are marked interrupted and can resume.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { BackendKind } from '../train/backend.js';
import type { TrainWorkerMessage, TrainWorkerRequest } from '../train/trainWorkerProtocol.js';
import { appRoot } from '../paths.js';
import { trainingPriority } from '../train/workerPriority.js';

/** A running training worker as the trainer sees it, whatever started it. */
export interface TrainWorkerHandle {
  send(m: TrainWorkerRequest): void;
  kill(): void;
  onMessage(listener: (m: TrainWorkerMessage) => void): void;
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

/**
 * Starts the worker at `entry`. In plain Node that is `fork`; the packaged desktop app passes
 * Electron's utilityProcess instead, since its RunAsNode fuse is off and fork would relaunch
 * the app rather than Node.
 */
export type LaunchTrainWorker = (entry: string) => TrainWorkerHandle;

export const forkTrainWorker: LaunchTrainWorker = (entry) => {
  const proc: ChildProcess = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    send: (m) => void proc.send(m),
    kill: () => void proc.kill(),
    onMessage: (listener) => void proc.on('message', listener),
    onExit: (listener) => void proc.on('exit', listener),
  };
};

export interface TrainerEvents {
  onMessage(m: TrainWorkerMessage): void;
  /** a worker ended while it may have been training */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

export function trainWorkerPath(): string {
  return path.join(appRoot(), 'out', 'main', 'train-worker.js');
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

/** Native TensorFlow uses every core (or the GPU) from one process; wasm and cpu use one thread each. */
export function trainWorkerCount(backend: BackendKind | undefined): number {
  if (process.env.DISOBEY_TRAIN_WORKERS) return Math.max(1, Number(process.env.DISOBEY_TRAIN_WORKERS) || 1);
  const native = backend ? backend.startsWith('tensorflow') : nativeTensorflowInstalled();
  return native ? 1 : Math.max(1, Math.min(os.availableParallelism(), 4));
}

export function createTrainerProcess(events: TrainerEvents, launch: LaunchTrainWorker = forkTrainWorker) {
  let workers: TrainWorkerHandle[] = [];
  let backendKind: BackendKind | undefined;
  // After dispose the app's database is closing: a worker's late exit must not reach it.
  let disposed = false;

  function start(): TrainWorkerHandle {
    const entry = trainWorkerPath();
    if (!fs.existsSync(entry)) throw new Error(`the training worker is not built (${entry}); run npm run build`);
    trainingPriority(); // a bad DISOBEY_TRAIN_PRIORITY is refused here, by name, not by a worker dying
    const proc = launch(entry);
    proc.onMessage((m) => {
      if (!disposed) events.onMessage(m);
    });
    proc.onExit((code, signal) => {
      workers = workers.filter((w) => w !== proc);
      if (!disposed) events.onExit(code, signal);
    });
    return proc;
  }

  function pool(backend?: BackendKind): TrainWorkerHandle[] {
    // One TensorFlow per process: a different backend needs fresh workers.
    if (backend && backend !== backendKind) {
      for (const w of workers) w.kill();
      workers = [];
      backendKind = backend;
    }
    while (workers.length < trainWorkerCount(backendKind)) workers.push(start());
    return workers;
  }

  return {
    train(job: Omit<Extract<TrainWorkerRequest, { type: 'train' }>, 'type'>): void {
      // A whole experiment is shared by every worker; resuming named runs is one worker's job, since a
      // resumed run may be failed or cancelled, states another worker would otherwise claim again.
      const targets = job.runIds ? pool(job.backend).slice(0, 1) : pool(job.backend);
      for (const w of targets) w.send({ type: 'train', ...job, backend: backendKind } satisfies TrainWorkerRequest);
    },
    cancel(experimentId?: number): boolean {
      for (const w of workers) w.send({ type: 'cancel', experimentId } satisfies TrainWorkerRequest);
      return workers.length > 0;
    },
    dispose(): void {
      disposed = true;
      for (const w of workers) w.kill();
      workers = [];
    },
  };
}

export type TrainerProcess = ReturnType<typeof createTrainerProcess>;
