// The reference import reads every header first (readHeaders), then reads, hashes and decodes each
// file (referenceImage). A file replaced in between must be refused from the bytes hashed, not
// stored with the old size beside the new hash, nor decoded past the side cap.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError } from '../../shared/errors.js';
import { readHeader, referenceImage, type ImageHeader } from '../../main/data/referenceImport.js';
import { encodeBmp24, photoPixels } from '../../bench/imageFixture.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.dispose());

type Format = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff';

/** A generated photo written as `name`, RGB, or grey when asked. */
async function writeImage(name: string, width: number, height: number, format: Format, grey = false): Promise<string> {
  const file = path.join(temp.dir, name);
  let image = sharp(photoPixels(width, height, 7), { raw: { width, height, channels: 3 } });
  if (grey) image = image.toColourspace('b-w');
  await image.toFormat(format).toFile(file);
  return file;
}

/** What referenceImage's promise came to: the image, or the error it threw. */
async function outcome(made: Promise<unknown>): Promise<unknown> {
  return made.then(
    (image) => image,
    (err: unknown) => err,
  );
}

const MAX_SIDE = 1000;

describe('referenceImage re-checks the header of the bytes it hashes', () => {
  it.each<Format>(['jpeg', 'png', 'webp', 'gif', 'tiff'])('refuses a %s file replaced after the header pass (400×300 then, 200×900 now), naming the file', async (format) => {
    const file = await writeImage(`img.${format}`, 400, 300, format);
    const header = await readHeader(file, MAX_SIDE);
    expect(header).toEqual({ width: 400, height: 300, grey: false });
    await writeImage(`img.${format}`, 200, 900, format); // swapped in between the passes
    const err = await outcome(referenceImage(file, 3, 32, MAX_SIDE, header));
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toContain(file);
    expect((err as ImportError).message).toContain('changed while it was imported (was 400×300, now 200×900); import again');
  });

  it('refuses a file whose colour changed (grey then, colour now)', async () => {
    const file = await writeImage('img.png', 64, 48, 'png', true);
    const header = await readHeader(file, MAX_SIDE);
    expect(header.grey).toBe(true);
    await writeImage('img.png', 64, 48, 'png');
    const err = await outcome(referenceImage(file, 1, 16, MAX_SIDE, header));
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toContain('(was 64×48 grey, now 64×48 colour)');
  });

  it.each<Format>(['jpeg', 'png', 'tiff'])('refuses a %s image past the side cap swapped in, from its header, undecoded', async (format) => {
    // 2000×400 is 0.8 Mpx, under the decoder's pixel limit (1000², all that held it before): only the side cap refuses it.
    const file = await writeImage(`img.${format}`, 400, 300, format);
    const header = await readHeader(file, MAX_SIDE);
    await writeImage(`img.${format}`, 2000, 400, format);
    const err = await outcome(referenceImage(file, 3, 32, MAX_SIDE, header));
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toContain(file);
    expect((err as ImportError).message).toContain(`the image is 2000×400 pixels, past the ${MAX_SIDE}×${MAX_SIDE} limit`);
  });

  it('refuses a BMP replaced by another size', async () => {
    const file = path.join(temp.dir, 'img.bmp');
    fs.writeFileSync(file, encodeBmp24(photoPixels(40, 30, 3), 40, 30));
    const header = await readHeader(file, MAX_SIDE);
    fs.writeFileSync(file, encodeBmp24(photoPixels(20, 90, 3), 20, 90));
    const err = await outcome(referenceImage(file, 3, 16, MAX_SIDE, header));
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toContain('(was 40×30, now 20×90)');
  });

  it.each<Format>(['jpeg', 'png', 'webp', 'gif', 'tiff'])('imports an unchanged %s file as before: the same image with its header as without', async (format) => {
    const file = await writeImage(`img.${format}`, 300, 200, format);
    const header: ImageHeader = await readHeader(file, MAX_SIDE);
    const withHeader = await referenceImage(file, 3, 32, MAX_SIDE, header);
    const without = await referenceImage(file, 3, 32, MAX_SIDE);
    expect(withHeader).toEqual(without);
    expect({ width: withHeader.width, height: withHeader.height, bytes: withHeader.bytes }).toEqual({ width: 300, height: 200, bytes: fs.statSync(file).size });
    expect(withHeader.tensor).toHaveLength(32 * 32 * 3);
  });

  it('imports an unchanged EXIF-rotated JPEG with its turned header', async () => {
    const file = path.join(temp.dir, 'turned.jpg');
    await sharp(photoPixels(120, 80, 2), { raw: { width: 120, height: 80, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg().toFile(file);
    const header = await readHeader(file, MAX_SIDE);
    expect(header).toEqual({ width: 80, height: 120, grey: false });
    const image = await referenceImage(file, 3, 16, MAX_SIDE, header);
    expect({ width: image.width, height: image.height }).toEqual({ width: 80, height: 120 });
    expect(image).toEqual(await referenceImage(file, 3, 16, MAX_SIDE));
  });
});
