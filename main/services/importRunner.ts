// Runs one import in a worker thread and turns its messages into progress events.
// Cancelling terminates the worker mid-transaction: SQLite rolls it back, nothing lands.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportOptions } from '../../shared/domain.js';
import type { ImportOutcome } from '../data/importIntoDatabase.js';
import { CancelledError, DomainError } from '../../shared/errors.js';
import { appRoot } from '../paths.js';
import type { ImportWorkerInput, ImportWorkerMessage } from './importWorkerProtocol.js';

export function importWorkerPath(): string {
  return path.join(appRoot(), 'out', 'main', 'import-worker.js');
}

export function runImportInWorker(
  databasePath: string,
  options: ImportOptions,
  onProgress: (stage: string, done: number, total: number) => void,
  signal: AbortSignal,
): Promise<ImportOutcome> {
  const entry = importWorkerPath();
  if (!fs.existsSync(entry)) return Promise.reject(new Error(`the import worker is not built (${entry}); run npm run build`));
  return new Promise((resolve, reject) => {
    const input: ImportWorkerInput = { databasePath, options };
    const worker = new Worker(entry, { workerData: input });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      void worker.terminate();
      settle(() => reject(new CancelledError('import cancelled; nothing was written')));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    worker.on('message', (m: ImportWorkerMessage) => {
      if (m.type === 'progress') onProgress(m.stage, m.done, m.total);
      // A worker built before skipped files were reported sends none: nothing is claimed skipped.
      else if (m.type === 'done') settle(() => resolve({ datasetId: m.datasetId, skipped: m.skipped ?? { count: 0, examples: [] } }));
      else settle(() => reject(new DomainError(m.error.code, m.error.message, m.error.place ?? {})));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the import worker stopped unexpectedly (exit ${code})`))));
  });
}
