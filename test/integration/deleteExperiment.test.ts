// Deleting an experiment (or a dataset): its runs and every probability they recorded go in one transaction,
// through the app's call and `disobey delete`; refused, with nothing deleted, while one of its runs
// trains in a live process or while a seed replicate's students distil from its teacher.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract.js';
import { DomainError } from '../../shared/errors.js';
import { createFindingsFixture, type SeedPlan } from '../../bench/findingsFixture.js';
import { planExperiment } from '../../main/services/experimentPlanner.js';
import { createStore } from '../../main/store/store.js';
import { recordEvents, startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';

let app: AppUnderTest;
let events: AppEvent[];
beforeEach(async () => {
  app = await startAppUnderTest();
  events = recordEvents(app);
});
afterEach(() => app.dispose());

/** The refusal a call must end in (failing the test when it succeeds). */
async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

const plan = (seed: number): SeedPlan => ({
  seed,
  teacher: { train: 0.95, test: 0.78 },
  onehot: { train: 0.9, test: 0.7, confidence: 0.8 },
  kd: { train: 0.86, test: 0.73, confidence: 0.6 },
});
/** rows per table that hold an experiment's data */
const counts = () =>
  Object.fromEntries(['experiments', 'runs', 'epoch_metrics', 'prediction_matrices', 'matrix_chunks'].filter((t) => tableExists(t)).map((t) => [t, app.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
const tableExists = (name: string) => app.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) !== undefined;
const runsOf = (experimentId: number) => app.db.prepare('SELECT count(*) FROM runs WHERE experiment_id = ?').pluck().get(experimentId) as number;
const recordedOf = (experimentId: number) =>
  app.db.prepare('SELECT count(*) FROM epoch_metrics m JOIN runs r ON r.id = m.run_id WHERE r.experiment_id = ?').pluck().get(experimentId) as number;

describe('deleting an experiment', () => {
  it('removes it with its runs and everything they recorded, and leaves the other experiments whole', async () => {
    const fixture = createFindingsFixture(app.db, [plan(1), plan(2)]);
    const [first, second] = fixture.experimentIds as [number, number];
    expect(recordedOf(first)).toBeGreaterThan(0);
    const before = counts();
    const secondRows = [runsOf(second), recordedOf(second)];
    expect(await app.services.dispatch('deleteExperiment', { experimentId: first }, 'http')).toEqual({ deleted: true });
    expect([runsOf(first), recordedOf(first)]).toEqual([0, 0]);
    expect([runsOf(second), recordedOf(second)]).toEqual(secondRows);
    const after = counts();
    expect(after.experiments).toBe(before.experiments! - 1);
    expect(after.runs).toBe(before.runs! - secondRows[0]!);
    expect(after.prediction_matrices ?? 0).toBeLessThan(before.prediction_matrices ?? 1);
    expect(events).toContainEqual({ type: 'runsChanged', experimentId: first });
    expect(app.db.pragma('foreign_key_check')).toEqual([]);
    // the second time there is nothing to delete
    expect(await app.services.dispatch('deleteExperiment', { experimentId: first }, 'http')).toEqual({ deleted: false });
  });

  it('is refused while one of its runs trains in a live process, and allowed once that process is gone', async () => {
    const [id] = createFindingsFixture(app.db, [plan(1)]).experimentIds as [number];
    const runId = app.db.prepare('SELECT min(id) FROM runs WHERE experiment_id = ?').pluck().get(id) as number;
    app.db.prepare("UPDATE runs SET status = 'running', owner_pid = ? WHERE id = ?").run(process.pid, runId);
    const before = counts();
    const err = await errorOf(app.services.dispatch('deleteExperiment', { experimentId: id }, 'http'));
    expect([err.code, err.message]).toEqual(['CONFLICT', expect.stringMatching(new RegExp(`experiment ${id} is training \\(run ${runId} ".+"\\): cancel its training first`))]);
    expect(counts()).toEqual(before);
    app.db.prepare('UPDATE runs SET owner_pid = 999999999 WHERE id = ?').run(runId); // beyond any pid: the process died
    expect(await app.services.dispatch('deleteExperiment', { experimentId: id }, 'http')).toEqual({ deleted: true });
  });

  it("is refused for the replicate whose teacher the others' students distil from, until they are gone", async () => {
    const datasetId = createFindingsFixture(app.db, [plan(1)]).datasetId;
    const run = (name: string) => ({ name, model: { arch: 'mlp' as const, hidden: [8] }, optimizer: { kind: 'adam' as const, lr: 0.001 }, batchSize: 32, epochs: 1, seed: 1 });
    const planned = planExperiment(createStore(app.db), {
      name: 'shared teacher',
      datasetId,
      teacher: run('teacher'),
      students: [{ ...run('KD'), phases: [{ from: 0, loss: { kind: 'kd' } }] }],
      seeds: 3,
      seedTeacher: 'shared',
    });
    const [first, second, third] = planned.experimentIds as [number, number, number];
    const before = counts();
    const err = await errorOf(app.services.dispatch('deleteExperiment', { experimentId: first }, 'http'));
    expect([err.code, err.message]).toEqual(['CONFLICT', `the students of experiments ${second}, ${third} were distilled from this experiment's teacher: delete them first`]);
    expect(counts()).toEqual(before);
    for (const id of [third, second, first]) expect(await app.services.dispatch('deleteExperiment', { experimentId: id }, 'http')).toEqual({ deleted: true });
    expect(app.db.pragma('foreign_key_check')).toEqual([]);
  });

  it.skipIf(!fs.existsSync('out/main/cli.js'))('from the command line: `disobey delete --experiment ID`, and its refusals', () => {
    const [id] = createFindingsFixture(app.db, [plan(1)]).experimentIds as [number];
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve('bin/disobey.js'), 'delete', ...args, '--db', app.databasePath], { encoding: 'utf8' });
    expect(cli('--experiment', String(id), '--dataset', '1').stderr).toMatch(/delete takes one of --experiment ID or --dataset ID/);
    expect(cli('--experiment', 'x').stderr).toMatch(/--experiment must be a positive integer id, got x/);
    const done = cli('--experiment', String(id), '--json');
    expect([done.status, JSON.parse(done.stdout)]).toEqual([0, { experimentId: id, deleted: true }]);
    const again = cli('--experiment', String(id));
    expect([again.status, again.stderr.trim()]).toEqual([1, `disobey: no experiment with id ${id}`]);
    expect(runsOf(id)).toBe(0);
  });
});

describe('deleting a dataset', () => {
  it('is refused while a run on it trains in a live process, naming the run and its experiment; allowed once that process is gone', async () => {
    const fixture = createFindingsFixture(app.db, [plan(1)]);
    const [experimentId] = fixture.experimentIds as [number];
    const runId = app.db.prepare('SELECT min(id) FROM runs WHERE experiment_id = ?').pluck().get(experimentId) as number;
    app.db.prepare("UPDATE runs SET status = 'running', owner_pid = ? WHERE id = ?").run(process.pid, runId);
    const before = counts();
    const err = await errorOf(app.services.dispatch('deleteDataset', { datasetId: fixture.datasetId }, 'http'));
    expect([err.code, err.message]).toEqual(['CONFLICT', expect.stringMatching(new RegExp(`^dataset ${fixture.datasetId} is being trained on \\(run ${runId} ".+" of experiment ${experimentId}\\): cancel its training first`))]);
    expect(counts()).toEqual(before);
    app.db.prepare('UPDATE runs SET owner_pid = 999999999 WHERE id = ?').run(runId);
    expect(await app.services.dispatch('deleteDataset', { datasetId: fixture.datasetId }, 'http')).toEqual({ deleted: true });
    expect(counts().experiments).toBe(0);
  });
});
