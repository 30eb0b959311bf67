// The image-folder importer: both layouts, the stratified split, grey vs RGB, and an
// ImportError naming the file for mixed sizes, broken images and degenerate folders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importImageFolder, unreadableImage } from '../../main/data/imageFolder.js';
import { referenceImage } from '../../main/data/referenceImport.js';
import { importError } from '../helpers/importError.js';
import { tempDirPerTest } from '../helpers/tempDir.js';

let dir: string;
tempDirPerTest('disobey-', (made) => (dir = made));

const split = { testFraction: 0.2, seed: 7 };

function pattern(width: number, height: number, channels: number, salt: number): Uint8Array {
  return new Uint8Array(width * height * channels).map((_, i) => (i * 13 + salt * 31) % 256);
}

async function writeImage(rel: string, opts: { width?: number; height?: number; channels?: 1 | 3; salt?: number; jpeg?: boolean } = {}) {
  const { width = 4, height = 3, channels = 1, salt = 0, jpeg = false } = opts;
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const raw = sharp(pattern(width, height, channels, salt), { raw: { width, height, channels } });
  // Without b-w sharp would write single-channel pixels as an RGB file.
  const image = channels === 1 ? raw.toColourspace('b-w') : raw;
  await (jpeg ? image.jpeg({ quality: 100 }) : image.png()).toFile(file);
  return file;
}


describe('importImageFolder', () => {
  it('reads root/<split>/<class>/* with exact grey pixels, natural class order and sorted examples', async () => {
    for (const [s, cls, n] of [['train', '2', 2], ['train', '10', 3], ['test', '2', 1], ['test', '10', 1]] as const) {
      for (let i = 0; i < n; i++) await writeImage(`${s}/${cls}/img${i}.png`, { salt: i });
    }
    fs.writeFileSync(path.join(dir, 'train', '2', 'notes.txt'), 'ignored');
    fs.writeFileSync(path.join(dir, 'train', '2', '.hidden.png'), 'ignored');
    const progress: [string, number, number][] = [];
    const ds = await importImageFolder(dir, split, (...a) => progress.push(a));
    expect(ds.kind).toBe('image');
    expect(ds.format).toBe('folder');
    expect(ds.classNames).toEqual(['2', '10']);
    expect(ds.shape).toEqual({ height: 3, width: 4, channels: 1 });
    expect(ds.examples.map((e) => e.sourceRef)).toEqual([
      'test/2/img0.png',
      'test/10/img0.png',
      'train/2/img0.png',
      'train/2/img1.png',
      'train/10/img0.png',
      'train/10/img1.png',
      'train/10/img2.png',
    ]);
    expect(ds.examples.map((e) => [e.split, e.label])).toEqual([
      ['test', 0],
      ['test', 1],
      ['train', 0],
      ['train', 0],
      ['train', 1],
      ['train', 1],
      ['train', 1],
    ]);
    expect([...(ds.examples[3]?.pixels as Uint8Array)]).toEqual([...pattern(4, 3, 1, 1)]);
    expect(progress.at(-1)).toEqual(['decode', 7, 7]);
  });

  it('treats any top-level folders holding only folders as splits', async () => {
    await writeImage('ood-rotated/cat/a.png');
    await writeImage('holdout/dog/b.jpg', { jpeg: true });
    await writeImage('holdout/cat/c.PNG');
    const ds = await importImageFolder(dir, split);
    expect(new Set(ds.examples.map((e) => e.split))).toEqual(new Set(['ood-rotated', 'holdout']));
    expect(ds.classNames).toEqual(['cat', 'dog']);
    // a grey JPEG stays grey
    expect(ds.shape).toEqual({ height: 3, width: 4, channels: 1 });
  });

  it('splits root/<class>/* per class by testFraction, the same way for the same seed', async () => {
    for (let i = 0; i < 10; i++) await writeImage(`cats/${i}.png`, { salt: i });
    for (let i = 0; i < 5; i++) await writeImage(`dogs/${i}.jpeg`, { salt: i, jpeg: true });
    const ds = await importImageFolder(dir, split);
    const count = (label: number, s: string) => ds.examples.filter((e) => e.label === label && e.split === s).length;
    expect(ds.classNames).toEqual(['cats', 'dogs']);
    expect([count(0, 'train'), count(0, 'test'), count(1, 'train'), count(1, 'test')]).toEqual([8, 2, 4, 1]);
    const again = await importImageFolder(dir, split);
    expect(again.examples.map((e) => e.split)).toEqual(ds.examples.map((e) => e.split));
  });

  it('reads colour images as 3 channels and replicates grey ones when any is RGB', async () => {
    await writeImage('a/grey.png', { channels: 1, salt: 1 });
    await writeImage('b/colour.png', { channels: 3, salt: 2 });
    const ds = await importImageFolder(dir, split);
    expect(ds.shape).toEqual({ height: 3, width: 4, channels: 3 });
    const grey = ds.examples.find((e) => e.sourceRef === 'a/grey.png')?.pixels as Uint8Array;
    const colour = ds.examples.find((e) => e.sourceRef === 'b/colour.png')?.pixels as Uint8Array;
    const source = pattern(4, 3, 1, 1);
    expect(grey).toHaveLength(36);
    expect([...grey.subarray(0, 6)]).toEqual([source[0], source[0], source[0], source[1], source[1], source[1]]);
    expect([...colour]).toEqual([...pattern(4, 3, 3, 2)]);
  });

  it("composites alpha on white, the same pixels as the reference store's tensor (grey+alpha reads as grey)", async () => {
    const greyAlpha = pattern(4, 4, 2, 3);
    for (const cls of ['a', 'b']) {
      const file = path.join(dir, cls, 'x.png');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await sharp(greyAlpha, { raw: { width: 4, height: 4, channels: 2 } }).toColourspace('b-w').png().toFile(file);
    }
    const ds = await importImageFolder(dir, split);
    expect(ds.shape?.channels).toBe(1);
    const stored = [...(ds.examples[0]?.pixels as Uint8Array)];
    // grey g at opacity a over white: g·a/255 + 255·(1 − a/255)
    const onWhite = Array.from({ length: 16 }, (_, i) => (greyAlpha[2 * i]! * greyAlpha[2 * i + 1]! + 255 * (255 - greyAlpha[2 * i + 1]!)) / 255);
    stored.forEach((v, i) => expect(Math.abs(v - onWhite[i]!)).toBeLessThanOrEqual(1));
    // 4×4 at training size 4 is the image itself: the reference store keeps the very same bytes
    const ref = await referenceImage(path.join(dir, 'a', 'x.png'), 1, 4);
    expect([...ref.tensor!]).toEqual(stored);
  });

  it('rejects mixed image sizes, naming the file, its size, and the size and file that set it', async () => {
    await writeImage('a/first.png', { width: 4, height: 3 });
    await writeImage('b/second.png', { width: 5, height: 3 });
    const err = await importError(importImageFolder(dir, split));
    expect(err.message).toContain('second.png');
    expect(err.message).toContain('5×3');
    expect(err.message).toContain('4×3');
    expect(err.message).toContain('first.png');
    expect(err.place.file).toBe(path.join(dir, 'b', 'second.png'));
  });

  it('rejects an unreadable image, naming the file', async () => {
    await writeImage('a/ok.png');
    await writeImage('b/ok.png');
    fs.writeFileSync(path.join(dir, 'b', 'broken.png'), 'not a png at all');
    const err = await importError(importImageFolder(dir, split));
    expect(err.message).toContain('broken.png');
    expect(err.message).toContain('cannot read the image');
  });

  it('says why an image cannot be read, in words, on both stores: empty, cut short, not an image', async () => {
    const big = await writeImage('a/big.png', { width: 120, height: 90, channels: 3 });
    const whole = fs.readFileSync(big);
    fs.rmSync(big);
    const cases = [
      { name: 'empty.png', bytes: Buffer.alloc(0), reason: 'the file is empty (0 bytes)' },
      { name: 'half.png', bytes: whole.subarray(0, whole.length >> 1), reason: 'the file is damaged or cut short' },
      { name: 'text.jpg', bytes: Buffer.from('a note, not a picture'), reason: 'its bytes are not an image of a format sharp reads' },
    ];
    await writeImage('a/ok.png');
    await writeImage('b/ok.png');
    for (const { name, bytes, reason } of cases) {
      const file = path.join(dir, 'b', name);
      fs.writeFileSync(file, bytes);
      for (const attempt of [() => importImageFolder(dir, split), () => referenceImage(file, 3, 8)]) {
        const err = await importError(attempt());
        expect(err.place.file).toBe(file);
        expect(err.message).toContain(`cannot read the image: ${reason}`);
        expect(err.message).not.toContain('failOn');
      }
      fs.rmSync(file);
    }
  });

  it("words sharp's own messages for a user, keeping the first line of a decoder's", () => {
    // Decoded side by side, a damaged file can read back as sharp's generic failOn message, or with
    // another file's message on a later line (libvips' one error buffer).
    const generic = unreadableImage('x.png', new Error('Warning treated as error due to failOn setting'));
    expect(generic.message).toBe('x.png: cannot read the image: the file is damaged or cut short (its decoder stopped at a warning)');
    const two = unreadableImage('y.jpg', new Error('VipsJpeg: premature end of JPEG image\nvipspng: libpng read error'));
    expect(two.message).toBe('y.jpg: cannot read the image: the file is damaged or cut short (VipsJpeg: premature end of JPEG image)');
    expect(unreadableImage('z.gif', new Error('ENOENT: no such file')).message).toBe('z.gif: cannot read the image: ENOENT: no such file');
  });

  it('rejects a folder with no images, naming it', async () => {
    fs.mkdirSync(path.join(dir, 'a'));
    fs.mkdirSync(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'a', 'readme.txt'), 'no images here');
    const err = await importError(importImageFolder(dir, split));
    expect(err.message).toContain(dir);
    expect(err.message).toContain('no images found in the class folders (PNG, JPEG, WebP, GIF, TIFF or BMP)');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-'));
    try {
      expect((await importError(importImageFolder(empty, split))).message).toContain(empty);
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  });

  it('rejects a single class, naming the folder', async () => {
    await writeImage('train/only/a.png');
    await writeImage('test/only/b.png');
    const err = await importError(importImageFolder(dir, split));
    expect(err.message).toContain(dir);
    expect(err.message).toContain('a single class');
  });
});
