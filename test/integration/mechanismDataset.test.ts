// Mechanism datasets built through the contract from the embedded Fashion-MNIST sample: the
// stacked pixels, the patch, each split's classes, validation, cancellation and rollback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract.js';
import type { DatasetSummary, ExampleDetail } from '../../shared/domain.js';
import type { BuildMechanismDatasetInput } from '../../shared/mechanisms.js';
import { buildMechanismDataset } from '../../main/data/mechanismDataset.js';
import { patchBox } from '../../main/data/mechanismImages.js';
import { ensureSampleDataset } from '../../main/data/sampleDataset.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { BuildMechanismDatasetArgs } from '../../shared/mechanisms.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { createStore } from '../../main/store/store.js';

let app: AppUnderTest;
let sample: number;
let events: AppEvent[];

beforeAll(async () => {
  app = await startAppUnderTest();
  sample = (await ensureSampleDataset(createStore(app.db)))!;
  app.services.events.subscribe((e) => events.push(e));
});
afterAll(() => app.dispose());
beforeEach(() => {
  events = [];
});

const build = async (args: BuildMechanismDatasetInput & { taskId?: string }) =>
  (await app.services.dispatch('buildMechanismDataset', args, 'http')) as DatasetSummary;
const count = (sql: string, ...params: unknown[]) => app.db.prepare(sql).pluck().get(...params) as number;

interface Built {
  detail: ExampleDetail;
  pixels: Buffer;
  mech: Record<string, { class: number | null; sourceExampleId: number | null }>;
}

function examplesOf(datasetId: number, split: string): Built[] {
  const q = createDatasetQueries(app.db);
  const { items } = q.listExamples({ datasetId, split, offset: 0, limit: 1000 });
  return items.map((row) => {
    const detail = q.getExample(row.id);
    return {
      detail,
      pixels: q.getExamplePixels(row.id).pixels,
      mech: Object.fromEntries((detail.mechanisms ?? []).map((m) => [m.mechanism, m])),
    };
  });
}

describe('building a mechanism dataset', () => {
  it('stacks an image of class k from source A above one of class k from source B, pixel for pixel', async () => {
    const d = await build({
      name: 'dominoes',
      sources: [sample, sample],
      splits: [
        { name: 'train', size: 200, settings: { top: 'keep', bottom: 'keep' } },
        { name: 'test', size: 50, settings: { top: 'keep', bottom: 'keep' } },
      ],
      seed: 1,
      taskId: 'mech1',
    });
    expect(d).toMatchObject({ kind: 'image', format: 'folder', source: `mechanisms: dataset ${sample} "Fashion-MNIST sample" above dataset ${sample} "Fashion-MNIST sample"`, shape: { height: 56, width: 28, channels: 1 } });
    expect(d.classNames[9]).toBe('Ankle boot');
    expect(d.classGroups).toEqual([[0, 2, 4, 6], [5, 7, 9]]);
    expect(d.splits.map((s) => [s.split, s.count])).toEqual([['train', 200], ['test', 50]]);
    expect(d.splits[0]!.perClass).toEqual(new Array(10).fill(20));

    const q = createDatasetQueries(app.db);
    for (const split of ['train', 'test']) {
      for (const e of examplesOf(d.id, split).slice(0, 20)) {
        const top = q.getExample(e.mech.top!.sourceExampleId!);
        const bottom = q.getExample(e.mech.bottom!.sourceExampleId!);
        expect([top.datasetId, top.split, top.label]).toEqual([sample, split, e.detail.label]);
        expect([bottom.split, bottom.label]).toEqual([split, e.detail.label]);
        const expected = Buffer.concat([q.getExamplePixels(top.id).pixels, q.getExamplePixels(bottom.id).pixels]);
        expect(Buffer.compare(e.pixels, expected)).toBe(0);
        expect(e.detail.sourceRef).toBe(`top #${top.id} ${d.classNames[top.label]} · bottom #${bottom.id} ${d.classNames[bottom.label]}`);
      }
    }
    const options = JSON.parse(app.db.prepare('SELECT options FROM datasets WHERE id = ?').pluck().get(d.id) as string);
    expect(options).toMatchObject({
      labelMechanism: 'top',
      seed: 1,
      sources: [{ datasetId: sample }, { datasetId: sample }],
      mechanisms: [{ name: 'top', rows: [0, 28] }, { name: 'bottom', rows: [28, 56] }],
      splits: [{ name: 'train', from: 'train', correlation: 1 }, { name: 'test', from: 'test' }],
    });
    expect(events.filter((e) => e.type === 'progress' && e.taskId === 'mech1' && e.kind === 'import').length).toBeGreaterThan(0);
    expect(events).toContainEqual({ type: 'taskFinished', taskId: 'mech1', kind: 'import', ok: true });
    expect(events).toContainEqual({ type: 'datasetsChanged' });
  });

  it('draws the patch at the class\'s grid cell over the source image, and nothing where removed', async () => {
    const d = await build({
      name: 'patched',
      sources: [sample],
      patch: true,
      splits: [
        { name: 'train', size: 100, settings: { image: 'keep', patch: 'keep' } },
        { name: 'cf-no-patch', size: 30, settings: { image: 'keep', patch: 'remove' } },
      ],
    });
    expect(d.shape).toEqual({ height: 28, width: 28, channels: 1 });
    const q = createDatasetQueries(app.db);
    for (const e of examplesOf(d.id, 'train').slice(0, 30)) {
      expect(e.mech.patch).toMatchObject({ class: e.detail.label, sourceExampleId: null });
      const source = Buffer.from(q.getExamplePixels(e.mech.image!.sourceExampleId!).pixels);
      const box = patchBox({ height: 28, width: 28, channels: 1 }, e.detail.label);
      for (let y = box.top; y < box.top + box.side; y++) source.fill(e.detail.label === 9 ? 128 : 255, y * 28 + box.left, y * 28 + box.left + box.side);
      expect(Buffer.compare(e.pixels, source)).toBe(0);
    }
    for (const e of examplesOf(d.id, 'cf-no-patch')) {
      expect(e.mech.patch).toEqual({ mechanism: 'patch', class: null, sourceExampleId: null });
      expect(Buffer.compare(e.pixels, q.getExamplePixels(e.mech.image!.sourceExampleId!).pixels)).toBe(0);
      expect(e.detail.sourceRef).toMatch(/ · patch removed$/);
    }
  });

  it('follows each split\'s settings and correlation, and randomises what the counterfactual splits say', async () => {
    const d = await build({
      name: 'settings',
      sources: [sample, sample],
      splits: [
        { name: 'train', size: 1000, correlation: 0.8, settings: { top: 'keep', bottom: 'keep' } },
        { name: 'cf-bottom-only', size: 1000, settings: { top: 'randomise', bottom: 'keep' } },
        { name: 'cf-no-top', size: 100, settings: { top: 'remove', bottom: 'keep' } },
      ],
      seed: 7,
    });
    const agreeing = (split: string, mechanism: string) =>
      count(
        `SELECT count(*) FROM examples e JOIN example_mechanisms m ON m.example_id = e.id
         WHERE e.dataset_id = ? AND e.split = ? AND m.mechanism = ? AND m.class = e.label`,
        d.id,
        split,
        mechanism,
      );
    expect(agreeing('train', 'top')).toBe(1000); // the label mechanism
    expect(agreeing('train', 'bottom')).toBe(800);
    expect(agreeing('cf-bottom-only', 'bottom')).toBe(1000);
    const chance = agreeing('cf-bottom-only', 'top');
    expect(chance).toBeGreaterThan(60);
    expect(chance).toBeLessThan(140);
    const topClasses = app.db
      .prepare(`SELECT count(DISTINCT m.class) FROM examples e JOIN example_mechanisms m ON m.example_id = e.id WHERE e.dataset_id = ? AND e.split = 'cf-bottom-only' AND m.mechanism = 'top'`)
      .pluck()
      .get(d.id);
    expect(topClasses).toBe(10);
    for (const e of examplesOf(d.id, 'cf-no-top')) {
      expect(e.mech.top).toMatchObject({ class: null, sourceExampleId: null });
      expect(e.pixels.subarray(0, 784).every((v) => v === 0)).toBe(true);
      expect(e.mech.bottom!.class).toBe(e.detail.label);
    }
    // the same seed builds the same dataset
    const again = await build({
      name: 'settings again',
      sources: [sample, sample],
      splits: [{ name: 'train', size: 1000, correlation: 0.8, settings: { top: 'keep', bottom: 'keep' } }],
      seed: 7,
    });
    const rows = (id: number) => app.db.prepare(`SELECT label, source_ref, hex(pixels) AS pixels FROM examples WHERE dataset_id = ? AND split = 'train' ORDER BY idx`).all(id);
    expect(rows(again.id)).toEqual(rows(d.id));
  });

  it('reuses source images only after a class\'s pool ran out when a split is larger than the source', async () => {
    const d = await build({ name: 'big test', sources: [sample, sample], splits: [{ name: 'test', size: 3000, settings: { top: 'keep', bottom: 'randomise' } }] });
    const pool = app.db.prepare(`SELECT label, count(*) AS n FROM examples WHERE dataset_id = ? AND split = 'test' GROUP BY label ORDER BY label`).all(sample) as { n: number }[];
    const perClass = app.db
      .prepare(
        `SELECT m.class, count(*) AS n, count(DISTINCT m.source_example_id) AS distinctImages FROM examples e
         JOIN example_mechanisms m ON m.example_id = e.id WHERE e.dataset_id = ? AND m.mechanism = 'top' GROUP BY m.class ORDER BY m.class`,
      )
      .all(d.id) as { n: number; distinctImages: number }[];
    // 300 images of each class are drawn from about 200 in the sample's test split: every one once before any twice
    expect(perClass.map((r) => r.n)).toEqual(new Array(10).fill(300));
    expect(perClass.map((r) => r.distinctImages)).toEqual(pool.map((p) => Math.min(300, p.n)));
    expect(pool.some((p) => p.n < 300)).toBe(true);
  });

  it('rejects bad builds with a message that names the problem, writing nothing', async () => {
    const q = createDatasetQueries(app.db);
    const few = q.insertDataset(
      { name: 'two classes', kind: 'image', format: 'folder', source: '/x', classNames: ['a', 'b'], classGroups: [], shape: { height: 2, width: 2, channels: 3 }, options: {} },
      [{ split: 'train', index: 0, label: 0, noisyLabel: null, group: null, sourceRef: null, pixels: new Uint8Array(12), text: null }],
    );
    const texts = q.insertDataset(
      { name: 'texts', kind: 'text', format: 'csv', source: '/y', classNames: ['a', 'b'], classGroups: [], shape: null, options: {} },
      [{ split: 'train', index: 0, label: 0, noisyLabel: null, group: null, sourceRef: null, pixels: null, text: 'hi' }],
    );
    const datasetsBefore = count('SELECT count(*) FROM datasets');
    const examplesBefore = count('SELECT count(*) FROM examples');
    const two = { top: 'keep', bottom: 'keep' } as const;
    const cases: [BuildMechanismDatasetInput, RegExp][] = [
      [{ name: 'x', sources: [sample, few], splits: [{ name: 'train', size: 10, settings: two }] }, /class counts differ: dataset \d+ "Fashion-MNIST sample" has 10 classes, dataset \d+ "two classes" has 2/],
      [{ name: 'x', sources: [sample, texts], splits: [{ name: 'train', size: 10, settings: two }] }, /source 2: dataset \d+ "texts" holds texts, not images/],
      [{ name: 'x', sources: [sample, 999], splits: [{ name: 'train', size: 10, settings: two }] }, /source 2: no dataset with id 999/],
      [{ name: 'x', sources: [sample, sample], splits: [{ name: 'train', size: 10, settings: { top: 'keep', patch: 'keep' } }] }, /unknown mechanism "patch": this build has top, bottom/],
      [{ name: 'x', sources: [few], patch: true, splits: [{ name: 'test', size: 10, settings: { image: 'keep', patch: 'keep' } }] }, /has no test images of class 0 \(a\), which split "test" draws from/],
      [{ name: 'Fashion-MNIST sample', sources: [sample], patch: true, splits: [{ name: 'train', size: 10, settings: { image: 'keep', patch: 'keep' } }] }, /a dataset named "Fashion-MNIST sample" already exists/],
    ];
    for (const [args, message] of cases) await expect(build(args), message.source).rejects.toThrow(message);
    expect(count('SELECT count(*) FROM datasets')).toBe(datasetsBefore);
    expect(count('SELECT count(*) FROM examples')).toBe(examplesBefore);
    await app.services.dispatch('deleteDataset', { datasetId: few }, 'http');
    await app.services.dispatch('deleteDataset', { datasetId: texts }, 'http');
  });

  it('rolls the whole write back when it fails part-way, and cancels mid-build leaving nothing', async () => {
    const before = [count('SELECT count(*) FROM datasets'), count('SELECT count(*) FROM examples'), count('SELECT count(*) FROM example_mechanisms')];
    const args = BuildMechanismDatasetArgs.parse({
      name: 'doomed',
      sources: [sample, sample],
      splits: [{ name: 'train', size: 5000, settings: { top: 'keep', bottom: 'keep' } }],
    });
    await expect(
      buildMechanismDataset(createStore(app.db), args, {
        report: (stage, done) => {
          if (stage === 'write' && done >= 2000) throw new Error('disk full (simulated)');
        },
      }),
    ).rejects.toThrow(/disk full/);
    expect([count('SELECT count(*) FROM datasets'), count('SELECT count(*) FROM examples'), count('SELECT count(*) FROM example_mechanisms')]).toEqual(before);

    const pending = build({ name: 'cancelled', sources: [sample, sample], splits: [{ name: 'train', size: 50_000, settings: { top: 'keep', bottom: 'keep' } }], taskId: 'mechbig' });
    const settled = pending.catch((e: Error) => e);
    while (!events.some((e) => e.type === 'progress' && e.stage === 'compose' && e.done > 0)) await new Promise((r) => setTimeout(r, 5));
    expect(await app.services.dispatch('cancelTask', { taskId: 'mechbig' }, 'http')).toEqual({ cancelled: true });
    const outcome = await settled;
    expect((outcome as Error).message).toMatch(/cancelled; nothing was written/);
    expect([count('SELECT count(*) FROM datasets'), count('SELECT count(*) FROM examples'), count('SELECT count(*) FROM example_mechanisms')]).toEqual(before);
    expect(events).toContainEqual(expect.objectContaining({ type: 'taskFinished', taskId: 'mechbig', ok: false }));
  });

  it('deletes the mechanism rows with their dataset', async () => {
    const d = await build({ name: 'short-lived', sources: [sample], patch: true, splits: [{ name: 'train', size: 20, settings: { image: 'randomise', patch: 'keep' } }] });
    expect(count('SELECT count(*) FROM example_mechanisms m JOIN examples e ON e.id = m.example_id WHERE e.dataset_id = ?', d.id)).toBe(40);
    const before = count('SELECT count(*) FROM example_mechanisms');
    await app.services.dispatch('deleteDataset', { datasetId: d.id }, 'http');
    expect(count('SELECT count(*) FROM example_mechanisms')).toBe(before - 40);
  });
});
