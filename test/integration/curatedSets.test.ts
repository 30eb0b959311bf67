// Curated sets through the contract's dispatch on a real SQLite file: CRUD and its validation,
// sets from an explorer filter, and exports (CSV, JSONL, ZIP) checked cell by cell against the
// database — every probability against the stored chunks decoded with plain SQL, every PNG against the
// stored pixels — then imported back as datasets.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import type { ExamplePage } from '../../shared/analytics.js';
import type { AppEvent, CallArgs, CallName, CallResult } from '../../shared/contract.js';
import { ImportOptions, type DatasetSummary } from '../../shared/domain.js';
import type { DomainError } from '../../shared/errors.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { parseCsv } from '../../main/data/textTable.js';
import { openZip } from '../../main/data/zipReader.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { recordEvents, startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { createStore } from '../../main/store/store.js';
import { rowsOf } from '../helpers/storedPredictions.js';

const IMAGE_CLASSES = ['T-shirt/top', 'Trouser', 'Pull, "over"', 'Größe'];

let app: AppUnderTest;
let image: DeviationFixture;
let text: DeviationFixture;
let events: AppEvent[];
let out: string;

function call<K extends CallName>(name: K, args: CallArgs<K>): Promise<CallResult<K>> {
  return app.services.dispatch(name, args, 'ipc') as Promise<CallResult<K>>;
}

/** Rejects with a DomainError; returns its code and message. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; place: DomainError['place'] }> {
  const err = (await promise.then(() => null, (e: unknown) => e)) as DomainError | null;
  expect(err, 'expected the call to fail').not.toBeNull();
  return { code: err!.code, message: err!.message, place: err!.place };
}

const idsOf = (db: Database.Database, datasetId: number, where = '1') =>
  db.prepare(`SELECT id FROM examples WHERE dataset_id = ? AND ${where} ORDER BY id`).pluck().all(datasetId) as number[];

const float32 = (blob: Buffer) => new Float32Array(Uint8Array.from(blob).buffer);

beforeAll(async () => {
  app = await startAppUnderTest();
  out = path.join(app.dir, 'exports');
  fs.mkdirSync(out);
  events = recordEvents(app);
  // An image dataset with distinct random pixels, awkward class names, noisy labels and a student
  // that stopped an epoch early; a text dataset with commas, quotes and line breaks in its texts.
  image = createDeviationFixture(app.db, { examples: 300, testShare: 0.2, classes: 4, students: 2, epochs: 3, seed: 5, name: 'pictures' });
  app.db.prepare('UPDATE examples SET pixels = randomblob(64) WHERE dataset_id = ?').run(image.datasetId);
  app.db.prepare('UPDATE datasets SET class_names = ? WHERE id = ?').run(JSON.stringify(IMAGE_CLASSES), image.datasetId);
  app.db.prepare("UPDATE examples SET noisy_label = (label + 1) % 4 WHERE dataset_id = ? AND split = 'train' AND idx % 9 = 0").run(image.datasetId);
  const early = image.studentRunIds[1]!;
  app.db.prepare('DELETE FROM prediction_matrices WHERE run_id = ? AND epoch = 3').run(early);
  app.db.prepare('UPDATE runs SET epochs_done = 2 WHERE id = ?').run(early);
  text = createDeviationFixture(app.db, { examples: 120, testShare: 0.25, classes: 3, students: 1, epochs: 2, seed: 6, name: 'reviews', kind: 'text' });
  app.db.prepare(`UPDATE examples SET text = text || ', said "who"' || char(10) || 'and more' WHERE dataset_id = ? AND id % 4 = 0`).run(text.datasetId);
});
afterAll(async () => app.dispose());

describe('curated sets: create, change, list, delete', () => {
  it('creates a set with notes, lists it per dataset and emits curatedSetsChanged', async () => {
    const ids = idsOf(app.db, image.datasetId).slice(0, 5);
    events.length = 0;
    const set = await call('createCuratedSet', { datasetId: image.datasetId, name: '  shirts  ', description: 'first look', exampleIds: [ids[3]!, ids[0]!, ids[1]!], note: 'odd' });
    expect(set).toMatchObject({ datasetId: image.datasetId, name: 'shirts', description: 'first look', size: 3 });
    expect(events).toEqual([{ type: 'curatedSetsChanged', datasetId: image.datasetId }]);
    expect(await call('listCuratedSets', { datasetId: image.datasetId })).toEqual([set]);
    expect(await call('listCuratedSets', { datasetId: text.datasetId })).toEqual([]);

    const page = await call('listCuratedSetMembers', { setId: set.id });
    expect(page.total).toBe(3);
    expect(page.items.map((m) => [m.exampleId, m.note])).toEqual([[ids[0], 'odd'], [ids[1], 'odd'], [ids[3], 'odd']]);
    expect(page.items[0]).toMatchObject({ split: 'train', index: 0, snippet: null });

    // Re-adding keeps notes unless one is given; a note given updates members already there.
    let after = await call('addToCuratedSet', { setId: set.id, exampleIds: [ids[0]!, ids[2]!] });
    expect(after.size).toBe(4);
    expect((await call('listCuratedSetMembers', { setId: set.id })).items.map((m) => m.note)).toEqual(['odd', 'odd', '', 'odd']);
    after = await call('addToCuratedSet', { setId: set.id, exampleIds: [ids[1]!, ids[4]!], note: 'look again' });
    expect(after.size).toBe(5);
    expect((await call('listCuratedSetMembers', { setId: set.id })).items.map((m) => m.note)).toEqual(['odd', 'look again', '', 'odd', 'look again']);

    expect(await call('setCuratedNote', { setId: set.id, exampleId: ids[2]!, note: 'blurry, "really"' })).toEqual({ updated: true });
    expect(await call('setCuratedNote', { setId: set.id, exampleId: ids[2]!, note: 'blurry, "really"' })).toEqual({ updated: false });
    expect(await call('curatedSetsOfExample', { exampleId: ids[2]! })).toEqual([{ setId: set.id, name: 'shirts', note: 'blurry, "really"' }]);

    expect((await call('removeFromCuratedSet', { setId: set.id, exampleIds: [ids[0]!, ids[4]!, 999_999] })).size).toBe(3);
    const paged = await call('listCuratedSetMembers', { setId: set.id, offset: 1, limit: 1 });
    expect(paged).toMatchObject({ total: 3, items: [{ exampleId: ids[2] }] });

    const renamed = await call('updateCuratedSet', { setId: set.id, name: 'tops', description: '' });
    expect(renamed).toMatchObject({ id: set.id, name: 'tops', description: '', size: 3, createdAt: set.createdAt });

    events.length = 0;
    expect(await call('deleteCuratedSet', { setId: set.id })).toEqual({ deleted: true });
    expect(await call('deleteCuratedSet', { setId: set.id })).toEqual({ deleted: false });
    expect(events).toEqual([{ type: 'curatedSetsChanged', datasetId: image.datasetId }]);
    expect(app.db.prepare('SELECT count(*) FROM curated_set_members WHERE set_id = ?').pluck().get(set.id)).toBe(0);
  });

  it('refuses bad input with errors that name the problem', async () => {
    const imageIds = idsOf(app.db, image.datasetId);
    const textIds = idsOf(app.db, text.datasetId);
    const a = await call('createCuratedSet', { datasetId: image.datasetId, name: 'unique name' });
    expect(await failure(call('createCuratedSet', { datasetId: text.datasetId, name: 'unique name' }))).toMatchObject({
      code: 'CONFLICT',
      message: `a curated set named "unique name" already exists (set ${a.id}, dataset ${image.datasetId})`,
    });
    const b = await call('createCuratedSet', { datasetId: image.datasetId, name: 'other' });
    expect((await failure(call('updateCuratedSet', { setId: b.id, name: 'unique name' }))).code).toBe('CONFLICT');
    expect(await failure(call('createCuratedSet', { datasetId: image.datasetId, name: 'mixed', exampleIds: [imageIds[0]!, textIds[2]!, textIds[0]!] }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `example ${textIds[2]} belongs to dataset ${text.datasetId}, not to dataset ${image.datasetId} of the set`,
    });
    expect((await failure(call('addToCuratedSet', { setId: a.id, exampleIds: [imageIds[1]!, 987_654] }))).message).toBe('example 987654 does not exist');
    expect(await call('listCuratedSets', {})).toHaveLength(2); // nothing half-written
    expect((await call('listCuratedSetMembers', { setId: a.id })).total).toBe(0);

    expect(await failure(call('createCuratedSet', { datasetId: 4242, name: 'nowhere' }))).toMatchObject({ code: 'NOT_FOUND', message: 'no dataset with id 4242' });
    expect(await failure(call('addToCuratedSet', { setId: 4242, exampleIds: [imageIds[0]!] }))).toMatchObject({ code: 'NOT_FOUND', message: 'no curated set with id 4242' });
    expect(await failure(call('setCuratedNote', { setId: a.id, exampleId: imageIds[0]!, note: 'x' }))).toMatchObject({ code: 'NOT_FOUND', message: `example ${imageIds[0]} is not a member of curated set ${a.id}` });
    expect((await failure(call('curatedSetsOfExample', { exampleId: 987_654 }))).message).toBe('no example with id 987654');
    expect((await failure(call('listCuratedSets', { datasetId: 4242 }))).code).toBe('NOT_FOUND');

    const invalid: [CallName, unknown, RegExp][] = [
      ['createCuratedSet', { datasetId: image.datasetId, name: '   ' }, /name: a set name needs at least one character/],
      ['createCuratedSet', { datasetId: image.datasetId, name: 'x'.repeat(201) }, /name/],
      ['createCuratedSet', { datasetId: image.datasetId, name: 'n', note: 'x'.repeat(10_001) }, /note/],
      ['createCuratedSet', { datasetId: image.datasetId, name: 'n', sql: 'DROP' }, /sql/],
      ['addToCuratedSet', { setId: a.id, exampleIds: [] }, /exampleIds/],
      ['addToCuratedSet', { setId: a.id, exampleIds: [1.5] }, /exampleIds/],
      ['listCuratedSetMembers', { setId: a.id, limit: 1001 }, /limit/],
      ['exportCuratedSet', { setId: a.id, format: 'csv', path: 'relative/out.csv' }, /path: must be an absolute path/],
      ['exportCuratedSet', { setId: a.id, format: 'xlsx', path: '/tmp/x.xlsx' }, /format/],
      ['exportCuratedSet', { setId: a.id, format: 'csv', path: '/tmp/x.csv', epoch: 0 }, /epoch/],
    ];
    for (const [name, args, message] of invalid) {
      const err = await failure(app.services.dispatch(name, args, 'http'));
      expect(err.code, `${name} ${JSON.stringify(args).slice(0, 80)}`).toBe('VALIDATION_ERROR');
      expect(err.message).toMatch(message);
    }
    await call('deleteCuratedSet', { setId: a.id });
    await call('deleteCuratedSet', { setId: b.id });
  });

  it('builds a set from an explorer filter: exactly the ids queryExamples pages through', async () => {
    const [student] = image.studentRunIds;
    const filter = { correctness: [{ runId: image.teacherRunId, correct: true }, { runId: student!, correct: false }] };
    const queried: number[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = (await app.services.dispatch('queryExamples', { experimentId: image.experimentId, studentRunId: student, filter, offset, limit: 50 }, 'ipc')) as ExamplePage;
      queried.push(...page.items.map((e) => e.id));
      if (offset + 50 >= page.total) break;
    }
    expect(queried.length).toBeGreaterThan(5);
    const extra = idsOf(app.db, image.datasetId, "split = 'test'").slice(0, 2);
    const set = await call('createCuratedSet', {
      datasetId: image.datasetId,
      name: 'teacher right, student wrong',
      fromFilter: { experimentId: image.experimentId, studentRunId: student, filter },
      exampleIds: extra,
      note: 'from the explorer',
    });
    const members = (await call('listCuratedSetMembers', { setId: set.id, limit: 1000 })).items.map((m) => m.exampleId);
    expect(members).toEqual([...new Set([...queried, ...extra])].sort((x, y) => x - y));

    // Membership is read live by the analytics: a change shows in the next query, no cache to clear.
    const inSet = async () => ((await app.services.dispatch('queryExamples', { experimentId: image.experimentId, filter: { curatedSet: { setId: set.id } }, limit: 1 }, 'ipc')) as ExamplePage).total;
    expect(await inSet()).toBe(members.length);
    const outside = idsOf(app.db, image.datasetId).find((id) => !members.includes(id))!;
    await call('addToCuratedSet', { setId: set.id, exampleIds: [outside] });
    expect(await inSet()).toBe(members.length + 1);

    expect(await failure(call('createCuratedSet', { datasetId: text.datasetId, name: 'wrong experiment', fromFilter: { experimentId: image.experimentId, filter: {} } }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `experiment ${image.experimentId} is on dataset ${image.datasetId}, not on dataset ${text.datasetId} of the set`,
    });
    await call('deleteCuratedSet', { setId: set.id });
  });
});

describe('curated set exports', () => {
  let imageSet: number;
  let imageMembers: number[];
  let textSet: number;
  let textMembers: number[];
  const probs = () => ({ get: (runId: number, epoch: number, exampleId: unknown) => Buffer.from(Float32Array.from(rowsOf(app.db, runId, epoch).get(exampleId as number)!).buffer) });
  const runColumns = (epochOfEarly: number, epoch = 3) => [
    { runId: image.teacherRunId, name: 'teacher', epoch },
    { runId: image.studentRunIds[0]!, name: 'student 1', epoch },
    { runId: image.studentRunIds[1]!, name: 'student 2', epoch: epochOfEarly },
  ];

  beforeAll(async () => {
    // Every fourth image: both splits, every class, some noisy labels.
    imageMembers = idsOf(app.db, image.datasetId).filter((_, i) => i % 4 === 0);
    imageSet = (await call('createCuratedSet', { datasetId: image.datasetId, name: 'export me', exampleIds: imageMembers })).id;
    await call('setCuratedNote', { setId: imageSet, exampleId: imageMembers[1]!, note: 'two lines,\n"quoted"' });
    textMembers = idsOf(app.db, text.datasetId).filter((_, i) => i % 3 !== 1);
    textSet = (await call('createCuratedSet', { datasetId: text.datasetId, name: 'texts', exampleIds: textMembers, note: 'kept' })).id;
  });

  interface DbExample {
    id: number;
    split: string;
    idx: number;
    label: number;
    noisy_label: number | null;
    text: string | null;
    pixels: Buffer | null;
  }
  const example = (id: number) => app.db.prepare('SELECT id, split, idx, label, noisy_label, text, pixels FROM examples WHERE id = ?').get(id) as DbExample;

  /** Every cell of a CSV export against the database. */
  /** Every cell of a CSV export against the database; `extra` 'pixels' is an image set's CSV (image_shape, then pixel0… after the probabilities). */
  function checkCsv(file: string, members: number[], classNames: string[], runs: { runId: number; name: string; epoch: number }[], extra: 'text' | 'file' | 'pixels' | null) {
    const rows = parseCsv(fs.readFileSync(file, 'utf8'), file).map((r) => r.fields);
    const header = rows[0]!;
    const pColumns = runs.flatMap((r) => classNames.map((c) => `p:${r.name}@${r.epoch}:${c}`));
    const pixelColumns = extra === 'pixels' ? Array.from({ length: 64 }, (_, k) => `pixel${k}`) : [];
    expect(header).toEqual(['id', 'split', 'index', 'label', 'label_name', 'train_label', 'note', ...(extra ? [extra === 'pixels' ? 'image_shape' : extra] : []), ...pColumns, ...pixelColumns]);
    expect(rows.slice(1).map((r) => Number(r[0]))).toEqual(members);
    const notes = new Map((app.db.prepare('SELECT example_id, note FROM curated_set_members WHERE set_id IN (?, ?)').raw().all(imageSet, textSet) as [number, string][]));
    const probsOf = probs();
    for (const row of rows.slice(1)) {
      const e = example(Number(row[0]));
      expect(row.slice(0, 7)).toEqual([String(e.id), e.split, String(e.idx), String(e.label), classNames[e.label], String(e.noisy_label ?? e.label), notes.get(e.id)]);
      if (extra === 'text') expect(row[7]).toBe(e.text);
      if (extra === 'pixels') expect(row[7]).toBe('8x8x1');
      const first = 7 + (extra ? 1 : 0);
      runs.forEach((run, r) => {
        const stored = float32(probsOf.get(run.runId, run.epoch, e.id) as Buffer);
        classNames.forEach((_, c) => expect(Math.fround(Number(row[first + r * classNames.length + c]))).toBe(stored[c]));
      });
      if (extra === 'pixels') expect(Uint8Array.from(row.slice(first + runs.length * classNames.length).map(Number))).toEqual(Uint8Array.from(e.pixels!));
    }
    return rows;
  }

  it('writes CSV in id order with every probability of every run (a run with fewer epochs at its last)', async () => {
    const file = path.join(out, 'images.csv');
    events.length = 0;
    const result = await call('exportCuratedSet', { setId: imageSet, format: 'csv', path: file, taskId: 'csv1' });
    expect(result).toEqual({ path: file, format: 'csv', rows: imageMembers.length, bytes: fs.statSync(file).size });
    const rows = checkCsv(file, imageMembers, IMAGE_CLASSES, runColumns(2), 'pixels');
    expect(rows[0]).toContain('p:student 2@2:Pull, "over"');
    expect(rows.some((r) => r[5] !== r[3])).toBe(true); // some train labels were flipped
    expect(fs.readFileSync(file, 'utf8')).toMatch(/\r\n$/);
    expect(events.filter((e) => e.type === 'progress').every((e) => e.type === 'progress' && e.kind === 'export' && e.taskId === 'csv1' && e.done <= e.total)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'taskFinished', taskId: 'csv1', kind: 'export', ok: true });
  });

  it('exports a chosen experiment and epoch, and refuses epochs and experiments that do not fit', async () => {
    const file = path.join(out, 'epoch1.csv');
    await call('exportCuratedSet', { setId: imageSet, format: 'csv', path: file, experimentId: image.experimentId, epoch: 1 });
    checkCsv(file, imageMembers, IMAGE_CLASSES, runColumns(1, 1), 'pixels');
    const file2 = path.join(out, 'epoch3.csv');
    await call('exportCuratedSet', { setId: imageSet, format: 'csv', path: file2, epoch: 3 });
    checkCsv(file2, imageMembers, IMAGE_CLASSES, runColumns(2, 3), 'pixels');

    expect(await failure(call('exportCuratedSet', { setId: imageSet, format: 'csv', path: path.join(out, 'e4.csv'), epoch: 4 }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `experiment ${image.experimentId} has at most 3 recorded epochs; epoch 4 is not one of them`,
    });
    expect((await failure(call('exportCuratedSet', { setId: imageSet, format: 'csv', path: path.join(out, 'x.csv'), experimentId: text.experimentId }))).message).toBe(
      `experiment ${text.experimentId} is on dataset ${text.datasetId}, not on the set's dataset ${image.datasetId}`,
    );
    expect((await failure(call('exportCuratedSet', { setId: 4242, format: 'csv', path: path.join(out, 'x.csv') }))).code).toBe('NOT_FOUND');
    expect(fs.readdirSync(out).sort()).toEqual(['epoch1.csv', 'epoch3.csv', 'images.csv']);
  });

  it('writes text datasets\' texts, and a set on a dataset without experiments has no probability columns', async () => {
    const file = path.join(out, 'texts.csv');
    await call('exportCuratedSet', { setId: textSet, format: 'csv', path: file });
    const runs = [{ runId: text.teacherRunId, name: 'teacher', epoch: 2 }, { runId: text.studentRunIds[0]!, name: 'student 1', epoch: 2 }];
    const rows = checkCsv(file, textMembers, ['c0', 'c1', 'c2'], runs, 'text');
    expect(rows.some((r) => r[7]!.includes('\n') && r[7]!.includes('"'))).toBe(true);

    const datasets = createDatasetQueries(app.db);
    const bare = datasets.insertDataset(
      { name: 'bare', kind: 'text', format: 'csv', source: 'test', classNames: ['no', 'yes'], classGroups: [], shape: null, options: {} },
      [0, 1, 2].map((i) => ({ split: 'train', index: i, label: i % 2, noisyLabel: null, group: null, sourceRef: null, pixels: null, text: `t${i}` })),
    );
    const set = await call('createCuratedSet', { datasetId: bare, name: 'bare set', exampleIds: idsOf(app.db, bare) });
    const bareFile = path.join(out, 'bare.csv');
    expect((await call('exportCuratedSet', { setId: set.id, format: 'csv', path: bareFile })).rows).toBe(3);
    expect(fs.readFileSync(bareFile, 'utf8').split('\r\n')[0]).toBe('id,split,index,label,label_name,train_label,note,text');
    expect((await failure(call('exportCuratedSet', { setId: set.id, format: 'csv', path: path.join(out, 'b2.csv'), epoch: 1 }))).message).toBe(
      `an epoch needs an experiment, but dataset ${bare} has no experiment with recorded epochs`,
    );
    await call('deleteDataset', { datasetId: bare });
    expect(await call('listCuratedSets', { datasetId: image.datasetId })).toHaveLength(1);
  });

  it('writes JSONL with the same fields and a runs array', async () => {
    const file = path.join(out, 'images.jsonl');
    expect((await call('exportCuratedSet', { setId: imageSet, format: 'jsonl', path: file })).rows).toBe(imageMembers.length);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const probsOf = probs();
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown> & { runs: { runId: number; name: string; role: string; epoch: number; probs: number[] }[] });
    expect(objects.map((o) => o.id)).toEqual(imageMembers);
    for (const o of objects) {
      const e = example(o.id as number);
      expect(Object.keys(o)).toEqual(['id', 'split', 'index', 'label', 'label_name', 'train_label', 'note', 'runs']);
      expect(o).toMatchObject({ split: e.split, index: e.idx, label: e.label, label_name: IMAGE_CLASSES[e.label], train_label: e.noisy_label ?? e.label });
      expect(o.runs.map((r) => [r.runId, r.name, r.role, r.epoch])).toEqual(runColumns(2).map((r, i) => [r.runId, r.name, i === 0 ? 'teacher' : 'student', r.epoch]));
      for (const r of o.runs) expect(Float32Array.from(r.probs)).toEqual(float32(probsOf.get(r.runId, r.epoch, o.id) as Buffer));
    }
    expect(objects[1]!.note).toBe('two lines,\n"quoted"');
  });

  it('writes a ZIP with manifest.csv and one PNG per image that decodes to the stored pixels', async () => {
    const file = path.join(out, 'images.zip');
    events.length = 0;
    const result = await call('exportCuratedSet', { setId: imageSet, format: 'zip', path: file, taskId: 'zip1' });
    expect(result).toMatchObject({ format: 'zip', rows: imageMembers.length, bytes: fs.statSync(file).size });
    const archive = await openZip(file);
    try {
      const names = [...archive.entries.keys()];
      expect(names[0]).toBe('manifest.csv');
      expect(names).toHaveLength(1 + imageMembers.length);
      const manifest = path.join(out, 'manifest-copy.csv');
      fs.writeFileSync(manifest, await archive.read(archive.entries.get('manifest.csv')!));
      const rows = checkCsv(manifest, imageMembers, IMAGE_CLASSES, runColumns(2), 'file');
      fs.rmSync(manifest);
      const folders = new Set<string>();
      for (const row of rows.slice(1)) {
        const e = example(Number(row[0]));
        expect(row[7]).toBe(`images/${e.split}/${{ 'T-shirt/top': 'T-shirt_top', 'Pull, "over"': 'Pull_ _over_' }[IMAGE_CLASSES[e.label]!] ?? IMAGE_CLASSES[e.label]}/${e.id}.png`);
        folders.add(row[7]!.split('/')[2]!);
        const png = await archive.read(archive.entries.get(row[7]!)!);
        expect((await sharp(png).metadata()).channels).toBe(1); // a grey PNG for grey pixels
        const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height, info.channels]).toEqual([8, 8, 1]);
        expect(Buffer.compare(data, e.pixels!)).toBe(0);
      }
      expect([...folders].sort()).toEqual(['Größe', 'Pull_ _over_', 'T-shirt_top', 'Trouser']);
    } finally {
      await archive.close();
    }
    const progress = events.filter((e): e is Extract<AppEvent, { type: 'progress' }> => e.type === 'progress');
    expect(new Set(progress.map((e) => e.stage))).toEqual(new Set(['manifest', 'images']));
    expect(progress.filter((e) => e.stage === 'images').at(-1)).toMatchObject({ done: imageMembers.length, total: imageMembers.length });
    expect(progress.length).toBeLessThanOrEqual(2 * 101);
  });

  it('refuses to overwrite unless asked, needs an existing folder, and leaves no partial files', async () => {
    const file = path.join(out, 'images.csv');
    const before = fs.readFileSync(file);
    fs.writeFileSync(file, 'mine');
    const conflict = await failure(call('exportCuratedSet', { setId: textSet, format: 'csv', path: file }));
    expect(conflict).toEqual({ code: 'CONFLICT', message: `${file} exists`, place: { file, field: 'path' } });
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
    expect((await call('exportCuratedSet', { setId: imageSet, format: 'csv', path: file, overwrite: true })).bytes).toBe(before.length);
    expect(fs.readFileSync(file).equals(before)).toBe(true);

    expect(await failure(call('exportCuratedSet', { setId: imageSet, format: 'csv', path: path.join(out, 'missing', 'x.csv') }))).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `the folder ${path.join(out, 'missing')} does not exist`,
    });
    expect((await failure(call('exportCuratedSet', { setId: imageSet, format: 'csv', path: out, overwrite: true }))).message).toBe(`${out} is a folder; give a file name`);
    expect(fs.readdirSync(out).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('cancels an export through cancelTask and leaves no file behind', async () => {
    for (const [format, stage] of [['zip', 'images'], ['jsonl', 'write']] as const) {
      const file = path.join(out, `cancelled.${format}`);
      const listing = fs.readdirSync(out).sort();
      const taskId = `cancel-${format}`;
      events.length = 0;
      const unsubscribe = app.services.events.subscribe((e) => {
        if (e.type === 'progress' && e.taskId === taskId && e.stage === stage) void app.services.dispatch('cancelTask', { taskId }, 'ipc');
      });
      try {
        const err = await failure(call('exportCuratedSet', { setId: imageSet, format, path: file, taskId }));
        expect(err).toMatchObject({ code: 'CANCELLED', message: 'export cancelled; nothing was written' });
      } finally {
        unsubscribe();
      }
      expect(fs.readdirSync(out).sort()).toEqual(listing);
      expect(events.at(-1)).toEqual({ type: 'taskFinished', taskId, kind: 'export', ok: false, error: 'export cancelled; nothing was written' });
    }
    expect(await call('cancelTask', { taskId: 'cancel-zip' })).toEqual({ cancelled: false });
  });
});

describe('exports imported back as datasets', () => {
  const importFile = async (file: string, name: string): Promise<DatasetSummary> => {
    const id = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: file, name }));
    return createDatasetQueries(app.db).getDataset(id);
  };
  const exampleRows = (datasetId: number) =>
    app.db.prepare('SELECT split, label, text, pixels FROM examples WHERE dataset_id = ? ORDER BY id').all(datasetId) as { split: string; label: number; text: string | null; pixels: Buffer | null }[];
  const setRows = (setId: number) =>
    app.db.prepare('SELECT e.split, e.label, e.text, e.pixels FROM curated_set_members m JOIN examples e ON e.id = m.example_id WHERE m.set_id = ? ORDER BY e.id').all(setId) as { split: string; label: number; text: string | null; pixels: Buffer | null }[];
  const setNamed = async (name: string) => (await call('listCuratedSets', {})).find((s) => s.name === name)!;

  it('an image ZIP comes back with the same splits, class names, labels and pixels', async () => {
    const set = await setNamed('export me');
    const file = path.join(out, 'roundtrip.zip');
    await call('exportCuratedSet', { setId: set.id, format: 'zip', path: file });
    const dataset = await importFile(file, 'from zip');
    expect(dataset).toMatchObject({ kind: 'image', format: 'folder', source: file, shape: { height: 8, width: 8, channels: 1 } });
    expect(dataset.classNames).toEqual(IMAGE_CLASSES);
    const original = setRows(set.id);
    const imported = exampleRows(dataset.id);
    expect(imported.map((r) => [r.split, r.label])).toEqual(original.map((r) => [r.split, r.label]));
    imported.forEach((r, i) => expect(Buffer.compare(r.pixels!, original[i]!.pixels!)).toBe(0));
  });

  it('RGB images imported from a folder of PNGs survive export and re-import byte for byte', async () => {
    const root = path.join(app.dir, 'rgb');
    for (const [split, cls, i] of [['train', 'cat', 0], ['train', 'cat', 1], ['train', 'dog', 0], ['test', 'cat', 0], ['test', 'dog', 0], ['test', 'dog', 1]] as const) {
      const px = new Uint8Array(5 * 4 * 3).map((_, j) => (j * 37 + i * 101 + cls.length * 7 + split.length * 13) % 256);
      fs.mkdirSync(path.join(root, split, cls), { recursive: true });
      await sharp(px, { raw: { width: 5, height: 4, channels: 3 } }).png().toFile(path.join(root, split, cls, `${i}.png`));
    }
    const source = await importFile(root, 'rgb folder');
    const set = await call('createCuratedSet', { datasetId: source.id, name: 'all rgb', exampleIds: idsOf(app.db, source.id) });
    const file = path.join(out, 'rgb.zip');
    await call('exportCuratedSet', { setId: set.id, format: 'zip', path: file });
    const back = await importFile(file, 'rgb again');
    expect(back).toMatchObject({ classNames: ['cat', 'dog'], shape: { height: 4, width: 5, channels: 3 } });
    expect(back.splits.map((s) => [s.split, s.count, s.perClass])).toEqual(source.splits.map((s) => [s.split, s.count, s.perClass]));
    const original = exampleRows(source.id);
    exampleRows(back.id).forEach((r, i) => {
      expect([r.split, r.label]).toEqual([original[i]!.split, original[i]!.label]);
      expect(Buffer.compare(r.pixels!, original[i]!.pixels!)).toBe(0);
    });
  });

  it('a text CSV, JSONL and ZIP come back through the text importers with the same texts and labels', async () => {
    const set = await setNamed('texts');
    const original = setRows(set.id);
    for (const format of ['csv', 'jsonl', 'zip'] as const) {
      const file = path.join(out, `roundtrip-text.${format}`);
      await call('exportCuratedSet', { setId: set.id, format, path: file });
      const dataset = await importFile(file, `texts from ${format}`);
      expect(dataset.kind).toBe('text');
      expect(dataset.classNames).toEqual(['c0', 'c1', 'c2']);
      expect(dataset.splits.map((s) => [s.split, s.count])).toEqual([['train', original.filter((r) => r.split === 'train').length], ['test', original.filter((r) => r.split === 'test').length]]);
      expect(exampleRows(dataset.id).map((r) => [r.split, r.label, r.text])).toEqual(original.map((r) => [r.split, r.label, r.text]));
    }
  });

  it('names what is wrong with a ZIP that is no export', async () => {
    const junk = path.join(out, 'junk.zip');
    fs.writeFileSync(junk, 'not a zip');
    await expect(importFile(junk, 'junk')).rejects.toThrow(/junk\.zip: not a ZIP archive, or a damaged one/);

    const { createOutputFile } = await import('../../main/export/outputFile.js');
    const { createZipWriter } = await import('../../main/export/zipWriter.js');
    const zipOf = async (name: string, entries: Record<string, string>) => {
      const target = path.join(out, name);
      const sink = await createOutputFile(target, true);
      const zip = createZipWriter(sink);
      for (const [entry, content] of Object.entries(entries)) await zip.addStored(entry, Buffer.from(content));
      await zip.finish();
      await sink.publish();
      return target;
    };
    await expect(importFile(await zipOf('nomanifest.zip', { 'a.png': 'x' }), 'n1')).rejects.toThrow(/nomanifest\.zip: no manifest\.csv in the archive/);
    await expect(importFile(await zipOf('columns.zip', { 'manifest.csv': 'id,label\r\n1,0\r\n' }), 'n2')).rejects.toThrow(
      /columns\.zip\/manifest\.csv, row 1: manifest\.csv lacks the columns split, label_name, file or text \(found: id, label\)/,
    );
    await expect(importFile(await zipOf('lost.zip', { 'manifest.csv': 'split,label_name,file\r\ntrain,a,images/train/a/1.png\r\n' }), 'n3')).rejects.toThrow(
      /lost\.zip\/manifest\.csv, row 2: images\/train\/a\/1\.png is not in the archive/,
    );
    // a member of 0 bytes (sharp throws on an empty buffer outside its promise), and a folder entry
    const manifest = 'split,label_name,file\r\ntrain,a,images/1.png\r\ntrain,b,images/1.png\r\n';
    await expect(importFile(await zipOf('hollow.zip', { 'manifest.csv': manifest, 'images/1.png': '' }), 'n4')).rejects.toThrow(/hollow\.zip\/images\/1\.png: cannot read the image: the file is empty \(0 bytes\)/);
    const folderRow = 'split,label_name,file\r\ntrain,a,images/\r\ntrain,b,images/\r\n';
    await expect(importFile(await zipOf('folder.zip', { 'manifest.csv': folderRow, 'images/': '' }), 'n5')).rejects.toThrow(/folder\.zip\/manifest\.csv, row 2: images\/ is a folder in the archive, not an image/);
    expect((await call('listDatasets', {})).map((d) => d.name)).not.toContain('n3');
  });
});
