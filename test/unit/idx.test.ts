// The IDX importer: exact values from plain and gzipped files, and an ImportError naming the
// file for every malformed input.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { importIdx, parseIdx } from '../../main/data/idx.js';
import { parseDataset } from '../../main/data/importDataset.js';
import { ImportOptions } from '../../shared/domain.js';
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

/** A gzip stream whose header carries a file name of `nameLength` bytes (RFC 1952 FNAME), so the IDX header starts that far in. */
function gzipWithLongName(bytes: Buffer, nameLength: number): Buffer {
  const gz = zlib.gzipSync(bytes, { level: 9 });
  const header = Buffer.from(gz.subarray(0, 10));
  header[3] = (header[3] as number) | 0x08;
  return Buffer.concat([header, Buffer.alloc(nameLength, 0x61), Buffer.from([0]), gz.subarray(10)]);
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

  it('refuses a gzip bomb from its header, never inflating much past the size the header declares', () => {
    // 2×2×2 declared (24 bytes with the header), then 16 MB of zeros: about 16 KB gzipped.
    const bomb = zlib.gzipSync(Buffer.concat([encodeIdx([2, 2, 2], new Uint8Array(8)), Buffer.alloc(16 << 20)]), { level: 9 });
    const longName = gzipWithLongName(Buffer.concat([encodeIdx([2, 2, 2], new Uint8Array(8)), Buffer.alloc(16 << 20)]), 1000);
    const gunzip = vi.spyOn(zlib, 'gunzipSync');
    try {
      expect(() => parseIdx(bomb, 'bomb.gz')).toThrow('bomb.gz: inflates past the 24 bytes its header declares (dimensions 2×2×2)');
      // The header lies past a 1000-byte gzip file name: the prefix grows, then shrinks back under the 1 MB a prefix may give.
      expect(() => parseIdx(longName, 'named.gz')).toThrow('named.gz: inflates past the 24 bytes its header declares');
      const largest = Math.max(...gunzip.mock.results.map((r) => (r.type === 'return' ? (r.value as Buffer).length : 0)));
      expect(largest).toBeLessThanOrEqual(1 << 20);
      expect(gunzip.mock.results.some((r) => r.type === 'throw')).toBe(true);
    } finally {
      gunzip.mockRestore();
    }
  });

  it('reads a gzipped file whose header lies past a long gzip file name', () => {
    const parsed = parseIdx(gzipWithLongName(encodeIdx([3, 2], new Uint8Array([1, 2, 3, 4, 5, 6])), 3000), 'named.gz');
    expect(parsed.dims).toEqual([3, 2]);
    expect([...parsed.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a gzipped file declaring more than 1024 MB before inflating it', () => {
    const gz = zlib.gzipSync(encodeIdx([1 << 20, 1 << 11], new Uint8Array(0)));
    expect(() => parseIdx(gz, 'huge.gz')).toThrow('huge.gz: its header declares 2048.0 MB (dimensions 1048576×2048), past the 1024 MB a gzipped IDX file may inflate to');
  });

  it('still tells a cut-short gzip stream, and one byte too many, from a bomb', () => {
    const gz = zlib.gzipSync(encodeIdx([100], new Uint8Array(100)));
    expect(() => parseIdx(gz.subarray(0, gz.length - 6), 'cut.gz')).toThrow('cut.gz: corrupt gzip data: unexpected end of file');
    const tiny = zlib.gzipSync(Buffer.from([0, 0, 8]));
    expect(() => parseIdx(tiny.subarray(0, tiny.length - 2), 'tiny.gz')).toThrow('tiny.gz: corrupt gzip data: unexpected end of file');
    expect(() => parseIdx(tiny, 'tiny.gz')).toThrow('tiny.gz: not an IDX file: only 3 bytes');
    const long = zlib.gzipSync(encodeIdx([2], new Uint8Array(3)));
    expect(() => parseIdx(long, 'long.gz')).toThrow('long.gz: 1 unexpected bytes after the data (dimensions 2 need 2 bytes)');
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

  it('refuses a classes.txt naming a class twice, or not UTF-8; takes one with a byte-order mark', async () => {
    writeSplit('train', 10, 2, 2, 3, false);
    const classes = path.join(dir, 'classes.txt');
    fs.writeFileSync(classes, 'cat\ndog\ncat\n');
    expect((await importError(importIdx(dir))).message).toBe(`${classes}, row 3: class "cat" is named twice (rows 1 and 3)`);
    fs.writeFileSync(classes, Buffer.from([0x63, 0xff, 0x61, 0x74, 0x0a, 0x64, 0x6f, 0x67, 0x0a, 0x62, 0x0a]));
    expect((await importError(importIdx(dir))).message).toMatch(new RegExp(`^${classes.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*UTF-8`));
    fs.writeFileSync(classes, '\uFEFFcat\ndog\nbird\n');
    expect((await importIdx(dir)).classNames).toEqual(['cat', 'dog', 'bird']);
  });

  it('refuses t10k- and test- files both holding the test split, rather than read one of them', async () => {
    writeSplit('train', 10, 2, 2, 3, false);
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdx([2, 2, 2], new Uint8Array(8)));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([2], new Uint8Array([0, 1])));
    fs.writeFileSync(path.join(dir, 'test-images-idx3-ubyte.gz'), encodeIdx([2, 2, 2], new Uint8Array(8)));
    expect((await importError(importIdx(dir))).message).toBe(`${path.join(dir, 'test-images-idx3-ubyte.gz')}: both t10k-images-idx3-ubyte and test-images-idx3-ubyte.gz hold the test images; keep one of them`);
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

  it('refuses images with no pixels, naming the file and the empty side', async () => {
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([20, 0, 0], new Uint8Array(0)));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([20], new Uint8Array(20).map((_, i) => i % 3)));
    const err = await importError(importIdx(dir));
    expect(err.message).toBe(`${path.join(dir, 'train-images-idx3-ubyte')}: images of 0×0 pixels: the height and width are 0 (dimensions 20×0×0)`);
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([20, 3, 0, 1], new Uint8Array(0)));
    expect((await importError(importIdx(dir))).message).toContain('train-images-idx3-ubyte: images of 3×0 pixels: the width is 0 (dimensions 20×3×0×1)');
  });

  it('refuses images past maxImageSide (default 4096) from the header, before inflating their pixels', async () => {
    // Only the header, gzipped: the refusal comes before the missing 50 MB of pixels is looked for.
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(encodeIdx([2, 5000, 4000], new Uint8Array(0))));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([2], new Uint8Array([0, 1])));
    const err = await importError(importIdx(dir));
    expect(err.message).toBe(
      `${path.join(dir, 'train-images-idx3-ubyte.gz')}: the image is 4000×5000 pixels, past the 4096×4096 limit (raise it with maxImageSide, or --max-image-side on the command line)`,
    );
  });

  it('takes maxImageSide from the import options, through parseDataset', async () => {
    writeSplit('train', 4, 10, 9, 2, false);
    const options = (maxImageSide: number) => ImportOptions.parse({ path: dir, format: 'idx', maxImageSide });
    const err = await importError(parseDataset(options(8)));
    expect(err.message).toContain('train-images-idx3-ubyte: the image is 9×10 pixels, past the 8×8 limit');
    expect((await importError(importIdx(dir, { maxImageSide: 9 }))).message).toContain('past the 9×9 limit');
    expect((await parseDataset(options(10))).shape).toEqual({ height: 10, width: 9, channels: 1 });
  });

  it('refuses a labels file of the wrong count from its header, before inflating it', async () => {
    writeSplit('train', 3, 2, 2, 2, false);
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), zlib.gzipSync(encodeIdx([1 << 29], new Uint8Array(0))));
    const err = await importError(importIdx(dir));
    expect(err.message).toMatch(/536870912 labels .* but 3 images/);
  });

  it('rejects images of another rank', async () => {
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([2, 4], new Uint8Array(8)));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([2], new Uint8Array([0, 1])));
    const err = await importError(importIdx(dir));
    expect(err.message).toContain('train-images-idx3-ubyte');
    expect(err.message).toContain('3 dimensions');
  });
});
