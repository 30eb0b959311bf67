// Example images as PNG for the renderer (custom protocol in Electron, /media in web mode).
import { encodeExamplePng } from '../export/examplePng.js';
import type { DatasetQueries } from '../store/datasetQueries.js';

export async function exampleImagePng(queries: DatasetQueries, exampleId: number): Promise<Buffer> {
  const { pixels, shape } = queries.getExamplePixels(exampleId);
  return encodeExamplePng(pixels, shape);
}
