// The desktop app itself, through Playwright's Electron driver: the built shell, preload and
// renderer on a fresh database and a private profile (DISOBEY_USER_DATA). The same smoke test as
// in Chromium (the sample listed and browsable, its images drawn) over IPC with nothing of Node
// reachable from the page, and the services in a utility process of their own, holding the
// database; then what only the desktop app has: the window title naming the database, the
// application menu and its commands reaching the page, native dialogs behind pickPath, the
// theme, navigation refused, a second launch handing its database to this window, and the
// window's bounds remembered.
// Skipped with a notice where no Electron binary is installed (it cannot be downloaded everywhere).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_DATASET_NAME } from '../../main/data/sampleDataset.js';
import { MENU_ID, themeItemId } from '../../main/electron/menuTemplate.js';
import { RECENT_FILE_NAME } from '../../main/electron/recentDatabases.js';
import { WINDOW_STATE_FILE_NAME } from '../../main/electron/windowState.js';
import { appRoot } from '../../main/paths.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { shownImageWidths } from '../helpers/appInBrowser.js';
import { SCREENSHOT_DIR } from '../helpers/browser.js';
import { closeElectronApp, ELECTRON_BIN, electronAppArgs, electronEnv, ensureDisplay, hasElectron, electronAppBuilt, launchAgain, launchElectronApp, type Display } from '../helpers/electron.js';

const built = electronAppBuilt;

if (!hasElectron) {
  console.warn(
    `NOTICE: Electron end-to-end tests skipped: no Electron binary at ${ELECTRON_BIN} ` +
      '(set DISOBEY_ELECTRON_BIN to an Electron executable, or run `npx install-electron` where the network allows)',
  );
} else if (!built) {
  console.warn('NOTICE: Electron end-to-end tests skipped: the app is not built (npm run build)');
}

const describeElectron = hasElectron && built ? describe : describe.skip;

/** The bridge as the page sees it (the test's tsconfig has no DOM types). */
interface PageBridge {
  call(name: string, args: unknown): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
  pathForFile(file: unknown): string;
}

/** What the stubbed dialogs saw, kept in the main process between evaluate calls. */
interface DialogRecord {
  method: string;
  parentIsWindow: boolean;
  options: { title?: string; properties?: string[]; filters?: { name: string; extensions: string[] }[] };
}

describeElectron('the desktop app in Electron', () => {
  let display: Display;
  let electronApp: ElectronApplication;
  let page: Page;
  let workDir: string;
  let env: Record<string, string>;
  const errors: string[] = [];
  const database = (name: string) => path.join(workDir, name);
  const userData = () => path.join(workDir, 'profile');

  async function launch(): Promise<void> {
    ({ electronApp, page } = await launchElectronApp(env, errors));
  }

  const windowTitles = () => electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.getTitle()));
  const clickMenuItem = (id: string) =>
    electronApp.evaluate(({ Menu }, itemId) => {
      const item = Menu.getApplicationMenu()?.getMenuItemById(itemId);
      if (!item) throw new Error(`no menu item ${itemId}`);
      (item.click as () => void)();
    }, id);

  beforeAll(async () => {
    display = await ensureDisplay();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-electron-'));
    env = electronEnv({ database: database('app.db'), userData: userData(), display: display.display });
    await launch();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 120_000);

  afterAll(() => closeElectronApp(electronApp, display, workDir));

  it('serves the renderer from the app protocol, talks over IPC and shows the backend', async () => {
    expect(page.url()).toMatch(/^disobey:\/\/app\//);
    await page.getByTestId('transport-chip').waitFor();
    expect(await page.getByTestId('transport-chip').textContent()).toMatch(/desktop/);
    await expect.poll(() => page.getByTestId('backend-chip').textContent(), { timeout: 30_000 }).toMatch(/\S/);
    expect(await page.getByTestId('backend-chip').isVisible()).toBe(true);
  });

  it('runs the services in a utility process of their own: it holds the database, the main process does not', async () => {
    const processes = await electronApp.evaluate(({ app }) => ({
      mainPid: process.pid,
      utility: app.getAppMetrics().filter((m) => m.type === 'Utility').map((m) => ({ pid: m.pid, name: m.name ?? null, serviceName: m.serviceName ?? null })),
    }));
    const services = processes.utility.filter((m) => m.name === 'Disobey services' || m.serviceName === 'Disobey services');
    expect(services, JSON.stringify(processes.utility)).toHaveLength(1);
    const servicesPid = services[0]!.pid;
    expect(servicesPid).not.toBe(processes.mainPid);
    if (process.platform === 'linux') {
      // which process has the database file open
      const openFiles = (pid: number) =>
        fs.readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
          try {
            return [fs.readlinkSync(`/proc/${pid}/fd/${fd}`)];
          } catch {
            return []; // closed meanwhile
          }
        });
      const db = fs.realpathSync(database('app.db'));
      expect(openFiles(servicesPid)).toContain(db);
      expect(openFiles(processes.mainPid)).not.toContain(db);
    }
  });

  it('lists the embedded sample, opens it, and draws its images in the grid', async () => {
    const row = page.getByTestId('dataset-row').filter({ hasText: SAMPLE_DATASET_NAME });
    await row.waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-datasets.png') });
    await row.getByTestId('dataset-link').click();
    await page.getByTestId('example-grid').waitFor({ timeout: 30_000 });
    await page.getByTestId('example-cell').first().waitFor();
    const widths = await shownImageWidths(page);
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w === 28)).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-dataset-grid.png') });
  });

  it('gives the page only the contract bridge and pathForFile: no Node, no raw ipcRenderer', async () => {
    const seen = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return {
        require: typeof w.require,
        process: typeof w.process,
        bridge: Object.keys(w.disobey as object).sort(),
      };
    });
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', bridge: ['call', 'onEvent', 'pathForFile'] });
    const refused = await page.evaluate(async () => {
      const bridge = (globalThis as unknown as { disobey: PageBridge }).disobey;
      return bridge.call('dropEverything', {}).then(
        () => 'answered',
        (e: Error) => e.message,
      );
    });
    expect(refused).toMatch(/unknown call/);
    // a File made in the page has no path on disk; what is not a File is refused
    const paths = await page.evaluate(() => {
      const bridge = (globalThis as unknown as { disobey: PageBridge }).disobey;
      const FileCtor = (globalThis as unknown as { File: new (parts: string[], name: string) => unknown }).File;
      let refusal = '';
      try {
        bridge.pathForFile('/etc/passwd');
      } catch (e) {
        refusal = (e as Error).message;
      }
      return { made: bridge.pathForFile(new FileCtor(['a,b'], 'made.csv')), refusal };
    });
    expect(paths).toEqual({ made: '', refusal: expect.stringMatching(/pathForFile takes a File/) });
    expect(errors).toEqual([]);
  });

  it('titles the window with its database and installs the application menu', async () => {
    expect(await windowTitles()).toEqual(['Disobey — app.db']);
    const menu = await electronApp.evaluate(({ Menu }) =>
      (Menu.getApplicationMenu()?.items ?? []).map((top) => ({
        label: top.label,
        items: (top.submenu?.items ?? []).filter((i) => i.type !== 'separator').map((i) => ({ id: i.id, label: i.label, accelerator: i.accelerator ?? null, role: i.role ?? null })),
      })),
    );
    const labels = menu.map((m) => m.label);
    for (const label of ['File', 'Edit', 'View', 'Window', 'Help']) expect(labels, label).toContain(label);
    const file = menu.find((m) => m.label === 'File')!.items;
    expect(file.filter((i) => i.id).map((i) => [i.id, i.accelerator])).toEqual([
      [MENU_ID.newDatabase, 'CmdOrCtrl+Shift+N'],
      [MENU_ID.openDatabase, 'CmdOrCtrl+O'],
      [MENU_ID.openRecent, null],
      [MENU_ID.import, 'CmdOrCtrl+I'],
      [MENU_ID.exportSet, 'CmdOrCtrl+E'],
      [MENU_ID.newExperiment, 'CmdOrCtrl+N'],
    ]);
    const view = menu.find((m) => m.label === 'View')!.items;
    expect(view.map((i) => i.role)).toEqual(expect.arrayContaining(['resetzoom', 'zoomin', 'zoomout', 'togglefullscreen'].map((r) => expect.stringMatching(new RegExp(`^${r}$`, 'i')))));
    const help = menu.find((m) => m.label === 'Help')!.items;
    expect(help.map((i) => i.id)).toEqual(expect.arrayContaining([MENU_ID.helpPage, MENU_ID.shortcuts, MENU_ID.documentation]));
    // the database just opened is the first recent one
    const recent = await electronApp.evaluate(({ Menu }, id) => Menu.getApplicationMenu()?.getMenuItemById(id)?.submenu?.items.map((i) => i.label) ?? [], MENU_ID.openRecent);
    expect(recent[0]).toMatch(/app\.db$/);
  });

  it('sends a menu command to the page as the contract\'s command event', async () => {
    await page.evaluate(() => {
      const g = globalThis as unknown as { disobey: PageBridge; __commands: unknown[] };
      g.__commands = [];
      g.disobey.onEvent((e) => {
        if ((e as { type?: string }).type === 'command') g.__commands.push(e);
      });
    });
    await clickMenuItem(MENU_ID.shortcuts);
    await clickMenuItem(MENU_ID.import);
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { __commands: unknown[] }).__commands)).toEqual([
      { type: 'command', command: 'shortcuts' },
      { type: 'command', command: 'import' },
    ]);
    await page.keyboard.press('Escape');
  });

  it('switches the native theme from the View menu, which the page sees as its colour scheme', async () => {
    const scheme = () => page.evaluate(() => (globalThis as unknown as { matchMedia(q: string): { matches: boolean } }).matchMedia('(prefers-color-scheme: dark)').matches);
    await clickMenuItem(themeItemId('dark'));
    expect(await electronApp.evaluate(({ nativeTheme }) => nativeTheme.themeSource)).toBe('dark');
    await expect.poll(scheme).toBe(true);
    expect(await electronApp.evaluate(({ Menu }, id) => Menu.getApplicationMenu()?.getMenuItemById(id)?.checked, themeItemId('dark'))).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-theme-dark.png') });
    await clickMenuItem(themeItemId('light'));
    await expect.poll(scheme).toBe(false);
    // the contract's setTheme does the same from the page
    await page.evaluate(() => (globalThis as unknown as { disobey: PageBridge }).disobey.call('setTheme', { theme: 'system' }));
    expect(await electronApp.evaluate(({ nativeTheme }) => nativeTheme.themeSource)).toBe('system');
    expect(await electronApp.evaluate(({ Menu }, id) => Menu.getApplicationMenu()?.getMenuItemById(id)?.checked, themeItemId('system'))).toBe(true);
  });

  it('answers pickPath with a native dialog on the window, and says so in appInfo', async () => {
    const info = (await page.evaluate(() => (globalThis as unknown as { disobey: PageBridge }).disobey.call('appInfo', {}))) as { nativeDialogs: boolean; versions: Record<string, string>; databasePath: string };
    expect(info.nativeDialogs).toBe(true);
    expect(Object.keys(info.versions).sort()).toEqual(['chrome', 'electron', 'node', 'v8']);
    expect(info.databasePath).toBe(database('app.db'));
    // Electron's dialogs, replaced in the main process by recorders that answer at once
    await electronApp.evaluate(({ dialog, BrowserWindow }) => {
      const g = globalThis as unknown as { __dialogs: DialogRecord[]; __answers: Record<string, unknown>; __electronDialogs: Record<string, unknown> };
      g.__electronDialogs = { showOpenDialog: dialog.showOpenDialog, showSaveDialog: dialog.showSaveDialog };
      g.__dialogs = [];
      g.__answers = { showOpenDialog: { canceled: false, filePaths: ['/picked/folder'] }, showSaveDialog: { canceled: true, filePath: '' } };
      const record = (method: string) => async (...args: unknown[]) => {
        g.__dialogs.push({ method, parentIsWindow: args[0] instanceof BrowserWindow, options: args.at(-1) as DialogRecord['options'] });
        return g.__answers[method];
      };
      dialog.showOpenDialog = record('showOpenDialog') as typeof dialog.showOpenDialog;
      dialog.showSaveDialog = record('showSaveDialog') as typeof dialog.showSaveDialog;
    });
    const answers = await page.evaluate(async () => {
      const bridge = (globalThis as unknown as { disobey: PageBridge }).disobey;
      return [
        await bridge.call('pickPath', { mode: 'openFolder', title: 'Image folder to import' }),
        await bridge.call('pickPath', { mode: 'saveFile', title: 'Export the set', defaultPath: 'set.csv', filters: [{ name: 'CSV', extensions: ['csv'] }] }),
      ];
    });
    expect(answers).toEqual([{ path: '/picked/folder' }, { path: null }]);
    const dialogs = await electronApp.evaluate(() => (globalThis as unknown as { __dialogs: DialogRecord[] }).__dialogs);
    expect(dialogs).toEqual([
      { method: 'showOpenDialog', parentIsWindow: true, options: { title: 'Image folder to import', properties: ['openDirectory', 'createDirectory'] } },
      {
        method: 'showSaveDialog',
        parentIsWindow: true,
        options: { title: 'Export the set', defaultPath: 'set.csv', properties: ['createDirectory', 'showOverwriteConfirmation'], filters: [{ name: 'CSV', extensions: ['csv'] }] },
      },
    ]);
  });

  it('opens another database from File › Open Database…, in the same window, and lists it in Open Recent', async () => {
    openDatabase(database('picked.db')).close(); // a Disobey database made elsewhere (the CLI, say)
    await electronApp.evaluate((_electron, file) => {
      (globalThis as unknown as { __answers: Record<string, unknown> }).__answers.showOpenDialog = { canceled: false, filePaths: [file] };
    }, database('picked.db'));
    await clickMenuItem(MENU_ID.openDatabase);
    await expect.poll(windowTitles, { timeout: 60_000 }).toEqual(['Disobey — picked.db']);
    const dialogs = await electronApp.evaluate(() => (globalThis as unknown as { __dialogs: DialogRecord[] }).__dialogs);
    expect(dialogs.at(-1)).toMatchObject({ method: 'showOpenDialog', parentIsWindow: true, options: { title: 'Open Database', properties: ['openFile'] } });
    expect(dialogs.at(-1)!.options.filters?.[0]?.extensions).toEqual(['db', 'sqlite', 'sqlite3']);
    // the page reloaded on the new database, and its calls answer from it
    await page.getByTestId('dataset-row').filter({ hasText: SAMPLE_DATASET_NAME }).waitFor({ timeout: 60_000 });
    const info = (await page.evaluate(() => (globalThis as unknown as { disobey: PageBridge }).disobey.call('appInfo', {}))) as { databasePath: string };
    expect(info.databasePath).toBe(database('picked.db'));
    const recent = JSON.parse(fs.readFileSync(path.join(userData(), RECENT_FILE_NAME), 'utf8')) as { databases: string[] };
    expect(recent.databases.slice(0, 2)).toEqual([database('picked.db'), database('app.db')]);
    await electronApp.evaluate(({ dialog }) => {
      // Electron's own again, for what follows
      Object.assign(dialog, (globalThis as unknown as { __electronDialogs: Record<string, unknown> }).__electronDialogs);
    });
  });

  it('keeps the window on the app whatever asks it to navigate away (a dropped file, a link)', async () => {
    const before = page.url();
    for (const target of ['file:///etc/hostname', 'https://example.com/']) {
      await page.evaluate((url) => {
        (globalThis as unknown as { location: { href: string } }).location.href = url;
      }, target);
      await page.waitForTimeout(500);
      expect(page.url(), target).toBe(before);
    }
    expect(await page.getByTestId('transport-chip').isVisible()).toBe(true);
  });

  it('brings the window forward on a second launch and opens the database that launch names, in the same window', async () => {
    const minimised = await electronApp.evaluate(({ BrowserWindow }) => {
      const win = BrowserWindow.getAllWindows()[0]!;
      win.minimize();
      return win.isMinimized(); // false where no window manager runs (Xvfb alone)
    });
    const second = await launchAgain(electronAppArgs(appRoot(), ['--db', database('other.db')]), env);
    expect(second.code, second.output).toBe(0);
    await expect.poll(windowTitles, { timeout: 60_000 }).toEqual(['Disobey — other.db']);
    if (minimised) expect(await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isMinimized())).toBe(false);
    expect(await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);
    // a new database gets the sample, like the first launch's
    await page.getByTestId('dataset-row').filter({ hasText: SAMPLE_DATASET_NAME }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-second-launch.png') });

    // a launch naming no other database than its DISOBEY_DB: that one, still one window
    const third = await launchAgain(electronAppArgs(appRoot()), env);
    expect(third.code, third.output).toBe(0);
    await expect.poll(windowTitles, { timeout: 60_000 }).toEqual(['Disobey — app.db']);
    expect(errors).toEqual([]);
  }, 180_000);

  it("remembers the window's size and position for the next launch", async () => {
    await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.setBounds({ x: 40, y: 30, width: 1100, height: 700 }));
    await electronApp.close();
    const saved = JSON.parse(fs.readFileSync(path.join(userData(), WINDOW_STATE_FILE_NAME), 'utf8')) as { bounds: { width: number; height: number }; maximized: boolean };
    expect(saved).toMatchObject({ bounds: { width: 1100, height: 700 }, maximized: false });
    await launch();
    const bounds = await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getBounds());
    expect({ width: bounds.width, height: bounds.height }).toEqual({ width: 1100, height: 700 });
    expect(await windowTitles()).toEqual(['Disobey — app.db']);
  }, 120_000);
});
