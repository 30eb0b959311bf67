// The app protocol's example images: the grid's image (a referenced example's thumbnail, else
// its pixels as PNG) at /media/example/<id>.png, and a referenced example's original file at
// /api/example/<id>/original, read through the same checks as web mode (exampleOriginals.ts).
import type { SessionServices } from '../services/servicesClient.js';
import { toWireError } from '../../shared/errors.js';
import { exampleIdFromMediaPath, exampleIdFromOriginalPath } from '../web/rendererFiles.js';

/** The response for an example image path, or null when the path is not one. */
export async function exampleMediaResponse(services: Pick<SessionServices, 'exampleImage' | 'exampleOriginal'>, pathname: string): Promise<Response | null> {
  const imageId = exampleIdFromMediaPath(pathname);
  const originalId = exampleIdFromOriginalPath(pathname);
  if (imageId === null && originalId === null) return null;
  try {
    const { data, contentType } = imageId !== null ? await services.exampleImage(imageId) : await services.exampleOriginal(originalId as number);
    return new Response(new Uint8Array(data), { headers: { 'Content-Type': contentType, 'Cache-Control': originalId !== null ? 'no-store' : 'private, max-age=3600' } });
  } catch (err) {
    const wire = toWireError(err);
    return new Response(wire.message, { status: wire.code === 'FORBIDDEN' ? 403 : wire.code === 'CONFLICT' ? 409 : 404 });
  }
}
