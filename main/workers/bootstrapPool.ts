// Runs a report's bootstrap intervals on worker threads, one per core (the draw loop is most of
// a report's cost), while the calling thread goes on computing the next student. Where the worker
// bundle is missing (tests before a build) the intervals are fitted in-process.
import fs from 'node:fs';
import os from 'node:os';
import { exaggerationSlope } from '../../shared/deviationMetrics.js';
import { launchWorker, workerEntryPath, type WorkerHandle } from './launcher.js';
import type { StartOf } from './protocol.js';

export function createBootstrapPool(threads = os.availableParallelism()) {
  const inProcess = !fs.existsSync(workerEntryPath('bootstrap'));
  const idle: WorkerHandle<'bootstrap'>[] = [];
  const all = new Set<WorkerHandle<'bootstrap'>>();
  const waiting: { task: StartOf<'bootstrap'>; resolve: (ci: [number, number]) => void; reject: (err: Error) => void }[] = [];

  function spawn(): WorkerHandle<'bootstrap'> {
    const worker = launchWorker('bootstrap');
    all.add(worker);
    // A thread that died (out of memory) has rejected its job; the next task starts a fresh one.
    worker.onExit(() => {
      all.delete(worker);
      const at = idle.indexOf(worker);
      if (at >= 0) idle.splice(at, 1);
    });
    return worker;
  }

  function pump(): void {
    while (waiting.length) {
      const worker = idle.pop() ?? (all.size < threads ? spawn() : undefined);
      if (!worker) return;
      const { task, resolve, reject } = waiting.shift()!;
      // A copy, not a transfer: the caller's columns stay usable.
      worker.start(task).result.then(
        (answer) => {
          resolve(answer.ci95);
          if (all.has(worker)) idle.push(worker);
          pump();
        },
        (err: Error) => {
          reject(err);
          if (all.has(worker)) idle.push(worker);
          pump();
        },
      );
    }
  }

  return {
    /** β's bootstrap 95% interval of one (a, b) pair of columns. */
    interval(a: Float64Array, b: Float64Array, bootstrap: number, seed: number): Promise<[number, number]> {
      if (inProcess || bootstrap === 0 || a.length === 0) return Promise.resolve(exaggerationSlope(a, b, { bootstrap, seed }).ci95);
      return new Promise((resolve, reject) => {
        waiting.push({ task: { a, b, bootstrap, seed }, resolve, reject });
        pump();
      });
    },
    async close(): Promise<void> {
      const ending = [...all].map((worker) => worker.terminate());
      all.clear();
      idle.length = 0;
      await Promise.all(ending);
    },
  };
}
