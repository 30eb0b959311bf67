// What recording costs: a real two-epoch run on the sample through the experiment runner, with
// the time to predict every example and to write the epoch's transaction, against training time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImportOptions } from '../shared/domain.js';
import { importIntoDatabase } from '../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../main/paths.js';
import { planExperiment } from '../main/services/experimentPlanner.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { selectBackend, type BackendKind } from '../main/train/backend.js';
import { runExperiment } from '../main/train/experimentRunner.js';
import { BENCH_MODELS } from './trainingThroughput.js';
import { createStore } from '../main/store/store.js';

export interface RecordingCost {
  backend: string;
  examples: number;
  trainSeconds: number;
  predictSeconds: number;
  writeSeconds: number;
}

export async function measureRecording(kind: BackendKind): Promise<RecordingCost> {
  const backend = await selectBackend(kind);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-rec-'));
  const db = openDatabase(path.join(dir, 'rec.db'));
  try {
    const datasetId = await importIntoDatabase(createStore(db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm' }));
    const run = { model: BENCH_MODELS.mlp, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 128, epochs: 2, seed: 1 };
    const { experimentId } = planExperiment(createStore(db), { name: 'recording', datasetId, teacher: { name: 'teacher', ...run }, students: [{ name: 'student', ...run, phases: [{ from: 0, loss: { kind: 'kd' } }] }] });
    const cost: RecordingCost = { backend: backend.name, examples: 12_000, trainSeconds: 0, predictSeconds: 0, writeSeconds: 0 };
    await runExperiment({
      store: createStore(db),
      tf: backend.tf,
      backendName: backend.name,
      experimentId,
      onEpochTiming: (t) => {
        cost.trainSeconds += t.trainSeconds;
        cost.predictSeconds += t.predictSeconds;
        cost.writeSeconds += t.writeSeconds;
      },
    });
    return cost;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
