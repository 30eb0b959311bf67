// Curated-set ZIP exports of a dataset stored by reference: the original files byte for byte under
// their paths in the dataset's folder, or the stored thumbnails on request (CLI and contract); a
// file changed or moved since the import refuses the export by name and leaves no file; a pixels
// dataset's ZIP keeps its PNGs and refuses the choice.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { TOKEN_HEADER, type CallArgs, type CallName, type CallResult } from '../../shared/contract.js';
import { DOWNLOAD_EXPORT_PATH } from '../../shared/curatedSets.js';
import { ImportOptions, type ImportOptionsInput } from '../../shared/domain.js';
import type { DomainError } from '../../shared/errors.js';
import { importWithSkipped } from '../../main/data/importIntoDatabase.js';
import { parseCsv } from '../../main/data/textTable.js';
import { openZip } from '../../main/data/zipReader.js';
import { createStore } from '../../main/store/store.js';
import { encodeRgb, photoPixels } from '../../bench/imageFixture.js';
import { usePhotoFolderApp } from '../helpers/photoFolderApp.js';

const photos = usePhotoFolderApp(12, { minSide: 60, maxSide: 140 });

const call = <K extends CallName>(name: K, args: CallArgs<K>) => photos.app.services.dispatch(name, args, 'http') as Promise<CallResult<K>>;
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (err: DomainError) => err);
const importFolder = async (folder: string, options: Partial<ImportOptionsInput> = {}) =>
  (await importWithSkipped(createStore(photos.app.db), ImportOptions.parse({ path: folder, format: 'folder', ...options }))).datasetId;
const exampleIds = (datasetId: number) => photos.app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
const filePaths = (datasetId: number) =>
  new Map(
    (photos.app.db.prepare('SELECT f.example_id AS id, f.path FROM example_files f JOIN examples e ON e.id = f.example_id WHERE e.dataset_id = ?').all(datasetId) as { id: number; path: string }[]).map((r) => [r.id, r.path]),
  );

async function setOf(datasetId: number, count: number): Promise<number[]> {
  const ids = exampleIds(datasetId).slice(0, count);
  await call('createCuratedSet', { datasetId, name: 'picked', exampleIds: ids });
  return ids;
}

async function zipContents(file: string): Promise<{ names: string[]; manifest: string[][]; read: (name: string) => Promise<Buffer> }> {
  const archive = await openZip(file);
  const manifest = parseCsv((await archive.read(archive.entries.get('manifest.csv')!)).toString('utf8'), 'manifest.csv').map((r) => r.fields);
  const read = async (name: string) => {
    const entry = archive.entries.get(name);
    if (!entry) throw new Error(`no entry ${name}`);
    return archive.read(entry);
  };
  // the bytes are read before the archive closes
  const entries = new Map<string, Buffer>();
  for (const name of archive.entries.keys()) entries.set(name, await read(name));
  await archive.close();
  return { names: [...entries.keys()], manifest, read: async (name) => entries.get(name) ?? read(name) };
}

describe('ZIP export of a reference dataset', () => {
  it('holds the original files byte for byte under their paths, named in the manifest', async () => {
    const datasetId = await importFolder(photos.root, { trainSize: 16 });
    const ids = await setOf(datasetId, 7);
    const paths = filePaths(datasetId);
    const file = path.join(photos.temp.dir, 'originals.zip');
    const result = await call('exportCuratedSet', { setId: 1, format: 'zip', path: file });
    expect(result).toMatchObject({ rows: 7, images: 'originals', bytes: fs.statSync(file).size });
    const zip = await zipContents(file);
    expect(zip.names).toEqual(['manifest.csv', ...ids.map((id) => paths.get(id))]);
    const header = zip.manifest[0]!;
    const fileColumn = header.indexOf('file');
    for (const row of zip.manifest.slice(1)) {
      const relative = paths.get(Number(row[0]))!;
      expect(row[fileColumn]).toBe(relative);
      expect(Buffer.compare(await zip.read(relative), fs.readFileSync(path.join(photos.root, relative)))).toBe(0);
    }
  });

  it('holds the stored thumbnails on request (contract and CLI)', async () => {
    const datasetId = await importFolder(photos.root, { trainSize: 0 });
    const ids = await setOf(datasetId, 5);
    const file = path.join(photos.temp.dir, 'thumbs.zip');
    const result = await call('exportCuratedSet', { setId: 1, format: 'zip', path: file, images: 'thumbnails' });
    expect(result.images).toBe('thumbnails');
    const zip = await zipContents(file);
    expect(zip.names).toHaveLength(6);
    const stored = photos.app.db.prepare('SELECT thumbnail FROM example_files WHERE example_id = ?').pluck();
    const fileColumn = zip.manifest[0]!.indexOf('file');
    for (const [i, row] of zip.manifest.slice(1).entries()) {
      expect(Number(row[0])).toBe(ids[i]);
      expect(row[fileColumn]).toMatch(new RegExp(`^images/(train|test)/[^/]+/${ids[i]}\\.webp$`));
      const data = await zip.read(row[fileColumn]!);
      expect(Buffer.compare(data, stored.get(ids[i]) as Buffer)).toBe(0);
      const meta = await sharp(data).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(128);
    }

    const cliFile = path.join(photos.temp.dir, 'cli-thumbs.zip');
    const cli = spawnSync(process.execPath, ['out/main/cli.js', 'export', '--set', 'picked', '--out', cliFile, '--images', 'thumbnails', '--db', photos.app.databasePath], { encoding: 'utf8' });
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/^wrote 5 examples of set 1 "picked" to .*cli-thumbs\.zip \(zip with the thumbnails, [\d.]+ KiB\)\n$/);
    expect((await zipContents(cliFile)).names).toEqual(zip.names);

    // web mode's download asks the same
    const response = await fetch(`${photos.app.base}${DOWNLOAD_EXPORT_PATH}?setId=1&format=zip&images=thumbnails&token=${photos.app.server.token}`, { headers: { [TOKEN_HEADER]: photos.app.server.token } });
    expect(response.status).toBe(200);
    const downloaded = path.join(photos.temp.dir, 'downloaded.zip');
    fs.writeFileSync(downloaded, Buffer.from(await response.arrayBuffer()));
    expect((await zipContents(downloaded)).names).toEqual(zip.names);
  });

  it('refuses the export when a file changed since the import, naming it; no file is left', async () => {
    const datasetId = await importFolder(photos.root, { trainSize: 16 });
    const ids = await setOf(datasetId, 6);
    const changed = filePaths(datasetId).get(ids[3]!)!;
    fs.appendFileSync(path.join(photos.root, changed), Buffer.from([0]));
    const file = path.join(photos.temp.dir, 'changed.zip');
    const err = await failure(call('exportCuratedSet', { setId: 1, format: 'zip', path: file }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('the export was refused, nothing was written');
    expect(err.message).toContain(path.join(photos.root, changed));
    expect(err.message).toContain('has changed since it was imported');
    expect(fs.readdirSync(photos.temp.dir).filter((name) => name.endsWith('.zip') || name.includes('changed'))).toEqual([]);

    // a moved file: named too; the thumbnails need no file and still export
    fs.renameSync(path.join(photos.root, changed), path.join(photos.temp.dir, 'elsewhere'));
    const moved = await failure(call('exportCuratedSet', { setId: 1, format: 'zip', path: file }));
    expect(moved.code).toBe('NOT_FOUND');
    expect(moved.message).toContain(path.join(photos.root, changed));
    expect(fs.existsSync(file)).toBe(false);
    expect((await call('exportCuratedSet', { setId: 1, format: 'zip', path: file, images: 'thumbnails' })).rows).toBe(6);
  });

  it('keeps the PNGs of a pixels dataset and refuses a choice of images there, or for CSV', async () => {
    const small = path.join(photos.temp.dir, 'small');
    for (const [i, cls] of ['a', 'b', 'a', 'b'].entries()) {
      fs.mkdirSync(path.join(small, cls), { recursive: true });
      fs.writeFileSync(path.join(small, cls, `${i}.png`), await encodeRgb(photoPixels(8, 8, i), 8, 8, 'png'));
    }
    const datasetId = await importFolder(small);
    await setOf(datasetId, 4);
    const file = path.join(photos.temp.dir, 'pixels.zip');
    expect((await call('exportCuratedSet', { setId: 1, format: 'zip', path: file })).images).toBe('png');
    expect((await zipContents(file)).names.slice(1).every((name) => /^images\/.+\.png$/.test(name))).toBe(true);
    const err = await failure(call('exportCuratedSet', { setId: 1, format: 'zip', path: path.join(photos.temp.dir, 'x.zip'), images: 'originals' }));
    expect(err.message).toContain('stores its pixels: its ZIP holds a PNG of each image');
    const csv = await failure(call('exportCuratedSet', { setId: 1, format: 'csv', path: path.join(photos.temp.dir, 'x.csv'), images: 'thumbnails' }));
    expect(csv.message).toContain('applies to ZIP exports only');
  });

  it('writes the CSV of a reference dataset stored without training images (no pixel columns)', async () => {
    const datasetId = await importFolder(photos.root, { trainSize: 0 });
    await setOf(datasetId, 3);
    const file = path.join(photos.temp.dir, 'none.csv');
    expect((await call('exportCuratedSet', { setId: 1, format: 'csv', path: file })).rows).toBe(3);
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).not.toContain('pixel0');
  });
});
