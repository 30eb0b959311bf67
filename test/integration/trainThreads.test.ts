// Which runs take the machine's training threads (experimentRunner's threadsForRun): a run that
// trains alone takes them all, a dense model's as a convolutional one's, since the thread count
// changes the speed only. Needs `npm run build` (the gradient worker is a built file).
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { planExperiment } from '../../main/services/experimentPlanner.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore } from '../../main/store/store.js';
import { selectBackend, type SelectedBackend } from '../../main/train/backend.js';
import { closeGradientWorkers, gradientWorkerPath, startedGradientWorkers, WARM_UP_STEPS } from '../../main/train/dataParallel.js';
import { createMatrixStore } from '../../main/store/matrixChunks.js';
import { runExperiment } from '../../main/train/experimentRunner.js';
import { makeTempDir } from '../helpers/tempDir.js';

const temp = makeTempDir();
let db: Database.Database;
let datasetId: number;
let backend: SelectedBackend;

beforeAll(async () => {
  db = openDatabase(path.join(temp.dir, 'threads.db'));
  datasetId = await importIntoDatabase(createStore(db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset: 300 }));
  backend = await selectBackend('wasm');
});
afterAll(async () => {
  await closeGradientWorkers();
  db.close();
  temp.dispose();
});

describe.skipIf(!fs.existsSync(gradientWorkerPath()))('training threads', () => {
  it('MLP runs training one at a time take the machine’s threads', async () => {
    const store = createStore(db);
    const { experimentId } = planExperiment(store, {
      name: 'alone',
      datasetId,
      teacher: { name: 'teacher', model: { arch: 'mlp', hidden: [32] }, optimizer: { kind: 'adam', lr: 0.003 }, batchSize: 128, epochs: 1, seed: 3 },
      students: [{ name: 'one-hot', model: { arch: 'mlp', hidden: [16] }, optimizer: { kind: 'adam', lr: 0.003 }, batchSize: 128, epochs: 1, seed: 5 }],
    });
    expect(startedGradientWorkers()).toBe(0);
    await runExperiment({ store, tf: backend.tf, backendName: backend.name, experimentId, threads: { backend: 'wasm', max: 2 } });
    expect(store.runs.listRuns(experimentId).map((r) => r.status)).toEqual(['done', 'done']);
    expect(startedGradientWorkers()).toBe(1);
  }, 60_000);

  it("records an epoch's probabilities on its idle workers while it trains on, the same as on one thread", async () => {
    const store = createStore(db);
    const teacher = { name: 'teacher', model: { arch: 'mlp', hidden: [32] }, optimizer: { kind: 'adam', lr: 0.003 }, batchSize: 128, epochs: 9, seed: 3 } as const;
    const plan = (name: string) => planExperiment(store, { name, datasetId, teacher, students: [{ ...teacher, name: 'one-hot', seed: 5 }] }).experimentId;
    const [aside, one] = [plan('aside'), plan('one thread')];
    // A probe clock under which a step with the workers takes twice as long as one alone, each run
    // from its first step: a run settles alone after WARM_UP_STEPS + 2 × PROBE_STEPS = 14 steps,
    // 3 an epoch here (300 training examples), so from the end of epoch 5 its workers would idle.
    let [calls, time, runId] = [0, 0, 0];
    const now = () => {
      const call = calls++;
      const probing = (call >> 1) - WARM_UP_STEPS;
      if (call % 2 === 1) time += probing < 0 || probing % 2 === 0 ? 2 : 1;
      return time;
    };
    const timings: { runId: number; epoch: number; aside: boolean }[] = [];
    await runExperiment({
      store,
      tf: backend.tf,
      backendName: backend.name,
      experimentId: aside,
      threads: { backend: 'wasm', max: 2, now },
      onRunChanged: (_, id) => id !== runId && ([runId, calls] = [id, 0]),
      onEpochTiming: (t) => timings.push(t),
    });
    await runExperiment({ store, tf: backend.tf, backendName: backend.name, experimentId: one });
    const runsOf = (id: number) => store.runs.listRuns(id);
    expect(runsOf(aside).map((r) => r.status)).toEqual(['done', 'done']);
    const matrices = createMatrixStore(db);
    runsOf(aside).forEach((run, i) => {
      const twin = runsOf(one)[i]!;
      for (let epoch = 1; epoch <= teacher.epochs; epoch++) {
        const [a, b] = [matrices.readMatrix(run.id, epoch), matrices.readMatrix(twin.id, epoch)];
        expect(a!.exampleIds).toEqual(b!.exampleIds);
        expect(a!.probs).toEqual(b!.probs);
      }
      expect(timings.filter((t) => t.runId === run.id && t.aside).map((t) => t.epoch)).toEqual([5, 6, 7, 8, 9]);
    });
  }, 60_000);
});
