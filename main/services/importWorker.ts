// The import worker thread: parses files and writes the dataset on its own connection,
// so a 70,000-image import never blocks the app's event loop (or the window).
import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../shared/errors.js';
import { importWithSkipped } from '../data/importIntoDatabase.js';
import { databaseError } from '../store/databaseErrors.js';
import { openStore, WRITER_BUSY_TIMEOUT_MS } from '../store/store.js';
import type { ImportWorkerInput, ImportWorkerMessage } from './importWorkerProtocol.js';

const input = workerData as ImportWorkerInput;
const post = (m: ImportWorkerMessage) => parentPort!.postMessage(m);

async function main() {
  const store = openStore(input.databasePath, { busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS });
  try {
    let lastPost = 0;
    const { datasetId, skipped } = await importWithSkipped(store, input.options, (stage, done, total) => {
      const now = Date.now();
      if (now - lastPost > 100 || done === total) {
        lastPost = now;
        post({ type: 'progress', stage, done, total });
      }
    });
    post({ type: 'done', datasetId, skipped });
  } finally {
    store.close();
  }
}

main().catch((err: unknown) => post({ type: 'failed', error: toWireError(databaseError(err, input.databasePath)) }));
