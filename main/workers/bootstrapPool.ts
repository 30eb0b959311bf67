// Runs β's bootstrap intervals on worker threads, one per core (the resampling is most of a
// report's cost). One call takes every column of a report: columns of the same size share each
// resample's draws (the same seed draws the same pairs), and the resamples are cut into one range
// per thread, so a report keeps every core busy however many students it has. Where the worker
// bundle is missing (tests before a build) the intervals are fitted in-process.
import fs from 'node:fs';
import os from 'node:os';
import { bootstrapBetas, bootstrapInterval, centredPairs, type BootstrapGroup, type CentredPairs } from '../../shared/deviationMetrics.js';
import { launchWorker, workerEntryPath, type WorkerHandle } from './launcher.js';
import type { DoneOf, StartOf } from './protocol.js';

/** Below this many draws (resamples × pairs) a column set is one task: cutting it costs more than it gains. */
const MIN_DRAWS_PER_TASK = 4_000_000;

/** Columns in worker threads' shared memory: sent to a thread without a copy. */
const sharedColumn = (length: number) => new Float64Array(new SharedArrayBuffer(8 * length));

function sameValues(p: Float64Array, q: Float64Array): boolean {
  if (p.length !== q.length) return false;
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
  return true;
}

/** Columns of the same n as groups that share one centred a (students of one teacher), and where each column sits. */
function groupColumns(fits: readonly CentredPairs[]): { n: number; groups: BootstrapGroup[]; at: { column: number; group: number; y: number }[] }[] {
  const sets = new Map<number, { n: number; groups: BootstrapGroup[]; at: { column: number; group: number; y: number }[] }>();
  fits.forEach((fit, column) => {
    if (!fit.spread) return;
    let set = sets.get(fit.n);
    if (!set) sets.set(fit.n, (set = { n: fit.n, groups: [], at: [] }));
    let group = set.groups.findIndex((g) => sameValues(g.x, fit.ca));
    if (group < 0) group = set.groups.push({ x: fit.ca, ys: [] }) - 1;
    set.at.push({ column, group, y: set.groups[group]!.ys.push(fit.cb) - 1 });
  });
  return [...sets.values()];
}

export function createBootstrapPool(threads = os.availableParallelism()) {
  const inProcess = !fs.existsSync(workerEntryPath('bootstrap'));
  const idle: WorkerHandle<'bootstrap'>[] = [];
  const all = new Set<WorkerHandle<'bootstrap'>>();
  const waiting: { task: StartOf<'bootstrap'>; resolve: (done: DoneOf<'bootstrap'>) => void; reject: (err: Error) => void }[] = [];

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
      worker.start(task).result.then(
        (answer) => {
          resolve(answer);
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

  function run(task: StartOf<'bootstrap'>): Promise<DoneOf<'bootstrap'>> {
    if (inProcess) return Promise.resolve({ betas: bootstrapBetas(task.groups, task.n, task.seed, task.from, task.to) });
    return new Promise((resolve, reject) => {
      waiting.push({ task, resolve, reject });
      pump();
    });
  }

  /** β's bootstrap 95% intervals of (a, b) pairs of columns, each the same as exaggerationSlope(a, b, { bootstrap, seed }).ci95. */
  async function intervals(columns: readonly { a: Float64Array; b: Float64Array }[], bootstrap: number, seed: number): Promise<[number, number][]> {
    const out = columns.map((): [number, number] => [NaN, NaN]);
    if (bootstrap === 0) return out;
    const fits = columns.map(({ a, b }) => centredPairs(a, b, inProcess ? undefined : sharedColumn));
    await Promise.all(
      groupColumns(fits).map(async ({ n, groups, at }) => {
        // One range per thread (fewer for a small set); each gives the same βs as the whole run.
        const ranges = Math.max(1, Math.min(inProcess ? 1 : threads, bootstrap, Math.floor((bootstrap * n) / MIN_DRAWS_PER_TASK)));
        const bounds = Array.from({ length: ranges + 1 }, (_, j) => Math.round((j * bootstrap) / ranges));
        const parts = await Promise.all(bounds.slice(1).map((to, j) => run({ groups, n, seed, from: bounds[j]!, to })));
        for (const { column, group, y } of at) {
          const betas = new Float64Array(bootstrap);
          parts.forEach((part, j) => betas.set(part.betas[group]![y]!, bounds[j]!));
          out[column] = bootstrapInterval(betas);
        }
      }),
    );
    return out;
  }

  return {
    intervals,
    /** β's bootstrap 95% interval of one (a, b) pair of columns. */
    interval: async (a: Float64Array, b: Float64Array, bootstrap: number, seed: number): Promise<[number, number]> => (await intervals([{ a, b }], bootstrap, seed))[0]!,
    async close(): Promise<void> {
      const ending = [...all].map((worker) => worker.terminate());
      all.clear();
      idle.length = 0;
      await Promise.all(ending);
    },
  };
}
