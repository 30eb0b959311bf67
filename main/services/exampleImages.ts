// Example images as PNG for the renderer (custom protocol in Electron, /media in web mode).
import sharp from 'sharp';
import type { DatasetQueries } from '../store/datasetQueries.js';

export async function exampleImagePng(queries: DatasetQueries, exampleId: number): Promise<Buffer> {
  const { pixels, shape } = queries.getExamplePixels(exampleId);
  return sharp(pixels, { raw: { width: shape.width, height: shape.height, channels: shape.channels } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}
