// The import as the app runs it: through the contract's dispatch, in the worker thread,
// into a real SQLite file, with progress events, cancellation and failure leaving nothing.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract.js';
import type { DatasetSummary } from '../../shared/domain.js';
import { ensureSampleDataset, SAMPLE_DATASET_NAME } from '../../main/data/sampleDataset.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { recordEvents, startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { createStore } from '../../main/store/store.js';
import { writePhotoFolder } from '../../bench/imageFixture.js';

const FULL = '/usr/share/datasets/fashion-mnist';

describe.skipIf(!fs.existsSync(workerEntryPath('import')))('importing through the app', () => {
  let app: AppUnderTest;
  let events: AppEvent[];
  beforeEach(async () => {
    app = await startAppUnderTest();
    events = recordEvents(app);
  });
  afterEach(() => app.dispose());

  const count = (table: string) => app.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();

  it('imports the Fashion-MNIST sample into SQLite and reads back the exact pixels and labels', async () => {
    const summary = (await app.services.dispatch('importDataset', { path: sampleDatasetDir(), taskId: 'imp1' }, 'http')) as DatasetSummary;
    expect(summary.classNames[9]).toBe('Ankle boot');
    expect(summary.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(summary.splits.map((s) => [s.split, s.count])).toEqual([['train', 10000], ['test', 2000]]);

    const images = zlib.gunzipSync(fs.readFileSync(path.join(sampleDatasetDir(), 't10k-images-idx3-ubyte.gz')));
    const labels = zlib.gunzipSync(fs.readFileSync(path.join(sampleDatasetDir(), 't10k-labels-idx1-ubyte.gz')));
    const q = createDatasetQueries(app.db);
    const page = q.listExamples({ datasetId: summary.id, split: 'test', offset: 1234, limit: 1 });
    const example = page.items[0]!;
    expect(example.index).toBe(1234);
    expect(example.label).toBe(labels[8 + 1234]);
    const { pixels } = q.getExamplePixels(example.id);
    expect(Buffer.compare(pixels, images.subarray(16 + 1234 * 784, 16 + 1235 * 784))).toBe(0);

    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((e) => e.type === 'progress' && e.taskId === 'imp1' && e.done <= e.total)).toBe(true);
    expect(events).toContainEqual({ type: 'taskFinished', taskId: 'imp1', kind: 'import', ok: true });
    expect(events).toContainEqual({ type: 'datasetsChanged' });
  });

  it('applies subset, class filter and label noise, keeping the clean label', async () => {
    const summary = (await app.services.dispatch(
      'importDataset',
      { path: sampleDatasetDir(), name: 'tops', classes: ['Shirt', 'T-shirt/top', 'Coat'], subset: 600, noise: { rate: 0.2, seed: 3 } },
      'ipc',
    )) as DatasetSummary;
    expect(summary.classNames).toEqual(['Shirt', 'T-shirt/top', 'Coat']);
    const train = summary.splits.find((s) => s.split === 'train')!;
    expect(train.count).toBe(600);
    expect(train.noisy).toBeGreaterThan(80);
    expect(train.noisy).toBeLessThan(160);
    expect(summary.splits.find((s) => s.split === 'test')!.noisy).toBe(0);
    const flipped = app.db.prepare('SELECT count(*) FROM examples WHERE noisy_label IS NOT NULL AND noisy_label = label').pluck().get();
    expect(flipped).toBe(0);
  });

  it('reports a bad file by name and writes nothing', async () => {
    const dir = path.join(app.dir, 'broken-idx');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(sampleDatasetDir(), 'train-images-idx3-ubyte.gz'), path.join(dir, 'train-images-idx3-ubyte.gz'));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]));
    await expect(app.services.dispatch('importDataset', { path: dir, taskId: 'bad' }, 'http')).rejects.toThrow(/train-labels-idx1-ubyte/);
    expect(count('datasets')).toBe(0);
    expect(count('examples')).toBe(0);
    expect(events.find((e) => e.type === 'taskFinished')).toMatchObject({ taskId: 'bad', ok: false });
  });

  it('cancels an import mid-way and leaves nothing behind', async () => {
    const source = fs.existsSync(FULL) ? FULL : sampleDatasetDir();
    const pending = app.services.dispatch('importDataset', { path: source, taskId: 'big' }, 'http');
    const settled = pending.catch((e: Error) => e);
    while (!events.some((e) => e.type === 'progress')) await new Promise((r) => setTimeout(r, 5));
    await app.services.dispatch('cancelTask', { taskId: 'big' }, 'http');
    const outcome = await settled;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/cancelled/);
    expect(count('datasets')).toBe(0);
    expect(count('examples')).toBe(0);
    expect(app.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('cancels a reference import mid-decode: nothing lands, and its staging file goes once the worker has exited', async () => {
    const photos = path.join(path.dirname(app.databasePath), 'photos');
    await writePhotoFolder(photos, 150, { minSide: 200, maxSide: 400 });
    const staging = () => fs.readdirSync(path.dirname(app.databasePath)).filter((name) => name.startsWith(`${path.basename(app.databasePath)}.import-`));
    const settled = app.services.dispatch('importDataset', { path: photos, taskId: 'photos' }, 'http').catch((e: Error) => e);
    const decoding = () => events.some((e) => e.type === 'progress' && e.stage === 'import' && e.done > 0);
    while (!decoding()) await new Promise((r) => setTimeout(r, 5));
    expect(staging()).toHaveLength(1);
    await app.services.dispatch('cancelTask', { taskId: 'photos' }, 'http');
    expect(((await settled) as Error).message).toMatch(/cancelled/);
    for (let waited = 0; staging().length > 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(staging()).toEqual([]);
    expect([count('datasets'), count('examples'), count('example_files')]).toEqual([0, 0, 0]);
  });

  it('loads the embedded sample into a fresh database once, and never again after it is deleted', async () => {
    expect(await ensureSampleDataset(createStore(app.db))).toBeGreaterThan(0);
    const [sample] = createDatasetQueries(app.db).listDatasets();
    expect(sample!.name).toBe(SAMPLE_DATASET_NAME);
    await app.services.dispatch('deleteDataset', { datasetId: sample!.id }, 'http');
    expect(await ensureSampleDataset(createStore(app.db))).toBeNull();
    expect(count('datasets')).toBe(0);
  });
});
