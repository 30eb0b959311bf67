// The training worker process: long-lived, one TensorFlow instance, jobs run one after another.
// It writes to the database on its own connection and reports progress over the IPC channel:
// Node's (started by fork) or, in the desktop app, Electron's utility-process parent port.
import { CancelledError } from '../../shared/errors.js';
import { databaseError } from '../store/databaseErrors.js';
import { openStore, type Store } from '../store/store.js';
import { selectBackend, type SelectedBackend } from './backend.js';
import { runExperiment } from './experimentRunner.js';
import type { TrainWorkerMessage, TrainWorkerRequest } from './trainWorkerProtocol.js';
import { applyTrainingPriority, trainingPriority } from './workerPriority.js';

type TrainJob = Extract<TrainWorkerRequest, { type: 'train' }>;

/** Electron's utilityProcess side of the channel (absent in plain Node). */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const send = (m: TrainWorkerMessage) => (parentPort ? parentPort.postMessage(m) : process.send?.(m));
const priorityProblem = applyTrainingPriority(trainingPriority());
if (priorityProblem) console.warn(`disobey training worker: ${priorityProblem}`);
const queue: TrainJob[] = [];
let current: { job: TrainJob; controller: AbortController } | null = null;
let backend: SelectedBackend | null = null;
const stores = new Map<string, Store>();
const WORKER_BUSY_TIMEOUT_MS = 120_000;

function storeOf(file: string): Store {
  let store = stores.get(file);
  if (!store) stores.set(file, (store = openStore(file, { busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS })));
  return store;
}

async function drain(): Promise<void> {
  while (!current && queue.length) {
    const job = queue.shift()!;
    current = { job, controller: new AbortController() };
    try {
      backend ??= await selectBackend(job.backend);
      send({ type: 'backend', name: backend.name });
      await runExperiment({
        store: storeOf(job.databasePath),
        tf: backend.tf,
        backendName: backend.name,
        experimentId: job.experimentId,
        runIds: job.runIds,
        signal: current.controller.signal,
        onProgress: (progress) => send({ type: 'progress', progress }),
        onRunChanged: (experimentId, runId) => send({ type: 'runChanged', experimentId, runId }),
      });
      send({ type: 'jobDone', experimentId: job.experimentId, ok: !current.controller.signal.aborted, cancelled: current.controller.signal.aborted });
    } catch (err) {
      const cancelled = err instanceof CancelledError;
      const reason = databaseError(err, job.databasePath); // locked, read-only, full: the message names the file
      send({ type: 'jobDone', experimentId: job.experimentId, ok: false, cancelled, error: reason instanceof Error ? reason.message : String(reason) });
    } finally {
      current = null;
    }
  }
}

function receive(m: TrainWorkerRequest): void {
  if (m.type === 'train') {
    queue.push(m);
    void drain();
  } else if (m.type === 'cancel') {
    for (let i = queue.length - 1; i >= 0; i--) if (m.experimentId === undefined || queue[i]!.experimentId === m.experimentId) queue.splice(i, 1);
    if (current && (m.experimentId === undefined || current.job.experimentId === m.experimentId)) current.controller.abort();
  }
}

if (parentPort) parentPort.on('message', (e) => receive(e.data as TrainWorkerRequest));
else process.on('message', (m: TrainWorkerRequest) => receive(m));

// A utility process ends with the app (Electron kills it); a forked one when its channel closes.
process.on('disconnect', () => {
  for (const store of stores.values()) store.close();
  process.exit(0);
});
