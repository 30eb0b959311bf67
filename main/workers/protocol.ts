// One message protocol for every worker kind. The app sends `start` and `cancel`; the worker
// answers `progress`, then `done` or `failed`, each under the job's id. Payloads are typed per
// kind; a failure travels as its DomainError's code, message and place and is revived as its class.
import type { BootstrapGroup } from '../../shared/deviationMetrics.js';
import type { ImportOptions } from '../../shared/domain.js';
import { CancelledError, DomainError, ImportError, NotFoundError, ValidationError, toWireError, type WireError } from '../../shared/errors.js';
import type { ImportOutcome } from '../data/importIntoDatabase.js';
import type { BackendKind } from '../train/backend.js';
import type { TrainProgress } from '../train/experimentRunner.js';

/** What each kind is started with, reports while it works, and answers when it is done. */
export interface WorkerPayloads {
  import: {
    /** stagingFile: where a reference import stages its rows (the app removes it once the worker has exited, however it ended) */
    start: { databasePath: string; options: ImportOptions; stagingFile?: string };
    progress: { stage: string; done: number; total: number };
    done: ImportOutcome;
  };
  train: {
    start: { databasePath: string; experimentId: number; runIds?: number[]; backend?: BackendKind };
    progress:
      | { type: 'backend'; name: string }
      | { type: 'progress'; progress: TrainProgress }
      | { type: 'runChanged'; experimentId: number; runId: number };
    done: { experimentId: number };
  };
  bootstrap: {
    /** resamples [from, to) of the stream of `seed` over n pairs, for every column of the groups (shared-memory arrays travel without a copy) */
    start: { groups: BootstrapGroup[]; n: number; seed: number; from: number; to: number };
    progress: never;
    /** β per group, column and resample (bootstrapBetas) */
    done: { betas: Float64Array[][] };
  };
}

export type WorkerKind = keyof WorkerPayloads;
export type StartOf<K extends WorkerKind> = WorkerPayloads[K]['start'];
export type ProgressOf<K extends WorkerKind> = WorkerPayloads[K]['progress'];
export type DoneOf<K extends WorkerKind> = WorkerPayloads[K]['done'];

/** The app to a worker. */
export type ToWorker<K extends WorkerKind> = { type: 'start'; jobId: number; payload: StartOf<K> } | { type: 'cancel'; jobId: number };

/** A worker to the app. */
export type FromWorker<K extends WorkerKind> =
  | { type: 'progress'; jobId: number; payload: ProgressOf<K> }
  | { type: 'done'; jobId: number; payload: DoneOf<K> }
  | { type: 'failed'; jobId: number; error: WorkerError };

/** The wire error plus what it takes to revive it: its class name, whether it was a DomainError, the worker's stack. */
export interface WorkerError extends WireError {
  name: string;
  domain: boolean;
  stack?: string;
}

/** How a kind runs, and why so. Read by both sides: the launcher and the worker's own entry. */
export interface WorkerKindSpec {
  /** the esbuild bundle under out/main (scripts/build.mjs, the package) */
  bundle: string;
  /** for messages: "the import worker stopped unexpectedly" */
  label: string;
  runsAs: 'thread' | 'process';
  /** `terminate` ends the worker (a transaction in flight rolls back); `message` asks the job to stop */
  cancelBy: 'terminate' | 'message';
  /** what a cancel by terminate rejects with */
  cancelledMessage: string;
  /** runs below normal priority (DISOBEY_TRAIN_PRIORITY, workerPriority.ts) */
  background: boolean;
}

export const WORKER_KINDS: { readonly [K in WorkerKind]: WorkerKindSpec } = {
  // A thread: parsing and the write run off the app's event loop on their own connection; one
  // import per thread, ended when it is done. Ending it mid-write rolls the transaction back.
  import: {
    bundle: 'import-worker.js',
    label: 'import',
    runsAs: 'thread',
    cancelBy: 'terminate',
    cancelledMessage: 'import cancelled; nothing was written',
    background: false,
  },
  // A process: one TensorFlow per process (a native backend takes every core or the GPU), its own
  // scheduling priority, and in the packaged app Electron's utilityProcess (fork cannot start Node
  // there). Long-lived, jobs one after another; a cancel lets the trainer mark its runs cancelled.
  train: {
    bundle: 'train-worker.js',
    label: 'training',
    runsAs: 'process',
    cancelBy: 'message',
    cancelledMessage: 'training was cancelled',
    background: true,
  },
  // Threads, one per core: pure arithmetic on columns copied in, answered in milliseconds to seconds.
  bootstrap: {
    bundle: 'bootstrap-worker.js',
    label: 'bootstrap',
    runsAs: 'thread',
    cancelBy: 'terminate',
    cancelledMessage: 'bootstrap cancelled',
    background: false,
  },
};

export function toWorkerError(err: unknown): WorkerError {
  const wire = toWireError(err);
  return {
    ...wire,
    name: err instanceof Error ? err.name : 'Error',
    domain: err instanceof DomainError,
    stack: err instanceof Error ? err.stack : undefined,
  };
}

const DOMAIN_CLASSES: Record<string, new (...args: never[]) => DomainError> = { ImportError, ValidationError, NotFoundError, CancelledError };

/**
 * The error a worker sent, as the class it was thrown as: shared/errors' classes by name, any other
 * DomainError as a DomainError keeping its name, anything else as an Error. Constructed through
 * DomainError itself so a subclass's constructor does not reword the message a second time.
 */
export function reviveWorkerError(e: WorkerError, label: string): Error {
  let err: Error;
  if (e.domain) {
    err = Reflect.construct(DomainError, [e.code, e.message, e.place ?? {}], DOMAIN_CLASSES[e.name] ?? DomainError) as DomainError;
  } else err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = `${e.stack}\n    (in the ${label} worker)`;
  return err;
}
