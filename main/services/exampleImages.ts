// Example images for the renderer (custom protocol in Electron, /media in web mode): a referenced
// example's stored thumbnail, else the stored pixels as PNG; and the image training sees (the
// stored pixels as PNG, for the detail panel of a dataset stored by reference).
import { encodeExamplePng } from '../export/examplePng.js';
import type { ExampleRepository } from '../store/store.js';
import type { ImageSourceQueries } from '../store/imageSourceQueries.js';

export async function exampleImagePng(examples: Pick<ExampleRepository, 'getExamplePixels'>, exampleId: number): Promise<Buffer> {
  const { pixels, shape } = examples.getExamplePixels(exampleId);
  return encodeExamplePng(pixels, shape);
}

/**
 * The image training sees, as PNG: the stored pixels (for a referenced example, the training
 * tensor cut at import). An example of a --train-size 0 import has none: NOT_FOUND, saying why
 * (getExamplePixels).
 */
export async function exampleTrainingImage(examples: Pick<ExampleRepository, 'getExamplePixels'>, exampleId: number): Promise<{ data: Buffer; contentType: string }> {
  return { data: await exampleImagePng(examples, exampleId), contentType: 'image/png' };
}

export async function exampleImage(examples: Pick<ExampleRepository, 'getExamplePixels'>, images: ImageSourceQueries, exampleId: number): Promise<{ data: Buffer; contentType: string }> {
  const thumbnail = images.thumbnail(exampleId);
  if (thumbnail) return { data: thumbnail.data, contentType: thumbnail.type };
  return { data: await exampleImagePng(examples, exampleId), contentType: 'image/png' };
}
