// Top-k runs analysed without completing them (docs/metrics.md, "Top-k runs"): every measure,
// filter, sort, report, map and finding computed from the stored top-k rows equals the same call
// on a copy of the database whose top-k matrices were completed to dense rows by the store's
// completion — the numbers the app gave before it read top-k rows directly. And a top-k
// run-epoch of 200,000 examples × 1,000 classes is analysed without an n × C allocation.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { createPlainDataset, randomProbabilities, type PlainDataset } from '../../bench/ingestFixture.js';
import { buildAnalysisFrame } from '../../main/analytics/analysisFrame.js';
import { createDatasetColumnsCache } from '../../main/analytics/datasetColumns.js';
import { splitDeviation } from '../../main/analytics/deviationReport.js';
import { createPredictionMatrices } from '../../main/analytics/predictionMatrices.js';
import { createAppServices, type AppServices } from '../../main/services/appServices.js';
import { createMatrixStore, type TopKMatrix } from '../../main/store/matrixChunks.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore, type Store } from '../../main/store/store.js';
import { EXAMPLE_MEASURES, pairEstimates, type DeviationReport, type ExampleFilter } from '../../shared/analytics.js';
import { decodeBinaryFrame } from '../../shared/binaryFrame.js';
import { makeTempDir } from '../helpers/tempDir.js';

const N = 240;
const C = 50;
const EPOCHS = 3;
const temp = makeTempDir();
afterAll(() => temp.dispose());

/**
 * The k largest classes of each row and p(label): what a top-k ingest stores. Ties go to the
 * lowest class, except in row 1 (uniform, label 1), where they go to the highest (as another producer may break them):
 * the completed row's top class is then an unknown one.
 */
function topKOf(probs: Float32Array, labels: Int32Array, ids: number[], k: number): TopKMatrix {
  const n = ids.length;
  const m: TopKMatrix = { numClasses: C, k, exampleIds: Int32Array.from(ids), topProbs: new Float32Array(n * k), topClasses: new Int32Array(n * k), labelClasses: Int32Array.from(labels), labelProbs: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const row = probs.subarray(i * C, (i + 1) * C);
    const order = Array.from({ length: C }, (_, c) => c).sort((a, b) => row[b]! - row[a]! || (i === 1 ? b - a : a - b));
    for (let j = 0; j < k; j++) {
      m.topClasses[i * k + j] = order[j]!;
      m.topProbs[i * k + j] = row[order[j]!]!;
    }
    m.labelProbs[i] = row[labels[i]!]!;
  }
  return m;
}

/**
 * Rows that test the edges: a certain row (row 0: no mass left), a uniform row (row 1: every class
 * ties, the unknown share equals the known values); students also copy the teacher's row 3.
 */
function withEdges(probs: Float32Array, seed: number): Float32Array {
  probs.fill(0, 0, C);
  probs[seed % C] = 1;
  probs.fill(1 / C, C, 2 * C);
  return probs;
}

interface RunPlan {
  name: string;
  role: 'teacher' | 'student';
  /** k of the stored top-k; undefined: dense */
  k?: number;
  seed: number;
}

/** An experiment recorded straight into the store, each epoch dense or top-k. */
function recordExperiment(store: Store, data: PlainDataset, name: string, runs: RunPlan[]): number {
  const created = store.ingestExperiment({
    datasetId: data.datasetId,
    name,
    spec: { external: true, source: name, runs: runs.map((r) => ({ name: r.name, role: r.role, teacher: r.role === 'student' ? runs[0]!.name : null, epochs: EPOCHS })) },
    runs: runs.map((r) => ({ name: r.name, role: r.role, teacher: r.role === 'student' ? runs[0]!.name : null, spec: { epochs: EPOCHS, external: { settings: null, key: 'example', source: name, ...(r.k ? { topK: r.k } : {}) } } })),
  });
  for (const r of runs) {
    const runId = created.ids.get(r.name)!;
    for (let e = 1; e <= EPOCHS; e++) {
      const probs = withEdges(randomProbabilities(N, C, r.seed * 10 + e), r.seed);
      // Students copy the teacher's row 3 (and its last epoch's) so KL and TV of equal rows are 0.
      if (r.role === 'student') probs.set(withEdges(randomProbabilities(N, C, runs[0]!.seed * 10 + EPOCHS), runs[0]!.seed).subarray(3 * C, 4 * C), 3 * C);
      const matrix = r.k ? topKOf(probs, data.labels, data.ids, r.k) : { exampleIds: Int32Array.from(data.ids), probs, numClasses: C };
      store.recordEpochMatrix({ runId, epoch: e, seconds: 0, metrics: [], matrix });
    }
  }
  store.finishIngest([...created.ids.values()].map((runId) => ({ runId })));
  return created.experimentId;
}

/** Deep equality, numbers within a relative 1e-9 (the sparse sums add the same terms in another order). */
function expectSame(sparse: unknown, dense: unknown, at = '$'): void {
  if (typeof dense === 'number' && typeof sparse === 'number') {
    if (Number.isNaN(dense)) expect(sparse, at).toBeNaN();
    else if (!Number.isFinite(dense)) expect(sparse, at).toBe(dense);
    else expect(Math.abs(sparse - dense), `${at}: ${sparse} vs ${dense}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(dense)));
  } else if (ArrayBuffer.isView(dense) && ArrayBuffer.isView(sparse)) {
    expectSame(Array.from(sparse as unknown as ArrayLike<number>), Array.from(dense as unknown as ArrayLike<number>), at);
  } else if (Array.isArray(dense)) {
    expect(Array.isArray(sparse), at).toBe(true);
    expect((sparse as unknown[]).length, `${at}.length`).toBe(dense.length);
    dense.forEach((d, i) => expectSame((sparse as unknown[])[i], d, `${at}[${i}]`));
  } else if (dense !== null && typeof dense === 'object') {
    expect(Object.keys(sparse as object).sort(), at).toEqual(Object.keys(dense).sort());
    for (const [key, d] of Object.entries(dense)) expectSame((sparse as Record<string, unknown>)[key], d, `${at}.${key}`);
  } else expect(sparse, at).toEqual(dense);
}

describe('top-k runs analysed as stored', () => {
  const sparsePath = path.join(temp.dir, 'topk.db');
  const densePath = path.join(temp.dir, 'completed.db');
  const fullPath = path.join(temp.dir, 'full.db');
  let sparseDb: Database.Database;
  let denseDb: Database.Database;
  let fullDb: Database.Database;
  let sparse: AppServices;
  let dense: AppServices;
  /** the same runs with every probability stored: the truth the top-k runs summarise */
  let full: AppServices;
  let data: PlainDataset;
  /** experiment 1: a top-5 teacher, a top-5, a top-1 and a dense student; experiment 2: a dense teacher and a top-3 student */
  const experiments: number[] = [];
  const students = new Map<number, number[]>();

  const plans: [string, RunPlan[]][] = [
    [
      'top-k teacher',
      [
        { name: 'teacher', role: 'teacher', k: 5, seed: 1 },
        { name: 'student top-5', role: 'student', k: 5, seed: 2 },
        { name: 'student top-1', role: 'student', k: 1, seed: 3 },
        { name: 'student dense', role: 'student', seed: 4 },
      ],
    ],
    [
      'dense teacher',
      [
        { name: 'teacher', role: 'teacher', seed: 5 },
        { name: 'student top-3', role: 'student', k: 3, seed: 6 },
      ],
    ],
  ];

  beforeAll(() => {
    sparseDb = openDatabase(sparsePath);
    data = createPlainDataset(sparseDb, N, C);
    const store = createStore(sparseDb);
    for (const [name, runs] of plans) experiments.push(recordExperiment(store, data, name, runs));
    fullDb = openDatabase(fullPath);
    const fullData = createPlainDataset(fullDb, N, C);
    expect(fullData.ids).toEqual(data.ids);
    for (const [name, runs] of plans) recordExperiment(createStore(fullDb), fullData, name, runs.map((r) => ({ ...r, k: undefined })));
    for (const id of experiments) students.set(id, store.runs.listRuns(id).filter((r) => r.role === 'student').map((r) => r.id));
    // The same data with every top-k matrix completed to dense rows, as the store completes them.
    sparseDb.exec(`VACUUM INTO '${densePath}'`);
    denseDb = openDatabase(densePath);
    const matrices = createMatrixStore(denseDb);
    const topK = denseDb.prepare('SELECT DISTINCT run_id AS runId, epoch FROM prediction_matrices WHERE top_k IS NOT NULL').all() as { runId: number; epoch: number }[];
    expect(topK.length).toBe(4 * EPOCHS);
    denseDb.transaction(() => {
      for (const { runId, epoch } of topK) {
        const m = matrices.readMatrix(runId, epoch)!;
        matrices.writeMatrix(runId, epoch, C, m.exampleIds, m.probs);
      }
    })();
    expect(denseDb.prepare('SELECT count(*) FROM prediction_matrices WHERE top_k IS NOT NULL').pluck().get()).toBe(0);
    sparse = createAppServices({ store: createStore(sparseDb), databasePath: sparsePath });
    dense = createAppServices({ store: createStore(denseDb), databasePath: densePath });
    full = createAppServices({ store: createStore(fullDb), databasePath: fullPath });
  });
  afterAll(() => {
    sparse?.dispose();
    dense?.dispose();
    full?.dispose();
    sparseDb?.close();
    denseDb?.close();
    fullDb?.close();
  });

  const both = async (name: string, args: object): Promise<[unknown, unknown]> => [await sparse.dispatch(name as never, args as never, 'http'), await dense.dispatch(name as never, args as never, 'http')];
  const decoded = (payload: unknown) => {
    const frame = decodeBinaryFrame(payload as Uint8Array);
    return { meta: frame.meta, columns: frame.columns };
  };

  it('gives every measure of every example, sorted either way, the numbers of the completed rows', async () => {
    for (const experimentId of experiments) {
      for (const studentRunId of students.get(experimentId)!) {
        for (const classChoice of ['teacher-top', 'label'] as const) {
          const [s, d] = await both('queryExamples', { experimentId, studentRunId, classChoice, limit: 1000 });
          expect((d as { items: unknown[] }).items).toHaveLength(N);
          expectSame(s, d, `${experimentId}/${studentRunId}/${classChoice}`);
          for (const measure of EXAMPLE_MEASURES) {
            for (const descending of [false, true]) {
              const sort = { column: measure, descending };
              const [ss, sd] = await both('queryExamples', { experimentId, studentRunId, classChoice, sort, limit: 8 });
              expectSame(ss, sd, `${experimentId}/${studentRunId}/${classChoice}/${measure}/${descending}`);
            }
          }
        }
      }
    }
  }, 600_000);

  it('filters on every measure, correctness, disagreement and the underfit clause to the same examples', async () => {
    const [experimentId] = experiments;
    const [studentRunId] = students.get(experimentId!)!;
    const page = (await dense.dispatch('queryExamples', { experimentId: experimentId!, studentRunId, limit: 1000 }, 'http')) as { items: { measures: Record<string, number | null> }[] };
    const teacherRunId = createStore(sparseDb).runs.listRuns(experimentId!).find((r) => r.role === 'teacher')!.id;
    const filters: ExampleFilter[] = [
      ...EXAMPLE_MEASURES.map((measure) => {
        // Bounds halfway between two values, so a last-bit difference cannot move an example across.
        const values = [...new Set(page.items.map((e) => e.measures[measure]).filter((v): v is number => v !== null))].sort((a, b) => a - b);
        // A count or a 0/1 measure: its largest value, exact in both.
        if (values.length < 4) return { ranges: [{ measure, min: values.at(-1) }] } as ExampleFilter;
        const between = (q: number) => {
          const j = Math.max(1, Math.floor(values.length * q));
          return (values[j - 1]! + values[j]!) / 2;
        };
        return { ranges: [{ measure, min: between(0.25), max: between(0.75) }] } as ExampleFilter;
      }),
      { correctness: [{ runId: teacherRunId, correct: true }, { runId: studentRunId!, correct: false }] } as ExampleFilter,
      { disagree: { runA: teacherRunId, runB: studentRunId! } },
      { underfit: { delta: 0.1, quantile: 0.5 } },
      { predicted: { runId: studentRunId!, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] } },
    ];
    for (const filter of filters) {
      const [s, d] = await both('queryExamples', { experimentId, studentRunId, filter, limit: 1000 });
      expect((d as { total: number }).total, JSON.stringify(filter)).toBeGreaterThan(0);
      expectSame(s, d, JSON.stringify(filter));
      const [hs, hd] = await both('measureHistogram', { experimentId, studentRunId, measure: 'kl', filter });
      expectSame(hs, hd, `histogram ${JSON.stringify(filter)}`);
    }
  });

  it('reports, maps, confusions, flips, gradients and trajectories as the completed rows do', async () => {
    for (const experimentId of experiments) {
      for (const classChoice of ['teacher-top', 'label'] as const) {
        const [s, d] = await both('deviationReport', { experimentId, bootstrap: 0, classChoice });
        expectSame(s, d, `report ${experimentId} ${classChoice}`);
      }
      const [fs, fd] = await both('flipEvents', { experimentId });
      expectSame(fs, fd, 'flipEvents');
      for (const studentRunId of students.get(experimentId)!) {
        for (const [name, args] of [
          ['threeWayConfusion', {}],
          ['classDeviationHeatmap', {}],
          ['gradientView', { split: 'train', groups: [[0, 1, 2], [3, 4]] }],
        ] as const) {
          const [s, d] = await both(name, { experimentId, studentRunId, ...args });
          expectSame(s, d, `${name} ${studentRunId}`);
        }
        for (const name of ['deviationScatter', 'cartographyMap']) {
          const [s, d] = await both(name, { experimentId, studentRunId });
          expectSame(decoded(s), decoded(d), `${name} ${studentRunId}`);
        }
      }
      const [ts, td] = await both('exampleTrajectory', { experimentId, exampleId: data.ids[7] });
      expectSame(ts, td, 'exampleTrajectory');
    }
  });

  it('states the same findings and series report', async () => {
    for (const experimentId of experiments) {
      const [s, d] = await both('findings', { experimentId, bootstrap: 50 });
      expectSame(s, d, `findings ${experimentId}`);
      const [rs, rd] = await both('seriesReport', { experimentId });
      expectSame(rs, rd, `seriesReport ${experimentId}`);
    }
  });

  it('is exact — equal to the runs stored in full — wherever topKEstimates does not flag an estimate', async () => {
    type Page = { items: { id: number; measures: Record<string, number | null>; runs: { topClass: number; labelProb: number | null }[] }[] };
    let flagged = 0;
    for (const experimentId of experiments) {
      const runs = createStore(sparseDb).runs.listRuns(experimentId);
      for (const studentRunId of students.get(experimentId)!) {
        for (const classChoice of ['teacher-top', 'label'] as const) {
          const estimates = pairEstimates(runs, studentRunId, classChoice);
          const args = { experimentId, studentRunId, classChoice, limit: 1000 };
          const s = (await sparse.dispatch('queryExamples', args, 'http')) as Page;
          const f = (await full.dispatch('queryExamples', args, 'http')) as Page;
          s.items.forEach((e, i) => {
            const truth = f.items[i]!;
            expect(e.runs.map((r) => r.topClass)).toEqual(truth.runs.map((r) => r.topClass));
            e.runs.forEach((r, j) => expect(Math.abs(r.labelProb! - truth.runs[j]!.labelProb!)).toBeLessThan(1e-6));
            for (const m of EXAMPLE_MEASURES) {
              const [a, b] = [e.measures[m] ?? null, truth.measures[m] ?? null];
              if (estimates.has(m)) {
                if (a !== null && b !== null && Math.abs(a - b) > 1e-5) flagged++;
                continue;
              }
              if (a === null || b === null) expect(a, `${m} of ${e.id}`).toBe(b);
              else expect(Math.abs(a - b), `${experimentId}/${studentRunId}/${classChoice} ${m} of ${e.id}: ${a} vs ${b}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(b)));
            }
          });
          const report = (r: unknown) => (r as DeviationReport).students.find((x) => x.studentRunId === studentRunId)!.splits;
          const [rs, rf] = [report(await sparse.dispatch('deviationReport', { experimentId, classChoice, bootstrap: 0 }, 'http')), report(await full.dispatch('deviationReport', { experimentId, classChoice, bootstrap: 0 }, 'http'))];
          rs.forEach((split, j) => {
            for (const key of ['teacherAccuracy', 'studentAccuracy', 'fidelity', 'hardPointFitRate'] as const) expect(split[key], key).toBe(rf[j]![key]);
            if (!estimates.has('beta')) expect(Math.abs(split.beta! - rf[j]!.beta!), 'beta').toBeLessThan(1e-5);
          });
        }
      }
    }
    // The flags are not idle: some flagged numbers do differ from the truth.
    expect(flagged).toBeGreaterThan(100);
  }, 300_000);

  it('reads a top-k run-epoch as stored, never as n × C', () => {
    const store = createStore(sparseDb);
    const [teacher] = store.runs.listRuns(experiments[0]!);
    const m = store.predictions.readStored(teacher!.id, 1)!;
    expect('probs' in m).toBe(false);
    expect(m).toMatchObject({ numClasses: C, topK: 5 });
    expect(createMatrixStore(denseDb).readStored(teacher!.id, 1)).toHaveProperty('probs');
  });
});

describe('a top-k run of 200,000 examples × 1,000 classes', () => {
  it('is analysed — every measure, the report — without allocating n × C', () => {
    const n = 200_000;
    const classes = 1000;
    const k = 5;
    const db = openDatabase(path.join(temp.dir, 'large.db'));
    try {
      const data = createPlainDataset(db, n, classes, 'large', 0.2);
      const store = createStore(db);
      const created = store.ingestExperiment({
        datasetId: data.datasetId,
        name: 'large top-k',
        spec: { external: true, source: 'large', runs: [] },
        runs: [
          { name: 'teacher', role: 'teacher', teacher: null, spec: { epochs: 2, external: { settings: null, key: 'example', source: 'large', topK: k } } },
          { name: 'student', role: 'student', teacher: 'teacher', spec: { epochs: 2, external: { settings: null, key: 'example', source: 'large', topK: k } } },
        ],
      });
      // Rows of a softmax over 1,000 classes with k distinct large values, made without an n × C table.
      for (const [name, seed] of [['teacher', 1], ['student', 2]] as const) {
        for (let epoch = 1; epoch <= 2; epoch++) {
          const m: TopKMatrix = { numClasses: classes, k, exampleIds: Int32Array.from(data.ids), topProbs: new Float32Array(n * k), topClasses: new Int32Array(n * k), labelClasses: Int32Array.from(data.labels), labelProbs: new Float32Array(n) };
          for (let i = 0; i < n; i++) {
            const first = (i * 7 + seed * 13 + epoch) % classes;
            for (let j = 0; j < k; j++) {
              m.topClasses[i * k + j] = (first + j * 101) % classes;
              m.topProbs[i * k + j] = (0.5 / (j + 1)) * (0.5 + ((i + seed) % 7) / 14);
            }
            const at = Array.from(m.topClasses.subarray(i * k, (i + 1) * k)).indexOf(data.labels[i]!);
            m.labelProbs[i] = at >= 0 ? m.topProbs[i * k + at]! : 1e-4;
          }
          store.recordEpochMatrix({ runId: created.ids.get(name)!, epoch, seconds: 0, metrics: [], matrix: m });
        }
      }
      store.finishIngest([...created.ids.values()].map((runId) => ({ runId })));

      const matrices = createPredictionMatrices(store.predictions);
      const experimentRuns = store.runs.listRuns(created.experimentId);
      global.gc?.();
      const before = process.memoryUsage().arrayBuffers;
      let peak = before;
      const sample = () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers));
      const frame = buildAnalysisFrame(
        { experimentId: created.experimentId, classChoice: 'teacher-top' },
        { dataset: createDatasetColumnsCache(store).get(data.datasetId), matrices, experimentRuns, runSummary: (id) => store.runs.runSummary(id) },
      );
      for (const measure of EXAMPLE_MEASURES) {
        if (measure.startsWith('grad')) continue; // per-class gradient sums: per row, not per matrix (checked above at C = 50)
        const column = frame.measure(measure);
        expect(column.length).toBe(n);
        sample();
      }
      const report = splitDeviation(frame, 'test', { bins: 10, hardFraction: 0.25 });
      sample();
      expect(report.deviation.n).toBe(n * 0.2);
      // Top class, accuracy and p(label) are exact: the teacher's top class is its first stored class.
      const top = frame.topClass(frame.teacher.runId);
      expect(top[5]).toBe((5 * 7 + 13 + 2) % classes);
      // The matrix cache holds the stored columns: 4 run-epochs × n × (2k + 3) × 4 bytes, not 4 × n × C × 4.
      expect(matrices.bytes()).toBeLessThanOrEqual(4 * n * (2 * k + 3) * 4);
      expect(matrices.bytes()).toBeGreaterThan(0);
      const dense = n * classes * 4;
      expect(peak - before, `peak array-buffer growth ${((peak - before) / 2 ** 20).toFixed(0)} MiB against ${(dense / 2 ** 20).toFixed(0)} MiB for one completed matrix`).toBeLessThan(dense / 4);
    } finally {
      db.close();
    }
  }, 240_000);
});
