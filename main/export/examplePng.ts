// An example's pixels (uint8, height × width × channels) as PNG. Grey pixels are written as a
// grey PNG (sharp would otherwise write three channels), so the PNG decodes to the stored bytes.
import sharp from 'sharp';
import type { ImageShape } from '../../shared/domain.js';

export function encodeExamplePng(pixels: Uint8Array, shape: ImageShape): Promise<Buffer> {
  const raw = sharp(pixels, { raw: { width: shape.width, height: shape.height, channels: shape.channels } });
  return (shape.channels === 1 ? raw.toColourspace('b-w') : raw).png({ compressionLevel: 1 }).toBuffer();
}
