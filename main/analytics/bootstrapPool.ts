// Runs a report's bootstrap intervals on worker threads, one per core (the draw loop is most of
// a report's cost), while the calling thread goes on computing the next student. Where the worker
// bundle is missing (tests before a build) the intervals are fitted in-process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { exaggerationSlope } from '../../shared/deviationMetrics.js';
import { appRoot } from '../paths.js';

export interface BootstrapTask {
  id: number;
  a: Float64Array;
  b: Float64Array;
  bootstrap: number;
  seed: number;
}

export interface BootstrapAnswer {
  id: number;
  ci95: [number, number];
}

export function bootstrapWorkerPath(): string {
  return path.join(appRoot(), 'out', 'main', 'bootstrap-worker.js');
}

export function createBootstrapPool(threads = os.availableParallelism()) {
  const entry = bootstrapWorkerPath();
  const inProcess = !fs.existsSync(entry);
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const waiting: { task: BootstrapTask; resolve: (ci: [number, number]) => void; reject: (err: Error) => void }[] = [];
  const pending = new Map<number, { resolve: (ci: [number, number]) => void; reject: (err: Error) => void; worker: Worker }>();
  let nextId = 0;

  function spawn(): Worker {
    const worker = new Worker(entry);
    worker.on('message', (answer: BootstrapAnswer) => {
      const job = pending.get(answer.id);
      pending.delete(answer.id);
      job?.resolve(answer.ci95);
      idle.push(worker);
      pump();
    });
    worker.on('error', (err) => {
      for (const [id, job] of pending) {
        if (job.worker !== worker) continue;
        pending.delete(id);
        job.reject(err);
      }
    });
    all.push(worker);
    return worker;
  }

  function pump(): void {
    while (waiting.length) {
      const worker = idle.pop() ?? (all.length < threads ? spawn() : undefined);
      if (!worker) return;
      const { task, resolve, reject } = waiting.shift()!;
      pending.set(task.id, { resolve, reject, worker });
      // A copy, not a transfer: the caller's columns stay usable.
      worker.postMessage(task);
    }
  }

  return {
    /** β's bootstrap 95% interval of one (a, b) pair of columns. */
    interval(a: Float64Array, b: Float64Array, bootstrap: number, seed: number): Promise<[number, number]> {
      if (inProcess || bootstrap === 0 || a.length === 0) return Promise.resolve(exaggerationSlope(a, b, { bootstrap, seed }).ci95);
      return new Promise((resolve, reject) => {
        waiting.push({ task: { id: nextId++, a, b, bootstrap, seed }, resolve, reject });
        pump();
      });
    },
    async close(): Promise<void> {
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}
