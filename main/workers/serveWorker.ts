// The worker's side of the protocol, shared by every entry: finds its channel to the app (a
// worker thread's port, Electron's utility-process port or Node's fork IPC), runs the jobs it is
// sent one after another, and answers each with progress, then done or failed.
import { parentPort as threadPort } from 'node:worker_threads';
import { CancelledError } from '../../shared/errors.js';
import { toWorkerError, WORKER_KINDS, type DoneOf, type FromWorker, type ProgressOf, type StartOf, type ToWorker, type WorkerKind } from './protocol.js';
import { applyTrainingPriority, trainingPriority } from './workerPriority.js';
import { terminalText } from '../terminalText.js';

export interface JobContext<K extends WorkerKind> {
  /** aborted when the app cancels this job */
  signal: AbortSignal;
  progress(payload: ProgressOf<K>): void;
}

export type RunJob<K extends WorkerKind> = (payload: StartOf<K>, job: JobContext<K>) => Promise<DoneOf<K>> | DoneOf<K>;

/** Electron's utilityProcess side of the channel (absent in plain Node). */
interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function appChannel(): { send(m: unknown): void; listen(receive: (m: unknown) => void): void } {
  if (threadPort) {
    const port = threadPort;
    return { send: (m) => port.postMessage(m), listen: (receive) => void port.on('message', receive) };
  }
  const utility = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (utility) return { send: (m) => utility.postMessage(m), listen: (receive) => utility.on('message', (e) => receive(e.data)) };
  if (process.send) return { send: (m) => void process.send!(m), listen: (receive) => void process.on('message', receive) };
  throw new Error('this is a Disobey worker: start it through main/workers/launcher.ts, not on its own');
}

export function serveWorker<K extends WorkerKind>(kind: K, run: RunJob<K>): void {
  const spec = WORKER_KINDS[kind];
  if (spec.background) {
    const problem = applyTrainingPriority(trainingPriority());
    if (problem) console.warn(terminalText(`disobey ${spec.label} worker: ${problem}`));
  }
  const channel = appChannel();
  const send = (m: FromWorker<K>) => channel.send(m);
  const queue: { jobId: number; payload: StartOf<K> }[] = [];
  let current: { jobId: number; controller: AbortController } | null = null;

  async function drain(): Promise<void> {
    while (!current && queue.length) {
      const { jobId, payload } = queue.shift()!;
      const controller = new AbortController();
      current = { jobId, controller };
      try {
        const done = await run(payload, { signal: controller.signal, progress: (p) => send({ type: 'progress', jobId, payload: p }) });
        send({ type: 'done', jobId, payload: done });
      } catch (err) {
        send({ type: 'failed', jobId, error: toWorkerError(err) });
      } finally {
        current = null;
      }
    }
  }

  channel.listen((raw) => {
    const m = raw as ToWorker<K>;
    if (m.type === 'start') {
      queue.push({ jobId: m.jobId, payload: m.payload });
      void drain();
    } else if (m.type === 'cancel') {
      const queued = queue.findIndex((j) => j.jobId === m.jobId);
      if (queued >= 0) {
        queue.splice(queued, 1);
        send({ type: 'failed', jobId: m.jobId, error: toWorkerError(new CancelledError(`${spec.cancelledMessage} before it started`)) });
      } else if (current?.jobId === m.jobId) current.controller.abort();
    }
  });
}
