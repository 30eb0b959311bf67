// Desktop: calls and events go through the preload's `window.disobey` bridge; images come
// from the app protocol that also serves the renderer.
import { exampleImagePath, MEDIA_PROTOCOL } from '../../../shared/contract.js';
import type { Transport } from './client.js';

export function createIpcTransport(bridge: DisobeyBridge): Transport {
  return {
    kind: 'desktop',
    send: (name, args) => bridge.call(name, args),
    subscribe: (listener) => bridge.onEvent(listener),
    imageUrl: (exampleId) => `${MEDIA_PROTOCOL}://app${exampleImagePath(exampleId)}`,
  };
}
