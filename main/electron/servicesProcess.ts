// The services process's entry (out/main/services-process.js). In the desktop app it is an
// Electron utility process: main hands it a MessagePort and every contract call but the window's
// own (dialogs, theme) runs here, off the window's event loop. Forked by plain Node (tests) it
// speaks over the fork's IPC channel instead. It ends when its parent leaves.
import { processLink } from '../services/messagePeer.js';
import { hostServices, type ServicesHost } from '../services/servicesHost.js';
import { acceptServicesPort } from './acceptServicesPort.js';

const exit = () => process.exit(0);
let host: Promise<ServicesHost>;
if (process.parentPort) host = acceptServicesPort(process.parentPort, exit);
else if (process.send) host = Promise.resolve(hostServices(processLink(process), { exit }));
else throw new Error('the services process needs a parent: start it with utilityProcess.fork or child_process.fork');

// Quitting the app terminates this process: its databases close first, their WAL checkpointed.
process.once('SIGTERM', () => {
  void host.then((h) => h.closeAll()).finally(exit);
});
