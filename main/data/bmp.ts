// Windows BMP, which sharp's prebuilt libvips does not read: uncompressed 16-, 24- and 32-bit
// (BI_RGB, or BI_BITFIELDS / BI_ALPHABITFIELDS with any masks) and 1/4/8-bit palettes, bottom-up or top-down.
// Enough for the BMPs cameras, scanners and old datasets write; RLE-compressed files are refused by name.
import { ImportError } from '../../shared/errors.js';

export interface BmpPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

type Fail = (why: string) => never;

/** Where the rows of pixels lie: bottom-up when the header's height is positive. */
interface PixelRows {
  offset: number;
  stride: number;
  width: number;
  height: number;
  rawHeight: number;
}

/** Red, green, blue and alpha masks of a 16-, 24- or 32-bit pixel. */
type Masks = [number, number, number, number];

/** One channel of such a pixel: its mask, where its bits start, and the factor that takes its largest value to 255. */
interface ChannelField {
  mask: number;
  shift: number;
  scale: number;
}

export function isBmp(bytes: Buffer): boolean {
  return bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

export function decodeBmp(bytes: Buffer, file: string, maxSide: number): BmpPixels {
  const fail = (why: string): never => {
    throw new ImportError(`cannot read the image: ${why}`, { file });
  };
  if (!isBmp(bytes) || bytes.length < 54) fail('not a BMP file (too short)');
  const offset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  if (headerSize < 40) fail(`BMP header of ${headerSize} bytes (OS/2 bitmaps are not read)`);
  const width = bytes.readInt32LE(18);
  const rawHeight = bytes.readInt32LE(22);
  const bpp = bytes.readUInt16LE(28);
  const compression = bytes.readUInt32LE(30);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) fail(`BMP of ${width}×${height} pixels`);
  if (width > maxSide || height > maxSide) {
    throw new ImportError(`the image is ${width}×${height} pixels, past the ${maxSide}×${maxSide} limit (raise it with maxImageSide, or --max-image-side on the command line)`, { file });
  }
  const bitfields = (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) && [16, 24, 32].includes(bpp);
  if (compression !== BI_RGB && !bitfields) fail(`compressed BMP (compression ${compression}) is not read; save it uncompressed or as PNG`);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) fail(`BMP with ${bpp} bits per pixel is not read`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (offset + stride * height > bytes.length) fail('the BMP file is shorter than its pixels');
  const rows: PixelRows = { offset, stride, width, height, rawHeight };
  if (bpp <= 8) return { data: decodePalette(bytes, bpp, 14 + headerSize, rows, fail), width, height, channels: 3 };
  const masks = bitfields ? readMasks(bytes, bpp, headerSize, compression, fail) : defaultMasks(bpp);
  return { ...decodeMasked(bytes, bpp, masks, rows, fail), width, height };
}

/** 1-, 4- and 8-bit pixels: indices into the BGRX palette that follows the header. */
function decodePalette(bytes: Buffer, bpp: number, paletteStart: number, rows: PixelRows, fail: Fail): Buffer {
  const { offset, stride, width, height, rawHeight } = rows;
  const colours = bytes.readUInt32LE(46) || 1 << bpp;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const out = (y * width + x) * 3;
      const bit = x * bpp;
      const index = (bytes[row + (bit >> 3)]! >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
      if (index >= colours) fail(`palette index ${index} past the ${colours} colours`);
      const entry = paletteStart + index * 4;
      data[out] = bytes[entry + 2]!;
      data[out + 1] = bytes[entry + 1]!;
      data[out + 2] = bytes[entry]!;
    }
  }
  return data;
}

/**
 * BI_RGB's fixed layouts: X1R5G5B5 at 16 bits, BGR(X) bytes at 24 and 32. The fourth byte of a
 * 32-bit BI_RGB pixel is unused, whatever masks the header carries: such files are opaque (as browsers show them).
 */
function defaultMasks(bpp: number): Masks {
  return bpp === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0xff0000, 0x00ff00, 0x0000ff, 0];
}

/**
 * The masks of a BI_BITFIELDS / BI_ALPHABITFIELDS file, right after the 40-byte header (inside
 * V2–V5 headers); an alpha mask only in V3+ headers or with BI_ALPHABITFIELDS. All-zero colour
 * masks, which some writers leave, mean the BI_RGB layout.
 */
function readMasks(bytes: Buffer, bpp: number, headerSize: number, compression: number, fail: Fail): Masks {
  const withAlpha = headerSize >= 56 || compression === BI_ALPHABITFIELDS;
  if (bytes.length < (withAlpha ? 70 : 66)) fail('the BMP file is shorter than its colour masks');
  const alpha = withAlpha ? bytes.readUInt32LE(66) : 0;
  const [red, green, blue] = [bytes.readUInt32LE(54), bytes.readUInt32LE(58), bytes.readUInt32LE(62)];
  if (red === 0 && green === 0 && blue === 0) return [...defaultMasks(bpp).slice(0, 3), alpha] as Masks;
  return [red, green, blue, alpha];
}

/** A mask as a channel: one run of bits inside the pixel; a zero mask (channel absent) reads 0. */
function channelField(mask: number, bpp: number, fail: Fail): ChannelField {
  if (mask === 0) return { mask, shift: 0, scale: 0 };
  const hex = `0x${mask.toString(16).padStart(bpp / 4, '0')}`;
  if (bpp < 32 && mask >>> bpp !== 0) fail(`BMP colour mask ${hex} does not fit in ${bpp} bits per pixel`);
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const run = mask >>> shift;
  if ((run & (run + 1)) !== 0) fail(`BMP colour mask ${hex} is not one run of bits`);
  return { mask, shift, scale: 255 / run };
}

/** One channel of pixel value `p`, scaled to 0–255 (5 bits of 31 → 255). */
function channelValue(p: number, field: ChannelField): number {
  return Math.round(((p & field.mask) >>> field.shift) * field.scale);
}

/**
 * 16-, 24- and 32-bit pixels, little-endian, each channel taken through its mask. With an alpha
 * mask there are 4 channels, but if every alpha is 0 the writer left the byte unset: read opaque,
 * as browsers do, not as a blank image.
 */
function decodeMasked(bytes: Buffer, bpp: number, masks: Masks, rows: PixelRows, fail: Fail): { data: Buffer; channels: 3 | 4 } {
  const [red, green, blue, alpha] = masks.map((mask) => channelField(mask, bpp, fail)) as [ChannelField, ChannelField, ChannelField, ChannelField];
  const { offset, stride, width, height, rawHeight } = rows;
  const channels: 3 | 4 = alpha.mask !== 0 ? 4 : 3;
  const size = bpp / 8;
  const data = Buffer.alloc(width * height * channels);
  let seenAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const q = row + x * size;
      // as an int32: the masks' & reads it the same, and >>> makes each channel unsigned again
      const p = bytes[q]! | (bytes[q + 1]! << 8) | (size > 2 ? bytes[q + 2]! << 16 : 0) | (size > 3 ? bytes[q + 3]! << 24 : 0);
      const out = (y * width + x) * channels;
      data[out] = channelValue(p, red);
      data[out + 1] = channelValue(p, green);
      data[out + 2] = channelValue(p, blue);
      if (channels === 4) {
        data[out + 3] = channelValue(p, alpha);
        seenAlpha ||= data[out + 3] !== 0;
      }
    }
  }
  if (channels === 4 && !seenAlpha) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { data, channels };
}
