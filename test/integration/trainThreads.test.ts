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
import { closeGradientWorkers, gradientWorkerPath, startedGradientWorkers } from '../../main/train/dataParallel.js';
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
});
