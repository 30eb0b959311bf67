// The services process's side of the handover (servicesPort.ts): the port main sends first,
// then the services hosted on it. Apart from the entry (servicesProcess.ts), so the shell's
// plain-Node test hosts the services the same way in its own process.
import type { ParentPort } from 'electron';
import { hostServices, type ServicesHost } from '../services/servicesHost.js';
import { electronPortLink, SERVICES_PORT_MESSAGE } from './servicesPort.js';

/**
 * In the services process: waits for main's port on `parentPort`, then hosts the services on it
 * until main closes it or ends; `exit` then ends the process. Answers the host once it runs.
 */
export function acceptServicesPort(parentPort: Pick<ParentPort, 'on' | 'off'>, exit: () => void): Promise<ServicesHost> {
  return new Promise((resolve) => {
    const onMessage = (event: Electron.MessageEvent) => {
      const [port] = event.ports;
      if (event.data !== SERVICES_PORT_MESSAGE || !port) return;
      parentPort.off('message', onMessage);
      resolve(hostServices(electronPortLink(port), { exit }));
    };
    parentPort.on('message', onMessage);
  });
}
