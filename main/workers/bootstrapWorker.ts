// A bootstrap worker thread: computes the β of a range of resamples it is sent, so a report's
// draws run beside each other and never on the thread that answers the window.
import { bootstrapSumsKernel } from '../../shared/bootstrapSums.js';
import { bootstrapBetas } from '../../shared/deviationMetrics.js';
import { serveWorker } from './serveWorker.js';

// This thread's WebAssembly kernel keeps its memory for the next range; without it (no SIMD), the
// count arrays are kept instead, for the next range of the same size (bootstrapBetas leaves them zero).
const kernel = bootstrapSumsKernel();
let counts: Uint8Array[] = [];

serveWorker('bootstrap', ({ groups, n, seed, from, to }) => {
  if (kernel) return { betas: bootstrapBetas(groups, n, seed, from, to, undefined, kernel) };
  if (counts[0]?.length !== n) counts = [];
  return { betas: bootstrapBetas(groups, n, seed, from, to, counts, null) };
});
