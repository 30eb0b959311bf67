// Storage benchmark (issue 18 item 2, `npm run bench -- storage`): the bytes the prediction data
// take on disk, measured with SQLite's dbstat (the table and its indexes, page by page), against
// the float32 probabilities it holds; on a database like the demo's (12,000 examples × 7 runs × 10
// epochs, 10 classes) at float32 and float16, and on 1,000 classes stored top-k. Then float16's
// effect on every per-example measure and on the report's numbers, against the same runs at float32.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_MEASURES, QueryExamplesArgs, ReportArgs, type AnalysedExample, type DeviationReport } from '../shared/analytics.js';
import { createAnalyticsService } from '../main/analytics/analyticsService.js';
import { createRunQueries } from '../main/store/runQueries.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { createStore, type Connection } from '../main/store/store.js';
import { createRandom } from '../shared/seededRandom.js';
import { createDeviationFixture, type DeviationFixture } from './deviationFixture.js';
import type { BenchRow } from './table.js';

const EXAMPLES = 12_000;
const STUDENTS = 6;
const EPOCHS = 10;
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Bytes of the pages holding prediction_matrices and its indexes (dbstat counts every page whole). */
export function predictionBytesOnDisk(db: Connection): number {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'prediction_matrices'").pluck().all() as string[];
  return db.prepare(`SELECT sum(pgsize) FROM dbstat WHERE name IN (${names.map(() => '?').join(', ')})`).pluck().get(...names) as number;
}

/** How many probabilities the chunks hold (dense: rows × C; top-k: rows × (k + 1), the label's included). */
function valuesHeld(db: Connection): number {
  return db
    .prepare(
      `SELECT sum((CASE length(example_ids) WHEN 0 THEN last_id - first_id + 1 ELSE length(example_ids) / 4 END) * coalesce(top_k + 1, num_classes)) FROM prediction_matrices`,
    )
    .pluck()
    .get() as number;
}

function storageRow(label: string, db: Connection, goal: number, note: string): BenchRow {
  const float32Bytes = 4 * valuesHeld(db);
  const onDisk = predictionBytesOnDisk(db);
  const ratio = onDisk / float32Bytes;
  return { benchmark: `prediction data on disk, ${label}`, measured: `${MB(onDisk)} for ${MB(float32Bytes)} of float32: ${ratio.toFixed(3)}×`, goal: `≤ ${goal}×`, pass: ratio <= goal, note };
}

/** A top-k run-epoch: k descending probabilities per row among C classes, and the label's. */
function topKMatrix(random: ReturnType<typeof createRandom>, exampleIds: Int32Array, labels: Int32Array, C: number, k: number) {
  const n = exampleIds.length;
  const topProbs = new Float32Array(n * k);
  const topClasses = new Int32Array(n * k);
  const labelProbs = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const chosen = new Set<number>();
    let mass = 0.3 + 0.65 * random.next();
    for (let j = 0; j < k; j++) {
      let c = random.int(C);
      while (chosen.has(c)) c = random.int(C);
      chosen.add(c);
      const p = j === k - 1 ? mass * 0.5 : mass * (0.4 + 0.5 * random.next());
      topProbs[i * k + j] = p;
      topClasses[i * k + j] = c;
      mass -= p;
    }
    const at = [...chosen].indexOf(labels[i]!);
    labelProbs[i] = at >= 0 ? topProbs[i * k + at]! : topProbs[i * k + k - 1]! * random.next();
  }
  return { numClasses: C, k, exampleIds, topProbs, topClasses, labelClasses: labels, labelProbs };
}

/** Every example's measures for one student at its last epoch, paged through the analytics as the explorer pages. */
async function allMeasures(service: ReturnType<typeof createAnalyticsService>, experimentId: number, studentRunId: number): Promise<AnalysedExample[]> {
  const out: AnalysedExample[] = [];
  for (let offset = 0; offset < EXAMPLES; offset += 1000) {
    const page = await service.handlers.queryExamples(QueryExamplesArgs.parse({ experimentId, studentRunId, offset, limit: 1000 }));
    out.push(...page.items);
  }
  return out;
}

/** Max and mean |float16 − float32| of every per-example measure and every number of the report. */
async function float16Effect(db32: Connection, f32: DeviationFixture, db16: Connection, f16: DeviationFixture): Promise<BenchRow[]> {
  const s32 = createAnalyticsService(createStore(db32));
  const s16 = createAnalyticsService(createStore(db16));
  const diffs = new Map<string, number[]>();
  const add = (name: string, a: number | null, b: number | null) => {
    if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return;
    const list = diffs.get(name) ?? [];
    list.push(Math.abs(a - b));
    diffs.set(name, list);
  };
  for (let s = 0; s < STUDENTS; s++) {
    const a = await allMeasures(s32, f32.experimentId, f32.studentRunIds[s]!);
    const b = await allMeasures(s16, f16.experimentId, f16.studentRunIds[s]!);
    a.forEach((x, i) => {
      for (const m of EXAMPLE_MEASURES) add(m, x.measures[m] ?? null, b[i]!.measures[m] ?? null);
    });
  }
  const r32 = (await s32.handlers.deviationReport(ReportArgs.parse({ experimentId: f32.experimentId, bootstrap: 200 }))) as DeviationReport;
  const r16 = (await s16.handlers.deviationReport(ReportArgs.parse({ experimentId: f16.experimentId, bootstrap: 200 }))) as DeviationReport;
  r32.students.forEach((st, s) =>
    st.splits.forEach((sp, j) => {
      const other = r16.students[s]!.splits[j]!;
      for (const key of ['beta', 'intercept', 'hardPointFitRate', 'teacherAccuracy', 'studentAccuracy', 'meanKl', 'fidelity'] as const) add(`report ${key}`, sp[key], other[key]);
      sp.bins.forEach((bin, k) => add('report bin Δ', bin.delta, other.bins[k]?.delta ?? null));
    }),
  );
  return [...diffs].map(([name, list]) => ({
    benchmark: `float16 effect: ${name}`,
    measured: `max |Δ| ${list.reduce((m, d) => Math.max(m, d), 0).toExponential(2)}, mean ${(list.reduce((s, d) => s + d, 0) / list.length).toExponential(2)}`,
    goal: '—',
    pass: null,
    note: `${list.length.toLocaleString('en')} values, float16 vs float32 storage of the same runs`,
  }));
}

export async function benchStorage(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-storage-'));
  const open = (name: string) => openDatabase(path.join(dir, name));
  const rows: BenchRow[] = [];
  const [db32, db16, dbTopK] = [open('float32.db'), open('float16.db'), open('topk.db')];
  try {
    const demo = { examples: EXAMPLES, classes: 10, students: STUDENTS, epochs: EPOCHS, seed: 3 } as const;
    const f32 = createDeviationFixture(db32, demo);
    const f16 = createDeviationFixture(db16, { ...demo, storage: 'float16' });
    const note = `${EXAMPLES.toLocaleString('en')} examples × ${STUDENTS + 1} runs × ${EPOCHS} epochs, 10 classes (the demo's shape)`;
    rows.push(storageRow('float32', db32, 1.2, note));
    rows.push(storageRow('float16', db16, 0.6, note));

    // 1,000 classes, each run-epoch stored top-10 (as an ingest with topK 10 stores it).
    const C = 1000;
    const k = 10;
    const fixture = createDeviationFixture(dbTopK, { examples: EXAMPLES, classes: C, students: STUDENTS, epochs: 0, seed: 4 });
    const runs = createRunQueries(dbTopK);
    const random = createRandom(5);
    const ids = Int32Array.from(dbTopK.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(fixture.datasetId) as number[]);
    const labels = Int32Array.from(dbTopK.prepare('SELECT label FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(fixture.datasetId) as number[]);
    for (const runId of [fixture.teacherRunId, ...fixture.studentRunIds]) {
      for (let epoch = 1; epoch <= EPOCHS; epoch++) runs.recordEpochMatrix({ runId, epoch, seconds: 0, metrics: [], matrix: topKMatrix(random, ids, labels, C, k) });
    }
    const held = 4 * valuesHeld(dbTopK);
    const onDisk = predictionBytesOnDisk(dbTopK);
    const withClasses = 2 * held; // each value's int32 class beside it (k top classes and the label's)
    rows.push({
      benchmark: 'prediction data on disk, 1,000 classes top-10',
      measured: `${MB(onDisk)} for ${MB(held)} of float32: ${(onDisk / held).toFixed(3)}×`,
      goal: '—',
      pass: null,
      note: `${(onDisk / withClasses).toFixed(3)}× the probabilities with their int32 classes (${MB(withClasses)}); ${EXAMPLES.toLocaleString('en')} examples × ${STUDENTS + 1} runs × ${EPOCHS} epochs`,
    });
    rows.push(...(await float16Effect(db32, f32, db16, f16)));
  } finally {
    for (const db of [db32, db16, dbTopK]) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
