// The reference import's header pass reads every file's size and colour before the first is
// decoded. For PNG, JPEG and WebP that is a few bytes at a known place, read here from the first
// bytes of the file, with no sharp call (whose fixed cost, paid per file on the event loop, was
// most of the pass). Anything this reader is not sure of answers null, and the caller asks sharp,
// so the answer is always the one sharp's metadata gives.
import fs from 'node:fs';
import { promisify } from 'node:util';

/** What sharp's metadata would say: stored width and height (before EXIF orientation), orientation 1–8, grey or colour. */
export interface QuickHeader {
  width: number;
  height: number;
  orientation: number;
  /** sharp reads 1 channel, or grey + alpha */
  grey: boolean;
}

/** Enough for a PNG's chunks before its pixels and a JPEG's markers up to its frame header in nearly every file. */
export const HEADER_BYTES = 64 * 1024;

const open = promisify(fs.open);
const read = promisify(fs.read);
const close = promisify(fs.close);

/** The first `length` bytes of a file (fewer when it is shorter): one open, one read, no FileHandle. */
export async function readHead(file: string, length = HEADER_BYTES): Promise<Buffer> {
  const fd = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await read(fd, buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await close(fd);
  }
}

/** The header of a PNG, JPEG or WebP from its first bytes, or null where sharp must be asked. */
export function quickHeader(head: Uint8Array): QuickHeader | null {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return pngHeader(bytes);
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegHeader(bytes);
  if (bytes.length >= 16 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return webpHeader(bytes);
  return null;
}

const positive = (header: QuickHeader): QuickHeader | null => (header.width > 0 && header.height > 0 ? header : null);

/**
 * IHDR's size and colour type, once every chunk before the first IDAT has been seen: an eXIf
 * chunk (orientation) or a palette (whose colours decide grey) is left to sharp.
 */
function pngHeader(bytes: Buffer): QuickHeader | null {
  if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  const colourType = bytes[25]!;
  if (colourType !== 0 && colourType !== 2 && colourType !== 4 && colourType !== 6) return null;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') return positive({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), orientation: 1, grey: colourType === 0 || colourType === 4 });
    if (type === 'eXIf' || type === 'IEND') return null;
    at += 12 + bytes.readUInt32BE(at);
  }
  return null; // the pixels start past the bytes read
}

// Start-of-frame markers (baseline, progressive, lossless, arithmetic): C0–CF less DHT (C4), JPG (C8), DAC (CC).
const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** The frame header's size and components, and the orientation from an Exif APP1, all before the scan starts. */
function jpegHeader(bytes: Buffer): QuickHeader | null {
  let frame: { width: number; height: number; components: number } | null = null;
  let orientation: number | null = null;
  let exifSegments = 0;
  for (let at = 2; ; ) {
    while (at < bytes.length && bytes[at] === 0xff && bytes[at + 1] === 0xff) at++; // fill bytes
    if (at + 4 > bytes.length || bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xda) break; // start of scan: every header segment has been seen
    if (marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return null;
    const length = bytes.readUInt16BE(at + 2);
    const body = at + 4;
    if (length < 2 || at + 2 + length > bytes.length) return null;
    if (isFrameMarker(marker)) {
      if (frame || length < 8) return null;
      frame = { height: bytes.readUInt16BE(body + 1), width: bytes.readUInt16BE(body + 3), components: bytes[body + 5]! };
    } else if (marker === 0xe1 && length >= 8 && bytes.toString('latin1', body, body + 6) === 'Exif\0\0') {
      if (++exifSegments > 1) return null;
      orientation = exifOrientation(bytes.subarray(body + 6, at + 2 + length));
      if (orientation === null) return null;
    }
    at += 2 + length;
  }
  if (!frame || (frame.components !== 1 && frame.components !== 3 && frame.components !== 4)) return null;
  return positive({ width: frame.width, height: frame.height, orientation: orientation ?? 1, grey: frame.components === 1 });
}

/** IFD0's Orientation (tag 0x0112, one SHORT) of a TIFF-structured Exif block: 1 when absent, null when unsure. */
export function exifOrientation(tiff: Buffer): number | null {
  if (tiff.length < 8) return null;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return null;
  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > tiff.length) return null;
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > tiff.length) return null;
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) !== 0x0112) continue;
    if (u16(entry + 2) !== 3 || u32(entry + 4) !== 1) return null;
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : null;
  }
  return 1;
}

/** A still WebP's size: lossy (VP8), lossless (VP8L), or extended (VP8X) without EXIF or animation. WebP is never read as grey. */
function webpHeader(bytes: Buffer): QuickHeader | null {
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && bytes.length >= 30) {
    if ((bytes[20]! & 1) !== 0 || bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null; // not a key frame
    return positive({ width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff, orientation: 1, grey: false });
  }
  if (chunk === 'VP8L' && bytes.length >= 25) {
    if (bytes[20] !== 0x2f) return null;
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: 1, grey: false };
  }
  if (chunk === 'VP8X' && bytes.length >= 30) {
    const flags = bytes[20]!;
    if ((flags & 0x08) !== 0 || (flags & 0x02) !== 0) return null; // EXIF (orientation) or animation: sharp decides
    return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1, orientation: 1, grey: false };
  }
  return null;
}
