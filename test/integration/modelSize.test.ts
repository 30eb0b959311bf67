// startExperiment refuses a model too large to train before any run is queued: a field past its
// maximum by the spec's schema, a whole model past MODEL_LIMITS.parameters by the planner, which
// knows the dataset's image shape and classes; nothing is written either way.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture } from '../../bench/deviationFixture.js';
import { createAppServices, type AppServices } from '../../main/services/appServices.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore } from '../../main/store/store.js';
import { DomainError } from '../../shared/errors.js';
import type { ModelSpecInput } from '../../shared/experimentSpec.js';
import { makeTempDir } from '../helpers/tempDir.js';

const temp = makeTempDir('disobey-model-size-');
const databasePath = path.join(temp.dir, 'app.db');
const db = openDatabase(databasePath);
let services: AppServices;
let datasetId: number;

beforeAll(() => {
  // 8×8 grey images, 4 classes
  datasetId = createDeviationFixture(db, { examples: 40, classes: 4, students: 1, epochs: 1 }).datasetId;
  services = createAppServices({ store: createStore(db), databasePath });
});
afterAll(() => {
  services.dispose();
  db.close();
  temp.dispose();
});

const run = (name: string, model: ModelSpecInput) => ({ name, model, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 32, epochs: 1, seed: 1 });
const spec = (teacher: ModelSpecInput, student: ModelSpecInput = { arch: 'mlp', hidden: [8] }) => ({ name: 'too large', datasetId, teacher: run('teacher', teacher), students: [run('student', student)] });

async function refusal(args: unknown): Promise<DomainError> {
  const experimentsBefore = db.prepare('SELECT count(*) FROM experiments').pluck().get();
  const err = await services.dispatch('startExperiment', args, 'http').then(
    () => new Error('startExperiment accepted the spec'),
    (e: unknown) => e,
  );
  expect(db.prepare('SELECT count(*) FROM experiments').pluck().get()).toBe(experimentsBefore);
  if (!(err instanceof DomainError)) throw err;
  return err;
}

describe('startExperiment and model size', () => {
  it('refuses a hidden layer of a million units, naming the field and the limit', async () => {
    const err = await refusal({ spec: spec({ arch: 'mlp', hidden: [1_000_000] }) });
    // the contract's argument check, as for every other field of a spec
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toBe('invalid arguments for startExperiment: spec.teacher.model.hidden.0: 1,000,000 units is more than 65,536');
  });

  it('refuses a model whose fields are each allowed but whose weights pass the budget on this dataset', async () => {
    const err = await refusal({ spec: spec({ arch: 'mlp', hidden: [8] }, { arch: 'mlp', hidden: [65_536, 65_536] }) });
    expect(err.code).toBe('SPEC_ERROR');
    expect(err.place).toEqual({ field: 'students.0.model' });
    expect(err.message).toBe(
      'experiment spec: students.0.model: the mlp model has 4,299,554,820 parameters on 8×8×1 images with 4 classes, more than the 100,000,000 one model may have: make it narrower or shallower',
    );
  });

  it('plans a model within the budget', async () => {
    const started = (await services.dispatch('startExperiment', { spec: spec({ arch: 'cnn', filters: [64, 128], dense: 4096 }), backend: 'cpu' }, 'http')) as { id: number };
    expect(started.id).toBeGreaterThan(0);
    await services.dispatch('cancelTraining', { experimentId: started.id }, 'http');
  });
});
