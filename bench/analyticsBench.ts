// Analytics benchmarks (issue 4) on a generated database of 1,050,000 prediction rows: 70,000
// examples × (teacher + 4 students) × 3 epochs. Cold = a fresh service (no cached frames);
// warm = the same pair asked again, as the explorer does while a user brushes and filters.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryExamplesArgs, ReportArgs, ScatterArgs } from '../shared/analytics.js';
import { createAnalyticsService } from '../main/analytics/analyticsService.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { createDeviationFixture } from './deviationFixture.js';
import { percentile, type BenchRow } from './table.js';
import { createStore } from '../main/store/store.js';

const ms = (x: number) => `${x.toFixed(0)} ms`;

async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const result = await f();
  return [result, performance.now() - t];
}

export async function benchAnalytics(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-analytics-'));
  const file = path.join(dir, 'analytics.db');
  const db = openDatabase(file);
  try {
    const [fixture, generateMs] = await timed(() => createDeviationFixture(db, { examples: 70_000, students: 4, epochs: 3, seed: 1 }));
    const rows = db.prepare('SELECT sum(CASE length(example_ids) WHEN 0 THEN last_id - first_id + 1 ELSE length(example_ids) / 4 END) FROM prediction_matrices').pluck().get() as number;
    const { experimentId, studentRunIds } = fixture;
    const out: BenchRow[] = [];
    const note = `${rows.toLocaleString('en')} prediction rows (generated in ${(generateMs / 1000).toFixed(1)} s)`;

    // Scatter: each student cold (a fresh service per student), then warm.
    const scatterCold: number[] = [];
    const scatterWarm: number[] = [];
    let bytes = 0;
    for (const studentRunId of studentRunIds) {
      const service = createAnalyticsService(createStore(db));
      const args = ScatterArgs.parse({ experimentId, studentRunId });
      const [frame, cold] = await timed(() => service.handlers.deviationScatter(args));
      bytes = frame.byteLength;
      scatterCold.push(cold);
      for (let i = 0; i < 3; i++) scatterWarm.push((await timed(() => service.handlers.deviationScatter(args)))[1]);
    }
    scatterCold.sort((a, b) => a - b);
    scatterWarm.sort((a, b) => a - b);
    out.push({
      benchmark: 'scatter data, 70,000 examples (binary)',
      measured: `cold max ${ms(scatterCold.at(-1)!)}, warm p50 ${ms(percentile(scatterWarm, 50))}`,
      goal: '≤ 150 ms',
      pass: scatterCold.at(-1)! <= 150,
      note: `${(bytes / 1e6).toFixed(2)} MB per frame; ${note}`,
    });

    // Filters: count + first page of 100, one query of each kind, on a fresh service (cold) and again (warm).
    const [teacher, s1, s2] = [fixture.teacherRunId, studentRunIds[0]!, studentRunIds[1]!];
    const filters: [string, object, object?][] = [
      ['split + teacher confidence', { split: 'train', ranges: [{ measure: 'teacherProb', max: 0.5 }] }],
      ['underfit δ=0.5, sorted by Δ', { underfit: { delta: 0.5 } }, { column: 'deviation' }],
      ['teacher right, student wrong', { correctness: [{ runId: teacher, correct: true }, { runId: s1, correct: false }] }],
      ['two students disagree, by KL', { disagree: { runA: s1, runB: s2 } }, { column: 'kl', descending: true }],
      ['label-probability variability', { ranges: [{ measure: 'studentLabelProbStd', min: 0.1 }] }, { column: 'studentLabelProbStd', descending: true }],
      ['class + predicted class', { labels: [0, 6], predicted: { runId: s1, classes: [2, 4] } }],
      ['gradient cosine < 0', { ranges: [{ measure: 'gradCosKd', max: 0 }] }, { column: 'gradNormKd', descending: true }],
    ];
    const filterCold = createAnalyticsService(createStore(db));
    // Opening the explorer: the dataset's columns and the pair's probabilities are loaded once.
    const [, openMs] = await timed(() => filterCold.handlers.queryExamples(QueryExamplesArgs.parse({ experimentId, limit: 100 })));
    const coldTimes: number[] = [];
    const warmTimes: number[] = [];
    for (const [, filter, sort] of filters) {
      const args = QueryExamplesArgs.parse({ experimentId, filter, ...(sort ? { sort } : {}), limit: 100 });
      coldTimes.push((await timed(() => filterCold.handlers.queryExamples(args)))[1]);
      for (let i = 0; i < 3; i++) warmTimes.push((await timed(() => filterCold.handlers.queryExamples(args)))[1]);
    }
    const slowest = Math.max(...coldTimes);
    warmTimes.sort((a, b) => a - b);
    out.push({
      benchmark: 'filter: count + first page of 100',
      measured: `first of each kind max ${ms(slowest)} (${filters[coldTimes.indexOf(slowest)]![0]}), repeat p50 ${ms(percentile(warmTimes, 50))} max ${ms(warmTimes.at(-1)!)}`,
      goal: '≤ 100 ms',
      pass: slowest <= 100,
      note: `${filters.length} filter kinds, each first time building the columns it needs; opening the experiment (dataset columns + pair, once) ${ms(openMs)}`,
    });

    const reportService = createAnalyticsService(createStore(db));
    const [report, reportMs] = await timed(() => reportService.handlers.deviationReport(ReportArgs.parse({ experimentId })));
    out.push({
      benchmark: 'full report, 5-run experiment',
      measured: ms(reportMs),
      goal: '≤ 2000 ms',
      pass: reportMs <= 2000,
      note: `${report.students.length} students × ${report.students[0]!.splits.length} splits, 1000 bootstrap resamples each, on ${Math.min(os.availableParallelism(), 8)} threads`,
    });
    return out;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
