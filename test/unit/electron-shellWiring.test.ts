// The Electron shell's wiring, run in plain Node with a stand-in for the electron module (the
// real app is tested in test/e2e/electron.test.ts where a binary exists): real services on real
// SQLite files in a private profile; what is checked is what main/electron/index.ts does with
// them: the title, the menu's commands reaching the window as events, pickPath through the
// dialog on the window, the theme, About, a second launch switching the database under the same
// IPC handlers, a foreign file refused, New Database, and the window state saved on close.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MENU_ID, themeItemId } from '../../main/electron/menuTemplate.js';
import { encodeIdx } from './encodeIdx.js';

type Item = MenuItemConstructorOptions;

/** What the stand-in for electron recorded, and what its dialogs answer next. */
const fake = vi.hoisted(() => ({
  log: [] as unknown[][],
  menu: [] as unknown[],
  handlers: new Map<string, (event: unknown, args: unknown) => Promise<unknown>>(),
  protocolHandler: null as null | ((request: Request) => Promise<Response>),
  windows: [] as unknown[],
  openAnswer: { canceled: true, filePaths: [] as string[] } as unknown,
  saveAnswer: { canceled: true, filePath: '' } as unknown,
  lockData: undefined as unknown,
  /** the services processes started, in order, with how they were forked */
  servicesProcesses: [] as { entry: string; serviceName: unknown; process: EventEmitter }[],
}));

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const { MessageChannel } = await import('node:worker_threads');
  /** Electron's MessagePortMain over a worker_threads port: queued until start(), messages arrive as { data, ports }. */
  const mainPort = (port: import('node:worker_threads').MessagePort) => {
    const emitter = new Emitter();
    port.on('close', () => emitter.emit('close'));
    const start = () => {
      port.on('message', (data: unknown) => emitter.emit('message', { data, ports: [] }));
      port.unref();
    };
    return Object.assign(emitter, { postMessage: (data: unknown) => port.postMessage(data), start, close: () => port.close() });
  };
  /**
   * The services process, hosted in this test's process: the real entry's code (acceptServicesPort)
   * on a stand-in for its parentPort, reached over a real MessageChannel.
   */
  const servicesProcess = () => {
    const child = new Emitter();
    const parentPort = new Emitter();
    const ready = import('../../main/electron/acceptServicesPort.js').then(({ acceptServicesPort }) => {
      void acceptServicesPort(parentPort as never, () => child.emit('exit', 0));
    });
    return Object.assign(child, {
      pid: process.pid,
      postMessage: (data: unknown, ports: unknown[] = []) => void ready.then(() => parentPort.emit('message', { data, ports })),
      kill: () => true,
    });
  };
  const appEvents = new Emitter();
  const paths: Record<string, string> = {};
  class BrowserWindow extends Emitter {
    title: string;
    visible = false;
    sent: [string, unknown][] = [];
    loads: string[] = [];
    options: Record<string, unknown>;
    webContents = Object.assign(new Emitter(), {
      send: (channel: string, payload: unknown) => void this.sent.push([channel, payload]),
      setWindowOpenHandler: () => {},
    });
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      this.title = String(options.title);
      fake.windows.push(this);
    }
    static getAllWindows = () => fake.windows;
    async loadURL(url: string) {
      this.loads.push(url);
      setTimeout(() => this.emit('ready-to-show'), 0);
    }
    isDestroyed = () => false;
    isVisible = () => this.visible;
    show = () => void (this.visible = true);
    focus = () => {};
    maximize = () => {};
    isMaximized = () => false;
    isMinimized = () => false;
    restore = () => {};
    setTitle = (t: string) => void (this.title = t);
    getNormalBounds = () => ({ x: 12, y: 34, width: 1111, height: 777 });
    setRepresentedFilename = () => {};
  }
  return {
    app: {
      isPackaged: false,
      setPath: (key: string, value: string) => void (paths[key] = value),
      getPath: (key: string) => paths[key] ?? (key === 'home' ? '/home/nobody' : `/nonexistent/${key}`),
      requestSingleInstanceLock: (data: unknown) => {
        fake.lockData = data;
        return true;
      },
      on: (event: string, listener: (...a: unknown[]) => void) => appEvents.on(event, listener),
      emit: (event: string, ...a: unknown[]) => appEvents.emit(event, ...a),
      whenReady: async () => {},
      quit: () => void fake.log.push(['quit']),
      exit: (code: number) => void fake.log.push(['exit', code]),
    },
    BrowserWindow,
    dialog: {
      showOpenDialog: async (...a: unknown[]) => {
        fake.log.push(['showOpenDialog', a[0] instanceof BrowserWindow, a.at(-1)]);
        return fake.openAnswer;
      },
      showSaveDialog: async (...a: unknown[]) => {
        fake.log.push(['showSaveDialog', a[0] instanceof BrowserWindow, a.at(-1)]);
        return fake.saveAnswer;
      },
      showErrorBox: (title: string, message: string) => void fake.log.push(['errorBox', title, message]),
      showMessageBox: async (_w: unknown, options: unknown) => {
        fake.log.push(['messageBox', options]);
        return { response: 0 };
      },
    },
    ipcMain: { handle: (channel: string, handler: (event: unknown, args: unknown) => Promise<unknown>) => void fake.handlers.set(channel, handler) },
    Menu: {
      buildFromTemplate: (template: unknown[]) => ({ template }),
      setApplicationMenu: (menu: { template: unknown[] }) => void (fake.menu = menu.template),
    },
    net: { fetch: async () => new Response('page') },
    protocol: {
      registerSchemesAsPrivileged: () => {},
      handle: (_scheme: string, handler: (request: Request) => Promise<Response>) => void (fake.protocolHandler = handler),
    },
    screen: {
      getPrimaryDisplay: () => ({ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
      getAllDisplays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    },
    session: { defaultSession: { setPermissionRequestHandler: () => {} } },
    shell: { openPath: async (p: string) => (fake.log.push(['openPath', p]), '') },
    MessageChannelMain: class {
      port1: ReturnType<typeof mainPort>;
      port2: ReturnType<typeof mainPort>;
      constructor() {
        const { port1, port2 } = new MessageChannel();
        this.port1 = mainPort(port1);
        this.port2 = mainPort(port2);
      }
    },
    utilityProcess: {
      fork: (entry: string, _args: string[], options: { serviceName?: string }) => {
        if (!entry.endsWith('services-process.js')) throw new Error('no training in this test');
        const child = servicesProcess();
        fake.servicesProcesses.push({ entry, serviceName: options.serviceName, process: child });
        return child;
      },
    },
    nativeTheme: { themeSource: 'system' },
  };
});

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-shell-'));
const file = (name: string) => path.join(temp, name);
const app = () => fake as unknown as { windows: FakeWindow[] };

interface FakeWindow extends EventEmitter {
  title: string;
  visible: boolean;
  sent: [string, unknown][];
  loads: string[];
  options: Record<string, unknown>;
}

function allItems(items: readonly Item[]): Item[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? allItems(i.submenu) : [])]);
}
const menuItem = (id: string) => {
  const found = allItems(fake.menu as Item[]).find((i) => i.id === id);
  if (!found) throw new Error(`no menu item ${id}`);
  return found;
};
const click = (id: string) => (menuItem(id).click as () => void)();
const win = () => app().windows[0]!;
const fromPage = { senderFrame: { url: 'disobey://app/index.html' } };
const call = async (name: string, args: unknown = {}) => {
  const reply = (await fake.handlers.get(`disobey:call:${name}`)!(fromPage, args)) as { ok: boolean; result?: unknown; error?: unknown };
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  return reply.result;
};
const until = async (check: () => boolean, what: string, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const electronModule = () => import('electron') as unknown as Promise<{ app: { emit(event: string, ...a: unknown[]): void }; nativeTheme: { themeSource: string } }>;

beforeAll(async () => {
  // a small stand-in for the embedded sample, found through DISOBEY_RESOURCES as a packaged app finds its own
  const sample = path.join(temp, 'resources', 'sample', 'fashion-mnist');
  fs.mkdirSync(sample, { recursive: true });
  for (const [prefix, n] of [['train', 12], ['t10k', 6]] as const) {
    fs.writeFileSync(path.join(sample, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(encodeIdx([n, 2, 2], new Uint8Array(n * 4).map((_, i) => (i * 7) % 256))));
    fs.writeFileSync(path.join(sample, `${prefix}-labels-idx1-ubyte.gz`), zlib.gzipSync(encodeIdx([n], new Uint8Array(n).map((_, i) => i % 3))));
  }
  vi.stubEnv('DISOBEY_RESOURCES', path.join(temp, 'resources'));
  vi.stubEnv('DISOBEY_DB', file('app.db'));
  vi.stubEnv('DISOBEY_USER_DATA', file('profile'));
  await import('../../main/electron/index.js');
  await until(() => app().windows.length === 1 && win().loads.length === 1 && win().visible, 'the window');
}, 60_000);

afterAll(() => {
  vi.unstubAllEnvs();
  fs.rmSync(temp, { recursive: true, force: true });
});

describe('the Electron shell, wired to real services', () => {
  it('asks for the single-instance lock with the database it names, and titles the window with it', async () => {
    expect(fake.lockData).toEqual({ databasePath: file('app.db') });
    expect(win().title).toBe('Disobey — app.db');
    expect(win().loads).toEqual(['disobey://app/index.html']);
    expect(win().options).toMatchObject({ width: 1400, height: 900, minWidth: 800, minHeight: 560, show: false });
    // the page's own <title> cannot replace it
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    win().emit('page-title-updated', event, 'Disobey');
    expect(event.defaultPrevented).toBe(true);
    expect(await call('appInfo')).toMatchObject({ databasePath: file('app.db'), nativeDialogs: true, transport: 'ipc' });
  });

  it("sends the menu's commands to the window as the contract's command event", () => {
    win().sent.length = 0;
    click(MENU_ID.import);
    click(MENU_ID.helpPage);
    expect(win().sent).toEqual([
      ['disobey:event', { type: 'command', command: 'import' }],
      ['disobey:event', { type: 'command', command: 'help' }],
    ]);
  });

  it('answers pickPath with a dialog on the window', async () => {
    fake.openAnswer = { canceled: false, filePaths: ['/data/images'] };
    expect(await call('pickPath', { mode: 'openFolder', title: 'Image folder' })).toEqual({ path: '/data/images' });
    expect(fake.log.at(-1)).toEqual(['showOpenDialog', true, { title: 'Image folder', properties: ['openDirectory', 'createDirectory'] }]);
    fake.saveAnswer = { canceled: true, filePath: '' };
    expect(await call('pickPath', { mode: 'saveFile', defaultPath: 'set.csv' })).toEqual({ path: null });
  });

  it('sets the native theme from the menu and from setTheme, with the radio following', async () => {
    const { nativeTheme } = await electronModule();
    click(themeItemId('dark'));
    expect(nativeTheme.themeSource).toBe('dark');
    expect(win().sent.at(-1)).toEqual(['disobey:event', { type: 'command', command: 'themeDark' }]);
    expect(menuItem(themeItemId('dark')).checked).toBe(true);
    await call('setTheme', { theme: 'light' });
    expect(nativeTheme.themeSource).toBe('light');
    expect(menuItem(themeItemId('light')).checked).toBe(true);
  });

  it('shows About with the version, the database and the runtimes, and opens the local docs folder', async () => {
    click(MENU_ID.about);
    await until(() => fake.log.some((l) => l[0] === 'messageBox'), 'About');
    const about = fake.log.find((l) => l[0] === 'messageBox')![1] as { title: string; message: string; detail: string };
    expect(about.title).toBe('About Disobey');
    expect(about.message).toMatch(/^Disobey \d+\.\d+\.\d+/);
    expect(about.detail).toContain(`Database: ${file('app.db')}`);
    expect(about.detail).toMatch(/Installed backends: .*cpu/);
    expect(about.detail).toMatch(/Node\.js \d+/);
    click(MENU_ID.documentation);
    await until(() => fake.log.some((l) => l[0] === 'openPath'), 'the docs');
    const docs = fake.log.find((l) => l[0] === 'openPath')![1] as string;
    expect(fs.existsSync(path.join(docs, 'metrics.md'))).toBe(true);
  });

  it('opens the database a second launch names, in the same window, under the same IPC handlers', async () => {
    const handlersBefore = [...fake.handlers.values()];
    const { app: electronApp } = await electronModule();
    electronApp.emit('second-instance', {}, ['disobey'], '/', { databasePath: file('other.db') });
    await until(() => win().title === 'Disobey — other.db', 'the switch');
    expect(app().windows).toHaveLength(1);
    expect(win().loads).toHaveLength(2);
    expect([...fake.handlers.values()]).toEqual(handlersBefore);
    expect(await call('appInfo')).toMatchObject({ databasePath: file('other.db') });
    expect((await call('listDatasets')) as unknown[]).toHaveLength(1); // the sample, as in a first launch
    // events now come from the new database's services
    win().sent.length = 0;
    click(MENU_ID.exportSet);
    expect(win().sent).toEqual([['disobey:event', { type: 'command', command: 'exportSet' }]]);
    // images come from it too
    const image = await fake.protocolHandler!(new Request('disobey://app/media/example/1.png'));
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(allItems(menuItem(MENU_ID.openRecent).submenu as Item[]).map((i) => i.label).slice(0, 2)).toEqual([file('other.db'), file('app.db')]);
    // a launch naming nothing only brings the window forward
    electronApp.emit('second-instance', {}, ['disobey'], '/', {});
    await new Promise((r) => setTimeout(r, 200));
    expect(win().title).toBe('Disobey — other.db');
  });

  it("refuses another program's database from Open Database… with an error box naming it, keeping the one open", async () => {
    const foreign = new Database(file('places.sqlite'));
    foreign.exec('CREATE TABLE moz_places (id INTEGER PRIMARY KEY)');
    foreign.close();
    fake.openAnswer = { canceled: false, filePaths: [file('places.sqlite')] };
    click(MENU_ID.openDatabase);
    await until(() => fake.log.some((l) => l[0] === 'errorBox'), 'the error box');
    expect(fake.log.find((l) => l[0] === 'errorBox')).toEqual(['errorBox', 'Cannot open places.sqlite', expect.stringMatching(/another program/)]);
    expect(win().title).toBe('Disobey — other.db');
    expect(await call('appInfo')).toMatchObject({ databasePath: file('other.db') });
  });

  it('creates a database from New Database…, adding .db to a bare name', async () => {
    fake.saveAnswer = { canceled: false, filePath: file('fresh') };
    click(MENU_ID.newDatabase);
    await until(() => win().title === 'Disobey — fresh.db', 'the new database');
    expect(fake.log.filter((l) => l[0] === 'showSaveDialog').at(-1)).toEqual([
      'showSaveDialog',
      true,
      expect.objectContaining({ title: 'New Database', defaultPath: file('untitled.db') }),
    ]);
    expect(fs.existsSync(file('fresh.db'))).toBe(true);
    expect(await call('appInfo')).toMatchObject({ databasePath: file('fresh.db') });
  });

  it('clears Open Recent, and saves the window bounds when the window closes', async () => {
    click(MENU_ID.clearRecent);
    await until(() => (menuItem(MENU_ID.openRecent).submenu as Item[]).length === 3, 'the cleared list');
    expect((menuItem(MENU_ID.openRecent).submenu as Item[]).map((i) => i.label ?? i.type)).toEqual(['No Recent Databases', 'separator', 'Clear Recently Opened']);
    win().emit('close');
    expect(JSON.parse(fs.readFileSync(file('profile/window-state.json'), 'utf8'))).toEqual({ version: 1, bounds: { x: 12, y: 34, width: 1111, height: 777 }, maximized: false });
  });

  it('runs the services in a utility process, reached over a MessagePort, and restarts it on the database in use if it stops', async () => {
    const { servicesProcessPath } = await import('../../main/electron/servicesPort.js');
    expect(fake.servicesProcesses.map((p) => [p.entry, p.serviceName])).toEqual([[servicesProcessPath(), 'Disobey services']]);
    const loads = win().loads.length;
    fake.servicesProcesses[0]!.process.emit('exit', 1); // it crashed
    await until(() => win().loads.length === loads + 1, 'the window to reload');
    expect(fake.servicesProcesses).toHaveLength(2);
    expect(fake.log.filter((l) => l[0] === 'errorBox')).toHaveLength(1); // only the earlier refusal: a restart is no error
    expect(await call('appInfo')).toMatchObject({ databasePath: file('fresh.db') });
    expect((await call('listDatasets')) as unknown[]).toHaveLength(1);
  });

  it('quits when the window is closed, closing the database', async () => {
    const { app: electronApp } = await electronModule();
    electronApp.emit('window-all-closed');
    expect(fake.log.at(-1)).toEqual(['quit']);
    electronApp.emit('will-quit');
    await expect(call('appInfo')).resolves.toMatchObject({ databasePath: file('fresh.db') }); // appInfo reads no table
    await expect(call('listDatasets')).rejects.toThrow(/not open/);
    expect(fake.log.filter((l) => l[0] === 'exit')).toEqual([]);
  });
});
