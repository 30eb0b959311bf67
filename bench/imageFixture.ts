// Image files made in code (no PIL): every format sharp writes, BMP by hand, and folders of
// generated photos of mixed sizes and formats for the reference store's tests and bench.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** A left/right two-colour image, width × height × channels: left half `left`, right half `right`. */
export function halves(width: number, height: number, left: number[], right: number[]): Buffer {
  const channels = left.length;
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = x < width / 2 ? left : right;
      for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = colour[c]!;
    }
  }
  return out;
}

/** An uncompressed 24-bit bottom-up BMP of RGB pixels (what Windows Paint writes). */
export function encodeBmp24(rgb: Buffer, width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + stride * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(stride * height, 34);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      file[row + x * 3] = rgb[p + 2]!;
      file[row + x * 3 + 1] = rgb[p + 1]!;
      file[row + x * 3 + 2] = rgb[p]!;
    }
  }
  return file;
}

export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'bmp';

/** Encodes raw RGB pixels in a format; lossless where the format allows. */
export async function encodeRgb(rgb: Buffer, width: number, height: number, format: PhotoFormat, quality = 85): Promise<Buffer> {
  if (format === 'bmp') return encodeBmp24(rgb, width, height);
  const image = sharp(rgb, { raw: { width, height, channels: 3 } });
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality }).toBuffer();
    case 'png':
      return image.png().toBuffer();
    case 'webp':
      return image.webp({ lossless: true }).toBuffer();
    case 'gif':
      return image.gif().toBuffer();
    case 'tiff':
      return image.tiff({ compression: 'lzw' }).toBuffer();
  }
}

/**
 * A generated "photo": smooth gradients with noise and a few blobs, so JPEG and WebP compress it
 * like a real photo rather than like a flat fill. Deterministic in `seed`.
 */
export function photoPixels(width: number, height: number, seed: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  let s = seed * 2654435761 + 1;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) & 0xffff) / 0xffff;
  const cx = rand() * width;
  const cy = rand() * height;
  const r = (0.2 + rand() * 0.3) * Math.min(width, height);
  const base = [rand() * 255, rand() * 255, rand() * 255];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = inside ? 255 - base[c]! : (base[c]! * (x + y)) / (width + height) + (c * 40 * y) / height;
        out[p + c] = Math.max(0, Math.min(255, v + (rand() - 0.5) * 24));
      }
    }
  }
  return out;
}

export interface GeneratedFolder {
  files: string[];
  bytes: number;
}

/**
 * root/<class>/<i>.<ext>: `count` photos of 200–600 px per side, JPEG, PNG and WebP in turn
 * (WebP lossy here, as cameras and the web write it), spread over `classes` classes.
 */
export async function writePhotoFolder(root: string, count: number, options: { classes?: number; minSide?: number; maxSide?: number; formats?: ('jpeg' | 'png' | 'webp')[] } = {}): Promise<GeneratedFolder> {
  const { classes = 4, minSide = 200, maxSide = 600, formats = ['jpeg', 'png', 'webp'] } = options;
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const width = minSide + ((i * 7919) % (maxSide - minSide + 1));
    const height = minSide + ((i * 104729) % (maxSide - minSide + 1));
    const format = formats[i % formats.length]!;
    const rgb = photoPixels(width, height, i);
    const image = sharp(rgb, { raw: { width, height, channels: 3 } });
    const data = format === 'jpeg' ? await image.jpeg({ quality: 85 }).toBuffer() : format === 'png' ? await image.png({ compressionLevel: 6 }).toBuffer() : await image.webp({ quality: 80 }).toBuffer();
    const file = path.join(root, `class${i % classes}`, `${String(i).padStart(6, '0')}.${format === 'jpeg' ? 'jpg' : format}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    files.push(file);
    bytes += data.length;
  }
  return { files, bytes };
}
