// An image set's CSV export imports back (README: "an exported ZIP or CSV imports back"): a
// curated set of the embedded Fashion-MNIST sample, with eight runs' probabilities beside it as
// after a real experiment, exported as CSV through the contract and imported through the same
// call the import dialog makes — the same labels, splits and pixels, example for example. The
// files that cannot come back (an older export without pixels, a JSONL export) say so briefly.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallArgs, CallName, CallResult } from '../../shared/contract.js';
import { ImportOptions } from '../../shared/domain.js';
import { createRandom } from '../../shared/seededRandom.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { parseCsv } from '../../main/data/textTable.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { createRunQueries } from '../../main/store/runQueries.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { createStore } from '../../main/store/store.js';

let app: AppUnderTest;
let datasetId: number;
let setId: number;
let members: number[];
const RUNS = 8;

function call<K extends CallName>(name: K, args: CallArgs<K>): Promise<CallResult<K>> {
  return app.services.dispatch(name, args, 'http') as Promise<CallResult<K>>;
}
async function failure(promise: Promise<unknown>): Promise<string> {
  const err = (await promise.then(() => null, (e: unknown) => e)) as Error | null;
  expect(err, 'expected the call to fail').not.toBeNull();
  return err!.message;
}

interface Row {
  id: number;
  split: string;
  label: number;
  noisy_label: number | null;
  pixels: Buffer;
}
const rowsOf = (where: string, ...params: number[]) =>
  app.db.prepare(`SELECT e.id, e.split, e.label, e.noisy_label, e.pixels FROM examples e WHERE ${where} ORDER BY e.id`).all(...params) as Row[];

beforeAll(async () => {
  app = await startAppUnderTest();
  // The sample with label noise, so exported train_label differs from label on some rows.
  datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset: 150, noise: { rate: 0.3, seed: 4 } }));
  const examples = rowsOf('e.dataset_id = ?', datasetId);
  // Eight runs with one recorded epoch: 8 × 10 probability columns, as after the demo's experiment.
  const runs = createRunQueries(app.db);
  const experimentId = runs.createExperiment(datasetId, 'probabilities', {});
  const random = createRandom(9);
  const exampleIds = examples.map((e) => e.id);
  const labels = Int32Array.from(examples.map((e) => e.label));
  let teacher: number | null = null;
  for (let r = 0; r < RUNS; r++) {
    const runId = runs.createRun({ experimentId, role: r === 0 ? 'teacher' : 'student', name: r === 0 ? 'teacher' : `student ${r}`, teacherRunId: teacher, spec: { epochs: 1 } });
    teacher ??= runId;
    const logits = Float32Array.from({ length: examples.length * 10 }, () => random.normal());
    runs.recordEpoch({ runId, epoch: 1, seconds: 1, metrics: [], predictions: { exampleIds, labels, logits, numClasses: 10 }, checkpoint: Buffer.alloc(0) });
  }
  // Every fifth example, both splits and every class among them.
  members = exampleIds.filter((_, i) => i % 5 === 0);
  setId = (await call('createCuratedSet', { datasetId, name: 'every fifth', exampleIds: members })).id;
});

afterAll(async () => {
  await app?.dispose();
});

describe('an image set exported as CSV', () => {
  it('holds image_shape and one pixel column per byte beside the ids, labels and probabilities', async () => {
    const file = path.join(app.dir, 'fifth.csv');
    await call('exportCuratedSet', { setId, format: 'csv', path: file });
    const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'), file).map((r) => r.fields);
    expect(header!.slice(0, 8)).toEqual(['id', 'split', 'index', 'label', 'label_name', 'train_label', 'note', 'image_shape']);
    expect(header!.filter((name) => name.startsWith('p:'))).toHaveLength(RUNS * 10);
    expect(header!.slice(-784)).toEqual(Array.from({ length: 784 }, (_, k) => `pixel${k}`));
    expect(rows).toHaveLength(members.length);
    expect(new Set(rows.map((r) => r[7]))).toEqual(new Set(['28x28x1']));
    expect(rows.some((r) => r[3] !== r[5])).toBe(true); // some labels were flipped by noise
  });

  it('imports back through the import call with the same labels, splits and pixels for the same examples', async () => {
    const file = path.join(app.dir, 'fifth.csv');
    const dataset = await call('importDataset', { path: file, name: 'fifth again' });
    const sample = await call('getDataset', { datasetId });
    expect(dataset).toMatchObject({ kind: 'image', format: 'csv', shape: { height: 28, width: 28, channels: 1 }, classNames: sample.classNames });
    const original = rowsOf('e.id IN (SELECT example_id FROM curated_set_members WHERE set_id = ?)', setId);
    const back = rowsOf('e.dataset_id = ?', dataset.id);
    expect(back).toHaveLength(original.length);
    expect(new Set(original.map((r) => r.split))).toEqual(new Set(['train', 'test']));
    back.forEach((r, i) => {
      const o = original[i]!;
      // the clean label comes back (noise is an import option), in the exported id order
      expect([r.split, r.label], `example #${o.id}`).toEqual([o.split, o.label]);
      expect(r.noisy_label).toBeNull();
      expect(Buffer.compare(r.pixels, o.pixels), `pixels of example #${o.id}`).toBe(0);
    });
  });

  it('an export without pixels (written before they were added) and a JSONL export say, in one short line, what to import instead', async () => {
    const csv = path.join(app.dir, 'fifth.csv');
    const [header, ...rows] = parseCsv(fs.readFileSync(csv, 'utf8'), csv).map((r) => r.fields);
    const keep = header!.map((name, i) => (name === 'image_shape' || name.startsWith('pixel') ? -1 : i)).filter((i) => i >= 0);
    const old = path.join(app.dir, 'old.csv');
    fs.writeFileSync(old, [header!, ...rows].map((r) => keep.map((i) => JSON.stringify(r[i])).join(',')).join('\r\n'));
    const message = await failure(call('importDataset', { path: old }));
    expect(message).toBe(`${old}, row 1: this CSV export of an image set holds no pixels (no pixel0… columns: exported before CSVs carried them, or its images are larger than 4096 values), so its images cannot come back; export the set as ZIP and import that`);

    const jsonl = path.join(app.dir, 'fifth.jsonl');
    await call('exportCuratedSet', { setId, format: 'jsonl', path: jsonl });
    expect(await failure(call('importDataset', { path: jsonl }))).toMatch(/row 1: a JSONL export of an image set holds no pixels, so its images cannot come back; export the set as CSV or ZIP and import that$/);
  });

  it('holds no pixel columns for images larger than 4096 values: their rows would be tens of thousands of cells', async () => {
    const side = 70; // 4900 bytes of grey, one step over the cap
    const source = path.join(app.dir, 'large.csv');
    const header = ['label', 'image_shape', ...Array.from({ length: side * side }, (_, k) => `pixel${k}`)].join(',');
    fs.writeFileSync(source, [header, ...Array.from({ length: 6 }, (_, i) => `${i % 2},${side}x${side}x1,${Array.from({ length: side * side }, (_, k) => (i + k) % 256).join(',')}`)].join('\n') + '\n');
    const large = await call('importDataset', { path: source, name: 'large', testFraction: 0.5 });
    expect(large.shape).toEqual({ height: side, width: side, channels: 1 });
    const ids = app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(large.id) as number[];
    const set = await call('createCuratedSet', { datasetId: large.id, name: 'large', exampleIds: ids });
    const file = path.join(app.dir, 'large-export.csv');
    await call('exportCuratedSet', { setId: set.id, format: 'csv', path: file });
    const [exported] = parseCsv(fs.readFileSync(file, 'utf8'), file).map((r) => r.fields);
    expect(exported!.filter((name) => name === 'image_shape' || name.startsWith('pixel'))).toEqual([]);
    expect(await failure(call('importDataset', { path: file }))).toMatch(/images are larger than 4096 values\), so its images cannot come back; export the set as ZIP and import that$/);
  });

  it('a CSV of another shape lists a few of its columns, not all of them', async () => {
    const file = path.join(app.dir, 'wide.csv');
    const names = Array.from({ length: 80 }, (_, k) => `feature ${k}`);
    fs.writeFileSync(file, `label,${names.join(',')}\r\n0,${names.map(() => '1').join(',')}\r\n`);
    const message = await failure(call('importDataset', { path: file }));
    expect(message).toBe(`${file}, row 1: missing column "text" (found columns: label, feature 0, feature 1, feature 2, feature 3 and 76 more); a CSV dataset needs text and label columns, or label and pixel0… columns`);
  });
});

describe('CSVs of pixels from elsewhere', () => {
  it('reads label, pixel1 … pixel784 (the MNIST CSVs) as 28 × 28 grey images with classes 0 … 9', async () => {
    const file = path.join(app.dir, 'mnist-style.csv');
    const images = Array.from({ length: 20 }, (_, i) => Uint8Array.from({ length: 784 }, (_, k) => (i * 31 + k * 7) % 256));
    const header = ['label', ...Array.from({ length: 784 }, (_, k) => `pixel${k + 1}`)].join(',');
    fs.writeFileSync(file, [header, ...images.map((px, i) => `${i % 10},${px.join(',')}`)].join('\n') + '\n');
    const dataset = await call('importDataset', { path: file, name: 'mnist style', testFraction: 0.5 });
    expect(dataset).toMatchObject({ kind: 'image', shape: { height: 28, width: 28, channels: 1 }, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    const back = app.db.prepare('SELECT label, pixels FROM examples WHERE dataset_id = ? ORDER BY id').all(dataset.id) as { label: number; pixels: Buffer }[];
    // the stratified split reorders by split; each stored image is the row of its label's pair
    for (const r of back) {
      const match = images.findIndex((px, i) => i % 10 === r.label && Buffer.compare(Buffer.from(px), r.pixels) === 0);
      expect(match).toBeGreaterThanOrEqual(0);
    }
    expect(back).toHaveLength(20);
  });

  it('names the row and column of a pixel that is no byte, and a shape the columns do not make', async () => {
    const bad = path.join(app.dir, 'bad-pixel.csv');
    fs.writeFileSync(bad, 'label,pixel0,pixel1,pixel2,pixel3\n0,1,2,3,4\n1,1,2,300,4\n');
    expect(await failure(call('importDataset', { path: bad }))).toBe(`${bad}, row 3: pixel2 is "300": expected a whole number from 0 to 255`);
    const odd = path.join(app.dir, 'odd.csv');
    fs.writeFileSync(odd, 'label,pixel0,pixel1,pixel2\n0,1,2,3\n1,1,2,3\n');
    expect(await failure(call('importDataset', { path: odd }))).toBe(`${odd}, row 2: 3 pixel columns are not a square grey image; add an image_shape column (height x width x channels, such as 32x32x3)`);
    const rgb = path.join(app.dir, 'rgb.csv');
    fs.writeFileSync(rgb, `label,image_shape,${Array.from({ length: 6 }, (_, k) => `pixel${k}`).join(',')}\na,1x2x3,1,2,3,4,5,6\nb,1x2x3,6,5,4,3,2,1\na,1x2x3,0,0,0,0,0,0\nb,1x2x3,9,9,9,9,9,9\n`);
    const dataset = await call('importDataset', { path: rgb, testFraction: 0.5 });
    expect(dataset).toMatchObject({ kind: 'image', shape: { height: 1, width: 2, channels: 3 }, classNames: ['a', 'b'] });
  });
});
