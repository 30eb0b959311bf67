// The header pass's own reader (imageHeader.ts): for every PNG, JPEG and WebP it answers, the
// same size, orientation and colour as sharp's metadata; for what it is unsure of (palettes,
// EXIF in PNG or WebP, animation, other formats, a file cut short) it answers null, and the
// reference import's readHeader then asks sharp: the same headers either way.
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exifOrientation, quickHeader, readHead } from '../../main/data/imageHeader.js';
import { openImage } from '../../main/data/imageFolder.js';
import { readHeader } from '../../main/data/referenceImport.js';
import { encodeBmp24, halves, photoPixels } from '../../bench/imageFixture.js';
import { importError } from '../helpers/importError.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.dispose());

const W = 37;
const H = 21;
const rgb = () => sharp(photoPixels(W, H, 3), { raw: { width: W, height: H, channels: 3 } });
const grey = () => sharp(Buffer.from(Array.from({ length: W * H }, (_, i) => i % 251)), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w');
const rgba = () => sharp(Buffer.alloc(W * H * 4, 128), { raw: { width: W, height: H, channels: 4 } });
const greyAlpha = () => sharp(Buffer.alloc(W * H * 2, 99), { raw: { width: W, height: H, channels: 2 } }).toColourspace('b-w');

/** What sharp says of an image, in the reader's terms. */
async function sharpHeader(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width, height: meta.height, orientation: meta.orientation ?? 1, grey: meta.channels === 1 || (meta.channels === 2 && meta.hasAlpha) };
}

const answered: [string, () => Promise<Buffer>][] = [
  ['PNG RGB', () => rgb().png().toBuffer()],
  ['PNG RGBA', () => rgba().png().toBuffer()],
  ['PNG grey', () => grey().png().toBuffer()],
  ['PNG grey + alpha', () => greyAlpha().png().toBuffer()],
  ['PNG 16-bit RGB', () => rgb().toColourspace('rgb16').png().toBuffer()],
  ['PNG interlaced', () => rgb().png({ progressive: true }).toBuffer()],
  ['JPEG RGB', () => rgb().jpeg().toBuffer()],
  ['JPEG progressive', () => rgb().jpeg({ progressive: true }).toBuffer()],
  ['JPEG grey', () => grey().jpeg().toBuffer()],
  ['JPEG CMYK', () => rgb().toColourspace('cmyk').jpeg().toBuffer()],
  ['JPEG with an ICC profile', () => rgb().withIccProfile('p3').jpeg().toBuffer()],
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((orientation): [string, () => Promise<Buffer>] => [`JPEG orientation ${orientation}`, () => rgb().jpeg().withMetadata({ orientation }).toBuffer()]),
  ['WebP lossy', () => rgb().webp().toBuffer()],
  ['WebP lossless', () => rgb().webp({ lossless: true }).toBuffer()],
  ['WebP lossy with alpha (extended)', () => rgba().webp().toBuffer()],
  ['WebP lossless with alpha', () => rgba().webp({ lossless: true }).toBuffer()],
  ['WebP 16383 wide', () => sharp(Buffer.alloc(16383 * 2 * 3), { raw: { width: 16383, height: 2, channels: 3 } }).webp({ lossless: true }).toBuffer()],
];

const leftToSharp: [string, () => Promise<Buffer>][] = [
  ['PNG palette', () => rgb().png({ palette: true }).toBuffer()],
  ['PNG with EXIF', () => rgb().png().withMetadata({ orientation: 6 }).toBuffer()],
  ['WebP with EXIF', () => rgb().webp().withMetadata({ orientation: 6 }).toBuffer()],
  ['WebP animated', () => sharp(Buffer.concat([photoPixels(W, H, 1), photoPixels(W, H, 2)]), { raw: { width: W, height: H * 2, channels: 3, pageHeight: H } as never }).webp().toBuffer()],
  ['GIF', () => rgb().gif().toBuffer()],
  ['TIFF', () => rgb().tiff().toBuffer()],
  ['BMP', async () => encodeBmp24(halves(W, H, [1, 2, 3], [4, 5, 6]), W, H)],
  ['JPEG cut before its frame header', async () => (await rgb().jpeg().withIccProfile('p3').toBuffer()).subarray(0, 300)],
  ['PNG cut before its pixels', async () => (await rgb().png().toBuffer()).subarray(0, 30)],
];

describe('quickHeader', () => {
  it.each(answered)('reads %s as sharp does', async (_, make) => {
    const bytes = await make();
    expect(quickHeader(bytes)).toEqual(await sharpHeader(bytes));
  });

  it.each(leftToSharp)('leaves %s to sharp (null)', async (_, make) => {
    expect(quickHeader(await make())).toBeNull();
  });

  it('reads a JPEG whose frame header lies past a large Exif segment, and gives up when it lies past the bytes read', async () => {
    const big = await rgb().jpeg().withExif({ IFD0: { ImageDescription: 'x'.repeat(40_000), Orientation: '6' } }).toBuffer();
    expect(quickHeader(big)).toEqual(await sharpHeader(big));
    expect(quickHeader(big.subarray(0, 30_000))).toBeNull();
  });

  it('reads the Orientation tag in either byte order, 1 when absent, null when malformed', () => {
    const ifd = (little: boolean, entries: [number, number, number, number][]) => {
      const b = Buffer.alloc(8 + 2 + entries.length * 12 + 4);
      const u16 = (v: number, at: number) => (little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
      const u32 = (v: number, at: number) => (little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
      b.write(little ? 'II' : 'MM', 0, 'latin1');
      u16(42, 2);
      u32(8, 4);
      u16(entries.length, 8);
      entries.forEach(([tag, type, count, value], i) => {
        u16(tag, 10 + i * 12);
        u16(type, 12 + i * 12);
        u32(count, 14 + i * 12);
        u16(value, 18 + i * 12);
      });
      return b;
    };
    expect(exifOrientation(ifd(true, [[0x010f, 2, 1, 0], [0x0112, 3, 1, 8]]))).toBe(8);
    expect(exifOrientation(ifd(false, [[0x0112, 3, 1, 5]]))).toBe(5);
    expect(exifOrientation(ifd(true, [[0x010f, 2, 1, 0]]))).toBe(1);
    expect(exifOrientation(ifd(true, [[0x0112, 3, 1, 9]]))).toBeNull();
    expect(exifOrientation(ifd(true, [[0x0112, 4, 1, 6]]))).toBeNull();
    expect(exifOrientation(Buffer.from('IIxx'))).toBeNull();
  });
});

describe('readHeader (the reference import)', () => {
  const write = async (name: string, image: Sharp | Buffer) => {
    const file = path.join(temp.dir, name);
    fs.writeFileSync(file, Buffer.isBuffer(image) ? image : await image.toBuffer());
    return file;
  };

  it("gives sharp's header (size after orientation, grey) for files read here and files left to sharp alike", async () => {
    const files = [
      await write('turned.jpg', rgb().jpeg().withMetadata({ orientation: 6 })),
      await write('grey.png', grey().png()),
      await write('photo.webp', rgb().webp()),
      await write('palette.png', rgb().png({ palette: true })),
      await write('exif.png', rgb().png().withMetadata({ orientation: 8 })),
      await write('photo.tiff', rgb().tiff()),
      await write('photo.bmp', encodeBmp24(halves(W, H, [1, 2, 3], [4, 5, 6]), W, H)),
    ];
    for (const file of files) {
      const { width, height, grey: isGrey } = await openImage(file, file);
      expect(await readHeader(file, 1000), file).toEqual({ width, height, grey: isGrey });
    }
    expect((await readHeader(files[0]!, 1000)).width).toBe(H); // orientation 6 turns it
    expect((await readHead(files[0]!, 10)).length).toBe(10);
  });

  it('refuses an image past the side cap from its header, and a missing file, naming the file', async () => {
    const file = await write('wide.png', rgb().png());
    const tooWide = await importError(readHeader(file, W - 1));
    expect(tooWide.message).toContain(`${W}×${H} pixels, past the ${W - 1}×${W - 1} limit`);
    expect(tooWide.place.file).toBe(file);
    const missing = path.join(temp.dir, 'gone.jpg');
    const gone = await importError(readHeader(missing, 1000));
    expect(gone.message).toContain('cannot read the image');
    expect(gone.place.file).toBe(missing);
  });
});
