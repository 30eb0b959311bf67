// The services process's channel in the desktop app: main makes a MessageChannelMain, keeps one
// port and hands the other to the utility process over its parentPort (as VS Code does for its
// utility processes). Both ends speak messagePeer.ts's protocol through `electronPortLink`.
// Types only from electron: this runs in the utility process too, where main's API is absent;
// and nothing of the services, which main's bundle must not carry.
import type { MessagePortMain } from 'electron';
import path from 'node:path';
import { appRoot } from '../paths.js';
import type { MessageLink } from '../services/messagePeer.js';

/** The first message main posts to the services process; the port travels with it. */
export const SERVICES_PORT_MESSAGE = 'disobey:services-port';

export function servicesProcessPath(): string {
  return path.join(appRoot(), 'out', 'main', 'services-process.js');
}

export function electronPortLink(port: MessagePortMain): MessageLink {
  // 'close' reports the other end leaving; closing this end is reported here, once.
  const closeListeners: (() => void)[] = [];
  let closed = false;
  const closedNow = () => {
    if (closed) return;
    closed = true;
    for (const listener of closeListeners) listener();
  };
  port.once('close', closedNow);
  const link: MessageLink = {
    post: (message) => {
      if (!closed) port.postMessage(message);
    },
    onMessage(listener) {
      const unwrap = (event: { data: unknown }) => listener(event.data);
      port.on('message', unwrap);
      return () => void port.off('message', unwrap);
    },
    onClose: (listener) => void closeListeners.push(listener),
    close() {
      port.close();
      closedNow();
    },
  };
  port.start();
  return link;
}
