// `disobey ingest`: runs trained elsewhere come in as JSONL, NPY + CSV index, NPZ, Parquet or Dataset
// Cartography's training dynamics, land exactly as written, feed the deviation report and the
// detail panel, and bad inputs are refused by file and row with nothing left written. Runs that
// recorded only some splits (a train-only log) answer every analytics call over the splits they
// have. The Python package's RunLogger (python/disobey) is exercised where /usr/bin/python3 and numpy are.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { createPlainDataset, encodeNpy, randomProbabilities, type PlainDataset } from '../../bench/ingestFixture.js';
import { parquetWriteFile } from 'hyparquet-writer';
import { writeTopKParquet, type TopKRowsToWrite } from '../../bench/imagenetFixture.js';
import { ingestRuns } from '../../main/data/runIngest.js';
import { createMatrixStore } from '../../main/store/matrixChunks.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createAppServices } from '../../main/services/appServices.js';
import type { ClassDeviationHeatmap, DeviationReport, ExamplePage, ExampleTrajectory, FlipEvents, GradientView, ThreeWayConfusion } from '../../shared/analytics.js';
import type { Findings, SeriesReport } from '../../shared/findings.js';
import { rowsOf } from '../helpers/storedPredictions.js';
import { rewriteAsDataPageV1 } from '../../bench/parquetDataPageV1.js';
import { int64Npy, npz, writeDenseParquet } from '../helpers/ingestFiles.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { createStore } from '../../main/store/store.js';

const N = 40;
const C = 4;
const temp = makeTempDir();
const databasePath = path.join(temp.dir, 'ingest.db');
let db: Database.Database;
let data: PlainDataset;

beforeAll(() => {
  db = openDatabase(databasePath);
  data = createPlainDataset(db, N, C);
});
afterAll(() => {
  db.close();
  temp.dispose();
});

let folderCount = 0;
function writeRun(manifest: object, files: Record<string, string | Buffer>, parent?: string): string {
  const dir = path.join(parent ?? path.join(temp.dir, `ingest-${++folderCount}`), parent ? `run-${++folderCount}` : '');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return parent ?? dir;
}

function jsonl(keys: (number | string)[], values: Float32Array, field: 'probs' | 'logits'): string {
  return keys.map((k, i) => JSON.stringify({ example: k, [field]: Array.from(values.subarray(i * C, (i + 1) * C)) })).join('\n') + '\n';
}

/** A run-epoch's stored matrix, its chunks decoded here with plain SQL (docs/database.md); ids must be the dataset's, ascending. */
function stored(runId: number, epoch: number): Float32Array {
  const chunks = db.prepare('SELECT example_ids, probs, num_classes FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk').all(runId, epoch) as { example_ids: Buffer; probs: Buffer; num_classes: number }[];
  const ids = [...rowsOf(db, runId, epoch).keys()];
  expect(ids).toEqual(data.ids);
  expect(chunks.every((c) => c.num_classes === C)).toBe(true);
  return Float32Array.from(chunks.flatMap((c) => Array.from(new Float32Array(c.probs.buffer.slice(c.probs.byteOffset, c.probs.byteOffset + c.probs.byteLength)))));
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function softmaxRows(logits: Float32Array): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length / C; i++) {
    const row = logits.subarray(i * C, (i + 1) * C);
    const max = Math.max(...row);
    const sum = row.reduce((a, z) => a + Math.exp(z - max), 0);
    for (let c = 0; c < C; c++) out[i * C + c] = Math.exp(row[c]! - max) / sum;
  }
  return out;
}

function counts(): number[] {
  return ['experiments', 'runs', 'prediction_matrices', 'epoch_metrics'].map((t) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number);
}



describe('ingest', () => {
  it('stores an ingest asked for float16 as halves, the experiment saying so, and reads each probability within half rounding', async () => {
    const probs = randomProbabilities(N, C, 31);
    const dir = writeRun({ name: 'half', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': jsonl(data.ids, probs, 'probs') });
    const result = await ingestRuns(createStore(db), { path: dir, datasetId: data.datasetId, storage: 'float16' });
    const runId = result.runs[0]!.id;
    expect(db.prepare('SELECT DISTINCT precision FROM prediction_matrices WHERE run_id = ?').pluck().all(runId)).toEqual(['float16']);
    expect(JSON.parse(db.prepare('SELECT spec FROM experiments WHERE id = ?').pluck().get(result.experimentId) as string)).toMatchObject({ storage: 'float16' });
    const back = Float32Array.from([...rowsOf(db, runId, 1).values()].flat());
    expectClose(back, probs, 2 ** -12);
    expectClose(createMatrixStore(db).readMatrix(runId, 1)!.probs, back, 0);
  });

  it('JSONL runs land as written: probabilities within 1e-6, logits as their softmax, runs done and linked, the report reads them', async () => {
    const teacherProbs = [randomProbabilities(N, C, 1), randomProbabilities(N, C, 2)];
    teacherProbs[0]!.set([1, 0, 0, 0], 0); // a certain row: its zeros stay (near) zero, its loss finite
    const studentLogits = [0, 1].map((e) => randomProbabilities(N, C, 10 + e).map((p) => 3 * Math.log(p)));
    const root = path.join(temp.dir, 'jsonl');
    writeRun({ name: 'teacher', role: 'teacher', epochs: 2, settings: { lr: 0.1 } }, { 'epoch-1.jsonl': jsonl(data.ids, teacherProbs[0]!, 'probs'), 'epoch-2.jsonl': jsonl(data.ids, teacherProbs[1]!, 'probs') }, root);
    const refs = data.splits.map((s, i) => `${s}.jsonl:${data.indices[i]! + 1}`);
    writeRun({ name: 'student', role: 'student', teacher: 'teacher', epochs: 2, key: 'source_ref' }, { 'epoch-1.jsonl': jsonl(refs, studentLogits[0]!, 'logits'), 'epoch-2.jsonl': jsonl(refs.toReversed(), reverseRows(studentLogits[1]!), 'logits') }, root);

    const result = await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId, experimentName: 'from torch' });
    const [teacher, student] = result.runs;
    expect(result.runs.map((r) => [r.name, r.role, r.epochs])).toEqual([['teacher', 'teacher', 2], ['student', 'student', 2]]);
    expectClose(stored(teacher!.id, 1), teacherProbs[0]!);
    expect(stored(teacher!.id, 1)[data.labels[0]!]).toBe(1);
    // The certain row's zeros are floored at 1e-30, so every loss stays finite.
    const trainLoss = db.prepare("SELECT loss FROM epoch_metrics WHERE run_id = ? AND epoch = 1 AND split = 'train'").pluck().get(teacher!.id) as number;
    expect(Number.isFinite(trainLoss)).toBe(true);
    expectClose(stored(teacher!.id, 2), teacherProbs[1]!);
    expectClose(stored(student!.id, 2), softmaxRows(studentLogits[1]!));
    const runs = db.prepare('SELECT name, status, backend, epochs_done, teacher_run_id, spec FROM runs WHERE experiment_id = ? ORDER BY id').all(result.experimentId) as { status: string; backend: string; epochs_done: number; teacher_run_id: number | null; spec: string }[];
    expect(runs.map((r) => [r.status, r.backend, r.epochs_done, r.teacher_run_id])).toEqual([['done', 'external', 2, null], ['done', 'external', 2, teacher!.id]]);
    expect(JSON.parse(runs[0]!.spec)).toMatchObject({ epochs: 2, external: { settings: { lr: 0.1 }, key: 'id' } });
    const accuracy = db.prepare("SELECT accuracy FROM epoch_metrics WHERE run_id = ? AND epoch = 2 AND split = 'test'").pluck().get(teacher!.id) as number;
    const test = data.ids.map((_, i) => i).filter((i) => data.splits[i] === 'test');
    const right = test.filter((i) => argmax(teacherProbs[1]!.subarray(i * C, (i + 1) * C)) === data.labels[i]).length;
    expect(accuracy).toBeCloseTo(right / test.length, 12);

    const services = createAppServices({ store: createStore(db), databasePath });
    try {
      const report = (await services.dispatch('deviationReport', { experimentId: result.experimentId, bootstrap: 20 }, 'http')) as DeviationReport;
      expect(report.students).toHaveLength(1);
      expect(report.students[0]!.splits.map((s) => [s.split, s.n])).toEqual([['train', 30], ['test', 10]]);
      // The detail panel's history comes from the matrix chunks: every epoch of both runs.
      const trajectory = (await services.dispatch('exampleTrajectory', { experimentId: result.experimentId, exampleId: data.ids[7] }, 'http')) as ExampleTrajectory;
      const teacherRow = (e: number) => Array.from(stored(teacher!.id, e).subarray(7 * C, 8 * C));
      expect(trajectory.runs.map((r) => r.epochs)).toEqual([[1, 2], [1, 2]]);
      expect(trajectory.runs[0]!.probs).toEqual([teacherRow(1), teacherRow(2)]);
      expect(trajectory.runs[1]!.probs[1]).toEqual(Array.from(stored(student!.id, 2).subarray(7 * C, 8 * C)));
    } finally {
      services.dispose();
    }
  });

  it('NPY with a CSV index per split (key index) and NPZ (key id) land as written', async () => {
    const probs = randomProbabilities(N, C, 7);
    const train = data.ids.map((_, i) => i).filter((i) => data.splits[i] === 'train');
    const test = data.ids.map((_, i) => i).filter((i) => data.splits[i] === 'test');
    const rows = (positions: number[]) => {
      const out = new Float32Array(positions.length * C);
      positions.forEach((p, r) => out.set(probs.subarray(p * C, (p + 1) * C), r * C));
      return out;
    };
    const npyRoot = writeRun(
      { name: 'npy teacher', role: 'teacher', epochs: 1, key: 'index' },
      {
        'epoch-1.train.npy': encodeNpy(rows(train), [train.length, C]),
        'epoch-1.train.index.csv': 'example\n' + train.map((p) => `${data.indices[p]}\n`).join(''),
        'epoch-1.test.npy': encodeNpy(rows(test.toReversed()), [test.length, C]),
        'epoch-1.test.index.csv': 'example\n' + test.toReversed().map((p) => `"test:${data.indices[p]}"\n`).join(''),
      },
    );
    const npyRun = (await ingestRuns(createStore(db), { path: npyRoot, datasetId: data.datasetId })).runs[0]!;
    expectClose(stored(npyRun.id, 1), probs);

    const npzRoot = writeRun({ name: 'npz teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npz': await npz({ index: int64Npy(data.ids), probs: encodeNpy(probs, [N, C]) }) });
    const npzRun = (await ingestRuns(createStore(db), { path: path.join(npzRoot, 'run.json'), datasetId: data.datasetId })).runs[0]!;
    expectClose(stored(npzRun.id, 1), probs);

    // Parquet, list layout, string keys "split:index" in shuffled order (key index).
    const shuffled = data.ids.map((_, i) => (i * 17) % N);
    const parquetRoot = writeRun({ name: 'parquet teacher', role: 'teacher', epochs: 1, key: 'index' }, {});
    parquetWriteFile({
      filename: path.join(parquetRoot, 'epoch-1.parquet'),
      columnData: [
        { name: 'example', data: shuffled.map((p) => `${data.splits[p]}:${data.indices[p]}`) },
        { name: 'probs', data: shuffled.map((p) => Array.from(probs.subarray(p * C, (p + 1) * C))) },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'example', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'probs', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
      ],
    });
    const parquetRun = (await ingestRuns(createStore(db), { path: parquetRoot, datasetId: data.datasetId })).runs[0]!;
    expectClose(stored(parquetRun.id, 1), probs);
  });

  describe('top-k storage (topK in run.json)', () => {
    const K = 2;
    /** Each example's K largest classes (descending) and probabilities, and p(label), from full rows. */
    function topK(probs: Float32Array) {
      const classes: number[][] = [];
      const top: number[][] = [];
      const label: number[] = [];
      for (let i = 0; i < N; i++) {
        const row = Array.from(probs.subarray(i * C, (i + 1) * C));
        const order = row.map((_, c) => c).sort((a, b) => row[b]! - row[a]! || a - b).slice(0, K);
        classes.push(order);
        top.push(order.map((c) => row[c]!));
        label.push(row[data.labels[i]!]!);
      }
      return { classes, top, label };
    }
    /** What the app must make of a row: known values as given, the rest of the mass spread evenly. */
    function completed(t: ReturnType<typeof topK>): Float32Array {
      const out = new Float32Array(N * C);
      for (let i = 0; i < N; i++) {
        const known = new Map(t.classes[i]!.map((c, j) => [c, t.top[i]![j]!]));
        if (!known.has(data.labels[i]!)) known.set(data.labels[i]!, t.label[i]!);
        const mass = [...known.values()].reduce((a, v) => a + Math.fround(v), 0);
        for (let c = 0; c < C; c++) out[i * C + c] = known.get(c) ?? Math.max(0, 1 - mass) / (C - known.size);
      }
      return out;
    }

    it('stores k values per example, completes the rest evenly, and says which numbers are estimates', async () => {
      const teacherProbs = randomProbabilities(N, C, 31);
      const studentProbs = randomProbabilities(N, C, 32);
      const t = topK(studentProbs);
      const root = path.join(temp.dir, 'topk');
      writeRun({ name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': jsonl(data.ids, teacherProbs, 'probs') }, root);
      const lines = data.ids.map((id, i) => JSON.stringify({ example: id, top_classes: t.classes[i], top_probs: t.top[i], label_prob: t.label[i] })).join('\n');
      // Epoch 2 as NPZ: top_classes int64 [N, K], top_probs float32 [N, K], label_prob [N], index [N].
      const npzFile = await npz({ index: int64Npy(data.ids), top_classes: reshapeNpy(int64Npy(t.classes.flat()), [N, K]), top_probs: encodeNpy(Float32Array.from(t.top.flat()), [N, K]), label_prob: encodeNpy(Float32Array.from(t.label), [N]) });
      writeRun({ name: 'student top-2', role: 'student', epochs: 2, topK: K }, { 'epoch-1.jsonl': lines + '\n', 'epoch-2.npz': npzFile }, root);

      const result = await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId });
      const student = result.runs.find((r) => r.role === 'student')!;
      const chunks = db.prepare('SELECT top_k, length(probs) AS bytes, CASE length(example_ids) WHEN 0 THEN 4 * (last_id - first_id + 1) ELSE length(example_ids) END AS idBytes FROM prediction_matrices WHERE run_id = ? AND epoch = 1').all(student.id) as { top_k: number; bytes: number; idBytes: number }[];
      expect(chunks.every((c) => c.top_k === K && c.bytes === (c.idBytes / 4) * K * 4)).toBe(true);
      // As stored: each row's k classes and probabilities, its label's class and probability.
      for (const epoch of [1, 2]) {
        const raw = db.prepare('SELECT probs, top_classes, label_classes, label_probs FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk').all(student.id, epoch) as Record<string, Buffer>[];
        const decode = <T extends Float32Array | Int32Array>(column: string, Ctor: new (b: ArrayBuffer) => T) => raw.flatMap((r) => Array.from(new Ctor(r[column]!.buffer.slice(r[column]!.byteOffset, r[column]!.byteOffset + r[column]!.byteLength) as ArrayBuffer)));
        expect(decode('top_classes', Int32Array)).toEqual(t.classes.flat());
        expect(decode('probs', Float32Array)).toEqual(t.top.flat().map(Math.fround));
        expect(decode('label_classes', Int32Array)).toEqual(Array.from(data.labels));
        expect(decode('label_probs', Float32Array)).toEqual(t.label.map(Math.fround));
        // What the analytics read: the known values, the rest of each row's mass spread evenly.
        expectClose(createMatrixStore(db).readMatrix(student.id, epoch)!.probs, completed(t));
      }
      expect(db.prepare("SELECT spec FROM runs WHERE id = ?").pluck().get(student.id)).toContain('"topK":2');
      // Accuracy and loss are exact: the top class and p(label) were given.
      const train = data.ids.map((_, i) => i).filter((i) => data.splits[i] === 'train');
      const metric = db.prepare("SELECT loss, accuracy FROM epoch_metrics WHERE run_id = ? AND epoch = 1 AND split = 'train'").get(student.id) as { loss: number; accuracy: number };
      expect(metric.accuracy).toBeCloseTo(train.filter((i) => t.classes[i]![0] === data.labels[i]).length / train.length, 12);
      expect(metric.loss).toBeCloseTo(train.reduce((a, i) => a - Math.log(Math.fround(t.label[i]!)), 0) / train.length, 6);

      const services = createAppServices({ store: createStore(db), databasePath });
      try {
        const report = (await services.dispatch('deviationReport', { experimentId: result.experimentId, bootstrap: 0 }, 'http')) as DeviationReport;
        expect(report.notes).toHaveLength(1);
        expect(report.notes[0]).toMatch(/student top-2 stored its top 2 probabilities and p\(label\) only: .*are exact; KL, total variation.* are estimates/);
        const page = (await services.dispatch('queryExamples', { experimentId: result.experimentId, limit: 100 }, 'http')) as ExamplePage;
        for (const e of page.items) {
          const i = data.ids.indexOf(e.id);
          const run = e.runs.find((r) => r.runId === student.id)!;
          expect(run.labelProb).toBeCloseTo(Math.fround(t.label[i]!), 7);
          expect(run.topClass).toBe(t.classes[i]![0]);
        }
      } finally {
        services.dispose();
      }
    });

    it('refuses top-k rows that cannot be right, by file and row', async () => {
      const t = topK(randomProbabilities(N, C, 33));
      const line = (i: number, patch: object = {}) => JSON.stringify({ example: data.ids[i], top_classes: t.classes[i], top_probs: t.top[i], label_prob: t.label[i], ...patch });
      const file = (patchRow: number, patch: object) => data.ids.map((_, i) => line(i, i === patchRow ? patch : {})).join('\n') + '\n';
      const notTop = (i: number) => [0, 1, 2, 3].find((c) => !t.classes[i]!.includes(c))!;
      const cases: [string, Record<string, string | Buffer>, RegExp, number?][] = [
        ['a class twice', { 'epoch-1.jsonl': file(3, { top_classes: [t.classes[3]![0], t.classes[3]![0]] }) }, /row 4: class \d appears twice among the top 2/],
        ['k values where run.json says another k', { 'epoch-1.jsonl': file(3, { top_classes: [0, 1, 2], top_probs: [0.3, 0.3, 0.3] }) }, /row 4: 3 top classes where run.json says topK 2/],
        ['a class the dataset lacks', { 'epoch-1.jsonl': file(3, { top_classes: [t.classes[3]![0], 9] }) }, /row 4: top class 9 is not a class of the dataset \(0…3\)/],
        ['known mass over 1', { 'epoch-1.jsonl': file(3, { top_classes: [0, 1, 2, 3].filter((c) => c !== data.labels[3]).slice(0, 2), top_probs: [0.6, 0.5], label_prob: 0.1 }) }, /row 4: the known probabilities sum to 1\.2/],
        ['a label probability unlike its top entry', { 'epoch-1.jsonl': file(7, { top_classes: [data.labels[7], (data.labels[7]! + 1) % C], top_probs: [0.5, 0.3], label_prob: 0.2 }) }, /row 8: label_prob 0\.2 differs from the top entry of the label/],
        ['a label probability above the k-th', { 'epoch-1.jsonl': file(5, data.labels[5] === t.classes[5]![0] || data.labels[5] === t.classes[5]![1] ? { top_classes: [notTop(5), t.classes[5]!.find((c) => c !== data.labels[5])!], label_prob: 0.99 } : { label_prob: 0.99 }) }, /row 6: label_prob 0\.99 of class \d, not among the top 2, exceeds the smallest of them/],
        ['an NPY file', { 'epoch-1.npy': encodeNpy(randomProbabilities(N, C, 1), [N, C]), 'epoch-1.index.csv': 'example\n' + data.ids.join('\n') + '\n' }, /a top-k run \(topK in run\.json\) reads JSONL or NPZ files, not NPY/],
        ['topK not below the class count', { 'epoch-1.jsonl': file(0, {}) }, /topK 4 must be smaller than the dataset's 4 classes/, 4],
      ];
      for (const [name, files, message, k] of cases) {
        const root = writeRun({ name: 't', role: 'teacher', epochs: 1, topK: k ?? K }, files);
        const before = counts();
        await expect(ingestRuns(createStore(db), { path: root, datasetId: data.datasetId }), name).rejects.toThrow(message);
        expect(counts(), name).toEqual(before);
      }
    });

    /** Rows as a top-k Parquet file written row by row (nulls and odd lengths allowed, as a careless job might write them). */
    function topKRowsParquet(file: string, rows: { example: number; top_classes: (number | null)[] | null; top_probs: (number | null)[] | null; label_prob: number }[]): void {
      const list = (name: string, type: 'INT32' | 'FLOAT') => [
        { name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
        { name: 'element', repetition_type: 'OPTIONAL' as const, type },
      ];
      parquetWriteFile({
        filename: file,
        columnData: (['example', 'top_classes', 'top_probs', 'label_prob'] as const).map((name) => ({ name, data: rows.map((r) => r[name]) })),
        schema: [{ name: 'schema', num_children: 4 }, { name: 'example', type: 'INT32', repetition_type: 'REQUIRED' }, ...list('top_classes', 'INT32'), ...list('top_probs', 'FLOAT'), { name: 'label_prob', type: 'FLOAT', repetition_type: 'REQUIRED' }],
      });
    }

    it('reads top-k Parquet, as one file or as an epoch folder of part files in name order, row group by row group', async () => {
      const t = topK(randomProbabilities(N, C, 34));
      const rows: TopKRowsToWrite = { k: K, keys: Int32Array.from(data.ids), classes: Int32Array.from(t.classes.flat()), probs: Float32Array.from(t.top.flat()), labelProbs: Float32Array.from(t.label) };
      const root = writeRun({ name: 'parquet top-2', role: 'teacher', epochs: 2, topK: K }, { 'epoch-2.parquet': Buffer.alloc(0) });
      writeTopKParquet(path.join(root, 'epoch-2.parquet'), rows, 0, N, 7);
      // Epoch 1 as Spark writes it: parts (one empty), a _SUCCESS marker and checksum files beside them.
      const parts = path.join(root, 'epoch-1');
      fs.mkdirSync(parts);
      writeTopKParquet(path.join(parts, 'part-00000.parquet'), rows, 0, 15, 4);
      writeTopKParquet(path.join(parts, 'part-00001.parquet'), rows, 15, 15);
      writeTopKParquet(path.join(parts, 'part-00002.parquet'), rows, 15, N, 6);
      for (const name of ['_SUCCESS', '.part-00000.parquet.crc', 'part-00000.parquet.crc']) fs.writeFileSync(path.join(parts, name), '');
      const run = (await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId })).runs[0]!;
      for (const epoch of [1, 2]) {
        const raw = db.prepare('SELECT probs, top_classes, label_probs FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk').all(run.id, epoch) as Record<string, Buffer>[];
        const decode = <T extends Float32Array | Int32Array>(column: string, Ctor: new (b: ArrayBuffer) => T) => raw.flatMap((r) => Array.from(new Ctor(r[column]!.buffer.slice(r[column]!.byteOffset, r[column]!.byteOffset + r[column]!.byteLength) as ArrayBuffer)));
        expect(decode('top_classes', Int32Array)).toEqual(t.classes.flat());
        expect(decode('probs', Float32Array)).toEqual(t.top.flat().map(Math.fround));
        expect(decode('label_probs', Float32Array)).toEqual(t.label.map(Math.fround));
        expectClose(createMatrixStore(db).readMatrix(run.id, epoch)!.probs, completed(t));
      }
    });

    it('refuses top-k Parquet that cannot be right, by file, row and field, writing nothing', async () => {
      const t = topK(randomProbabilities(N, C, 35));
      const good = (i: number) => ({ example: data.ids[i]!, top_classes: t.classes[i]! as (number | null)[] | null, top_probs: t.top[i]! as (number | null)[] | null, label_prob: t.label[i]! });
      const file = (patchRow: number, patch: object) => data.ids.map((_, i) => ({ ...good(i), ...(i === patchRow ? patch : {}) }));
      const rows: TopKRowsToWrite = { k: K, keys: Int32Array.from(data.ids), classes: Int32Array.from(t.classes.flat()), probs: Float32Array.from(t.top.flat()), labelProbs: Float32Array.from(t.label) };
      const cases: [string, (dir: string) => void, RegExp][] = [
        ['a null probability', (dir) => topKRowsParquet(path.join(dir, 'epoch-1.parquet'), file(6, { top_probs: [0.5, null] })), /epoch-1\.parquet, row 6: "top_probs" is null or holds a null/],
        ['a null list', (dir) => topKRowsParquet(path.join(dir, 'epoch-1.parquet'), file(2, { top_classes: null })), /epoch-1\.parquet, row 2: "top_classes" is null or holds a null/],
        ['three classes where topK is 2', (dir) => topKRowsParquet(path.join(dir, 'epoch-1.parquet'), file(9, { top_classes: [0, 1, 2], top_probs: [0.3, 0.3, 0.3] })), /epoch-1\.parquet, row 9: "top_classes" holds 3 values where run\.json says topK 2/],
        ['a label probability outside [0, 1]', (dir) => topKRowsParquet(path.join(dir, 'epoch-1.parquet'), file(11, { label_prob: 1.5 })), /epoch-1\.parquet, row 11: label_prob 1\.5 is outside \[0, 1\]/],
        ['a missing column', (dir) => parquetWriteFile({ filename: path.join(dir, 'epoch-1.parquet'), columnData: [{ name: 'example', data: Int32Array.from(data.ids) }] }), /epoch-1\.parquet: a Parquet file of a top-k run needs columns "example", "top_classes", "top_probs" and "label_prob" \("top_classes" missing\); it holds example/],
        ['a key in two parts', (dir) => {
          fs.mkdirSync(path.join(dir, 'epoch-1'));
          writeTopKParquet(path.join(dir, 'epoch-1', 'part-00000.parquet'), rows, 0, 20);
          writeTopKParquet(path.join(dir, 'epoch-1', 'part-00001.parquet'), rows, 19, N);
        }, /part-00001\.parquet, row 0: example \d+ \(train\) appears twice this epoch \(also in \S*epoch-1[\\/]part-00000\.parquet\)/],
        ['a corrupt part', (dir) => {
          fs.mkdirSync(path.join(dir, 'epoch-1'));
          writeTopKParquet(path.join(dir, 'epoch-1', 'part-00000.parquet'), rows, 0, 20);
          writeTopKParquet(path.join(dir, 'epoch-1', 'part-00001.parquet'), rows, 20, N);
          const bytes = fs.readFileSync(path.join(dir, 'epoch-1', 'part-00001.parquet'));
          bytes.fill(7, 20, 120);
          fs.writeFileSync(path.join(dir, 'epoch-1', 'part-00001.parquet'), bytes);
        }, /part-00001\.parquet: not a readable Parquet file/],
        ['a truncated part', (dir) => {
          fs.mkdirSync(path.join(dir, 'epoch-1'));
          writeTopKParquet(path.join(dir, 'epoch-1', 'part-00000.parquet'), rows, 0, N);
          fs.truncateSync(path.join(dir, 'epoch-1', 'part-00000.parquet'), 300);
        }, /part-00000\.parquet: not a Parquet file \(no PAR1 marker/],
        ['a stray file among the parts', (dir) => {
          fs.mkdirSync(path.join(dir, 'epoch-1'));
          writeTopKParquet(path.join(dir, 'epoch-1', 'part-00000.parquet'), rows, 0, N);
          fs.writeFileSync(path.join(dir, 'epoch-1', 'part-00001.json'), '{}');
        }, /part-00001\.json: an epoch folder holds Parquet part files/],
        ['an epoch folder without parts', (dir) => {
          fs.mkdirSync(path.join(dir, 'epoch-1'));
          fs.writeFileSync(path.join(dir, 'epoch-1', '_SUCCESS'), '');
        }, /epoch-1: an epoch folder holds no Parquet part file/],
      ];
      for (const [name, make, message] of cases) {
        const root = writeRun({ name: 't', role: 'teacher', epochs: 1, topK: K }, {});
        make(root);
        const before = counts();
        await expect(ingestRuns(createStore(db), { path: root, datasetId: data.datasetId }), name).rejects.toThrow(message);
        expect(counts(), name).toEqual(before);
      }
    });

    it('reads Version-1 data pages (pyarrow\'s and Spark\'s default) to the same stored values as Version-2 pages', async () => {
      const t = topK(randomProbabilities(N, C, 37));
      const rows: TopKRowsToWrite = { k: K, keys: Int32Array.from(data.ids), classes: Int32Array.from(t.classes.flat()), probs: Float32Array.from(t.top.flat()), labelProbs: Float32Array.from(t.label) };
      const dense = randomProbabilities(N, C, 38);
      /** A top-k run (one file, then an epoch folder of parts) and a dense run (list layout), in V2 pages or rewritten as V1. */
      const write = (version: 1 | 2) => {
        const root = path.join(temp.dir, `pages-v${version}`);
        const topKRun = writeRun({ name: `top-2 v${version}`, role: 'teacher', epochs: 2, topK: K }, {}, root);
        const files = [path.join(topKRun, `run-${folderCount}`, 'epoch-1.parquet')];
        writeTopKParquet(files[0]!, rows, 0, N, 7);
        fs.mkdirSync(path.join(topKRun, `run-${folderCount}`, 'epoch-2'));
        files.push(path.join(topKRun, `run-${folderCount}`, 'epoch-2', 'part-00000.parquet'), path.join(topKRun, `run-${folderCount}`, 'epoch-2', 'part-00001.parquet'));
        writeTopKParquet(files[1]!, rows, 0, 25);
        writeTopKParquet(files[2]!, rows, 25, N, 4);
        writeRun({ name: `dense v${version}`, role: 'student', epochs: 1 }, {}, root);
        files.push(path.join(root, `run-${folderCount}`, 'epoch-1.parquet'));
        writeDenseParquet(files[3]!, Int32Array.from(data.ids), data.ids.map((_, i) => Array.from(dense.subarray(i * C, (i + 1) * C))));
        if (version === 1) for (const file of files) expect(rewriteAsDataPageV1(file), file).toBeGreaterThan(0);
        return root;
      };
      /** Every stored column of a run-epoch, chunk by chunk, as bytes. */
      const storedColumns = (runId: number, epoch: number) => db.prepare('SELECT chunk, first_id, last_id, example_ids, probs, top_k, top_classes, label_classes, label_probs FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk').all(runId, epoch);
      const v2 = await ingestRuns(createStore(db), { path: write(2), datasetId: data.datasetId });
      const v1 = await ingestRuns(createStore(db), { path: write(1), datasetId: data.datasetId });
      const [topV2, denseV2] = [v2.runs.find((r) => r.role === 'teacher')!, v2.runs.find((r) => r.role === 'student')!];
      const [topV1, denseV1] = [v1.runs.find((r) => r.role === 'teacher')!, v1.runs.find((r) => r.role === 'student')!];
      for (const epoch of [1, 2]) {
        const stored1 = storedColumns(topV1.id, epoch);
        expect(stored1.length).toBeGreaterThan(0);
        expect(stored1).toEqual(storedColumns(topV2.id, epoch));
        expectClose(createMatrixStore(db).readMatrix(topV1.id, epoch)!.probs, completed(t));
      }
      expect(storedColumns(denseV1.id, 1)).toEqual(storedColumns(denseV2.id, 1));
      expectClose(stored(denseV1.id, 1), dense);
      const metrics = (runId: number) => db.prepare('SELECT epoch, split, loss, accuracy FROM epoch_metrics WHERE run_id = ? ORDER BY epoch, split').all(runId);
      expect(metrics(topV1.id)).toEqual(metrics(topV2.id));
    });

    it('refuses Version-1 pages with a null in a list, or a list of the wrong length, by file, row and column, writing nothing', async () => {
      const t = topK(randomProbabilities(N, C, 39));
      const good = (i: number) => ({ example: data.ids[i]!, top_classes: t.classes[i]! as (number | null)[] | null, top_probs: t.top[i]! as (number | null)[] | null, label_prob: t.label[i]! });
      const file = (patchRow: number, patch: object) => data.ids.map((_, i) => ({ ...good(i), ...(i === patchRow ? patch : {}) }));
      const cases: [string, ReturnType<typeof file>, RegExp][] = [
        ['a null probability', file(6, { top_probs: [0.5, null] }), /epoch-1\.parquet, row 6: "top_probs" is null or holds a null/],
        ['a null list', file(2, { top_classes: null }), /epoch-1\.parquet, row 2: "top_classes" is null or holds a null/],
        ['three classes where topK is 2', file(9, { top_classes: [0, 1, 2], top_probs: [0.3, 0.3, 0.3] }), /epoch-1\.parquet, row 9: "top_classes" holds 3 values where run\.json says topK 2/],
      ];
      for (const [name, rows, message] of cases) {
        const root = writeRun({ name: 't', role: 'teacher', epochs: 1, topK: K }, {});
        topKRowsParquet(path.join(root, 'epoch-1.parquet'), rows);
        expect(rewriteAsDataPageV1(path.join(root, 'epoch-1.parquet')), name).toBeGreaterThan(0);
        const before = counts();
        await expect(ingestRuns(createStore(db), { path: root, datasetId: data.datasetId }), name).rejects.toThrow(message);
        expect(counts(), name).toEqual(before);
      }
    });
  });

  it('reads epoch folders of dense Parquet parts per split (key index), an empty part among them', async () => {
    const probs = randomProbabilities(N, C, 36);
    const root = writeRun({ name: 'parquet parts', role: 'teacher', epochs: 1, key: 'index' }, {});
    const part = (split: string, file: string, positions: number[]) => {
      fs.mkdirSync(path.join(root, `epoch_001.${split}`), { recursive: true });
      writeDenseParquet(path.join(root, `epoch_001.${split}`, file), Int32Array.from(positions.map((p) => data.indices[p]!)), positions.map((p) => Array.from(probs.subarray(p * C, (p + 1) * C))));
    };
    const of = (split: string) => data.ids.map((_, p) => p).filter((p) => data.splits[p] === split);
    part('train', 'part-00000.parquet', of('train').slice(0, 12));
    part('train', 'part-00001.parquet', of('train').slice(12));
    part('test', 'part-00000.parquet', []);
    part('test', 'part-00001.parquet', of('test').reverse());
    const run = (await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId })).runs[0]!;
    expectClose(stored(run.id, 1), probs);
  });

  it('a failure in a later run removes the runs already written: the database is as it was', async () => {
    const root = path.join(temp.dir, 'late-failure');
    const good = (seed: number) => jsonl(data.ids, randomProbabilities(N, C, seed), 'probs');
    writeRun({ name: 'teacher', role: 'teacher', epochs: 2 }, { 'epoch-1.jsonl': good(1), 'epoch-2.jsonl': good(2) }, root);
    writeRun({ name: 'student', role: 'student', epochs: 2 }, { 'epoch-1.jsonl': good(3), 'epoch-2.jsonl': good(4).replace(`"example":${data.ids[9]},`, '"example":"nine",') }, root);
    const before = counts();
    const progress: number[] = [];
    await expect(ingestRuns(createStore(db), { path: root, datasetId: data.datasetId }, (_, done) => progress.push(done))).rejects.toThrow(/run-\d+[\\/]epoch-2\.jsonl, row 10: an example key of type id must be an integer: "nine"/);
    expect(progress).toEqual([1, 2, 3]); // the teacher's two epochs and the student's first were written, then removed
    expect(counts()).toEqual(before);
  });

  it('an index file repeated every epoch is resolved once, and a key another file of the epoch also names is still refused', async () => {
    const probs = randomProbabilities(N, C, 21);
    const index = 'example\n' + data.ids.join('\n') + '\n';
    const files: Record<string, string | Buffer> = {};
    for (const e of [1, 2, 3]) Object.assign(files, { [`epoch-${e}.npy`]: encodeNpy(probs, [N, C]), [`epoch-${e}.index.csv`]: index });
    const root = writeRun({ name: 'repeated index', role: 'teacher', epochs: 3 }, files);
    const run = (await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId })).runs[0]!;
    for (const e of [1, 2, 3]) expectClose(stored(run.id, e), probs);

    const first = data.ids.slice(0, 1);
    Object.assign(files, { 'epoch-3.extra.jsonl': jsonl(first, probs.subarray(0, C), 'probs') });
    const twice = writeRun({ name: 'repeated index', role: 'teacher', epochs: 3 }, files);
    const before = counts();
    await expect(ingestRuns(createStore(db), { path: twice, datasetId: data.datasetId })).rejects.toThrow(/appears twice this epoch/);
    expect(counts()).toEqual(before);
  });

  it('an index file ending in blank lines is read as its rows', async () => {
    const probs = randomProbabilities(N, C, 23);
    const root = writeRun({ name: 'trailing blank lines', role: 'teacher', epochs: 1 }, { 'epoch-1.npy': encodeNpy(probs, [N, C]), 'epoch-1.index.csv': `example\n${data.ids.join('\n')}\n\n \r\n` });
    const run = (await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId })).runs[0]!;
    expectClose(stored(run.id, 1), probs);
  });

  it('string keys repeated by the next epoch are resolved once; keys in another order are resolved again', async () => {
    const epochs = [31, 32, 33].map((seed) => randomProbabilities(N, C, seed));
    // Epochs 1 and 2 list the examples in one order; epoch 3 swaps the first two keys.
    const orders = [data.ids.map((_, i) => i), data.ids.map((_, i) => i), data.ids.map((_, i) => (i === 0 ? 1 : i === 1 ? 0 : i))];
    const root = writeRun({ name: 'parquet keys', role: 'teacher', epochs: 3, key: 'index' }, {});
    orders.forEach((order, e) =>
      parquetWriteFile({
        filename: path.join(root, `epoch-${e + 1}.parquet`),
        columnData: [
          { name: 'example', data: order.map((p) => `${data.splits[p]}:${data.indices[p]}`) },
          ...Array.from({ length: C }, (_, c) => ({ name: `p_${c}`, data: order.map((p) => epochs[e]![p * C + c]!) })),
        ],
        schema: [
          { name: 'root', num_children: 1 + C },
          { name: 'example', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
          ...Array.from({ length: C }, (_, c) => ({ name: `p_${c}`, type: 'FLOAT' as const, repetition_type: 'REQUIRED' as const })),
        ],
      }),
    );
    const run = (await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId })).runs[0]!;
    for (const e of [1, 2, 3]) expectClose(stored(run.id, e), epochs[e - 1]!);
  });

  describe('refuses bad inputs by file and row, writing nothing', () => {
    const good = () => jsonl(data.ids, randomProbabilities(N, C, 3), 'probs');
    const cases: [string, () => Promise<string> | string, RegExp][] = [
      ['an unknown example id', () => writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': good().replace(`"example":${data.ids[5]},`, '"example":999999,') }), /epoch-1\.jsonl, row 6: no example of dataset \d+ has id: 999999/],
      ['a duplicate key', () => writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': good().replace(`"example":${data.ids[5]},`, `"example":${data.ids[4]},`) }), /row 6: example \d+ \(train\) appears twice this epoch/],
      ['a wrong class count', () => writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': good().replace(/\]\}\n$/, ',0]}\n') }), /row 40: 5 values where the dataset has 4 classes/],
      ['probabilities that do not sum to 1', () => writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': good().replace(/"probs":\[[^,]*,/, '"probs":[0.9,') }), /row 1: probabilities sum to [\d.]+, not 1/],
      ['NaN in an NPY file', () => {
        const probs = randomProbabilities(N, C, 3);
        probs[2 * C + 1] = NaN;
        return writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.npy': encodeNpy(probs, [N, C]), 'epoch-1.index.csv': 'example\n' + data.ids.join('\n') + '\n' });
      }, /epoch-1\.npy, row 2: probability of class 1 is NaN/],
      ['an NPY file without its index', () => writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.npy': encodeNpy(randomProbabilities(N, C, 3), [N, C]) }), /epoch-1\.index\.csv: an NPY file needs its index file/],
      ['a missing epoch', () => writeRun({ name: 't', role: 'teacher', epochs: 3 }, { 'epoch-1.jsonl': good(), 'epoch-3.jsonl': good() }), /no predictions file for epoch 2/],
      ['examples not covered', () => writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': good().split('\n').slice(2).join('\n') }), /2 of the 30 examples of split train have no prediction this epoch, first example \d+ \(train\); a run records every example of each split it records/],
      ['splits other than run.json says', () => writeRun({ name: 't', role: 'teacher', epochs: 1, splits: ['train'] }, { 'epoch-1.jsonl': good() }), /epoch-1\.jsonl: epoch 1 records split train, test where run\.json's splits say train/],
      ['a split the dataset lacks in run.json', () => writeRun({ name: 't', role: 'teacher', epochs: 1, splits: ['train', 'valid'] }, { 'epoch-1.jsonl': good() }), /run\.json: "splits" names "valid", which dataset \d+ does not have \(splits: train, test\)/],
      ['a split recorded in one epoch, not in the next', () => {
        const trainOnly = jsonl(data.ids.filter((_, i) => data.splits[i] === 'train'), randomProbabilities(30, C, 8), 'probs');
        return writeRun({ name: 't', role: 'teacher', epochs: 2 }, { 'epoch-1.jsonl': good(), 'epoch-2.jsonl': trainOnly });
      }, /epoch 2 records split train where epoch 1 recorded train, test: every epoch of a run records the same splits/],
      ['an unknown teacher', () => {
        const root = path.join(temp.dir, `teacherless-${++folderCount}`);
        writeRun({ name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': good() }, root);
        return writeRun({ name: 's', role: 'student', teacher: 'professor', epochs: 1 }, { 'epoch-1.jsonl': good() }, root);
      }, /run\.json: teacher "professor" is no teacher run of this ingest \(teachers: t\)/],
      ['a bad manifest', () => writeRun({ name: 't', role: 'mentor', epochs: 1 }, {}), /run\.json: role/],
    ];
    it.each(cases)('%s', async (_, make, message) => {
      const root = await make();
      const before = counts();
      await expect(ingestRuns(createStore(db), { path: root, datasetId: data.datasetId })).rejects.toThrow(message);
      expect(counts()).toEqual(before);
    });
  });

  it.skipIf(!fs.existsSync('out/main/cli.js'))('disobey ingest --json prints the experiment and its runs; a bad dataset id is refused', () => {
    const root = writeRun({ name: 'cli teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': jsonl(data.ids, randomProbabilities(N, C, 5), 'probs') });
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve('bin/disobey.js'), 'ingest', ...args], { encoding: 'utf8' });
    // The test's own connection stays open: WAL lets the CLI write beside it.
    const r = cli(root, '--db', databasePath, '--dataset', String(data.datasetId), '--experiment-name', 'cli ingest', '--json');
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout) as { experimentId: number; runs: { name: string; epochs: number }[] };
    expect(result.runs.map((x) => [x.name, x.epochs])).toEqual([['cli teacher', 1]]);
    expect(db.prepare('SELECT name FROM experiments WHERE id = ?').pluck().get(result.experimentId)).toBe('cli ingest');
    const bad = cli(root, '--db', databasePath, '--dataset', '999');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/disobey: .*999/);
    expect(cli(root, '--db', databasePath).stderr).toMatch(/ingest needs --dataset ID/);
  });

  it.skipIf(!fs.existsSync('out/main/cli.js'))('run names holding terminal escapes or line breaks reach no terminal raw: ingest, runs, report and findings escape them, JSON reads them back exactly', () => {
    const teacher = 'teach\u001b]0;owned\u0007er';
    const student = 'stu\u001b[2J\u009b31m\rde\nnt\u007f';
    const root = path.join(temp.dir, `escapes-${++folderCount}`);
    writeRun({ name: teacher, role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': jsonl(data.ids, randomProbabilities(N, C, 7), 'probs') }, root);
    writeRun({ name: student, role: 'student', teacher, epochs: 1 }, { 'epoch-1.jsonl': jsonl(data.ids, randomProbabilities(N, C, 8), 'probs') }, root);
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve('bin/disobey.js'), ...args, '--db', databasePath], { encoding: 'utf8' });
    const ingested = cli('ingest', root, '--dataset', String(data.datasetId), '--experiment-name', 'escapes\u001b[31m');
    expect(ingested.status, ingested.stderr).toBe(0);
    const experimentId = /experiment (\d+)/.exec(ingested.stdout)![1]!;
    // Every control character but the line breaks is written as an escape; the names are still recognisable.
    const raw = (text: string) => [...text].filter((c) => c !== '\n' && (c.charCodeAt(0) < 32 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)));
    const outputs = [ingested, cli('runs'), cli('report', '--experiment', experimentId), cli('findings', '--experiment', experimentId)];
    for (const r of outputs) {
      expect(raw(r.stdout + r.stderr)).toEqual([]);
    }
    // A line break inside a name is escaped too: the name, and the sentence or title it sits in, stay on one line.
    for (const r of [ingested, outputs[1]!, outputs[2]!]) expect(r.stdout).toContain('stu\\x1B[2J\\x9B31m\\x0Dde\\x0Ant\\x7F');
    expect(outputs[2]!.stdout).toContain('teach\\x1B]0;owned\\x07er');
    // JSON escapes them too (DEL and C1 as \u escapes), and parses back to the names as written.
    const json = cli('runs', '--json');
    expect(raw(json.stdout)).toEqual([]);
    const names = (JSON.parse(json.stdout) as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining([teacher, student]));
  });

  describe('runs that record whole splits only, and Dataset Cartography files', () => {
    const train = () => data.ids.map((_, i) => i).filter((i) => data.splits[i] === 'train');
    /** dynamics_epoch_<E>.jsonl as cartography writes it: guid (here the train index), logits_epoch_<E>, gold */
    const dynamics = (epoch: number, logits: Float32Array, gold = (i: number) => data.labels[i]!) =>
      train()
        .toReversed()
        .map((i) => JSON.stringify({ guid: data.indices[i], [`logits_epoch_${epoch}`]: Array.from(logits.subarray(i * C, (i + 1) * C)), gold: gold(i) }))
        .join('\n') + '\n';
    const logits = (seed: number) => randomProbabilities(N, C, seed).map((p) => 2 * Math.log(p));
    /** softmax of the train rows, in id order */
    const trainSoftmax = (z: Float32Array) => {
      const all = softmaxRows(z);
      return Float32Array.from(train().flatMap((i) => Array.from(all.subarray(i * C, (i + 1) * C))));
    };
    const storedRows = (runId: number, epoch: number) => {
      const m = createMatrixStore(db).readMatrix(runId, epoch)!;
      return { ids: Array.from(m.exampleIds), probs: m.probs };
    };

    it('a bare training_dynamics folder is one teacher run of the train split; its logits land as their softmax and its metrics cover train only', async () => {
      const folder = path.join(temp.dir, 'cartography-bare', 'roberta', 'training_dynamics');
      fs.mkdirSync(folder, { recursive: true });
      const z = [logits(41), logits(42)];
      z.forEach((zz, e) => fs.writeFileSync(path.join(folder, `dynamics_epoch_${e}.jsonl`), dynamics(e, zz)));
      const result = await ingestRuns(createStore(db), { path: path.dirname(folder), datasetId: data.datasetId });
      expect(result.runs.map((r) => [r.name, r.role, r.epochs, r.splits])).toEqual([['roberta', 'teacher', 2, ['train']]]);
      expect(result.notes).toEqual([
        expect.stringMatching(/training_dynamics: Dataset Cartography training dynamics without a run\.json, read as one teacher run "roberta" of 2 epochs whose guid is the example's index in the train split/),
        '"roberta" recorded only the split train, not test: the analytics cover the splits it recorded',
      ]);
      const runId = result.runs[0]!.id;
      for (const e of [1, 2]) {
        const m = storedRows(runId, e);
        expect(m.ids).toEqual(train().map((i) => data.ids[i]));
        expectClose(m.probs, trainSoftmax(z[e - 1]!));
      }
      expect(db.prepare('SELECT split FROM epoch_metrics WHERE run_id = ? AND epoch = 2').pluck().all(runId)).toEqual(['train']);
      expect(JSON.parse(db.prepare('SELECT spec FROM runs WHERE id = ?').pluck().get(runId) as string).external.splits).toEqual(['train']);
    });

    it('a teacher and a student that recorded train only answer every analytics call, over train, saying so', async () => {
      const root = path.join(temp.dir, 'cartography-pair');
      for (const [name, role, seed] of [['teacher', 'teacher', 51], ['student', 'student', 61]] as const) {
        const dir = path.join(root, name);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ name, role, epochs: 2, key: 'index', split: 'train' }));
        for (const e of [0, 1]) fs.writeFileSync(path.join(dir, `dynamics_epoch_${e}.jsonl`), dynamics(e, logits(seed + e)));
      }
      const { experimentId, runs } = await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId });
      const student = runs.find((r) => r.role === 'student')!.id;
      const testId = data.ids[data.splits.indexOf('test')]!;
      const services = createAppServices({ store: createStore(db), databasePath });
      const call = (name: string, args: object) => services.dispatch(name as never, args as never, 'http');
      try {
        const report = (await call('deviationReport', { experimentId, bootstrap: 20 })) as DeviationReport;
        expect(report.students[0]!.splits.map((s) => [s.split, s.n])).toEqual([['train', 30]]);
        expect(report.notes).toEqual(['teacher and student recorded predictions for the split train only (no test): the numbers cover the splits both runs of a pair recorded']);
        const asked = (await call('deviationReport', { experimentId, split: 'test', bootstrap: 0 })) as DeviationReport;
        expect(asked.students[0]!.splits.map((s) => [s.split, s.n, s.studentAccuracy])).toEqual([['test', 0, null]]);
        const findings = (await call('findings', { experimentId, bootstrap: 20 })) as Findings;
        expect(findings.diagnostics.filter((d) => d.kind === 'splits').map((d) => d.message)).toEqual(report.notes);
        expect(findings.claims.find((c) => c.id === 'exp4')!.reason).toBe('the runs recorded no test predictions (only train), so there is no held-out split to compare accuracies on.');
        expect(findings.answer).toMatch(/cannot be told here: the runs recorded no test predictions/);
        const page = (await call('queryExamples', { experimentId, filter: { split: 'test' }, limit: 100 })) as ExamplePage;
        expect(page.total).toBe(10);
        expect(page.items.every((e) => e.measures.studentPhi === null && e.runs.every((r) => r.labelProb === null))).toBe(true);
        const trajectory = (await call('exampleTrajectory', { experimentId, exampleId: testId })) as ExampleTrajectory;
        expect(trajectory.runs.map((r) => r.epochs)).toEqual([[], []]);
        const flips = (await call('flipEvents', { experimentId, split: 'test' })) as FlipEvents;
        expect(flips.runs.map((r) => r.n)).toEqual([0, 0]);
        expect(((await call('threeWayConfusion', { experimentId, split: 'test' })) as ThreeWayConfusion).n).toBe(0);
        expect(((await call('threeWayConfusion', { experimentId })) as ThreeWayConfusion).n).toBe(30);
        const heatmap = (await call('classDeviationHeatmap', { experimentId, split: 'test' })) as ClassDeviationHeatmap;
        expect(heatmap.kl.flat().every((v) => v === null)).toBe(true);
        const gradients = (await call('gradientView', { experimentId, split: 'test' })) as GradientView;
        expect(gradients.studentRunId).toBe(student);
        for (const name of ['deviationScatter', 'cartographyMap']) {
          for (const split of [undefined, 'train', 'test']) expect(await call(name, { experimentId, ...(split ? { split } : {}) })).toBeInstanceOf(Uint8Array);
        }
        expect(((await call('seriesReport', { experimentId })) as SeriesReport).students[0]!.splits.map((s) => s.split)).toEqual(['train']);
      } finally {
        services.dispose();
      }
    });

    it('refuses a gold label that is not the example\'s, and a field missing, by file and row, writing nothing', async () => {
      const cases: [string, string, RegExp][] = [
        ['gold', dynamics(0, logits(71), (i) => (i === train().at(-1) ? (data.labels[i]! + 1) % C : data.labels[i]!)), /dynamics_epoch_0\.jsonl, row 1: gold label \d is not the label of example \d+ \(train\) \(\d\): do the guids name examples by their index in split train\?/],
        ['field', dynamics(0, logits(72)).replace('logits_epoch_0', 'logits'), /dynamics_epoch_0\.jsonl, row 1: "logits_epoch_0" must be an array of numbers, the logits of this file's epoch 0/],
        ['guid', dynamics(0, logits(73)).replace('"guid":', '"id":'), /dynamics_epoch_0\.jsonl, row 1: each line needs "guid" and "logits_epoch_0"/],
      ];
      for (const [name, file, message] of cases) {
        const dir = path.join(temp.dir, `cartography-bad-${name}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'dynamics_epoch_0.jsonl'), file);
        const before = counts();
        await expect(ingestRuns(createStore(db), { path: dir, datasetId: data.datasetId }), name).rejects.toThrow(message);
        expect(counts(), name).toEqual(before);
      }
    });
  });

  const python = '/usr/bin/python3';
  const hasNumpy = fs.existsSync(python) && spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  if (!hasNumpy) console.warn('ingest.test: /usr/bin/python3 with numpy not found; the Python RunLogger test is skipped');
  it.skipIf(!hasNumpy)('ingests what the Python package\'s RunLogger writes (NPY + CSV teacher, JSONL student)', async () => {
    const root = path.join(temp.dir, 'python');
    const keys = JSON.stringify(data.splits.map((s, i) => [s, data.indices[i]]));
    const script = `
import json
import numpy as np
import disobey
keys = json.loads(${JSON.stringify(keys)})
rng = np.random.default_rng(0)
root = ${JSON.stringify(root)}
t = disobey.RunLogger(root + "/teacher", name="teacher", role="teacher", epochs=2, key="index", settings={"lr": 0.1})
s = disobey.RunLogger(root + "/student", name="student", role="student", teacher="teacher", epochs=2, key="index", values="logits", fmt="jsonl")
out = {}
for epoch in (1, 2):
    for split in ("train", "test"):
        idx = [i for sp, i in keys if sp == split][::-1]
        z = rng.normal(size=(len(idx), ${C})).astype(np.float32)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        t.log(epoch, p, keys=np.array(idx), split=split)
        s.log(epoch, z, keys=["%s:%d" % (split, i) for i in idx], split=split)
        out["%d.%s" % (epoch, split)] = {"idx": idx, "p": p.astype(np.float32).tolist(), "z": z.tolist()}
t.close()
s.close()
print(json.dumps(out))
`;
    const r = spawnSync(python, ['-c', script], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.resolve('python') } });
    expect(r.stderr).toBe('');
    const written = JSON.parse(r.stdout) as Record<string, { idx: number[]; p: number[][]; z: number[][] }>;
    const result = await ingestRuns(createStore(db), { path: root, datasetId: data.datasetId });
    const [student, teacher] = result.runs;
    const position = (split: string, index: number) => data.ids.findIndex((_, i) => data.splits[i] === split && data.indices[i] === index);
    for (const epoch of [1, 2]) {
      const p = new Float32Array(N * C);
      const z = new Float32Array(N * C);
      for (const split of ['train', 'test']) {
        const w = written[`${epoch}.${split}`]!;
        w.idx.forEach((index, r) => {
          p.set(w.p[r]!, position(split, index) * C);
          z.set(w.z[r]!, position(split, index) * C);
        });
      }
      expectClose(stored(teacher!.id, epoch), p);
      expectClose(stored(student!.id, epoch), softmaxRows(z));
    }
  });
});

function reverseRows(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  const n = values.length / C;
  for (let i = 0; i < n; i++) out.set(values.subarray(i * C, (i + 1) * C), (n - 1 - i) * C);
  return out;
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

/** The same .npy bytes with another shape in the header (the data is row-major either way). */
function reshapeNpy(npy: Buffer, shape: number[]): Buffer {
  const headerLength = npy.readUInt16LE(8);
  const header = npy.subarray(10, 10 + headerLength).toString('latin1').replace(/'shape': \([^)]*\)/, `'shape': (${shape.join(', ')})`);
  const padded = header.trimEnd().padEnd(Math.ceil((10 + header.trimEnd().length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const prefix = Buffer.alloc(10);
  npy.copy(prefix, 0, 0, 8);
  prefix.writeUInt16LE(padded.length, 8);
  return Buffer.concat([prefix, Buffer.from(padded, 'latin1'), npy.subarray(10 + headerLength)]);
}
