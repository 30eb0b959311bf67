// The app protocol's example media (main/electron/mediaProtocol.ts): each path goes to its
// service, and a refusal answers its status with the service's words.
import { describe, expect, it } from 'vitest';
import { exampleTrainingImagePath, exampleImagePath, exampleOriginalPath } from '../../shared/contract.js';
import { DomainError, NotFoundError } from '../../shared/errors.js';
import { exampleMediaResponse } from '../../main/electron/mediaProtocol.js';

const png = (tag: number) => ({ data: new Uint8Array([tag]), contentType: 'image/png' });
const services = {
  exampleImage: async (id: number) => png(id),
  exampleTrainingImage: async (id: number) => {
    if (id === 7) throw new NotFoundError('example 7 has no training image');
    return png(100 + id);
  },
  exampleOriginal: async (id: number) => {
    if (id === 9) throw new DomainError('CONFLICT', 'example 9 has changed');
    return { data: new Uint8Array([200 + id]), contentType: 'image/jpeg' };
  },
};
const bytes = async (res: Response | null) => [...new Uint8Array(await res!.arrayBuffer())];

describe('exampleMediaResponse', () => {
  it('sends each path to its own service', async () => {
    expect(await bytes(await exampleMediaResponse(services, exampleImagePath(3)))).toEqual([3]);
    const training = await exampleMediaResponse(services, exampleTrainingImagePath(3));
    expect(training!.headers.get('content-type')).toBe('image/png');
    expect(await bytes(training)).toEqual([103]);
    const original = await exampleMediaResponse(services, exampleOriginalPath(3));
    expect(original!.headers.get('cache-control')).toBe('no-store');
    expect(await bytes(original)).toEqual([203]);
  });

  it('answers 404 with the reason for an example without a training image, 409 for a changed original', async () => {
    const missing = await exampleMediaResponse(services, exampleTrainingImagePath(7));
    expect(missing!.status).toBe(404);
    expect(await missing!.text()).toBe('example 7 has no training image');
    expect((await exampleMediaResponse(services, exampleOriginalPath(9)))!.status).toBe(409);
  });

  it('leaves other paths to the renderer files', async () => {
    for (const p of ['/index.html', '/media/example/3/training.jpg', '/media/example/x/training.png', '/media/example/3/original']) {
      expect(await exampleMediaResponse(services, p)).toBeNull();
    }
  });
});
