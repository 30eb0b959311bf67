// The import worker thread: parses files and writes the dataset on its own connection,
// so a 70,000-image import never blocks the app's event loop (or the window).
import { importWithSkipped } from '../data/importIntoDatabase.js';
import { databaseError } from '../store/databaseErrors.js';
import { openStore, WRITER_BUSY_TIMEOUT_MS } from '../store/store.js';
import { serveWorker } from './serveWorker.js';

serveWorker('import', async ({ databasePath, options, stagingFile }, job) => {
  try {
    const store = openStore(databasePath, { busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS });
    try {
      let lastPost = 0;
      return await importWithSkipped(store, options, (stage, done, total) => {
        const now = Date.now();
        if (now - lastPost > 100 || done === total) {
          lastPost = now;
          job.progress({ stage, done, total });
        }
      }, undefined, stagingFile);
    } finally {
      store.close();
    }
  } catch (err) {
    throw databaseError(err, databasePath); // locked, read-only, full: the message names the file
  }
});
