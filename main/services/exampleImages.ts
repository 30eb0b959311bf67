// Example images for the renderer (custom protocol in Electron, /media in web mode): a referenced
// example's stored thumbnail, else the stored pixels as PNG.
import { encodeExamplePng } from '../export/examplePng.js';
import type { ExampleRepository } from '../store/store.js';
import type { ImageSourceQueries } from '../store/imageSourceQueries.js';

export async function exampleImagePng(examples: Pick<ExampleRepository, 'getExamplePixels'>, exampleId: number): Promise<Buffer> {
  const { pixels, shape } = examples.getExamplePixels(exampleId);
  return encodeExamplePng(pixels, shape);
}

export async function exampleImage(examples: Pick<ExampleRepository, 'getExamplePixels'>, images: ImageSourceQueries, exampleId: number): Promise<{ data: Buffer; contentType: string }> {
  const thumbnail = images.thumbnail(exampleId);
  if (thumbnail) return { data: thumbnail.data, contentType: thumbnail.type };
  return { data: await exampleImagePng(examples, exampleId), contentType: 'image/png' };
}
