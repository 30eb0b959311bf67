// The app protocol's example images: the grid's image (a referenced example's thumbnail, else
// its pixels as PNG) at /media/example/<id>.png, the image training sees (the stored pixels as
// PNG) at /media/example/<id>/training.png, and a referenced example's original file at
// /api/example/<id>/original, read through the same checks as web mode (exampleOriginals.ts).
import type { ExampleImage, SessionServices } from '../services/servicesClient.js';
import { toWireError } from '../../shared/errors.js';
import { exampleIdFromMediaPath, exampleIdFromOriginalPath, exampleIdFromTrainingImagePath } from '../web/rendererFiles.js';

/** The response for an example image path, or null when the path is not one. */
export async function exampleMediaResponse(services: Pick<SessionServices, 'exampleImage' | 'exampleTrainingImage' | 'exampleOriginal'>, pathname: string): Promise<Response | null> {
  const imageId = exampleIdFromMediaPath(pathname);
  const trainingId = exampleIdFromTrainingImagePath(pathname);
  const originalId = exampleIdFromOriginalPath(pathname);
  let read: () => Promise<ExampleImage>;
  if (imageId !== null) read = () => services.exampleImage(imageId);
  else if (trainingId !== null) read = () => services.exampleTrainingImage(trainingId);
  else if (originalId !== null) read = () => services.exampleOriginal(originalId);
  else return null;
  try {
    const { data, contentType } = await read();
    return new Response(new Uint8Array(data), { headers: { 'Content-Type': contentType, 'Cache-Control': originalId !== null ? 'no-store' : 'private, max-age=3600' } });
  } catch (err) {
    const wire = toWireError(err);
    return new Response(wire.message, { status: wire.code === 'FORBIDDEN' ? 403 : wire.code === 'CONFLICT' ? 409 : 404 });
  }
}
