// Bad input through the real import paths into a real SQLite file (issue 15, items 9–12b): what an
// image-folder import skipped comes back with the dataset (and out of the CLI), the image side cap
// is an import option, refused files write nothing, and a sample of seeded malformed curated-set
// ZIPs and .npz runs is each refused by name with nothing written, or imported whole.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlainDataset, encodeNpy, randomProbabilities, type PlainDataset } from '../../bench/ingestFixture.js';
import { contract } from '../../shared/contract.js';
import { ImportOptions } from '../../shared/domain.js';
import { ImportError } from '../../shared/errors.js';
import { importIntoDatabase, importWithSkipped } from '../../main/data/importIntoDatabase.js';
import { encodePng } from '../../main/data/png.js';
import { ingestRuns } from '../../main/data/runIngest.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { importError } from '../helpers/importError.js';
import { baseArchives, malformedArchives, putTogether, zipInMemory } from '../helpers/malformedZips.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { createStore } from '../../main/store/store.js';

const temp = makeTempDir('disobey-hardening-');
let db: Database.Database;
beforeAll(() => {
  db = openDatabase(path.join(temp.dir, 'hardening.db'));
});
afterAll(() => {
  db.close();
  temp.dispose();
});

const tables = ['datasets', 'examples', 'experiments', 'runs', 'prediction_matrices', 'epoch_metrics'];
const counts = () => Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
const options = (input: Parameters<typeof ImportOptions.parse>[0]) => ImportOptions.parse(input);
const tinyPng = (salt: number) => encodePng(Uint8Array.from({ length: 12 }, (_, i) => (i * 17 + salt * 29) % 256), 4, 3, 1);

function folder(name: string, files: Record<string, Buffer | string>): string {
  const root = path.join(temp.dir, name);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

describe('skipped files in the import result (item 12)', () => {
  it('comes back with the dataset: a count of the skipped files and the first ten with their reasons', async () => {
    const notes = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`cat/notes-${i}.txt`, 'x']));
    const root = folder('skips', { 'cat/a.png': tinyPng(1), 'cat/b.png': tinyPng(2), 'dog/c.png': tinyPng(3), 'dog/d.png': tinyPng(4), ...notes });
    fs.writeFileSync(Buffer.from(`${root}/dog/\xff.png`, 'latin1'), tinyPng(5));
    const outcome = await importWithSkipped(createStore(db), options({ path: root, name: 'skips' }));
    expect(outcome.skipped.count).toBe(12);
    expect(outcome.skipped.examples).toEqual(Array.from({ length: 10 }, (_, i) => ({ path: `cat/notes-${i}.txt`, reason: 'not an image file (PNG, JPEG, WebP, GIF, TIFF or BMP)' })));
    const summary = createDatasetQueries(db).getDataset(outcome.datasetId);
    expect(summary.splits.reduce((a, s) => a + s.count, 0)).toBe(4);
    // The contract's import result carries it to the app as it is.
    expect(contract.importDataset.result.parse({ ...summary, skipped: outcome.skipped }).skipped).toEqual(outcome.skipped);
  });

  it('names a file whose name is not UTF-8 among the first skipped, escaped', async () => {
    const root = folder('latin1', { 'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2) });
    fs.writeFileSync(Buffer.from(`${root}/b/caf\xe9.png`, 'latin1'), tinyPng(3));
    const { skipped } = await importWithSkipped(createStore(db), options({ path: root }));
    expect(skipped).toEqual({ count: 1, examples: [{ path: 'b/caf\\xE9.png', reason: 'the name is not valid UTF-8' }] });
  });

  it('lists an image beside the class folders, which has no class', async () => {
    const root = folder('loose', { 'a/1.png': tinyPng(1), 'b/1.png': tinyPng(2), 'loose.png': tinyPng(3) });
    const { skipped } = await importWithSkipped(createStore(db), options({ path: root }));
    expect(skipped).toEqual({ count: 1, examples: [{ path: 'loose.png', reason: 'an image in the dataset folder itself, outside every class folder' }] });
  });
});

describe('a path that cannot hold the format asked for', () => {
  it('refuses a pipe or a device (read whole, they never end), a folder as zip, a file as folder, and a .csv as jsonl', async () => {
    const before = counts();
    const fifo = path.join(temp.dir, 'pipe');
    spawnSync('mkfifo', [fifo]);
    const csv = path.join(temp.dir, 'small.csv');
    fs.writeFileSync(csv, 'text,label\na,x\nb,y\n');
    const refused = async (input: Parameters<typeof options>[0]) => (await importError(importIntoDatabase(createStore(db), options(input)))).message;
    if (fs.existsSync(fifo)) expect(await refused({ path: fifo, format: 'csv' })).toBe(`${fifo}: not a regular file or a folder (a pipe, device or socket cannot be imported)`);
    expect(await refused({ path: '/dev/zero', format: 'csv' })).toBe('/dev/zero: not a regular file or a folder (a pipe, device or socket cannot be imported)');
    expect(await refused({ path: temp.dir, format: 'zip' })).toBe(`${temp.dir}: --format zip needs a .zip file; this is a folder`);
    expect(await refused({ path: csv, format: 'folder' })).toBe(`${csv}: --format folder needs a folder of class folders; this is a file`);
    // read as CSV whatever was asked, it was recorded as jsonl
    expect(await refused({ path: csv, format: 'jsonl' })).toBe(`${csv}: a .csv file is read as CSV, not as --format jsonl`);
    expect(counts()).toEqual(before);
  });
});

describe('a CSV with texts and pixels', () => {
  it('is refused: importing it as images threw the texts away', async () => {
    const file = path.join(temp.dir, 'both.csv');
    fs.writeFileSync(file, 'text,label,pixel1\nhello,a,3\nworld,b,4\n');
    expect((await importError(importIntoDatabase(createStore(db), options({ path: file })))).message).toBe(`${file}, row 1: both a "text" column and pixel columns (pixel1…): a CSV dataset holds texts or images, not both`);
  });
});

describe('JSONL text that is not text', () => {
  it('refuses a lone UTF-16 surrogate by row and field, which SQLite would keep as bytes no UTF-8 reader decodes', async () => {
    const file = path.join(temp.dir, 'surrogate.jsonl');
    fs.writeFileSync(file, '{"text":"fine","label":"a"}\n{"text":"half \\ud800 a pair","label":"b"}\n');
    expect((await importError(importIntoDatabase(createStore(db), options({ path: file })))).message).toBe(`${file}, row 2: "text" holds a lone UTF-16 surrogate (a \\ud800–\\udfff escape without its pair), which is not text`);
    const paired = path.join(temp.dir, 'paired.jsonl');
    fs.writeFileSync(paired, '{"text":"ok","label":"a"}\n{"text":"\\ud83d\\ude00","label":"b"}\n');
    await importIntoDatabase(createStore(db), options({ path: paired }));
  });
});

describe('the image side cap as an import option (item 11)', () => {
  it('refuses an image past 4096 pixels on a side with nothing written, and takes it with maxImageSide raised', async () => {
    const wide = await sharp({ create: { width: 4100, height: 3, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
    const root = folder('wide', { 'a/1.png': wide, 'b/1.png': wide });
    const before = counts();
    const err = await importError(importIntoDatabase(createStore(db), options({ path: root })));
    expect(err.message).toBe(`${path.join(root, 'a', '1.png')}: the image is 4100×3 pixels, past the 4096×4096 limit (raise it with maxImageSide, or --max-image-side on the command line)`);
    expect(counts()).toEqual(before);
    const id = await importIntoDatabase(createStore(db), options({ path: root, maxImageSide: 4100, store: 'pixels' }));
    expect(createDatasetQueries(db).getDataset(id).shape).toEqual({ height: 3, width: 4100, channels: 3 });
  });

  it('is a whole number of pixels, 1 to 65,536', () => {
    expect(ImportOptions.parse({ path: '/d', maxImageSide: 8192 }).maxImageSide).toBe(8192);
    for (const bad of [0, -1, 1.5, 70_000, Number.NaN]) expect(ImportOptions.safeParse({ path: '/d', maxImageSide: bad }).success, String(bad)).toBe(false);
  });
});

describe('large text tables', () => {
  it('a CSV and a JSONL of 130,000 rows import whole (past the ~120,000 arguments a spread into push takes)', async () => {
    const rows = 130_000;
    const csv = path.join(temp.dir, 'large.csv');
    fs.writeFileSync(csv, `text,label\n${Array.from({ length: rows }, (_, i) => `text ${i},${i % 5}\n`).join('')}`);
    const jsonl = path.join(temp.dir, 'large.jsonl');
    fs.writeFileSync(jsonl, Array.from({ length: rows }, (_, i) => `${JSON.stringify({ text: `t${i}`, label: i % 3 })}\n`).join(''));
    for (const file of [csv, jsonl]) {
      const id = await importIntoDatabase(createStore(db), options({ path: file }));
      expect(db.prepare('SELECT count(*) FROM examples WHERE dataset_id = ?').pluck().get(id)).toBe(rows);
    }
  }, 120_000);
});

describe('refused files write nothing (items 9 and 10)', () => {
  it('a JSONL label nested 5,000 deep and a ZIP manifest that inflates past its cap', async () => {
    const before = counts();
    const deep = path.join(temp.dir, 'deep.jsonl');
    fs.writeFileSync(deep, `{"text":"a","label":"x"}\n{"text":"b","label":${'['.repeat(5000)}${']'.repeat(5000)}}\n`);
    expect((await importError(importIntoDatabase(createStore(db), options({ path: deep })))).message).toBe(`${deep}, row 2: "label" must be a class name or a non-negative integer, found an array`);
    const bomb = path.join(temp.dir, 'bomb.zip');
    const zero = Buffer.alloc(1 << 20);
    fs.writeFileSync(bomb, await zipInMemory(async (zip) => {
      const manifest = await zip.startDeflated('manifest.csv');
      for (let i = 0; i < 260; i++) await manifest.write(zero);
      await manifest.end();
    }));
    expect((await importError(importIntoDatabase(createStore(db), options({ path: bomb })))).message).toBe(`${bomb}: manifest.csv inflates past 256 MB (it declares 260.0 MB)`);
    expect(counts()).toEqual(before);
  });
});

describe('seeded malformed archives through the real imports (item 12b)', () => {
  it('each of 300 damaged curated-set ZIPs is refused by name with nothing written, or imported whole', async () => {
    const manifest = `split,label,label_name,file\n${Array.from({ length: 24 }, (_, i) => `${i % 4 ? 'train' : 'test'},${i % 2},${i % 2 ? 'b' : 'a'},images/${i % 3}.png`).join('\n')}\n`;
    const bases = await baseArchives([{ name: 'manifest.csv', bytes: Buffer.from(manifest), deflate: true }, ...[0, 1, 2].map((i) => ({ name: `images/${i}.png`, bytes: tinyPng(i) }))], 'curated');
    const intact = path.join(temp.dir, 'intact.zip');
    fs.writeFileSync(intact, putTogether(bases[1]!.parts, { zip64: true }));
    const whole = createDatasetQueries(db).getDataset(await importIntoDatabase(createStore(db), options({ path: intact })));
    const tally = { refused: 0, imported: 0 };
    const failures: string[] = [];
    let n = 0;
    for (const archive of malformedArchives(bases, 300, 1512)) {
      const file = path.join(temp.dir, `damaged-${n++}.zip`);
      fs.writeFileSync(file, archive.bytes);
      const before = counts();
      try {
        const summary = createDatasetQueries(db).getDataset(await importIntoDatabase(createStore(db), options({ path: file })));
        tally.imported++;
        const total = summary.splits.reduce((a, s) => a + s.count, 0);
        if (total !== 24 || summary.classNames.join() !== whole.classNames.join()) failures.push(`${archive.label}: imported ${total} examples of ${summary.classNames.join()}`);
      } catch (err) {
        tally.refused++;
        if (!(err instanceof ImportError) || !err.message.startsWith(file)) failures.push(`${archive.label}: ${(err as Error).constructor.name}: ${(err as Error).message.slice(0, 200)}`);
        else if (JSON.stringify(counts()) !== JSON.stringify(before)) failures.push(`${archive.label}: refused, but rows were written`);
      }
      fs.rmSync(file);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(tally.refused).toBeGreaterThan(100);
    expect(tally.imported).toBeGreaterThan(10);
  }, 120_000);

  it('each of 300 damaged .npz epochs is refused by name with nothing written, or ingested exactly', async () => {
    const N = 16;
    const C = 3;
    const data: PlainDataset = createPlainDataset(db, N, C, 'npz target');
    const index = encodeNpy(new Float32Array(0), [N]);
    const int64 = Buffer.concat([Buffer.from(index.toString('latin1').replace("'<f4'", "'<i8'"), 'latin1'), Buffer.from(new BigInt64Array(data.ids.map(BigInt)).buffer)]);
    const probs = randomProbabilities(N, C, 5);
    const bases = await baseArchives([{ name: 'index.npy', bytes: int64 }, { name: 'probs.npy', bytes: encodeNpy(probs, [N, C]), deflate: true }], 'npz');
    const tally = { refused: 0, ingested: 0 };
    const failures: string[] = [];
    let n = 0;
    for (const archive of malformedArchives(bases, 300, 1513)) {
      const dir = path.join(temp.dir, `run-${n++}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ name: 'teacher', role: 'teacher', epochs: 1 }));
      const file = path.join(dir, 'epoch-1.npz');
      fs.writeFileSync(file, archive.bytes);
      const before = counts();
      try {
        const result = await ingestRuns(createStore(db), { path: dir, datasetId: data.datasetId });
        tally.ingested++;
        const chunks = db.prepare('SELECT probs FROM prediction_matrices WHERE run_id = ? ORDER BY chunk').pluck().all(result.runs[0]!.id) as Buffer[];
        const bytes = Buffer.concat(chunks);
        const stored = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const worst = stored.reduce((w, p, i) => Math.max(w, Math.abs(p - probs[i]!)), 0);
        if (stored.length !== N * C || worst > 1e-6) failures.push(`${archive.label}: ingested other probabilities (off by ${worst})`);
      } catch (err) {
        tally.refused++;
        if (!(err instanceof ImportError) || !err.message.includes(file)) failures.push(`${archive.label}: ${(err as Error).constructor.name}: ${(err as Error).message.slice(0, 200)}`);
        else if (JSON.stringify(counts()) !== JSON.stringify(before)) failures.push(`${archive.label}: refused, but rows were written`);
      }
      fs.rmSync(dir, { recursive: true });
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(tally.refused).toBeGreaterThan(100);
    expect(tally.ingested).toBeGreaterThan(10);
  }, 120_000);
});

const cli = path.resolve('out/main/cli.js');

describe.skipIf(!fs.existsSync(cli))('the CLI import (items 11 and 12)', () => {
  const disobey = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('takes --max-image-side and reports what it skipped, as JSON and as text', async () => {
    const database = path.join(temp.dir, 'cli.db');
    const wide = await sharp({ create: { width: 4100, height: 2, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
    const root = folder('cli-wide', { 'a/1.png': wide, 'b/1.png': wide, 'b/readme.md': '#' });
    const refused = disobey('import', root, '--db', database);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('past the 4096×4096 limit');
    const json = disobey('import', root, '--db', database, '--max-image-side', '4100', '--store', 'pixels', '--json');
    expect(json.stderr).toBe('');
    const result = JSON.parse(json.stdout);
    expect(result.shape).toEqual({ height: 2, width: 4100, channels: 3 });
    expect(result.skipped).toEqual({ count: 1, examples: [{ path: 'b/readme.md', reason: 'not an image file (PNG, JPEG, WebP, GIF, TIFF or BMP)' }] });
    const text = disobey('import', root, '--db', database, '--max-image-side', '4100', '--name', 'again');
    expect(text.stdout).toContain('skipped 1 file:\n  b/readme.md: not an image file (PNG, JPEG, WebP, GIF, TIFF or BMP)');
    expect(disobey('import', root, '--db', database, '--max-image-side', '0').status).toBe(2);
  });
});
