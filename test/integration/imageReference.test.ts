// Image folders stored by reference: a generated folder of mixed sizes and formats imported
// with thumbnails and training tensors, its originals served byte for byte through web mode's
// checks (root escapes, links out and other datasets' ids refused; a changed file detected), a
// moved root relocated, and a failed or cancelled import leaving nothing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../shared/contract.js';
import type { DatasetSummary, ExampleDetail, ImportOptionsInput } from '../../shared/domain.js';
import { ImportOptions } from '../../shared/domain.js';
import { CancelledError } from '../../shared/errors.js';
import { importWithSkipped } from '../../main/data/importIntoDatabase.js';
import { readIfSame } from '../../main/services/exampleOriginals.js';
import { paperPresetSpec, planExperiment } from '../../main/services/experimentPlanner.js';
import { isInsideFolder } from '../../main/paths.js';
import { createStore } from '../../main/store/store.js';
import { loadTrainingData } from '../../main/train/trainingData.js';
import { normalisedZero, type ImageNormalisation } from '../../main/train/imageNormalisation.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { encodeRgb, photoPixels, writePhotoFolder } from '../../bench/imageFixture.js';
import { importError } from '../helpers/importError.js';
import { makeTempDir } from '../helpers/tempDir.js';

let app: AppUnderTest;
let photos: ReturnType<typeof makeTempDir>;
let root: string;

beforeEach(async () => {
  app = await startAppUnderTest();
  photos = makeTempDir();
  root = path.join(photos.dir, 'photos');
  // 12 photos, 4 classes, sizes differing between 60 and 140 px, JPEG/PNG/WebP in turn
  await writePhotoFolder(root, 12, { minSide: 60, maxSide: 140 });
});
afterEach(async () => {
  await app.dispose();
  photos.dispose();
});

const importFolder = async (options: Partial<ImportOptionsInput> = {}, signal?: AbortSignal) =>
  (await importWithSkipped(createStore(app.db), ImportOptions.parse({ path: root, format: 'folder', ...options }), () => {}, signal)).datasetId;
const count = (table: string) => app.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const get = (pathname: string, token = app.server.token) => fetch(`${app.base}${pathname}`, { headers: token ? { [TOKEN_HEADER]: token } : {} });
/** The staging files beside the app's database (an import's rows until they land). */
const stagingFiles = () => fs.readdirSync(path.dirname(app.databasePath)).filter((name) => name.startsWith(`${path.basename(app.databasePath)}.import-`));
const exampleIds = (datasetId: number) => app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];

describe('reference import', () => {
  it('defaults to the reference store for mixed sizes, with thumbnails, S×S tensors, hashes and the root', async () => {
    const id = await importFolder({ trainSize: 24 });
    const dataset = createStore(app.db).datasets.getDataset(id);
    expect(dataset.storage).toEqual({ store: 'reference', root, trainSize: 24, thumbnailType: 'image/webp' });
    expect(dataset.shape).toEqual({ height: 24, width: 24, channels: 3 });
    expect(dataset.splits.reduce((n, s) => n + s.count, 0)).toBe(12);
    const rows = app.db.prepare('SELECT e.pixels, e.source_ref, f.path, f.width, f.height, f.bytes, f.thumbnail FROM examples e JOIN example_files f ON f.example_id = e.id WHERE e.dataset_id = ?').all(id) as {
      pixels: Buffer; source_ref: string; path: string; width: number; height: number; bytes: number; thumbnail: Buffer;
    }[];
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(row.pixels).toHaveLength(24 * 24 * 3);
      const file = path.join(root, row.path);
      const meta = await sharp(file).metadata();
      expect([row.width, row.height, row.bytes]).toEqual([meta.width, meta.height, fs.statSync(file).size]);
      const thumb = await sharp(row.thumbnail).metadata();
      expect(thumb.format).toBe('webp');
      expect(Math.max(thumb.width!, thumb.height!)).toBe(Math.min(128, Math.max(row.width, row.height)));
    }
    expect(new Set(rows.map((r) => r.width)).size).toBeGreaterThan(1);
    // the detail names the original; the grid's image is the thumbnail
    const detail = (await app.services.dispatch('getExample', { exampleId: exampleIds(id)[0] }, 'http')) as ExampleDetail;
    expect(detail.original).toMatchObject({ path: rows[0]!.path, width: rows[0]!.width });
    const tile = await get(`/media/example/${exampleIds(id)[0]}.png`);
    expect(tile.headers.get('content-type')).toBe('image/webp');
  });

  it('keeps the pixels store for a folder of one small size, and refuses --train-size there', async () => {
    const small = path.join(photos.dir, 'small');
    for (const [i, cls] of ['a', 'b', 'a', 'b'].entries()) {
      fs.mkdirSync(path.join(small, cls), { recursive: true });
      fs.writeFileSync(path.join(small, cls, `${i}.png`), await encodeRgb(photoPixels(8, 8, i), 8, 8, 'png'));
    }
    const outcome = await importWithSkipped(createStore(app.db), ImportOptions.parse({ path: small }));
    expect(createStore(app.db).datasets.getDataset(outcome.datasetId).storage).toEqual({ store: 'pixels' });
    const err = await importError(importWithSkipped(createStore(app.db), ImportOptions.parse({ path: small, trainSize: 8, name: 'again' })));
    expect(err.message).toContain('--train-size applies to the reference store');
    // asked for, the reference store takes small uniform images too
    const ref = await importWithSkipped(createStore(app.db), ImportOptions.parse({ path: small, store: 'reference', name: 'by reference' }));
    expect(createStore(app.db).datasets.getDataset(ref.datasetId).shape).toEqual({ height: 64, width: 64, channels: 3 });
  });

  it('refuses mixed sizes in the pixels store, naming the file', async () => {
    const err = await importError(importFolder({ store: 'pixels' }));
    expect(err.message).toContain('all images must share one size');
    expect(count('datasets')).toBe(0);
  });

  it('stores no tensors with --train-size 0 (shape null), thumbnails still', async () => {
    const id = await importFolder({ trainSize: 0 });
    expect(createStore(app.db).datasets.getDataset(id).shape).toBeNull();
    expect(app.db.prepare('SELECT count(*) FROM examples WHERE dataset_id = ? AND pixels IS NULL').pluck().get(id)).toBe(12);
    expect(count('example_files')).toBe(12);
  });

  it('leaves nothing when a file fails to decode', async () => {
    fs.writeFileSync(path.join(root, 'class1', '000099.png'), 'not a png');
    const err = await importError(importFolder());
    expect(err.place.file).toBe(path.join(root, 'class1', '000099.png'));
    expect([count('datasets'), count('examples'), count('example_files'), count('dataset_image_sources')]).toEqual([0, 0, 0, 0]);
    expect(stagingFiles()).toEqual([]);
  });

  it('stages rows beside the database while files decode, so another process can write meanwhile; they land in one transaction', async () => {
    await writePhotoFolder(root, 40, { minSide: 60, maxSide: 140 });
    const other = new Database(app.databasePath);
    other.pragma('busy_timeout = 0'); // BUSY at once if the import held the write lock
    const during: { staged: string[]; wrote: boolean; landed: number }[] = [];
    const stages = new Set<string>();
    try {
      const outcome = await importWithSkipped(createStore(app.db), ImportOptions.parse({ path: root, format: 'folder' }), (stage, done) => {
        stages.add(stage);
        if (stage !== 'import' || done !== 20) return;
        other.exec("BEGIN IMMEDIATE; CREATE TABLE written_meanwhile (x); INSERT INTO written_meanwhile VALUES (1); COMMIT");
        during.push({ staged: stagingFiles(), wrote: true, landed: other.prepare('SELECT count(*) FROM examples').pluck().get() as number });
      });
      expect(during).toEqual([{ staged: [expect.stringMatching(/\.import-\d+-[0-9a-f]+\.staging$/)], wrote: true, landed: 0 }]);
      expect([...stages].slice(-2)).toEqual(['import', 'write']); // the copy is the last stage
      expect(exampleIds(outcome.datasetId)).toHaveLength(40);
      // every file row joined to its own example: the relative path is the example's source
      const joined = app.db.prepare('SELECT count(*) FROM example_files f JOIN examples e ON e.id = f.example_id WHERE f.path = e.source_ref AND e.dataset_id = ?').pluck().get(outcome.datasetId);
      expect(joined).toBe(40);
      expect(app.db.prepare('SELECT count(*) FROM written_meanwhile').pluck().get()).toBe(1);
      expect(stagingFiles()).toEqual([]);
    } finally {
      other.close();
    }
  });

  it("sweeps the staging files an import left when its process died, and keeps a running process's", async () => {
    const base = `${path.basename(app.databasePath)}.import`;
    const dead = path.join(path.dirname(app.databasePath), `${base}-999999999-1f.staging`); // beyond any pid
    const alive = path.join(path.dirname(app.databasePath), `${base}-${process.pid}-2e.staging`);
    for (const file of [dead, alive]) fs.writeFileSync(file, 'left behind');
    await importFolder();
    expect(stagingFiles()).toEqual([path.basename(alive)]);
    fs.rmSync(alive);
  });

  it('leaves nothing when cancelled mid-import', async () => {
    await writePhotoFolder(root, 60, { minSide: 60, maxSide: 140 });
    const stop = new AbortController();
    let seen = 0;
    const run = importWithSkipped(createStore(app.db), ImportOptions.parse({ path: root, format: 'folder' }), (stage, done) => {
      if (stage === 'import' && done >= 5 && seen++ === 0) stop.abort();
    }, stop.signal);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect([count('datasets'), count('examples'), count('example_files')]).toEqual([0, 0, 0]);
    expect(app.db.inTransaction).toBe(false);
    expect(stagingFiles()).toEqual([]);
    // and the database takes the next import
    await importFolder({ trainSize: 8 });
    expect(count('example_files')).toBe(60);
  });
});

describe('downstream', () => {
  it('trains on the stored S×S tensors, and says why a dataset without them cannot be trained here', async () => {
    const id = await importFolder({ trainSize: 16 });
    const data = loadTrainingData(createStore(app.db), id, { arch: 'mlp', hidden: [8], dropout: 0 });
    const { background, ...shape } = data.input as Extract<typeof data.input, { kind: 'image' }>;
    expect(shape).toEqual({ kind: 'image', height: 16, width: 16, channels: 3 });
    // each channel's background is what normalisation makes of a 0 pixel
    expect(background).toEqual(normalisedZero((data.preprocessing as { normalisation: ImageNormalisation }).normalisation));
    expect(data.train.x.length).toBe(data.train.n * 16 * 16 * 3);
    expect(data.train.n).toBeGreaterThan(0);
    const none = await importFolder({ trainSize: 0, name: 'no tensors' });
    expect(() => loadTrainingData(createStore(app.db), none, { arch: 'mlp', hidden: [8], dropout: 0 })).toThrow(/--train-size 0/);
    // refused when planned, with nothing written, not by every run failing one after another
    const experiments = count('experiments');
    const spec = paperPresetSpec(createStore(app.db), none, 1);
    expect(() => planExperiment(createStore(app.db), spec)).toThrow(`dataset ${none} keeps its images by reference without training images (imported with training size 0, --train-size 0)`);
    expect([count('experiments'), count('runs')]).toEqual([experiments, 0]);
  });
});

describe('originals', () => {
  let datasetId: number;
  let ids: number[];
  const pathOf = (exampleId: number) => app.db.prepare('SELECT path FROM example_files WHERE example_id = ?').pluck().get(exampleId) as string;
  beforeEach(async () => {
    datasetId = await importFolder({ trainSize: 16 });
    ids = exampleIds(datasetId);
  });

  it('serves every original byte for byte, with its type, only with the token', async () => {
    for (const id of ids) {
      const res = await get(`/api/example/${id}/original`);
      expect(res.status).toBe(200);
      const file = pathOf(id);
      expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(root, file)))).toBe(true);
      expect(res.headers.get('content-type')).toBe({ '.jpg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' }[path.extname(file)]);
    }
    expect((await get(`/api/example/${ids[0]}/original`, '')).status).toBe(401);
  });

  it('serves the image training sees: the stored tensor as PNG, only with the token; none for --train-size 0', async () => {
    for (const id of ids.slice(0, 4)) {
      const res = await get(`/media/example/${id}/training.png`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([16, 16, 3]);
      const stored = app.db.prepare('SELECT pixels FROM examples WHERE id = ?').pluck().get(id) as Buffer;
      expect(stored.length).toBe(16 * 16 * 3);
      expect(data.equals(stored)).toBe(true);
    }
    expect((await get(`/media/example/${ids[0]}/training.png`, '')).status).toBe(401);
    const none = exampleIds(await importFolder({ trainSize: 0, name: 'no tensors' }))[0];
    const missing = await get(`/media/example/${none}/training.png`);
    expect(missing.status).toBe(404);
    const error = (await missing.json()).error;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe(`example ${none} has no stored pixels (a text example, or an image kept by reference with training size 0, --train-size 0)`);
    expect((await get('/media/example/999999/training.png')).status).toBe(404);
  });

  it('refuses a stored path that climbs out of the root', async () => {
    fs.writeFileSync(path.join(photos.dir, 'secret.txt'), 'private');
    app.db.prepare('UPDATE example_files SET path = ? WHERE example_id = ?').run('../secret.txt', ids[0]);
    const res = await get(`/api/example/${ids[0]}/original`);
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain('leaves the dataset');
  });

  it('serves a file whose name starts with two dots: inside the root, not a climb out of it', async () => {
    fs.copyFileSync(path.join(root, pathOf(ids[0]!)), path.join(root, '..dots.jpg'));
    app.db.prepare('UPDATE example_files SET path = ? WHERE example_id = ?').run('..dots.jpg', ids[0]);
    const res = await get(`/api/example/${ids[0]}/original`);
    expect(res.status).toBe(200);
  });

  it('refuses a file replaced by a symbolic link to outside the root', async () => {
    const outside = path.join(photos.dir, 'outside.jpg');
    fs.copyFileSync(path.join(root, pathOf(ids[0]!)), outside); // same bytes: only the link gives it away
    fs.rmSync(path.join(root, pathOf(ids[0]!)));
    fs.symlinkSync(outside, path.join(root, pathOf(ids[0]!)));
    const res = await get(`/api/example/${ids[0]}/original`);
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain('outside the dataset');
  });

  it("refuses an example of a dataset that stores pixels", async () => {
    const small = path.join(photos.dir, 'small');
    for (const [i, cls] of ['a', 'b'].entries()) {
      fs.mkdirSync(path.join(small, cls), { recursive: true });
      fs.writeFileSync(path.join(small, cls, `${i}.png`), await encodeRgb(photoPixels(8, 8, i), 8, 8, 'png'));
    }
    const pixels = (await importWithSkipped(createStore(app.db), ImportOptions.parse({ path: small }))).datasetId;
    const res = await get(`/api/example/${exampleIds(pixels)[0]}/original`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toContain('stores its pixels');
    expect((await get('/api/example/999999/original')).status).toBe(404);
  });

  it('says a changed file has changed (hash mismatch) instead of serving it', async () => {
    const file = path.join(root, pathOf(ids[1]!));
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const res = await get(`/api/example/${ids[1]}/original`);
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toMatch(/has changed since it was imported.*SHA-256 differs/);
  });

  it('says a file grown past what Node can read (a sparse 3 GB) has changed, from its size, without reading it', async () => {
    const file = path.join(root, pathOf(ids[2]!));
    fs.truncateSync(file, 3 * 2 ** 30);
    const res = await get(`/api/example/${ids[2]}/original`);
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toMatch(/has changed since it was imported \(3,221,225,472 bytes now, [\d,]+ then\)/);
  });

  it("opens a pipe in the file's place without waiting for a writer, and calls it no regular file", async () => {
    // The route resolves the path, then reads: a pipe swapped in between must not hold a thread of libuv's pool for ever.
    const fifo = path.join(photos.dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return;
    expect(await readIfSame(fifo, { bytes: 10, sha256: Buffer.alloc(32) })).toEqual({ notRegular: true });
    const link = path.join(photos.dir, 'link');
    fs.symlinkSync(path.join(root, pathOf(ids[0]!)), link);
    expect(await readIfSame(link, { bytes: 10, sha256: Buffer.alloc(32) })).toEqual({ notRegular: true });
  });

  it('relocates a moved root after checking a sample, and serves from there', async () => {
    const moved = path.join(photos.dir, 'moved');
    fs.renameSync(root, moved);
    const gone = await get(`/api/example/${ids[0]}/original`);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.message).toBe(
      `the dataset's folder ${root} is not there: if the dataset's folder moved, relocate the dataset to it (Relocate… on the dataset's page, or disobey relocate --dataset ${datasetId} --root NEWPATH)`,
    );
    const result = (await app.services.dispatch('relocateDataset', { datasetId, root: moved }, 'http')) as { dataset: DatasetSummary; checked: number };
    expect(result.checked).toBe(12);
    expect(result.dataset.storage).toMatchObject({ store: 'reference', root: moved });
    const res = await get(`/api/example/${ids[0]}/original`);
    expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(moved, pathOf(ids[0]!))))).toBe(true);
  });

  it('refuses to relocate to a folder whose files differ, changing nothing', async () => {
    const other = path.join(photos.dir, 'other');
    fs.cpSync(root, other, { recursive: true });
    const file = path.join(other, pathOf(ids[3]!));
    fs.writeFileSync(file, Buffer.concat([fs.readFileSync(file), Buffer.from([0])]));
    await expect(app.services.dispatch('relocateDataset', { datasetId, root: other }, 'http')).rejects.toThrow(/differs from the file imported/);
    expect(createStore(app.db).datasets.getDataset(datasetId).storage).toMatchObject({ root });
  });

  it("refuses to relocate to a folder holding a pipe or a folder in a file's place, at once, naming it", async () => {
    for (const kind of ['pipe', 'folder']) {
      const other = path.join(photos.dir, `other-${kind}`);
      fs.cpSync(root, other, { recursive: true });
      const file = path.join(other, pathOf(ids[5]!));
      fs.rmSync(file);
      if (kind === 'folder') fs.mkdirSync(file);
      else if (spawnSync('mkfifo', [file]).status !== 0) continue;
      await expect(app.services.dispatch('relocateDataset', { datasetId, root: other }, 'http'), kind).rejects.toThrow(`${file} is not a regular file: not the same folder; nothing changed`);
    }
    expect(createStore(app.db).datasets.getDataset(datasetId).storage).toMatchObject({ root });
  });

  it('refuses to relocate to a folder that lacks the files, naming one, changing nothing', async () => {
    const elsewhere = fs.mkdtempSync(path.join(photos.dir, 'elsewhere-'));
    const attempt = app.services.dispatch('relocateDataset', { datasetId, root: elsewhere }, 'http');
    await expect(attempt).rejects.toThrow(new RegExp(`^${elsewhere} lacks \\S+, a file of the dataset: not the same folder; nothing changed$`));
    expect(createStore(app.db).datasets.getDataset(datasetId).storage).toMatchObject({ root });
  });
});

describe('a folder holds a file', () => {
  it("by their relative path: a folder at the filesystem's root holds its files, a sibling with a longer name is outside", () => {
    expect(isInsideFolder('/', '/tmp/photos/a.jpg')).toBe(true);
    expect(isInsideFolder('/data', '/data/a/b.png')).toBe(true);
    expect(isInsideFolder('/data', '/data/..b.png')).toBe(true);
    expect(isInsideFolder('/data', '/data')).toBe(false);
    expect(isInsideFolder('/data', '/data-old/b.png')).toBe(false);
    expect(isInsideFolder('/data', '/b.png')).toBe(false);
  });
});
