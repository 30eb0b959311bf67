// Every format and colour mode an image folder may hold, decoded against fixtures made in code:
// PNG, JPEG, WebP, GIF, TIFF (sharp writes them) and BMP (written by hand); grey, RGB, RGBA
// (composited on white in the reference store), CMYK and 16-bit; EXIF orientation applied.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBmp } from '../../main/data/bmp.js';
import { decodeImage } from '../../main/data/imageFolder.js';
import { readHeader, referenceImage } from '../../main/data/referenceImport.js';
import { encodeBmp24, encodeRgb, halves, type PhotoFormat } from '../../bench/imageFixture.js';
import { importError } from '../helpers/importError.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.dispose());

const RED = [200, 30, 40];
const BLUE = [20, 60, 220];
const W = 16;
const H = 8;

function write(name: string, data: Buffer): string {
  const file = path.join(temp.dir, name);
  fs.writeFileSync(file, data);
  return file;
}

/** The largest difference between two byte arrays of one length. */
function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('image formats', () => {
  const expected = halves(W, H, RED, BLUE);
  // Lossless formats decode exactly; JPEG within its quantisation.
  const cases: [PhotoFormat, number][] = [['png', 0], ['webp', 0], ['gif', 0], ['tiff', 0], ['bmp', 0], ['jpeg', 12]];
  for (const [format, tolerance] of cases) {
    it(`decodes ${format} to the pixels written (within ${tolerance})`, async () => {
      const file = write(`x.${format === 'jpeg' ? 'jpg' : format}`, await encodeRgb(expected, W, H, format, 100));
      const decoded = await decodeImage(file, file);
      expect([decoded.width, decoded.height, decoded.channels]).toEqual([W, H, 3]);
      // JPEG's chroma subsampling blurs the one column where the halves meet; compare away from it.
      const away = (data: Uint8Array) => data.filter((_, i) => Math.abs((Math.floor(i / 3) % W) - W / 2 + 0.5) > 2);
      expect(maxDiff(away(decoded.data), away(expected))).toBeLessThanOrEqual(tolerance);
    });
  }

  it('reads only the first frame of an animated GIF', async () => {
    const frames = Buffer.concat([halves(W, H, RED, BLUE), halves(W, H, BLUE, RED)]);
    const gif = await sharp(frames, { raw: { width: W, height: H * 2, channels: 3, pageHeight: H } as never }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const file = write('anim.gif', gif);
    const decoded = await decodeImage(file, file);
    expect([decoded.width, decoded.height]).toEqual([W, H]);
    expect(maxDiff(decoded.data, halves(W, H, RED, BLUE))).toBe(0);
  });

  it('reads a hand-written BMP through the reference store too (thumbnail and tensor)', async () => {
    const file = write('x.bmp', encodeBmp24(halves(W, H, RED, BLUE), W, H));
    const ref = await referenceImage(file, 3, 4);
    expect([ref.width, ref.height, ref.bytes]).toEqual([W, H, fs.statSync(file).size]);
    // cover to 8×4 then the centred 4×4: red on the left, blue on the right (resampling blurs the seam)
    expect(maxDiff(ref.tensor!.subarray(0, 3), Buffer.from(RED))).toBeLessThan(25);
    expect(maxDiff(ref.tensor!.subarray(9, 12), Buffer.from(BLUE))).toBeLessThan(25);
    expect((await sharp(ref.thumbnail).metadata()).format).toBe('webp');
  });

  it('reads a BMP named as another format, by its bytes, in both stores and the header pass', async () => {
    const file = write('scan.png', encodeBmp24(halves(W, H, RED, BLUE), W, H));
    const decoded = await decodeImage(file, file);
    expect(maxDiff(decoded.data, halves(W, H, RED, BLUE))).toBe(0);
    expect(await readHeader(file, 4096)).toEqual({ width: W, height: H, grey: false });
    expect((await referenceImage(file, 3, 4, 4096, { width: W, height: H, grey: false })).width).toBe(W);
  });

  it('refuses a truncated BMP by name', async () => {
    const bmp = encodeBmp24(halves(W, H, RED, BLUE), W, H);
    const file = write('cut.bmp', bmp.subarray(0, 80));
    const err = await importError(decodeImage(file, file));
    expect(err.message).toContain('shorter than its pixels');
    expect(err.place.file).toBe(file);
  });
});

/** A BMP's pixel layout: bits per pixel, compression (0 BI_RGB, 3 BI_BITFIELDS) and R, G, B(, A) masks. */
interface BmpLayout {
  bpp: 16 | 32;
  compression: 0 | 3;
  masks: number[];
  /** 124 (V5): the masks inside the header; 40: the masks right after it */
  headerSize: 40 | 124;
}

/** Packs 8-bit R, G, B(, A) into one pixel value through masks (each a run of bits; 255 → all ones). */
function packPixel(rgba: number[], masks: number[]): number {
  let value = 0;
  masks.forEach((mask, c) => {
    if (mask === 0) return;
    const shift = Math.log2(mask & -mask);
    const max = mask / 2 ** shift;
    value += Math.round(((rgba[c] ?? 255) * max) / 255) * 2 ** shift;
  });
  return value;
}

/** A bottom-up BMP of `layout`'s little-endian pixels, pixel (x, y) from `pixel` (what other writers than Paint make). */
function encodeBmpMasked(layout: BmpLayout, width: number, height: number, pixel: (x: number, y: number) => number): Buffer {
  const { bpp, compression, masks, headerSize } = layout;
  const offset = 14 + headerSize + (headerSize === 40 ? masks.length * 4 : 0);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const file = Buffer.alloc(offset + stride * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(offset, 10);
  file.writeUInt32LE(headerSize, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(bpp, 28);
  file.writeUInt32LE(compression, 30);
  file.writeUInt32LE(stride * height, 34);
  masks.forEach((mask, i) => file.writeUInt32LE(mask, 54 + i * 4));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) file.writeUIntLE(pixel(x, y), offset + (height - 1 - y) * stride + x * (bpp / 8), bpp / 8);
  }
  return file;
}

describe('BMP pixel layouts', () => {
  const expected = halves(W, H, RED, BLUE);
  const BGRA = [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000];
  const colourAt = (x: number) => (x < W / 2 ? RED : BLUE);

  async function decoded(name: string, bmp: Buffer): Promise<Buffer> {
    const file = write(name, bmp);
    const image = await decodeImage(file, file);
    expect([image.width, image.height, image.channels]).toEqual([W, H, 3]);
    return Buffer.from(image.data);
  }

  it('reads a 32-bit BI_RGB BMP as opaque though its V5 header has an alpha mask and the fourth byte is 0', async () => {
    const layout: BmpLayout = { bpp: 32, compression: 0, masks: BGRA, headerSize: 124 };
    const bmp = encodeBmpMasked(layout, W, H, (x) => packPixel([...colourAt(x), 0], BGRA.slice(0, 3)));
    expect(decodeBmp(bmp, 'x.bmp', 1000).channels).toBe(3);
    expect(maxDiff(await decoded('rgb32.bmp', bmp), expected)).toBe(0);
  });

  it('reads BI_BITFIELDS with RGBA-order masks (red in the top byte), alpha through its mask', async () => {
    const RGBA = [0xff000000, 0x00ff0000, 0x0000ff00, 0x000000ff];
    const layout: BmpLayout = { bpp: 32, compression: 3, masks: RGBA, headerSize: 124 };
    expect(maxDiff(await decoded('rgba.bmp', encodeBmpMasked(layout, W, H, (x) => packPixel(colourAt(x), RGBA))), expected)).toBe(0);
    // the top row's left half transparent: white once composited, the rest as written
    const bmp = encodeBmpMasked(layout, W, H, (x, y) => packPixel([...colourAt(x), y === 0 && x < W / 2 ? 0 : 255], RGBA));
    const pixels = decodeBmp(bmp, 'a.bmp', 1000);
    expect([pixels.channels, ...pixels.data.subarray(0, 4), ...pixels.data.subarray(W * 4, W * 4 + 4)]).toEqual([4, ...RED, 0, ...RED, 255]);
    const composited = await decoded('rgba-holes.bmp', bmp);
    expect([...composited.subarray(0, 3), ...composited.subarray(W * 3, W * 3 + 3)]).toEqual([255, 255, 255, ...RED]);
  });

  it('reads a BI_BITFIELDS BMP whose alpha is 0 everywhere as opaque (the writer left it unset)', async () => {
    const layout: BmpLayout = { bpp: 32, compression: 3, masks: BGRA, headerSize: 124 };
    const bmp = encodeBmpMasked(layout, W, H, (x) => packPixel([...colourAt(x), 0], BGRA));
    expect(maxDiff(await decoded('unset-alpha.bmp', bmp), expected)).toBe(0);
  });

  // 5 or 6 bits a channel: each colour within half a step of 255/31 of the one written
  it.each([
    ['RGB565 (BI_BITFIELDS)', { bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], headerSize: 40 }],
    ['RGB565 in a V5 header', { bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f, 0], headerSize: 124 }],
    ['X1R5G5B5 (BI_RGB)', { bpp: 16, compression: 0, masks: [], headerSize: 40 }],
  ] as [string, BmpLayout][])('reads 16-bit %s', async (_, layout) => {
    const masks = layout.masks.length > 0 ? layout.masks : [0x7c00, 0x03e0, 0x001f];
    const bmp = encodeBmpMasked(layout, W, H, (x) => packPixel(colourAt(x), masks));
    expect(maxDiff(await decoded('rgb16.bmp', bmp), expected)).toBeLessThanOrEqual(4);
    const white = decodeBmp(encodeBmpMasked(layout, W, H, () => packPixel([255, 255, 255], masks)), 'w.bmp', 1000);
    expect(new Set(white.data)).toEqual(new Set([255]));
  });

  it('refuses a colour mask that is not one run of bits, by name', async () => {
    const layout: BmpLayout = { bpp: 32, compression: 3, masks: [0x00ff00ff, 0x0000ff00, 0xff000000], headerSize: 40 };
    const file = write('odd.bmp', encodeBmpMasked(layout, W, H, () => 0));
    const err = await importError(decodeImage(file, file));
    expect(err.message).toContain('BMP colour mask 0x00ff00ff is not one run of bits');
    expect(err.place.file).toBe(file);
  });
});

describe('colour modes', () => {
  it('keeps a grey PNG grey (1 channel)', async () => {
    const grey = Buffer.from(Array.from({ length: W * H }, (_, i) => (i * 7) % 256));
    const file = write('g.png', await sharp(grey, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toBuffer());
    const decoded = await decodeImage(file, file);
    expect(decoded.channels).toBe(1);
    expect([...decoded.data]).toEqual([...grey]);
    const ref = await referenceImage(file, 1, 8);
    expect(ref.tensor).toHaveLength(64);
  });

  it('converts a 16-bit PNG to 8 bits (grey and RGB)', async () => {
    const rgb16 = new Uint16Array(W * H * 3).fill(0xc0c0);
    const file = write('rgb16.png', await sharp(Buffer.from(rgb16.buffer), { raw: { width: W, height: H, channels: 3 } }).toColourspace('rgb16').png().toBuffer());
    expect((await sharp(file).metadata()).depth).toBe('ushort');
    const decoded = await decodeImage(file, file);
    expect(decoded.data).toHaveLength(W * H * 3);
    expect(new Set(decoded.data)).toEqual(new Set([0xc0]));
    const grey16 = new Uint16Array(W * H).fill(0x4040);
    const greyFile = write('g16.png', await sharp(Buffer.from(grey16.buffer), { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer());
    const grey = await decodeImage(greyFile, greyFile);
    expect(grey.channels).toBe(1);
    expect(new Set(grey.data)).toEqual(new Set([0x40]));
  });

  it('composites a 16-bit grey PNG with alpha on white exactly: transparent is 255 in both stores, as in 8 bits', async () => {
    // grey+alpha pairs: transparent, opaque black, opaque white, half-transparent black; grey16 writes each byte as v·257
    const pairs = [0, 0, 0, 255, 255, 255, 0, 128];
    const row = Buffer.from(Array.from({ length: W * H }, (_, i) => pairs.slice((i % 4) * 2, (i % 4) * 2 + 2)).flat());
    const file = write('ga16.png', await sharp(row, { raw: { width: W, height: H, channels: 2 } }).toColourspace('grey16').png().toBuffer());
    const meta = await sharp(file).metadata();
    expect([meta.depth, meta.channels]).toEqual(['ushort', 2]);
    const decoded = await decodeImage(file, file);
    expect(decoded.channels).toBe(1);
    expect([...decoded.data.subarray(0, 4)]).toEqual([255, 0, 255, 127]);
    const ref = await referenceImage(file, 1, H); // cover: 16×8 → the centred 8×8, columns 4–11, not resampled
    expect([...ref.tensor!.subarray(0, 4)]).toEqual([255, 0, 255, 127]);
  });

  it('converts a CMYK JPEG to RGB', async () => {
    const file = write('cmyk.jpg', await sharp(halves(W, H, RED, BLUE), { raw: { width: W, height: H, channels: 3 } }).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer());
    expect((await sharp(file).metadata()).space).toBe('cmyk');
    const decoded = await decodeImage(file, file);
    expect(decoded.channels).toBe(3);
    // a colour-managed round trip through CMYK: near the RGB written, not exact
    expect(maxDiff(decoded.data.subarray(0, 3), Buffer.from(RED))).toBeLessThan(40);
    const ref = await referenceImage(file, 3, 4);
    expect(ref.tensor).toHaveLength(48);
  });

  it('composites RGBA on white in the reference store (transparent → white, opaque kept)', async () => {
    const rgba = Buffer.alloc(W * H * 4);
    for (let i = 0; i < W * H; i++) rgba.set(i % W < W / 2 ? [10, 20, 30, 0] : [10, 20, 30, 255], i * 4);
    const file = write('a.png', await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer());
    const ref = await referenceImage(file, 3, H); // cover: 16×8 → 16×8, centred 8×8 crop = columns 4–11
    const row = [...ref.tensor!.subarray(0, 8 * 3)];
    expect(row.slice(0, 3)).toEqual([255, 255, 255]);
    expect(row.slice(21, 24)).toEqual([10, 20, 30]);
  });
});

describe('EXIF orientation', () => {
  // Orientation 6 means "rotate 90° clockwise to show": the stored left half becomes the top.
  it.each([
    [6, 'top'],
    [8, 'bottom'],
    [3, 'right'],
  ] as const)('applies orientation %i (the dark half ends up at the %s)', async (orientation, where) => {
    const stored = halves(W, H, [0, 0, 0], [255, 255, 255]);
    const file = write(`o${orientation}.jpg`, await sharp(stored, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation }).toBuffer());
    const decoded = await decodeImage(file, file);
    const turned = orientation !== 3;
    expect([decoded.width, decoded.height]).toEqual(turned ? [H, W] : [W, H]);
    const at = (x: number, y: number) => decoded.data[(y * decoded.width + x) * 3]!;
    const [dark, light] = where === 'top' ? [at(0, 0), at(0, decoded.height - 1)] : where === 'bottom' ? [at(0, decoded.height - 1), at(0, 0)] : [at(decoded.width - 1, 0), at(0, 0)];
    expect(dark).toBeLessThan(30);
    expect(light).toBeGreaterThan(225);
    const ref = await referenceImage(file, 3, 4);
    expect([ref.width, ref.height]).toEqual([decoded.width, decoded.height]);
  });
});
