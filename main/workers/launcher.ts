// The app's one way to start a worker: launchWorker(kind) gives a handle that runs typed jobs
// (start → progress → done, or a rejection with the worker's own error class), cancels them, and
// reports the worker's exit. Threads or processes, as WORKER_KINDS says; a process is forked by
// Node unless the desktop app passes Electron's utilityProcess.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError, DomainError } from '../../shared/errors.js';
import { appRoot } from '../paths.js';
import {
  reviveWorkerError,
  WORKER_KINDS,
  type DoneOf,
  type FromWorker,
  type ProgressOf,
  type StartOf,
  type ToWorker,
  type WorkerKind,
} from './protocol.js';
import { trainingPriority } from './workerPriority.js';

/** A worker process as the launcher drives it, whatever started it. */
export interface WorkerProcess {
  readonly pid: number | undefined;
  send(m: unknown): void;
  kill(): void;
  onMessage(listener: (m: unknown) => void): void;
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

/**
 * Starts the process worker at `entry`. In plain Node that is `fork`; the packaged desktop app
 * passes Electron's utilityProcess instead, since its RunAsNode fuse is off and fork would
 * relaunch the app rather than Node.
 */
export type StartWorkerProcess = (entry: string, serviceName: string) => WorkerProcess;

export const forkWorkerProcess: StartWorkerProcess = (entry) => {
  const proc = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    get pid() {
      return proc.pid;
    },
    send: (m) => void proc.send(m as object),
    kill: () => void proc.kill(),
    onMessage: (listener) => void proc.on('message', listener),
    onExit: (listener) => void proc.on('exit', listener),
  };
};

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A worker that ended (crashed, killed, out of memory) while it had jobs. */
export class WorkerExitedError extends DomainError {
  readonly exit: WorkerExit;
  constructor(label: string, exit: WorkerExit) {
    super('INTERNAL', `the ${label} worker stopped unexpectedly (${exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`})`);
    this.exit = exit;
  }
}

export function workerEntryPath(kind: WorkerKind): string {
  return path.join(appRoot(), 'out', 'main', WORKER_KINDS[kind].bundle);
}

export interface WorkerJob<K extends WorkerKind> {
  /** the worker's answer; rejects with the worker's error as its class, CancelledError, or WorkerExitedError */
  readonly result: Promise<DoneOf<K>>;
  /** stops the job: by a message the worker honours, or by ending the worker (WORKER_KINDS) */
  cancel(): void;
}

export interface WorkerHandle<K extends WorkerKind> {
  readonly kind: K;
  /** the process id (processes) or thread id (threads); undefined until a process has spawned */
  readonly id: number | undefined;
  /** jobs started and not yet answered */
  readonly jobsInFlight: number;
  start(payload: StartOf<K>, onProgress?: (p: ProgressOf<K>) => void): WorkerJob<K>;
  /** called once when the worker ends, asked to or not; jobs still in flight have been rejected */
  onExit(listener: (exit: WorkerExit) => void): void;
  /** ends the worker, resolved once it has exited; its jobs in flight are rejected as cancelled at once */
  terminate(): Promise<void>;
}

export interface LaunchOptions {
  /** how a process worker starts; Node's fork unless the desktop shell passes its own */
  startProcess?: StartWorkerProcess;
}

/** The thread or process behind a handle. */
interface Channel {
  readonly id: number | undefined;
  send(m: unknown): void;
  end(): void;
}

function openChannel(kind: WorkerKind, entry: string, options: LaunchOptions, events: { message(m: unknown): void; failed(err: Error): void; exit(e: WorkerExit): void }): Channel {
  if (WORKER_KINDS[kind].runsAs === 'thread') {
    const worker = new Worker(entry);
    worker.on('message', events.message);
    worker.on('error', events.failed);
    worker.on('exit', (code) => events.exit({ code, signal: null }));
    return { id: worker.threadId, send: (m) => worker.postMessage(m), end: () => void worker.terminate() };
  }
  const proc = (options.startProcess ?? forkWorkerProcess)(entry, `Disobey ${WORKER_KINDS[kind].label}`);
  proc.onMessage(events.message);
  proc.onExit((code, signal) => events.exit({ code, signal }));
  return {
    get id() {
      return proc.pid;
    },
    send: (m) => proc.send(m),
    end: () => proc.kill(),
  };
}

export function launchWorker<K extends WorkerKind>(kind: K, options: LaunchOptions = {}): WorkerHandle<K> {
  const spec = WORKER_KINDS[kind];
  const entry = workerEntryPath(kind);
  if (!fs.existsSync(entry)) throw new Error(`the ${spec.label} worker is not built (${entry}); run npm run build`);
  if (spec.background) trainingPriority(); // a bad DISOBEY_TRAIN_PRIORITY is refused here, by name, not by a worker dying

  interface Pending {
    resolve(done: DoneOf<K>): void;
    reject(err: Error): void;
    onProgress?: (p: ProgressOf<K>) => void;
  }
  const pending = new Map<number, Pending>();
  const exitListeners: ((exit: WorkerExit) => void)[] = [];
  let nextJobId = 1;
  let ended: 'asked' | 'exited' | null = null;
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => (markExited = resolve));

  const rejectAll = (err: () => Error) => {
    for (const job of pending.values()) job.reject(err());
    pending.clear();
  };

  const channel = openChannel(kind, entry, options, {
    message(raw) {
      const m = raw as FromWorker<K>;
      const job = pending.get(m.jobId);
      if (!job) return; // answered already: cancelled by ending the worker
      if (m.type === 'progress') job.onProgress?.(m.payload);
      else {
        pending.delete(m.jobId);
        if (m.type === 'done') job.resolve(m.payload);
        else job.reject(reviveWorkerError(m.error, spec.label));
      }
    },
    failed(err) {
      // An exception the worker's entry did not catch: the thread is ending with it.
      rejectAll(() => err);
    },
    exit(exit) {
      const asked = ended === 'asked';
      ended = 'exited';
      rejectAll(() => (asked ? new CancelledError(spec.cancelledMessage) : new WorkerExitedError(spec.label, exit)));
      for (const listener of exitListeners.splice(0)) listener(exit);
      markExited();
    },
  });

  function terminate(): Promise<void> {
    if (ended) return exited;
    ended = 'asked';
    // Rejected now, not at the exit event: the caller's cancel is answered at once.
    rejectAll(() => new CancelledError(spec.cancelledMessage));
    channel.end();
    return exited;
  }

  return {
    kind,
    get id() {
      return channel.id;
    },
    get jobsInFlight() {
      return pending.size;
    },
    start(payload, onProgress) {
      const jobId = nextJobId++;
      const result = new Promise<DoneOf<K>>((resolve, reject) => {
        if (ended) return reject(new WorkerExitedError(spec.label, { code: null, signal: null }));
        pending.set(jobId, { resolve, reject, onProgress });
        channel.send({ type: 'start', jobId, payload } satisfies ToWorker<K>);
      });
      return {
        result,
        cancel() {
          if (!pending.has(jobId)) return;
          if (spec.cancelBy === 'terminate') void terminate();
          else channel.send({ type: 'cancel', jobId } satisfies ToWorker<K>);
        },
      };
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    terminate,
  };
}

/**
 * One job on a worker of its own, ended when the job is answered: what an import is. `signal`
 * cancels it; for a kind cancelled by terminate that ends the worker mid-transaction, and SQLite
 * rolls the transaction back, so nothing lands. `afterExit` runs once the worker has exited,
 * however the job ended: what it left behind (an import's staging file) is no longer open then.
 */
export async function runWorkerJob<K extends WorkerKind>(
  kind: K,
  payload: StartOf<K>,
  { onProgress, signal, afterExit, ...options }: LaunchOptions & { onProgress?: (p: ProgressOf<K>) => void; signal?: AbortSignal; afterExit?: () => void } = {},
): Promise<DoneOf<K>> {
  if (signal?.aborted) throw new CancelledError(WORKER_KINDS[kind].cancelledMessage);
  const worker = launchWorker(kind, options);
  const job = worker.start(payload, onProgress);
  const onAbort = () => job.cancel();
  signal?.addEventListener('abort', onAbort);
  try {
    return await job.result;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    void worker.terminate().then(afterExit);
  }
}
