// PNG for dataset pixels, in plain zlib: 8-bit grey or RGB, not interlaced (PNG spec, ISO 15948).
// Tens of thousands of 28×28 images encode and decode in a second this way, where a sharp
// pipeline per image costs about a millisecond; anything else (palettes, 16 bits, alpha,
// interlacing, JPEG) is left to sharp by the callers.
import zlib from 'node:zlib';

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const GREY = 0;
const RGB = 2;

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.byteLength, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, tail]);
}

/** Encodes height × width × channels bytes (row-major, channels last) as a PNG; rows unfiltered. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Buffer {
  const stride = width * channels;
  if (pixels.byteLength !== stride * height) throw new Error(`${pixels.byteLength} bytes are not ${height}×${width}×${channels} pixels`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = channels === 1 ? GREY : RGB;
  const rows = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) rows.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
}

/** A PNG's width and height from its IHDR chunk (always the first), or null when the bytes are no PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } | null {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (bytes.length < 8 + 25 || !bytes.subarray(0, 8).equals(SIGNATURE) || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * Decodes an 8-bit grey or RGB, non-interlaced PNG; null for any other kind of PNG (or not a PNG),
 * which the caller hands to a general decoder. A damaged one throws.
 */
export function decodeSimplePng(png: Uint8Array): RawImage | null {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (bytes.length < 8 + 25 || !bytes.subarray(0, 8).equals(SIGNATURE)) return null;
  let width = 0;
  let height = 0;
  let channels: 1 | 3 = 1;
  const idat: Buffer[] = [];
  for (let at = 8; ; ) {
    if (at + 12 > bytes.length) throw new Error('the PNG ends before its IEND chunk');
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > bytes.length) throw new Error(`the PNG's ${type} chunk is cut short`);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (zlib.crc32(data, zlib.crc32(bytes.subarray(at + 4, at + 8))) !== bytes.readUInt32BE(at + 8 + length)) throw new Error(`the PNG's ${type} chunk fails its CRC`);
    if (type === 'IHDR') {
      if (length !== 13) throw new Error('bad IHDR chunk');
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colour !== GREY && colour !== RGB) || interlace !== 0) return null;
      channels = colour === GREY ? 1 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    } else if (type === 'PLTE' || type === 'tRNS' || type === 'iCCP') {
      return null; // palettes, transparency and colour profiles are left to the general decoder
    }
    at += 12 + length;
  }
  if (width === 0 || height === 0 || idat.length === 0) throw new Error('the PNG has no image data');
  const stride = width * channels;
  const rows = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height });
  if (rows.length !== (stride + 1) * height) throw new Error(`the PNG holds ${rows.length} bytes of rows instead of ${(stride + 1) * height}`);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) unfilterRow(rows, y, stride, channels, out);
  return { data: out, width, height, channels };
}

/** Reverses a row's filter (None, Sub, Up, Average, Paeth) into `out`. */
function unfilterRow(rows: Buffer, y: number, stride: number, bpp: number, out: Uint8Array): void {
  const filter = rows[y * (stride + 1)]!;
  const src = y * (stride + 1) + 1;
  const dst = y * stride;
  const prev = dst - stride;
  for (let x = 0; x < stride; x++) {
    const raw = rows[src + x]!;
    const left = x >= bpp ? out[dst + x - bpp]! : 0;
    const up = y > 0 ? out[prev + x]! : 0;
    const upLeft = y > 0 && x >= bpp ? out[prev + x - bpp]! : 0;
    let value: number;
    switch (filter) {
      case 0:
        value = raw;
        break;
      case 1:
        value = raw + left;
        break;
      case 2:
        value = raw + up;
        break;
      case 3:
        value = raw + ((left + up) >> 1);
        break;
      case 4: {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
        break;
      }
      default:
        throw new Error(`bad PNG row filter ${filter}`);
    }
    out[dst + x] = value & 0xff;
  }
}
