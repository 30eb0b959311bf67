// An example's pixels (uint8, height × width × channels) as PNG: grey stays one channel, so the
// PNG decodes to exactly the stored bytes.
import type { ImageShape } from '../../shared/domain.js';
import { encodePng } from '../data/png.js';

export function encodeExamplePng(pixels: Uint8Array, shape: ImageShape): Buffer {
  return encodePng(pixels, shape.width, shape.height, shape.channels);
}
