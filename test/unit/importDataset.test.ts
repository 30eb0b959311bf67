// parseDataset end to end: the format told from the path, the options applied after parsing,
// and the real Fashion-MNIST files when this machine has them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectFormat, parseDataset } from '../../main/data/importDataset.js';
import { ImportOptions, type ImportOptionsInput } from '../../shared/domain.js';
import { ImportError } from '../../shared/errors.js';
import { FASHION_MNIST_CLASSES } from '../../shared/fashionMnist.js';
import { encodeIdx } from './encodeIdx.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const parse = (input: ImportOptionsInput) => parseDataset(ImportOptions.parse(input));

function writeIdxPair(prefix: string, n: number, classes: number) {
  fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(encodeIdx([n, 2, 2], new Uint8Array(n * 4).map((_, i) => i % 256))));
  fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`), zlib.gzipSync(encodeIdx([n], new Uint8Array(n).map((_, i) => i % classes))));
}

describe('detectFormat', () => {
  it('tells IDX, CSV, JSONL and image folders apart', async () => {
    writeIdxPair('train', 4, 2);
    expect(await detectFormat(dir)).toBe('idx');
    expect(await detectFormat(path.join(dir, 'train-images-idx3-ubyte.gz'))).toBe('idx');

    const text = fs.mkdtempSync(path.join(dir, 'text-'));
    fs.writeFileSync(path.join(text, 'train.jsonl'), '');
    expect(await detectFormat(text)).toBe('jsonl');
    expect(await detectFormat(path.join(text, 'train.jsonl'))).toBe('jsonl');
    fs.writeFileSync(path.join(dir, 'x.CSV'), '');
    expect(await detectFormat(path.join(dir, 'x.CSV'))).toBe('csv');

    const images = fs.mkdtempSync(path.join(dir, 'images-'));
    fs.mkdirSync(path.join(images, 'cats'));
    expect(await detectFormat(images)).toBe('folder');
  });

  it('rejects a path that does not exist and a folder holding nothing it knows', async () => {
    const missing = path.join(dir, 'nope');
    await expect(detectFormat(missing)).rejects.toThrow(`no such file or directory: ${missing}`);
    await expect(detectFormat(missing)).rejects.toBeInstanceOf(ImportError);
    fs.writeFileSync(path.join(dir, 'readme.md'), '');
    await expect(detectFormat(dir)).rejects.toThrow(/no dataset found/);
    await expect(detectFormat(path.join(dir, 'readme.md'))).rejects.toThrow(/readme\.md: cannot tell the format/);
  });
});

describe('parseDataset', () => {
  it('imports IDX by inspection with an absolute source, then applies class filter, subset and noise', async () => {
    writeIdxPair('train', 200, 4);
    writeIdxPair('t10k', 40, 4);
    const relative = path.relative(process.cwd(), dir);
    const progress: string[] = [];
    const ds = await parseDataset(
      ImportOptions.parse({ path: relative, classes: ['3', '1'], subset: 30, noise: { rate: 0.3, seed: 4 } }),
      (stage) => progress.push(stage),
    );
    expect(ds.format).toBe('idx');
    expect(ds.source).toBe(path.resolve(dir));
    expect(ds.classNames).toEqual(['3', '1']);
    expect(ds.examples.filter((e) => e.split === 'train')).toHaveLength(30);
    expect(ds.examples.filter((e) => e.split === 'test')).toHaveLength(20);
    expect(ds.examples.every((e) => e.label === 0 || e.label === 1)).toBe(true);
    expect(ds.examples.some((e) => e.noisyLabel !== undefined)).toBe(true);
    expect(ds.examples.filter((e) => e.split === 'test').every((e) => e.noisyLabel === undefined)).toBe(true);
    expect(progress).toContain('parse');
  });

  it('imports an image folder and a CSV by inspection', async () => {
    for (const cls of ['a', 'b']) {
      fs.mkdirSync(path.join(dir, 'imgs', cls), { recursive: true });
      for (let i = 0; i < 5; i++) {
        await sharp(new Uint8Array(12).fill(i * 40), { raw: { width: 2, height: 2, channels: 3 } }).png().toFile(path.join(dir, 'imgs', cls, `${i}.png`));
      }
    }
    const images = await parse({ path: path.join(dir, 'imgs'), testFraction: 0.4 });
    expect(images.format).toBe('folder');
    expect(images.shape).toEqual({ height: 2, width: 2, channels: 3 });
    expect(images.examples.filter((e) => e.split === 'test')).toHaveLength(4);

    fs.writeFileSync(path.join(dir, 'reviews.csv'), 'text,label\ngood,pos\nbad,neg\nfine,pos\n');
    const text = await parse({ path: path.join(dir, 'reviews.csv') });
    expect(text.format).toBe('csv');
    expect(text.kind).toBe('text');
    expect(text.classNames).toEqual(['neg', 'pos']);
  });

  it('uses the format it is given, and passes class names on to IDX', async () => {
    writeIdxPair('train', 6, 3);
    const ds = await parse({ path: dir, format: 'idx', classNames: ['x', 'y', 'z'] });
    expect(ds.classNames).toEqual(['x', 'y', 'z']);
    fs.writeFileSync(path.join(dir, 'table.txt'), 'text,label\na,1\nb,2\n');
    expect((await parse({ path: path.join(dir, 'table.txt'), format: 'csv' })).classNames).toEqual(['0', '1', '2']);
  });

  it('rejects a path that does not exist', async () => {
    const missing = path.join(dir, 'missing.csv');
    await expect(parse({ path: missing })).rejects.toThrow(`no such file or directory: ${missing}`);
    await expect(parse({ path: missing, format: 'csv' })).rejects.toThrow(`no such file or directory: ${missing}`);
  });

  const sample = path.resolve('resources/sample/fashion-mnist');
  it.skipIf(!fs.existsSync(sample))('imports the embedded Fashion-MNIST sample with its classes.txt', async () => {
    const ds = await parse({ path: sample });
    expect(ds.format).toBe('idx');
    expect(ds.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(ds.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(ds.examples.some((e) => e.split === 'test')).toBe(true);
  });

  const fashionDir = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!fs.existsSync(fashionDir))('imports the full Fashion-MNIST from this machine', async () => {
    const ds = await parse({ path: fashionDir });
    expect(ds.format).toBe('idx');
    expect(ds.examples.filter((e) => e.split === 'train')).toHaveLength(60000);
    expect(ds.examples.filter((e) => e.split === 'test')).toHaveLength(10000);
    expect(ds.shape).toEqual({ height: 28, width: 28, channels: 1 });
    expect(ds.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(ds.examples[0]?.pixels).toHaveLength(784);
    const perClass = new Array<number>(10).fill(0);
    for (const e of ds.examples) if (e.split === 'train') perClass[e.label] = (perClass[e.label] ?? 0) + 1;
    expect(perClass).toEqual(new Array<number>(10).fill(6000));
  });
});
