// The Electron shell, and nothing else: one sandboxed window, the app protocol that serves
// the renderer and example images, and IPC handlers derived from the contract.
import { app, BrowserWindow, ipcMain, net, protocol, session, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { callNames, ipcChannel, IPC_EVENT_CHANNEL, MEDIA_PROTOCOL } from '../../shared/contract.js';
import { toWireError } from '../../shared/errors.js';
import { ensureSampleDataset } from '../data/sampleDataset.js';
import { appRoot, defaultDatabasePath, rendererDir } from '../paths.js';
import { createAppServices } from '../services/appServices.js';
import type { LaunchTrainWorker } from '../services/trainerProcess.js';
import { answerIpcCall } from './ipcReply.js';
import { openDatabase } from '../store/openDatabase.js';
import { CONTENT_SECURITY_POLICY } from '../web/httpSecurity.js';
import { exampleIdFromMediaPath, resolveRendererFile } from '../web/rendererFiles.js';

const APP_ORIGIN = `${MEDIA_PROTOCOL}://app`;

if (app.isPackaged) process.env.DISOBEY_RESOURCES ??= process.resourcesPath;

protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// Training workers run as Electron utility processes: the release build's RunAsNode fuse is off
// (electron-builder.yml), so child_process.fork could not start this binary as Node.
const launchTrainWorker: LaunchTrainWorker = (entry) => {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Disobey training', stdio: 'inherit' });
  return {
    send: (m) => child.postMessage(m),
    kill: () => void child.kill(),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code, null)),
  };
};

async function main(): Promise<void> {
  await app.whenReady();
  const databasePath = defaultDatabasePath();
  const db = openDatabase(databasePath, { createFolder: true }); // the per-user default: its folder is ours to create
  await ensureSampleDataset(db);
  const services = createAppServices({ db, databasePath, launchTrainWorker });

  protocol.handle(MEDIA_PROTOCOL, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const exampleId = exampleIdFromMediaPath(url.pathname);
    if (exampleId !== null) {
      try {
        return new Response(new Uint8Array(await services.exampleImagePng(exampleId)), { headers: { 'Content-Type': 'image/png' } });
      } catch (err) {
        return new Response(toWireError(err).message, { status: 404 });
      }
    }
    const found = resolveRendererFile(rendererDir(), url.pathname);
    if (!found) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(found.file).href);
    return new Response(response.body, {
      headers: { 'Content-Type': found.contentType, 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
    });
  });

  // Only our own page may call in: a frame from anywhere else is refused.
  const fromApp = (event: IpcMainInvokeEvent) => event.senderFrame?.url.startsWith(`${APP_ORIGIN}/`) ?? false;
  for (const name of callNames) {
    ipcMain.handle(ipcChannel(name), async (event, args: unknown) => {
      if (!fromApp(event)) throw new Error('refused: call from an unknown frame');
      return answerIpcCall(services, name, args);
    });
  }

  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Disobey',
    webPreferences: {
      preload: path.join(appRoot(), 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      // a middle click would otherwise try to open a link in a new window (denied below anyway)
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    },
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const unsubscribe = services.events.subscribe((e) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, e);
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  app.on('window-all-closed', () => {
    unsubscribe();
    services.dispose();
    db.close();
    app.quit();
  });
}

main().catch((err: unknown) => {
  console.error(`disobey: ${(err as Error).message}`);
  app.exit(1);
});
