// Training on text: each text architecture learns a small generated sentiment set, with the
// vocabulary built from the train split and stored with the run.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { seededRandomFor } from '../helpers/seededText.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { planExperiment } from '../../main/services/experimentPlanner.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createRunQueries } from '../../main/store/runQueries.js';
import { selectBackend } from '../../main/train/backend.js';
import { runExperiment } from '../../main/train/experimentRunner.js';
import { makeTempDir } from '../helpers/tempDir.js';
import type Database from 'better-sqlite3';
import { createStore } from '../../main/store/store.js';

const temp = makeTempDir();
let db: Database.Database;
let datasetId: number;

beforeAll(async () => {
  const file = path.join(temp.dir, 'reviews.jsonl');
  const rows = seededRandomFor(5).sentiment(500);
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
  db = openDatabase(path.join(temp.dir, 'text.db'));
  datasetId = await importIntoDatabase(createStore(db), ImportOptions.parse({ path: file }));
});
afterAll(() => {
  db.close();
  temp.dispose();
});

describe('training on a text dataset', () => {
  it('trains bow-mlp (TF-IDF), embedding-bag and transformer students from a bow-mlp teacher', async () => {
    const base = { optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 32, epochs: 4, seed: 1 };
    const kd = [{ from: 0, loss: { kind: 'kd', tau: 2 } }];
    const { experimentId } = planExperiment(createStore(db), {
      name: 'text',
      datasetId,
      teacher: { name: 'teacher', model: { arch: 'bow-mlp', hidden: [32] }, ...base },
      students: [
        { name: 'bag', model: { arch: 'embedding-bag', vocabSize: 200, dim: 16 }, ...base, phases: kd },
        { name: 'transformer', model: { arch: 'transformer', vocabSize: 200, dim: 16, heads: 2, layers: 1, maxLen: 16 }, ...base, phases: kd },
      ],
    });
    const backend = await selectBackend('wasm');
    await runExperiment({ store: createStore(db), tf: backend.tf, backendName: backend.name, experimentId });
    const runs = createRunQueries(db).listRuns(experimentId);
    expect(runs.map((r) => [r.name, r.status])).toEqual([['teacher', 'done'], ['bag', 'done'], ['transformer', 'done']]);
    expect(runs[0]!.testAccuracy).toBeGreaterThan(0.85);
    expect(runs[1]!.testAccuracy).toBeGreaterThan(0.7);
    const pre = createRunQueries(db).getRun(runs[2]!.id).preprocessing as { kind: string; maxLen: number; vocabulary: { tokens: string[] } };
    expect(pre.kind).toBe('text');
    expect(pre.maxLen).toBe(16);
    expect(pre.vocabulary.tokens).toContain('great');
  });
});
