// The training worker process: long-lived, one TensorFlow instance, jobs run one after another.
// It writes to the database on its own connection and reports progress over the IPC channel:
// Node's (started by fork) or, in the desktop app, Electron's utility-process parent port.
import { databaseError } from '../store/databaseErrors.js';
import { openStore, type Store } from '../store/store.js';
import { selectBackend, type SelectedBackend } from '../train/backend.js';
import { trainingThreads } from '../train/dataParallel.js';
import { runExperiment } from '../train/experimentRunner.js';
import { serveWorker } from './serveWorker.js';

let backend: SelectedBackend | null = null;
const stores = new Map<string, Store>();
const WORKER_BUSY_TIMEOUT_MS = 120_000;

function storeOf(file: string): Store {
  let store = stores.get(file);
  if (!store) stores.set(file, (store = openStore(file, { busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS })));
  return store;
}

serveWorker('train', async (job, { signal, progress }) => {
  try {
    backend ??= await selectBackend(job.backend);
    progress({ type: 'backend', name: backend.name });
    await runExperiment({
      store: storeOf(job.databasePath),
      tf: backend.tf,
      backendName: backend.name,
      threads: trainingThreads(backend.kind),
      experimentId: job.experimentId,
      runIds: job.runIds,
      signal,
      onProgress: (p) => progress({ type: 'progress', progress: p }),
      onRunChanged: (experimentId, runId) => progress({ type: 'runChanged', experimentId, runId }),
    });
    return { experimentId: job.experimentId };
  } catch (err) {
    throw databaseError(err, job.databasePath); // locked, read-only, full: the message names the file
  }
});

// A utility process ends with the app (Electron kills it); a forked one when its channel closes.
process.on('disconnect', () => {
  for (const store of stores.values()) store.close();
  process.exit(0);
});
