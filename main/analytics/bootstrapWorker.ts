// A bootstrap worker thread: fits the β intervals it is sent, so a report's 70,000 × 1000 draws
// per student and split run beside each other and never on the thread that answers the window.
import { parentPort } from 'node:worker_threads';
import { exaggerationSlope } from '../../shared/deviationMetrics.js';
import type { BootstrapTask, BootstrapAnswer } from './bootstrapPool.js';

parentPort!.on('message', (task: BootstrapTask) => {
  const fit = exaggerationSlope(task.a, task.b, { bootstrap: task.bootstrap, seed: task.seed });
  const answer: BootstrapAnswer = { id: task.id, ci95: fit.ci95 };
  parentPort!.postMessage(answer);
});
