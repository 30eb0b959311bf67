// Ingest benchmark (issue 8 item 5): runs trained elsewhere, in the NPY + CSV index format, into
// a fresh database — by default 1,000,000 examples × 2 runs × 10 epochs × 10 classes
// (DISOBEY_BENCH_INGEST_EXAMPLES sets the size). Times `ingest` end to end and its peak RSS,
// then the explorer's filter and scatter calls on what was ingested (issue 8 item 6).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from '../main/store/store.js';
import { QueryExamplesArgs, ScatterArgs } from '../shared/analytics.js';
import { createAnalyticsService } from '../main/analytics/analyticsService.js';
import { ingestRuns } from '../main/data/runIngest.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { createPlainDataset, encodeNpy, randomProbabilities } from './ingestFixture.js';
import { percentile, type BenchRow } from './table.js';
import { createStore } from '../main/store/store.js';

const ms = (x: number) => `${x.toFixed(0)} ms`;

const EPOCHS = 10;
const CLASSES = 10;

export async function benchIngest(): Promise<BenchRow[]> {
  const n = Number(process.env.DISOBEY_BENCH_INGEST_EXAMPLES ?? 1_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-ingest-'));
  const db = openDatabase(path.join(dir, 'ingest.db'));
  try {
    let t = performance.now();
    const data = createPlainDataset(db, n, CLASSES, 'ingest bench');
    const index = 'example\n' + data.ids.join('\n') + '\n';
    const root = path.join(dir, 'runs');
    for (const [run, role] of [['teacher', 'teacher'], ['student', 'student']] as const) {
      const runDir = path.join(root, run);
      fs.mkdirSync(runDir, { recursive: true });
      fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ name: run, role, epochs: EPOCHS, key: 'id' }));
      for (let e = 1; e <= EPOCHS; e++) {
        fs.writeFileSync(path.join(runDir, `epoch-${e}.npy`), encodeNpy(randomProbabilities(n, CLASSES, 100 * e + (role === 'teacher' ? 1 : 2)), [n, CLASSES]));
        fs.writeFileSync(path.join(runDir, `epoch-${e}.index.csv`), index);
      }
    }
    const generateS = (performance.now() - t) / 1000;

    let peakRss = process.memoryUsage().rss;
    t = performance.now();
    const ingested = await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId }, () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    });
    const seconds = (performance.now() - t) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const ingestRss = peakRss;
    fs.rmSync(root, { recursive: true, force: true });
    const rows = 2 * EPOCHS * n;
    const size = `${n.toLocaleString('en')} examples × 2 runs × ${EPOCHS} epochs × ${CLASSES} classes`;
    const atScale = n >= 1_000_000;
    const out: BenchRow[] = [
      {
        benchmark: 'ingest: NPY + CSV index, end to end',
        measured: `${seconds.toFixed(1)} s`,
        goal: atScale ? '≤ 60 s' : '≤ 60 s at 1,000,000 (not this size)',
        pass: atScale ? seconds <= 60 : null,
        note: `${size}; read, checked and written one run-epoch at a time; ${Math.round(rows / seconds).toLocaleString('en')} example-epochs/s; files made in ${generateS.toFixed(1)} s`,
      },
      { benchmark: 'ingest: peak RSS', measured: `${(ingestRss / 2 ** 20).toFixed(0)} MiB`, goal: '', pass: null, note: 'process.memoryUsage().rss, sampled per run-epoch' },
    ];
    out.push(...(await benchExplorerAtScale(db, ingested.experimentId, ingested.runs.find((r) => r.role === 'student')!.id, size, atScale, () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)))));
    out.push({ benchmark: `ingest + explorer at ${n.toLocaleString('en')}: peak RSS`, measured: `${(peakRss / 2 ** 20).toFixed(0)} MiB`, goal: '', pass: null, note: 'the whole section, one process' });
    return out;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One filter of each kind the explorer offers (name, filter, sort), as the benches at scale time them. */
export function explorerFilters(studentRunId: number): [string, object, object?][] {
  return [
    ['split + teacher confidence', { split: 'train', ranges: [{ measure: 'teacherProb', max: 0.5 }] }],
    ['underfit δ=0.5, sorted by Δ', { underfit: { delta: 0.5 } }, { column: 'deviation' }],
    ['label + predicted class, by KL', { labels: [0, 6], predicted: { runId: studentRunId, classes: [2, 4] } }, { column: 'kl', descending: true }],
    ['teacher wrong, student right', { correctness: [{ runId: studentRunId, correct: true }] }],
    ['total variation ≥ 0.5', { ranges: [{ measure: 'tv', min: 0.5 }] }, { column: 'tv', descending: true }],
  ];
}

/** The explorer's two calls on the ingested experiment: a filter's count + first page, and the scatter. */
async function benchExplorerAtScale(db: Connection, experimentId: number, studentRunId: number, size: string, atScale: boolean, sample: () => void): Promise<BenchRow[]> {
  const service = createAnalyticsService(createStore(db));
  const timed = async <T>(f: () => T | Promise<T>): Promise<number> => {
    const t = performance.now();
    await f();
    sample();
    return performance.now() - t;
  };
  const scope = { experimentId, studentRunId };
  const openMs = await timed(() => service.handlers.queryExamples(QueryExamplesArgs.parse({ ...scope, limit: 100 })));
  // The columns the service builds while the first page is read (analyticsService prewarm).
  const warmMs = await timed(() => service.idle());
  const filters = explorerFilters(studentRunId);
  const first: number[] = [];
  const repeat: number[] = [];
  for (const [, filter, sort] of filters) {
    const args = QueryExamplesArgs.parse({ ...scope, filter, ...(sort ? { sort } : {}), limit: 100 });
    first.push(await timed(() => service.handlers.queryExamples(args)));
    for (let i = 0; i < 3; i++) repeat.push(await timed(() => service.handlers.queryExamples(args)));
  }
  repeat.sort((a, b) => a - b);
  const slowest = Math.max(...first);
  const scatterCold = await timed(() => createAnalyticsService(createStore(db)).handlers.deviationScatter(ScatterArgs.parse(scope)));
  const scatterWarm = await timed(() => service.handlers.deviationScatter(ScatterArgs.parse(scope)));
  return [
    {
      benchmark: 'explorer filter at scale: count + first page of 100',
      measured: `first of each kind max ${ms(slowest)} (${filters[first.indexOf(slowest)]![0]}), repeat p50 ${ms(percentile(repeat, 50))}`,
      goal: atScale ? '≤ 100 ms' : '≤ 100 ms at 1,000,000 (not this size)',
      pass: atScale ? slowest <= 100 : null,
      note: `${size}, ingested; after opening the experiment (dataset columns + the pair's matrices + first page: ${ms(openMs)}) and the columns built in idle turns meanwhile (${ms(warmMs)}); first times: ${filters.map(([name], i) => `${name} ${ms(first[i]!)}`).join(', ')}`,
    },
    {
      benchmark: 'explorer scatter data at scale',
      measured: `in the open explorer ${ms(scatterWarm)}; on a fresh server ${ms(scatterCold)}`,
      goal: atScale ? '≤ 500 ms' : '≤ 500 ms at 1,000,000 (not this size)',
      pass: atScale ? scatterWarm <= 500 : null,
      note: "the open explorer: the experiment's columns loaded by its first page; a fresh server also reads the dataset's columns and the pair's matrices from the database first",
    },
  ];
}
