// The app's handle on the training worker process: started on first use, given jobs, cancelled,
// and watched. If it dies (killed, crashed), its runs are marked interrupted and can resume.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BackendKind } from '../train/backend.js';
import type { TrainWorkerMessage, TrainWorkerRequest } from '../train/trainWorkerProtocol.js';
import { appRoot } from '../paths.js';

export interface TrainerEvents {
  onMessage(m: TrainWorkerMessage): void;
  /** the process ended while it may have been training */
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

export function trainWorkerPath(): string {
  return path.join(appRoot(), 'out', 'main', 'train-worker.js');
}

export function createTrainerProcess(events: TrainerEvents) {
  let child: ChildProcess | null = null;
  let backendKind: BackendKind | undefined;

  function ensure(backend?: BackendKind): ChildProcess {
    // One TensorFlow per process: a different backend needs a fresh worker.
    if (child && backend && backend !== backendKind) {
      child.kill();
      child = null;
    }
    if (child) return child;
    const entry = trainWorkerPath();
    if (!fs.existsSync(entry)) throw new Error(`the training worker is not built (${entry}); run npm run build`);
    const proc = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    backendKind = backend;
    proc.on('message', (m: TrainWorkerMessage) => events.onMessage(m));
    proc.on('exit', (code, signal) => {
      if (child === proc) child = null;
      events.onExit(code, signal);
    });
    child = proc;
    return proc;
  }

  return {
    train(job: Omit<Extract<TrainWorkerRequest, { type: 'train' }>, 'type'>): void {
      ensure(job.backend).send({ type: 'train', ...job } satisfies TrainWorkerRequest);
    },
    cancel(experimentId?: number): boolean {
      if (!child) return false;
      child.send({ type: 'cancel', experimentId } satisfies TrainWorkerRequest);
      return true;
    },
    pid(): number | null {
      return child?.pid ?? null;
    },
    dispose(): void {
      child?.kill();
      child = null;
    },
  };
}

export type TrainerProcess = ReturnType<typeof createTrainerProcess>;
