// The training worker process: long-lived, one TensorFlow instance, jobs run one after another.
// It writes to the database on its own connection and reports progress over the IPC channel:
// Node's (started by fork) or, in the desktop app, Electron's utility-process parent port.
import type Database from 'better-sqlite3';
import { databaseError } from '../store/databaseErrors.js';
import { openDatabase } from '../store/openDatabase.js';
import { selectBackend, type SelectedBackend } from '../train/backend.js';
import { runExperiment } from '../train/experimentRunner.js';
import { serveWorker } from './serveWorker.js';

let backend: SelectedBackend | null = null;
const connections = new Map<string, Database.Database>();
const WORKER_BUSY_TIMEOUT_MS = 120_000;

function connection(file: string): Database.Database {
  let db = connections.get(file);
  if (!db) connections.set(file, (db = openDatabase(file, { busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS })));
  return db;
}

serveWorker('train', async (job, { signal, progress }) => {
  try {
    backend ??= await selectBackend(job.backend);
    progress({ type: 'backend', name: backend.name });
    await runExperiment({
      db: connection(job.databasePath),
      tf: backend.tf,
      backendName: backend.name,
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
  for (const db of connections.values()) db.close();
  process.exit(0);
});
