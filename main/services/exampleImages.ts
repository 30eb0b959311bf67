// Example images for the renderer (custom protocol in Electron, /media in web mode): a referenced
// example's stored thumbnail, else the stored pixels as PNG.
import { encodeExamplePng } from '../export/examplePng.js';
import type { DatasetQueries } from '../store/datasetQueries.js';
import type { ImageSourceQueries } from '../store/imageSourceQueries.js';

export async function exampleImagePng(queries: DatasetQueries, exampleId: number): Promise<Buffer> {
  const { pixels, shape } = queries.getExamplePixels(exampleId);
  return encodeExamplePng(pixels, shape);
}

export async function exampleImage(queries: DatasetQueries, images: ImageSourceQueries, exampleId: number): Promise<{ data: Buffer; contentType: string }> {
  const thumbnail = images.thumbnail(exampleId);
  if (thumbnail) return { data: thumbnail.data, contentType: thumbnail.type };
  return { data: await exampleImagePng(queries, exampleId), contentType: 'image/png' };
}
