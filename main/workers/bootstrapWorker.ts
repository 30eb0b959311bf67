// A bootstrap worker thread: computes the β of a range of resamples it is sent, so a report's
// draws run beside each other and never on the thread that answers the window.
import { bootstrapBetas } from '../../shared/deviationMetrics.js';
import { serveWorker } from './serveWorker.js';

// The count arrays, kept for the next range of the same size (bootstrapBetas leaves them zero).
let counts: Uint8Array[] = [];

serveWorker('bootstrap', ({ groups, n, seed, from, to }) => {
  if (counts[0]?.length !== n) counts = [];
  return { betas: bootstrapBetas(groups, n, seed, from, to, counts) };
});
