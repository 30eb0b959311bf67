// Example images as PNG for the renderer (custom protocol in Electron, /media in web mode).
import { encodeExamplePng } from '../export/examplePng.js';
import type { ExampleRepository } from '../store/store.js';

export async function exampleImagePng(examples: Pick<ExampleRepository, 'getExamplePixels'>, exampleId: number): Promise<Buffer> {
  const { pixels, shape } = examples.getExamplePixels(exampleId);
  return encodeExamplePng(pixels, shape);
}
