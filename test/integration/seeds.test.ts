// Seeds as a first-class axis (issue 16): a spec with `seeds` plans one experiment per seed in one
// series, each run's seed shifted; a shared teacher is one run every replicate's students distil
// from, trained before any of them whichever replicate is trained first; the explorer's
// misfitSeeds counts, per example, the replicates whose namesake student misfits it; the CLI's
// `train --preset paper --seeds N` plans and trains N replicates.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExamplePage } from '../../shared/analytics.js';
import { ImportOptions } from '../../shared/domain.js';
import type { ExperimentSpecInput, RunSpecInput } from '../../shared/experimentSpec.js';
import { createAnalyticsService, type AnalyticsService } from '../../main/analytics/analyticsService.js';
import { trainPreset } from '../../main/cli/trainCommands.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { planExperiment } from '../../main/services/experimentPlanner.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { startAppUnderTest } from '../helpers/appUnderTest.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createRunQueries, type RunQueries } from '../../main/store/runQueries.js';
import { selectBackend, type SelectedBackend } from '../../main/train/backend.js';
import { runExperiment } from '../../main/train/experimentRunner.js';
import { argmax, rowsOf } from '../helpers/storedPredictions.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { createStore } from '../../main/store/store.js';

const temp = makeTempDir();
let db: Database.Database;
let runs: RunQueries;
let datasetId: number;
let backend: SelectedBackend;

const run = (name: string, seed: number, epochs = 1): RunSpecInput => ({ name, model: { arch: 'mlp', hidden: [16] }, optimizer: { kind: 'adam', lr: 0.003 }, batchSize: 64, epochs, seed });
const spec = (name: string, extra: Partial<ExperimentSpecInput> = {}, epochs = 1): ExperimentSpecInput => ({
  name,
  datasetId,
  teacher: run('teacher', 101, epochs),
  students: [{ ...run('KD', 7, epochs), phases: [{ from: 0, loss: { kind: 'kd' } }] }, run('one-hot', 7, epochs)],
  ...extra,
});
const train = (experimentId: number) => runExperiment({ store: createStore(db), tf: backend.tf, backendName: backend.name, experimentId });
const seedOf = (runId: number) => (runs.getRun(runId).spec as { seed: number }).seed;

beforeAll(async () => {
  db = openDatabase(path.join(temp.dir, 'seeds.db'));
  runs = createRunQueries(db);
  datasetId = await importIntoDatabase(createStore(db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset: 200 }));
  backend = await selectBackend('wasm');
});
afterAll(() => {
  db.close();
  temp.dispose();
});

describe('planning seed replicates', () => {
  it('makes one experiment per seed in one series, each with its own teacher and every run seed shifted by s − 1', () => {
    const before = runs.listExperiments().length;
    const planned = planExperiment(createStore(db), spec('per-seed', { seeds: 3 }));
    expect(planned.experimentIds).toHaveLength(3);
    expect(planned.experimentId).toBe(planned.experimentIds[0]);
    expect(runs.listExperiments()).toHaveLength(before + 3);
    expect(runs.seriesOf(planned.experimentIds[1]!)).toEqual(planned.experimentIds.map((experimentId, i) => ({ experimentId, seed: i + 1 })));
    const experiments = planned.experimentIds.map((id) => runs.getExperiment(id));
    expect(new Set(experiments.map((e) => e.series)).size).toBe(1);
    expect(experiments[0]!.series).toMatch(/^[0-9a-f]{16}$/);
    expect(experiments.map((e) => [e.name, e.seed])).toEqual([['per-seed · seed 1', 1], ['per-seed · seed 2', 2], ['per-seed · seed 3', 3]]);
    experiments.forEach((e, i) => {
      const [teacher, ...students] = e.runs;
      expect(teacher!.role).toBe('teacher');
      expect(seedOf(teacher!.id)).toBe(101 + i);
      expect(students.map((s) => [s.name, s.teacherRunId, seedOf(s.id)])).toEqual([['KD', teacher!.id, 7 + i], ['one-hot', teacher!.id, 7 + i]]);
    });
  });

  it('plans a seeded list by its labels, and an experiment without seeds outside any series', () => {
    const listed = planExperiment(createStore(db), spec('listed', { seeds: [4, 9] }));
    expect(runs.seriesOf(listed.experimentId).map((r) => r.seed)).toEqual([4, 9]);
    expect(seedOf(runs.getExperiment(listed.experimentIds[1]!).runs[0]!.id)).toBe(101 + 8);
    const plain = planExperiment(createStore(db), spec('plain'));
    expect(plain.experimentIds).toEqual([plain.experimentId]);
    expect(runs.getExperiment(plain.experimentId)).toMatchObject({ name: 'plain', series: null, seed: null });
    expect(runs.seriesOf(plain.experimentId)).toEqual([{ experimentId: plain.experimentId, seed: null }]);
  });

  it('writes nothing when a replicate cannot be planned', () => {
    const before = runs.listExperiments().length;
    expect(() => planExperiment(createStore(db), spec('bad', { seeds: 2, students: [{ ...run('s', 7), trainSplit: 'nowhere' }] }))).toThrow(/students\.0\.trainSplit: dataset \d+ has no split "nowhere"/);
    expect(runs.listExperiments()).toHaveLength(before);
  });
});

describe('a shared teacher', () => {
  let planned: ReturnType<typeof planExperiment>;
  beforeAll(() => {
    planned = planExperiment(createStore(db), spec('shared', { seeds: 3, seedTeacher: 'shared' }));
  });

  it('is one teacher run, in the first replicate, that every replicate\'s students name', () => {
    const experiments = planned.experimentIds.map((id) => runs.getExperiment(id));
    const teachers = experiments.flatMap((e) => e.runs.filter((r) => r.role === 'teacher'));
    expect(teachers).toHaveLength(1);
    expect(teachers[0]!.experimentId).toBe(planned.experimentIds[0]);
    const students = experiments.flatMap((e) => e.runs.filter((r) => r.role === 'student'));
    expect(students).toHaveLength(6);
    expect(new Set(students.map((s) => s.teacherRunId))).toEqual(new Set([teachers[0]!.id]));
    expect(experiments.map((e) => e.runs.filter((r) => r.role === 'student').map((s) => seedOf(s.id)))).toEqual([[7, 7], [8, 8], [9, 9]]);
    // A later replicate's stored spec says which teacher it distils from, as a reused teacher's does.
    expect((runs.experimentSpec(planned.experimentIds[2]!) as { teacher: unknown }).teacher).toEqual({ reuseRunId: teachers[0]!.id });
  });

  it('is never claimed past: a student waits while its teacher in another experiment is queued or running', () => {
    const teacherId = runs.getExperiment(planned.experimentIds[0]!).runs[0]!.id;
    const studentId = runs.getExperiment(planned.experimentIds[1]!).runs.find((r) => r.name === 'KD')!.id;
    const pending = new Set(['pending'] as const);
    // The student is first in line, but its teacher is queued too: the teacher is claimed.
    expect(runs.claimNextRun([studentId, teacherId], pending, process.pid, 'test')).toBe(teacherId);
    expect(runs.claimNextRun([studentId], pending, process.pid, 'test')).toBe('wait');
    // Put it back as it was for the training test below.
    db.prepare("UPDATE runs SET status = 'pending', owner_pid = NULL, backend = NULL WHERE id = ?").run(teacherId);
  });

  it('trains first, whichever replicate is trained first, and then every student', { timeout: 120_000 }, async () => {
    // The last replicate first: its students' teacher belongs to the first replicate.
    for (const id of [...planned.experimentIds].reverse()) await train(id);
    const all = planned.experimentIds.flatMap((id) => runs.listRuns(id));
    expect(all.map((r) => [r.name, r.status, r.epochsDone])).toEqual([
      ['teacher', 'done', 1],
      ['KD', 'done', 1],
      ['one-hot', 'done', 1],
      ['KD', 'done', 1],
      ['one-hot', 'done', 1],
      ['KD', 'done', 1],
      ['one-hot', 'done', 1],
    ]);
    const finished = new Map((db.prepare('SELECT id, finished_at FROM runs').all() as { id: number; finished_at: string }[]).map((r) => [r.id, r.finished_at]));
    const teacher = all[0]!;
    for (const s of all.slice(1)) expect(finished.get(s.id)! >= finished.get(teacher.id)!).toBe(true);
    // The last replicate's students trained before the others' (it was trained first).
    expect(finished.get(all[5]!.id)! <= finished.get(all[1]!.id)!).toBe(true);
  });
});

describe('misfit in k of N seeds', () => {
  let analytics: AnalyticsService;
  let series: number[];
  let plain: number;
  beforeAll(async () => {
    series = planExperiment(createStore(db), spec('misfits', { seeds: 3 }, 2)).experimentIds;
    plain = planExperiment(createStore(db), spec('alone', {}, 2)).experimentId;
    for (const id of [...series, plain]) await train(id);
    analytics = createAnalyticsService(createStore(db));
  }, 180_000);

  const trainLabels = () => new Map((db.prepare('SELECT id, coalesce(noisy_label, label) AS y FROM examples WHERE dataset_id = ?').all(datasetId) as { id: number; y: number }[]).map((r) => [r.id, r.y]));
  /** Per example: in how many of `experiments` the student `name` predicts another class than the training label at its last epoch. */
  function recount(experiments: number[], name: string): Map<number, number> {
    const labels = trainLabels();
    const counts = new Map([...labels.keys()].map((id) => [id, 0]));
    for (const experimentId of experiments) {
      const student = runs.listRuns(experimentId).find((r) => r.name === name)!;
      for (const [id, probs] of rowsOf(db, student.id, student.epochsDone)) if (argmax(probs) !== labels.get(id)) counts.set(id, counts.get(id)! + 1);
    }
    return counts;
  }
  const page = (experimentId: number, studentRunId: number, extra: Record<string, unknown> = {}) =>
    analytics.handlers.queryExamples({ experimentId, studentRunId, classChoice: 'teacher-top', filter: {}, sort: { column: 'id', descending: false }, offset: 0, limit: 1000, ...extra } as never) as ExamplePage;

  it('equals a count recomputed from every replicate\'s stored rows, for each replicate and student', () => {
    for (const name of ['KD', 'one-hot']) {
      const want = recount(series, name);
      expect([...want.values()].some((k) => k > 0 && k < 3)).toBe(true);
      for (const experimentId of series) {
        const student = runs.listRuns(experimentId).find((r) => r.name === name)!;
        const p = page(experimentId, student.id);
        expect(p.seedReplicates).toBe(3);
        expect(p.total).toBe(want.size);
        for (const e of p.items) expect(e.measures.misfitSeeds, `${name} example ${e.id}`).toBe(want.get(e.id));
      }
    }
  });

  it('filters and sorts like every measure: "misfit in all 3 seeds" is exactly the examples counted 3', () => {
    const student = runs.listRuns(series[1]!).find((r) => r.name === 'KD')!;
    const want = [...recount(series, 'KD')].filter(([, k]) => k === 3).map(([id]) => id);
    const all3 = page(series[1]!, student.id, { filter: { ranges: [{ measure: 'misfitSeeds', min: 3 }] } });
    expect(all3.total).toBe(want.length);
    expect(all3.items.map((e) => e.id)).toEqual(want);
    const sorted = page(series[1]!, student.id, { sort: { column: 'misfitSeeds', descending: true } }).items.map((e) => e.measures.misfitSeeds!);
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
  });

  it('is 0 or 1 from the experiment alone when it has no seeds (N = 1)', () => {
    const student = runs.listRuns(plain).find((r) => r.name === 'one-hot')!;
    const p = page(plain, student.id);
    expect(p.seedReplicates).toBe(1);
    const want = recount([plain], 'one-hot');
    for (const e of p.items) {
      expect(e.measures.misfitSeeds).toBe(want.get(e.id));
      expect(e.measures.misfitSeeds).toBe(e.runs.find((r) => r.runId === student.id)!.correct ? 0 : 1);
    }
  });
});

describe('the CLI', () => {
  it('train --preset paper with seeds plans and trains that many replicates of one series', { timeout: 240_000 }, async () => {
    const before = new Set(runs.listExperiments().map((e) => e.id));
    const log = console.log;
    console.log = () => {};
    try {
      await trainPreset({ store: createStore(db), backend: 'wasm', json: true }, datasetId, 1, 'paper', 2);
    } finally {
      console.log = log;
    }
    const made = runs.listExperiments().filter((e) => !before.has(e.id));
    expect(made.map((e) => [e.name, e.seed])).toEqual([['paper preset on fm · seed 1', 1], ['paper preset on fm · seed 2', 2]]);
    expect(made[0]!.series).toBe(made[1]!.series);
    expect(made.flatMap((e) => e.runs).every((r) => r.status === 'done')).toBe(true);
    expect(made.map((e) => seedOf(e.runs[0]!.id))).toEqual([1, 2]);
  });

  const bin = path.resolve('bin/disobey.js');
  it.skipIf(!fs.existsSync('out/main/cli.js'))('disobey train --dataset ID --preset paper --seeds 2 prints one experiment per replicate; --seeds 0 is refused', { timeout: 240_000 }, () => {
    const file = path.join(temp.dir, 'cli.db');
    const disobey = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, '--db', file], { encoding: 'utf8' });
    expect(disobey('import', sampleDatasetDir(), '--name', 'fm', '--subset', '100').status).toBe(0);
    const r = disobey('train', '--dataset', '1', '--preset', 'paper', '--epochs', '1', '--seeds', '2', '--backend', 'wasm', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { experimentId: number; runs: { status: string }[] });
    expect(lines.map((l) => l.experimentId)).toEqual([1, 2]);
    expect(lines.flatMap((l) => l.runs).every((x) => x.status === 'done')).toBe(true);
    const bad = disobey('train', '--dataset', '1', '--preset', 'paper', '--seeds', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--seeds must be a whole number in 1–20, got 0/);
  });
});

describe.skipIf(!fs.existsSync(workerEntryPath('train')))('the app', () => {
  it('starts a seeded experiment: answers with the first replicate and its workers train every replicate', { timeout: 180_000 }, async () => {
    const app = await startAppUnderTest();
    try {
      const id = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset: 100 }));
      const started = (await app.services.dispatch('startExperiment', { spec: { ...spec('app', { seeds: 2, seedTeacher: 'shared' }), datasetId: id }, backend: 'wasm' }, 'http')) as ExperimentSummary;
      expect(started).toMatchObject({ name: 'app · seed 1', seed: 1 });
      const appRuns = createRunQueries(app.db);
      const replicates = appRuns.seriesOf(started.id);
      expect(replicates.map((r) => r.seed)).toEqual([1, 2]);
      const all = () => replicates.flatMap((r) => appRuns.listRuns(r.experimentId));
      const deadline = Date.now() + 150_000;
      while (!all().every((r) => r.status === 'done' || r.status === 'failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(all().map((r) => [r.role, r.status])).toEqual([['teacher', 'done'], ['student', 'done'], ['student', 'done'], ['student', 'done'], ['student', 'done']]);
    } finally {
      await app.dispose();
    }
  });
});
