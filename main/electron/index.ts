// The Electron shell, and nothing else: one sandboxed window, the app protocol that serves
// the renderer and example images, IPC handlers derived from the contract, the application
// menu, native dialogs, one instance per user, and the switch between databases. The services
// themselves (store, analytics, imports, exports) run in a utility process that every contract
// call is forwarded to over a MessagePort (servicesPort.ts); what it decides is in plain modules
// beside it (menuTemplate, databaseSession, windowState, …).
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  MessageChannelMain,
  net,
  protocol,
  screen,
  session,
  shell,
  utilityProcess,
  type IpcMainInvokeEvent,
} from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { callNames, ipcChannel, IPC_EVENT_CHANNEL, MEDIA_PROTOCOL, type AppEvent } from '../../shared/contract.js';
import type { ThemeChoice } from '../../shared/desktop.js';
import { appRoot, defaultDatabasePath, rendererDir, resourcesDir } from '../paths.js';
import { connectServices, type ServicesClient } from '../services/servicesClient.js';
import { withThreadPoolSize } from '../threadPool.js';
import type { StartWorkerProcess } from '../workers/launcher.js';
import { CONTENT_SECURITY_POLICY } from '../web/httpSecurity.js';
import { resolveRendererFile } from '../web/rendererFiles.js';
import { aboutText, installedTrainingBackends } from './aboutText.js';
import { refusalToOpen, windowTitle, withDatabaseExtension } from './databaseFile.js';
import { createCurrentDatabase, createDatabaseSwitcher, type DatabaseSession, type DatabaseSwitcher } from './databaseSession.js';
import { createDesktopHooks, showPathDialog } from './desktopHooks.js';
import { answerIpcCall } from './ipcReply.js';
import { exampleMediaResponse } from './mediaProtocol.js';
import { databaseArgument, launchData, namedDatabase, secondLaunchDatabase } from './launchArgs.js';
import { buildMenuTemplate, type MenuActions } from './menuTemplate.js';
import { createRecentDatabases } from './recentDatabases.js';
import { electronPortLink, SERVICES_PORT_MESSAGE, servicesProcessPath } from './servicesPort.js';
import { createWindowStateStore, MIN_WINDOW_SIZE, placeWindow } from './windowState.js';
import { terminalText } from '../terminalText.js';

const APP_ORIGIN = `${MEDIA_PROTOCOL}://app`;
const DATABASE_FILTERS = [{ name: 'Disobey databases', extensions: ['db', 'sqlite', 'sqlite3'] }];

if (app.isPackaged) process.env.DISOBEY_RESOURCES ??= process.resourcesPath;
// A separate profile (recent databases, window state, the single-instance lock): tests, or a
// second install side by side. Must be set before the lock is requested.
if (process.env.DISOBEY_USER_DATA) app.setPath('userData', path.resolve(process.env.DISOBEY_USER_DATA));

protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// Training workers run as Electron utility processes: the release build's RunAsNode fuse is off
// (electron-builder.yml), so child_process.fork could not start this binary as Node.
const launchTrainWorker: StartWorkerProcess = (entry, serviceName) => {
  const child = utilityProcess.fork(entry, [], { serviceName, stdio: 'inherit' });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => child.postMessage(m),
    kill: () => void child.kill(),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code, null)),
  };
};

/** The docs folder: beside the packaged app's resources, or in a checkout. Local files only. */
function documentationFolder(): string | null {
  return [path.join(resourcesDir(), 'docs'), path.join(appRoot(), 'docs')].find((d) => fs.existsSync(path.join(d, 'metrics.md'))) ?? null;
}

/** The displays' work areas, the primary display's first. */
function workAreas() {
  const primary = screen.getPrimaryDisplay();
  return [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea);
}

async function main(named: string | null): Promise<void> {
  let win: BrowserWindow | null = null;
  let switcher: DatabaseSwitcher | null = null;
  let pendingLaunch: string | null = null;

  // A second launch: this window comes forward, and the database it named (if any) opens here.
  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    }
    const target = secondLaunchDatabase(argv, workingDirectory, additionalData);
    if (target === null) return;
    if (switcher) void switcher.switchTo(target, 'named');
    else pendingLaunch = target; // still starting: opened once the window is up
  });

  await app.whenReady();
  const userData = app.getPath('userData');
  const recent = createRecentDatabases(userData);
  const windowState = createWindowStateStore(userData);
  let theme: ThemeChoice = 'system';
  const desktop = createDesktopHooks({
    window: () => win,
    themeChanged: (chosen) => {
      if (chosen === theme) return;
      theme = chosen;
      refreshMenu();
    },
  });
  const showError = (title: string, message: string) => dialog.showErrorBox(title, message);
  let quitting = false;

  /** The services process: main keeps one end of a MessageChannelMain and hands the other over. */
  function startServices(): ServicesClient {
    // Image imports decode on its libuv pool: one thread per core (main/threadPool.ts).
    const child = utilityProcess.fork(servicesProcessPath(), [], { serviceName: 'Disobey services', stdio: 'inherit', env: withThreadPoolSize(process.env) });
    const { port1, port2 } = new MessageChannelMain();
    child.postMessage(SERVICES_PORT_MESSAGE, [port2]);
    const link = electronPortLink(port1);
    child.once('exit', (code) => {
      if (!quitting) console.error(`disobey: the services process stopped (exit code ${code})`);
      link.close();
    });
    return connectServices(link, { desktop, launchTrainWorker });
  }
  let services = startServices();

  const databasePath = named ?? defaultDatabasePath();
  const refusal = refusalToOpen(databasePath, 'named');
  let first: DatabaseSession;
  try {
    if (refusal) throw new Error(refusal);
    // Only a database not named on the command line (the per-user default, or DISOBEY_DB) gets its folder created.
    first = await services.open(databasePath, { createFolder: databaseArgument(process.argv, process.cwd()) === null });
  } catch (err) {
    showError('Disobey cannot start', `Cannot open the database ${databasePath}:\n\n${(err as Error).message}`);
    app.exit(1);
    return;
  }
  const current = createCurrentDatabase(first, (e: AppEvent) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, e);
  });
  recent.add(databasePath);

  protocol.handle(MEDIA_PROTOCOL, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const media = await exampleMediaResponse(current.session.services, url.pathname);
    if (media) return media;
    const found = resolveRendererFile(rendererDir(), url.pathname);
    if (!found) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(found.file).href);
    return new Response(response.body, {
      headers: { 'Content-Type': found.contentType, 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
    });
  });

  // Only our own page may call in: a frame from anywhere else is refused. The handlers answer
  // with the database in use now, whichever was open when they were registered.
  const fromApp = (event: IpcMainInvokeEvent) => event.senderFrame?.url.startsWith(`${APP_ORIGIN}/`) ?? false;
  for (const name of callNames) {
    ipcMain.handle(ipcChannel(name), async (event, args: unknown) => {
      if (!fromApp(event)) throw new Error('refused: call from an unknown frame');
      return answerIpcCall(current.session.services, name, args);
    });
  }

  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const placement = placeWindow(windowState.load(), workAreas());
  win = new BrowserWindow({
    ...placement.bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    title: windowTitle(databasePath),
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
  const window = win;
  const reveal = () => {
    if (window.isDestroyed() || window.isVisible()) return;
    if (placement.maximized) window.maximize();
    window.show();
  };
  window.once('ready-to-show', reveal);
  // Dropping a file on the page (or any link or script) must not take the window away from the
  // app, to file:// or anywhere else: the page handles drops itself (window.disobey.pathForFile).
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // The title names the database; the page's own <title> must not replace it.
  window.on('page-title-updated', (event) => event.preventDefault());
  window.on('close', () => windowState.save({ bounds: window.getNormalBounds(), maximized: window.isMaximized() }));

  const showDatabase = (file: string) => {
    window.setTitle(windowTitle(file));
    if (process.platform === 'darwin') window.setRepresentedFilename(file);
  };
  const loadPage = () => window.loadURL(`${APP_ORIGIN}/index.html`);

  // A services process that ends on its own (a crash): a new one reopens the database in use,
  // and the window reloads on it; one that keeps ending is not restarted for ever.
  const restarts: number[] = [];
  const restartWhenLost = (client: ServicesClient) =>
    client.onLost(() => {
      if (quitting) return;
      const file = current.session.databasePath;
      restarts.push(Date.now());
      if (restarts.length >= 3 && restarts.at(-1)! - restarts.at(-3)! < 60_000) {
        showError('Disobey', `The services process stopped three times within a minute while ${file} was open; Disobey quits. Its terminal output says why.`);
        app.quit();
        return;
      }
      services = startServices();
      restartWhenLost(services);
      services
        .open(file)
        .then((next) => {
          current.replace(next);
          return loadPage();
        })
        .catch((err: unknown) => showError('Disobey', `The services process stopped, and ${file} could not be reopened:\n\n${(err as Error).message}`));
    });
  restartWhenLost(services);

  switcher = createDatabaseSwitcher(current, (file) => services.open(file), {
    showError,
    async confirmStopTraining(runs, from, to) {
      const { response } = await dialog.showMessageBox(window, {
        type: 'warning',
        title: 'Training is running',
        message: `${runs} ${runs === 1 ? 'run is' : 'runs are'} training in ${path.basename(from)}.`,
        detail: `Opening ${to} stops the training this window started; the stopped runs can be resumed later from the experiment's page.`,
        buttons: ['Open Anyway', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
      });
      return response === 0;
    },
    switched(next) {
      recent.add(next.databasePath);
      refreshMenu();
      showDatabase(next.databasePath);
      loadPage().catch((err: unknown) => console.error(terminalText(`disobey: cannot reload the window: ${(err as Error).message}`)));
    },
  });
  const activeSwitcher = switcher;

  // A menu callback that fails says so in a box instead of an unhandled rejection.
  const guard =
    <A extends unknown[]>(action: (...args: A) => unknown) =>
    (...args: A): void => {
      Promise.resolve()
        .then(() => action(...args))
        .catch((err: unknown) => showError('Disobey', (err as Error).message));
    };
  const actions: MenuActions = {
    command: (command) => current.session.services.events.emit({ type: 'command', command }),
    newDatabase: guard(async () => {
      const chosen = await showPathDialog(window, {
        kind: 'save',
        options: {
          title: 'New Database',
          defaultPath: path.join(path.dirname(current.session.databasePath), 'untitled.db'),
          filters: DATABASE_FILTERS,
          properties: ['createDirectory', 'showOverwriteConfirmation'],
        },
      });
      if (chosen) await activeSwitcher.switchTo(withDatabaseExtension(chosen), 'new');
    }),
    openDatabase: guard(async () => {
      const chosen = await showPathDialog(window, {
        kind: 'open',
        options: { title: 'Open Database', defaultPath: path.dirname(current.session.databasePath), filters: DATABASE_FILTERS, properties: ['openFile'] },
      });
      if (chosen) await activeSwitcher.switchTo(chosen, 'existing');
    }),
    openRecent: guard(async (file: string) => {
      if (!fs.existsSync(file)) {
        showError(`Cannot open ${path.basename(file)}`, `${file} no longer exists (it may have been moved or deleted); it was removed from Open Recent.`);
        recent.remove(file);
        refreshMenu();
        return;
      }
      await activeSwitcher.switchTo(file, 'existing');
    }),
    clearRecent: guard(() => {
      recent.clear();
      refreshMenu();
    }),
    setTheme: (chosen) => desktop.setTheme(chosen),
    openDocumentation: guard(async () => {
      const folder = documentationFolder();
      const failure = folder ? await shell.openPath(folder) : 'this installation has no documentation folder';
      if (failure) showError('Cannot open the documentation', `${folder ?? ''}\n\n${failure}`.trim());
    }),
    about: guard(async () => {
      const info = (await current.session.services.dispatch('appInfo', {}, 'ipc')) as { version: string; databasePath: string; backend: string | null; versions: Record<string, string> };
      const { message, detail } = aboutText({ ...info, installedBackends: installedTrainingBackends() });
      await dialog.showMessageBox(window, { type: 'info', title: 'About Disobey', message, detail, buttons: ['OK'] });
    }),
  };

  function refreshMenu(): void {
    const template = buildMenuTemplate({ platform: process.platform, packaged: app.isPackaged, recent: recent.list(), theme, home: app.getPath('home') }, actions);
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }
  refreshMenu();
  showDatabase(databasePath);

  // Closing the window quits (on macOS too: the app is its one window). Quitting by any route
  // stops the training workers and closes the database; app.quit() skips window-all-closed.
  app.on('window-all-closed', () => app.quit());
  let shutDown = false;
  app.on('will-quit', () => {
    if (shutDown) return;
    shutDown = true;
    quitting = true;
    current.close();
  });

  try {
    await loadPage();
  } finally {
    reveal();
  }
  if (pendingLaunch !== null) void activeSwitcher.switchTo(pendingLaunch, 'named');
}

// One instance per user profile: a second launch hands its database to this one and quits.
const named = namedDatabase(process.argv, process.cwd(), process.env);
if (!app.requestSingleInstanceLock(launchData(named))) {
  app.quit();
} else {
  main(named).catch((err: unknown) => {
    console.error(terminalText(`disobey: ${(err as Error).message}`));
    app.exit(1);
  });
}
