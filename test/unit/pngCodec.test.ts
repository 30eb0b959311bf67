// The zlib PNG codec for dataset pixels: what it writes, sharp reads as the same pixels; what sharp
// writes (any row filter), it reads as sharp does; other kinds of PNG are left to sharp.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeSimplePng, encodePng } from '../../main/data/png.js';

const pattern = (n: number, salt: number) => new Uint8Array(n).map((_, i) => (i * 37 + salt * 101 + ((i * i) >> 3)) % 256);

describe('PNG codec', () => {
  for (const channels of [1, 3] as const) {
    it(`writes ${channels === 1 ? 'grey' : 'RGB'} PNGs that sharp decodes to the same bytes, and reads them back`, async () => {
      const pixels = pattern(7 * 5 * channels, channels);
      const png = encodePng(pixels, 7, 5, channels);
      const meta = await sharp(png).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([7, 5, channels]);
      const raw = channels === 1 ? sharp(png).extractChannel(0) : sharp(png);
      expect(Buffer.compare(await raw.raw().toBuffer(), Buffer.from(pixels))).toBe(0);
      expect(decodeSimplePng(png)).toEqual({ data: pixels, width: 7, height: 5, channels });
    });

    it(`reads sharp's ${channels === 1 ? 'grey' : 'RGB'} PNGs (adaptive row filters) as sharp does`, async () => {
      const pixels = pattern(31 * 17 * channels, 5);
      const input = sharp(pixels, { raw: { width: 31, height: 17, channels } });
      const png = await (channels === 1 ? input.toColourspace('b-w') : input).png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
      expect(decodeSimplePng(png)).toEqual({ data: pixels, width: 31, height: 17, channels });
    });
  }

  it('leaves palettes, alpha and 16-bit PNGs to sharp, and reports damage', async () => {
    const rgba = await sharp(pattern(4 * 4 * 4, 1), { raw: { width: 4, height: 4, channels: 4 } }).png().toBuffer();
    expect(decodeSimplePng(rgba)).toBeNull();
    const palette = await sharp(pattern(4 * 4 * 3, 1), { raw: { width: 4, height: 4, channels: 3 } }).png({ palette: true }).toBuffer();
    expect(decodeSimplePng(palette)).toBeNull();
    expect(decodeSimplePng(Buffer.from('GIF89a not a png at all, not at all'))).toBeNull();
    const png = encodePng(pattern(16, 2), 4, 4, 1);
    png[png.length - 20] = png[png.length - 20]! ^ 0xff;
    expect(() => decodeSimplePng(png)).toThrow(/fails its CRC/);
  });
});
