// A bootstrap worker thread: fits the β intervals it is sent, so a report's 70,000 × 1000 draws
// per student and split run beside each other and never on the thread that answers the window.
import { exaggerationSlope } from '../../shared/deviationMetrics.js';
import { serveWorker } from './serveWorker.js';

serveWorker('bootstrap', ({ a, b, bootstrap, seed }) => ({ ci95: exaggerationSlope(a, b, { bootstrap, seed }).ci95 }));
