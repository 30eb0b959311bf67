// Windows BMP, which sharp's prebuilt libvips does not read: uncompressed 24- and 32-bit
// (BI_RGB, or BI_BITFIELDS with the usual masks) and 1/4/8-bit palettes, bottom-up or top-down.
// Enough for the BMPs cameras, scanners and old datasets write; RLE-compressed files are refused by name.
import { ImportError } from '../../shared/errors.js';

export interface BmpPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
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
  const bitfields = compression === 3 && (bpp === 32 || bpp === 24);
  if (compression !== 0 && !bitfields) fail(`compressed BMP (compression ${compression}) is not read; save it uncompressed or as PNG`);
  if (![1, 4, 8, 24, 32].includes(bpp)) fail(`BMP with ${bpp} bits per pixel is not read`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (offset + stride * height > bytes.length) fail('the BMP file is shorter than its pixels');
  const paletteStart = 14 + headerSize;
  const colours = bytes.readUInt32LE(46) || 1 << bpp;
  const hasAlpha = bpp === 32 && (headerSize >= 56 ? bytes.readUInt32LE(66) !== 0 : false);
  const channels: 3 | 4 = hasAlpha ? 4 : 3;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const out = (y * width + x) * channels;
      if (bpp >= 24) {
        const p = row + x * (bpp / 8);
        data[out] = bytes[p + 2]!;
        data[out + 1] = bytes[p + 1]!;
        data[out + 2] = bytes[p]!;
        if (channels === 4) data[out + 3] = bytes[p + 3]!;
      } else {
        const bit = x * bpp;
        const index = (bytes[row + (bit >> 3)]! >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (index >= colours) fail(`palette index ${index} past the ${colours} colours`);
        const entry = paletteStart + index * 4;
        data[out] = bytes[entry + 2]!;
        data[out + 1] = bytes[entry + 1]!;
        data[out + 2] = bytes[entry]!;
      }
    }
  }
  return { data, width, height, channels };
}
