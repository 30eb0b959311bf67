// Training as the app runs it: the contract's calls hand experiments to the long-lived worker
// process, progress streams back as events, and cancel and resume work; bad experiments are
// refused before anything is written.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { ImportOptions } from '../../shared/domain.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import { trainWorkerCount } from '../../main/workers/trainerPool.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { createStore } from '../../main/store/store.js';
import { allStoredRows } from '../helpers/storedPredictions.js';

let app: AppUnderTest;
let datasetId: number;
const events: AppEvent[] = [];

async function until(predicate: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const experiment = async (id: number) => (await app.services.dispatch('getExperiment', { experimentId: id }, 'http')) as ExperimentSummary;

describe.skipIf(!fs.existsSync(workerEntryPath('train')))('training through the app', () => {
  beforeAll(async () => {
    app = await startAppUnderTest();
    app.services.events.subscribe((e) => events.push(e));
    // 4,000 train (and the sample's 2,000 test) so that runs last long enough to overlap on a loaded
    // machine: at 1,500, once the MLP's first layer went sparse, CI once saw no two runs' progress interleave
    datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset: 4000 }));
  });
  afterAll(() => app.dispose());

  it('trains the paper preset in the worker, streaming progress with an ETA', { timeout: 180_000 }, async () => {
    const started = (await app.services.dispatch('startPaperPreset', { datasetId, epochs: 2 }, 'http')) as ExperimentSummary;
    expect(started.runs.map((r) => r.name)).toEqual(['teacher', 'one-hot', 'KD τ=1', 'KD τ=4', 'late KD (one-hot → KD at 1)', 'early KD (KD → one-hot at 1)', 'self-distillation']);
    let current = started;
    const deadline = Date.now() + 120_000;
    while (!current.runs.every((r) => r.status === 'done') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      current = await experiment(started.id);
    }
    for (const r of current.runs) {
      expect(r.epochsDone).toBe(2);
      expect(r.testAccuracy).toBeGreaterThan(0.3);
    }
    const progress = events.filter((e): e is Extract<AppEvent, { type: 'trainProgress' }> => e.type === 'trainProgress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((p) => p.etaSeconds !== null)).toBe(true);
    expect(new Set(progress.map((p) => p.runId)).size).toBe(7);
    if (trainWorkerCount(undefined) > 1) {
      // several single-threaded workers share the queue: some runs trained at the same time
      const spans = new Map<number, [number, number]>();
      progress.forEach((p, i) => spans.set(p.runId, [spans.get(p.runId)?.[0] ?? i, i]));
      const list = [...spans.values()];
      expect(list.some(([s1, e1], i) => list.some(([s2, e2], j) => i !== j && s2 > s1 && s2 < e1 && e2 > s2))).toBe(true);
    }
    const info = (await app.services.dispatch('appInfo', {}, 'http')) as { backend: string | null };
    expect(info.backend).toMatch(/wasm|tensorflow|cpu/);
    const metrics = (await app.services.dispatch('runMetrics', { runId: current.runs[0]!.id }, 'http')) as { epoch: number; split: string }[];
    expect(metrics.map((m) => `${m.epoch}:${m.split}`)).toEqual(['1:test', '1:train', '2:test', '2:train']);
    const predictions = allStoredRows(app.db).length;
    expect(predictions).toBe(7 * 2 * (4000 + 2000));
  });

  it('cancels a running experiment; resumed runs continue to the end, a student only after its teacher', { timeout: 180_000 }, async () => {
    const spec = {
      name: 'long',
      datasetId,
      teacher: { name: 'teacher', model: { arch: 'mlp', hidden: [128] }, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 16, epochs: 12, seed: 1 },
      students: [{ name: 'student', model: { arch: 'mlp', hidden: [16] }, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 32, epochs: 2, seed: 1, phases: [{ from: 0, loss: { kind: 'kd', alpha: 1, tau: 1 } }] }],
    };
    const started = (await app.services.dispatch('startExperiment', { spec }, 'http')) as ExperimentSummary;
    await until(() => events.some((e) => e.type === 'trainProgress' && e.experimentId === started.id), 'first progress');
    expect(await app.services.dispatch('cancelTraining', { experimentId: started.id }, 'http')).toEqual({ cancelled: true });
    let current = started;
    const deadline = Date.now() + 60_000;
    while (!current.runs.every((r) => r.status === 'cancelled') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      current = await experiment(started.id);
    }
    expect(current.runs.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(current.runs[0]!.epochsDone).toBeLessThan(12);

    const student = current.runs[1]!;
    await expect(app.services.dispatch('resumeRun', { runId: student.id }, 'http')).resolves.toMatchObject({ id: student.id });
    while (current.runs[1]!.status !== 'failed' && Date.now() < deadline + 60_000) {
      await new Promise((r) => setTimeout(r, 50));
      current = await experiment(started.id);
    }
    // its teacher never finished, so the student cannot distil: it fails with a reason
    expect(current.runs[1]!.error).toMatch(/teacher run \d+ .* has not finished/);

    const waitFor = async (runIndex: number, status: string) => {
      const end = Date.now() + 120_000;
      while (current.runs[runIndex]!.status !== status && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        current = await experiment(started.id);
      }
      expect(current.runs[runIndex]!.status).toBe(status);
    };
    await app.services.dispatch('resumeRun', { runId: current.runs[0]!.id }, 'http');
    await waitFor(0, 'done');
    expect(current.runs[0]!.epochsDone).toBe(12);
    await app.services.dispatch('resumeRun', { runId: student.id }, 'http');
    await waitFor(1, 'done');
    expect(current.runs[1]!.epochsDone).toBe(2);
    await expect(app.services.dispatch('resumeRun', { runId: student.id }, 'http')).rejects.toThrow(/is done; only interrupted, cancelled or failed runs resume/);
  });

  it('refuses bad experiments with a clear message before anything runs', async () => {
    const before = app.db.prepare('SELECT count(*) FROM runs').pluck().get();
    const teacher = { name: 't', model: { arch: 'mlp' }, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 32, epochs: 2, seed: 1 };
    const student = { ...teacher, name: 's', phases: [{ from: 0, loss: { kind: 'kd', tau: 2 } }] };
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', datasetId: 999, teacher, students: [student] }, /no dataset with id 999/],
      [{ name: 'x', datasetId, students: [student] }, /teacher/],
      [{ name: 'x', datasetId, teacher, students: [{ ...student, phases: [{ from: 0, loss: { kind: 'kd', tau: 0 } }] }] }, /tau must be > 0/],
      [{ name: 'x', datasetId, teacher: { ...teacher, epochs: 0 }, students: [student] }, /epochs must be ≥ 1/],
      [{ name: 'x', datasetId, teacher: { ...teacher, model: { arch: 'gpt-7' } }, students: [student] }, /teacher\.model\.arch: unknown model arch "gpt-7"/],
      [{ name: 'x', datasetId, teacher: { ...teacher, model: { arch: 'transformer' } }, students: [student] }, /needs text data/],
    ];
    for (const [spec, message] of cases) {
      await expect(app.services.dispatch('startExperiment', { spec }, 'http'), JSON.stringify(spec)).rejects.toThrow(message);
    }
    expect(app.db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(before);
  });
});
