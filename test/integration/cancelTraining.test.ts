// cancelTraining says whether it cancelled anything: true for an experiment with a training job,
// false for one that exists but is not training, even while another experiment keeps the workers
// busy; NOT_FOUND for an id that names no experiment.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import { createAppServices, type AppServices } from '../../main/services/appServices.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore } from '../../main/store/store.js';
import { makeTempDir } from '../helpers/tempDir.js';

const temp = makeTempDir('disobey-cancel-training-');
const databasePath = path.join(temp.dir, 'app.db');
const db = openDatabase(databasePath);
let services: AppServices;
let fixture: DeviationFixture;

beforeAll(() => {
  fixture = createDeviationFixture(db, { examples: 60, classes: 3, students: 1, epochs: 1 });
  services = createAppServices({ store: createStore(db), databasePath });
});
afterAll(() => {
  services.dispose();
  db.close();
  temp.dispose();
});

const run = (name: string) => ({ name, model: { arch: 'mlp', hidden: [8] }, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 8, epochs: 50, seed: 1 });

describe('cancelTraining', () => {
  it('answers cancelled: false for an experiment that is not training, true for the one that is', async () => {
    expect(await services.dispatch('cancelTraining', { experimentId: fixture.experimentId }, 'http')).toEqual({ cancelled: false });
    expect(await services.dispatch('cancelTraining', {}, 'http')).toEqual({ cancelled: false });
    const started = (await services.dispatch('startExperiment', { spec: { name: 'busy', datasetId: fixture.datasetId, teacher: run('teacher'), students: [run('student')] }, backend: 'cpu' }, 'http')) as { id: number };
    // the workers are busy with `started`, not with the fixture's experiment
    expect(await services.dispatch('cancelTraining', { experimentId: fixture.experimentId }, 'http')).toEqual({ cancelled: false });
    expect(await services.dispatch('cancelTraining', { experimentId: started.id }, 'http')).toEqual({ cancelled: true });
  });

  it('answers NOT_FOUND for an experiment that does not exist', async () => {
    for (const experimentId of [999_999, Number.MAX_SAFE_INTEGER]) {
      await expect(services.dispatch('cancelTraining', { experimentId }, 'http')).rejects.toMatchObject({ code: 'NOT_FOUND', message: `no experiment with id ${experimentId}` });
    }
  });
});
