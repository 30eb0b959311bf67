// The IDX importer: exact values from plain and gzipped files, and an ImportError naming the
// file for every malformed input.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importIdx, parseIdx } from '../../main/data/idx.js';
import { ImportError } from '../../shared/errors.js';
import { FASHION_MNIST_CLASSES } from '../../shared/fashionMnist.js';
import { encodeIdx } from './encodeIdx.js';
import { importError } from '../helpers/importError.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** n images of h×w whose pixel values encode (image, position), and labels i mod classes. */
function makeSplit(n: number, h: number, w: number, classes: number) {
  const pixels = new Uint8Array(n * h * w).map((_, i) => (i * 7 + 3) % 256);
  const labels = new Uint8Array(n).map((_, i) => i % classes);
  return { pixels, labels };
}

function writeSplit(prefix: string, n: number, h: number, w: number, classes: number, gzip: boolean) {
  const { pixels, labels } = makeSplit(n, h, w, classes);
  const ext = gzip ? '.gz' : '';
  const pack = (b: Buffer) => (gzip ? zlib.gzipSync(b) : b);
  fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte${ext}`), pack(encodeIdx([n, h, w], pixels)));
  fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte${ext}`), pack(encodeIdx([n], labels)));
  return { pixels, labels };
}


describe('parseIdx', () => {
  it('reads dims and data from plain and gzipped bytes alike', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const plain = encodeIdx([2, 3], data);
    for (const bytes of [plain, zlib.gzipSync(plain)]) {
      const parsed = parseIdx(bytes, 'x.idx');
      expect(parsed.dims).toEqual([2, 3]);
      expect([...parsed.data]).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('rejects a wrong magic number, naming the file', () => {
    const bytes = encodeIdx([2], new Uint8Array([1, 2]));
    bytes[0] = 0x12;
    expect(() => parseIdx(bytes, 'weird-file.idx')).toThrow(ImportError);
    expect(() => parseIdx(bytes, 'weird-file.idx')).toThrow(/weird-file\.idx.*magic number/);
  });

  it('rejects a data type other than unsigned byte, naming it', () => {
    const bytes = encodeIdx([1], new Uint8Array(4), 0x0d);
    expect(() => parseIdx(bytes, 'floats.idx')).toThrow(/floats\.idx.*0x0d \(float\)/);
  });

  it('rejects a truncated file with the expected and found sizes', () => {
    const bytes = encodeIdx([4, 2, 2], new Uint8Array(16)).subarray(0, 16 + 10);
    expect(() => parseIdx(bytes, 'short.idx')).toThrow('short.idx: truncated: expected 16 bytes of data, found 10');
  });

  it('rejects trailing bytes after the data', () => {
    const bytes = encodeIdx([2], new Uint8Array(5));
    expect(() => parseIdx(bytes, 'long.idx')).toThrow(/long\.idx: 3 unexpected bytes/);
  });

  it('rejects corrupt gzip data, naming the file', () => {
    const gz = zlib.gzipSync(encodeIdx([100], new Uint8Array(100)));
    const broken = Buffer.concat([gz.subarray(0, 12), Buffer.alloc(20, 0xff)]);
    expect(() => parseIdx(broken, 'broken.gz')).toThrow(/broken\.gz: corrupt gzip/);
  });
});

describe('importIdx', () => {
  for (const gzip of [false, true]) {
    it(`imports a ${gzip ? 'gzipped' : 'plain'} train/test folder with exact pixels and labels`, async () => {
      const train = writeSplit('train', 12, 4, 3, 3, gzip);
      const test = writeSplit('t10k', 5, 4, 3, 3, gzip);
      const progress: [string, number, number][] = [];
      const ds = await importIdx(dir, {}, (...args) => progress.push(args));
      expect(ds.kind).toBe('image');
      expect(ds.format).toBe('idx');
      expect(ds.source).toBe(path.resolve(dir));
      expect(ds.shape).toEqual({ height: 4, width: 3, channels: 1 });
      expect(ds.classNames).toEqual(['0', '1', '2']);
      const trainEx = ds.examples.filter((e) => e.split === 'train');
      const testEx = ds.examples.filter((e) => e.split === 'test');
      expect(trainEx).toHaveLength(12);
      expect(testEx).toHaveLength(5);
      expect(trainEx.map((e) => e.label)).toEqual([...train.labels]);
      expect(testEx.map((e) => e.label)).toEqual([...test.labels]);
      trainEx.forEach((e, i) => expect([...(e.pixels as Uint8Array)]).toEqual([...train.pixels.subarray(i * 12, (i + 1) * 12)]));
      testEx.forEach((e, i) => expect([...(e.pixels as Uint8Array)]).toEqual([...test.pixels.subarray(i * 12, (i + 1) * 12)]));
      expect(trainEx[3]?.sourceRef).toBe(`train-images-idx3-ubyte${gzip ? '.gz' : ''}:3`);
      expect(progress.at(-1)).toEqual(['parse', 2, 2]);
    });
  }

  it('imports one images file, finding its labels file by name', async () => {
    writeSplit('train', 6, 2, 2, 2, true);
    const ds = await importIdx(path.join(dir, 'train-images-idx3-ubyte.gz'));
    expect(ds.examples).toHaveLength(6);
    expect(ds.examples.every((e) => e.split === 'train')).toBe(true);
  });

  it('accepts test-* names and 4-dimensional RGB images', async () => {
    const n = 4;
    const pixels = new Uint8Array(n * 2 * 2 * 3).map((_, i) => i);
    fs.writeFileSync(path.join(dir, 'test-images-idx3-ubyte'), encodeIdx([n, 2, 2, 3], pixels));
    fs.writeFileSync(path.join(dir, 'test-labels-idx1-ubyte'), encodeIdx([n], new Uint8Array([0, 1, 0, 1])));
    const ds = await importIdx(dir);
    expect(ds.shape).toEqual({ height: 2, width: 2, channels: 3 });
    expect([...(ds.examples[1]?.pixels as Uint8Array)]).toEqual([...pixels.subarray(12, 24)]);
    expect(ds.examples.every((e) => e.split === 'test')).toBe(true);
  });

  it('takes class names from the options, then classes.txt, then a "fashion" path', async () => {
    writeSplit('train', 10, 2, 2, 3, false);
    expect((await importIdx(dir, { classNames: ['a', 'b', 'c'] })).classNames).toEqual(['a', 'b', 'c']);
    fs.writeFileSync(path.join(dir, 'classes.txt'), 'cat\ndog\nbird\n');
    expect((await importIdx(dir)).classNames).toEqual(['cat', 'dog', 'bird']);
    expect((await importIdx(dir, { classNames: ['x', 'y', 'z'] })).classNames).toEqual(['x', 'y', 'z']);

    const fashion = path.join(dir, 'My-Fashion-set');
    fs.mkdirSync(fashion);
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) fs.copyFileSync(path.join(dir, name), path.join(fashion, name));
    expect((await importIdx(fashion)).classNames).toEqual(FASHION_MNIST_CLASSES);
  });

  it('rejects a label count that differs from the image count, naming both files', async () => {
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([3, 2, 2], new Uint8Array(12)));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([4], new Uint8Array([0, 1, 0, 1])));
    const err = await importError(importIdx(dir));
    expect(err.message).toContain('train-labels-idx1-ubyte');
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(err.message).toMatch(/4 labels .* 3 images/);
  });

  it('rejects a truncated images file, naming it', async () => {
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([3, 2, 2], new Uint8Array(12)).subarray(0, 20));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([3], new Uint8Array([0, 1, 0])));
    const err = await importError(importIdx(dir));
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(err.message).toContain('truncated: expected 12 bytes of data, found 4');
  });

  it('rejects a missing labels file, naming the images file', async () => {
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(encodeIdx([2, 2, 2], new Uint8Array(8))));
    const err = await importError(importIdx(dir));
    expect(err.message).toContain('train-images-idx3-ubyte.gz');
    expect(err.message).toMatch(/no train labels file/);
    const single = await importError(importIdx(path.join(dir, 'train-images-idx3-ubyte.gz')));
    expect(single.message).toContain('train-labels-idx1-ubyte');
  });

  it('rejects a folder without IDX files, naming it', async () => {
    fs.writeFileSync(path.join(dir, 'readme.txt'), 'hi');
    const err = await importError(importIdx(dir));
    expect(err.message).toContain(dir);
    expect(err.message).toContain('no IDX files found');
  });

  it('rejects an empty dataset', async () => {
    writeSplit('train', 0, 2, 2, 2, false);
    const err = await importError(importIdx(dir));
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(err.message).toContain('empty');
  });

  it('rejects a single class', async () => {
    writeSplit('train', 5, 2, 2, 1, false);
    const err = await importError(importIdx(dir));
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(err.message).toContain('a single class');
  });

  it('rejects a label beyond the class names, naming the labels file', async () => {
    writeSplit('train', 8, 2, 2, 4, false);
    const err = await importError(importIdx(dir, { classNames: ['a', 'b', 'c'] }));
    expect(err.message).toContain('train-labels-idx1-ubyte');
    expect(err.message).toContain('label 3 is out of range for 3 class names');
  });

  it('rejects images of another rank', async () => {
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([2, 4], new Uint8Array(8)));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([2], new Uint8Array([0, 1])));
    const err = await importError(importIdx(dir));
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(err.message).toContain('3 dimensions');
  });
});
