// The application menu's template, checked item by item without Electron: the standard roles
// per platform, the app's commands with their accelerators, what each item does when clicked,
// Open Recent, the theme radio group, and developer items only in a development build.
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { MenuCommand, type ThemeChoice } from '../../shared/desktop.js';
import { buildMenuTemplate, MENU_ID, recentItemId, themeItemId, type MenuActions, type MenuState } from '../../main/electron/menuTemplate.js';

type Item = MenuItemConstructorOptions;

function recordingActions() {
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) =>
      void calls.push([name, ...args]);
  const actions: MenuActions = {
    command: record('command'),
    newDatabase: record('newDatabase'),
    openDatabase: record('openDatabase'),
    openRecent: record('openRecent'),
    clearRecent: record('clearRecent'),
    setTheme: record('setTheme'),
    openDocumentation: record('openDocumentation'),
    about: record('about'),
  };
  return { actions, calls };
}

const linux: MenuState = { platform: 'linux', packaged: true, recent: [], theme: 'system' };

/** Every item of the template, depth first. */
function allItems(items: readonly Item[]): Item[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? allItems(i.submenu) : [])]);
}

function byId(items: readonly Item[], id: string): Item {
  const found = allItems(items).find((i) => i.id === id);
  if (!found) throw new Error(`no menu item ${id}`);
  return found;
}

function submenu(item: Item): Item[] {
  if (!Array.isArray(item.submenu)) throw new Error(`${item.label ?? item.role} has no submenu`);
  return item.submenu;
}

function click(item: Item): void {
  (item.click as () => void)();
}

describe('the application menu', () => {
  it('is File, Edit, View, Window, Help on Linux and Windows, with the app menu first on macOS', () => {
    const { actions } = recordingActions();
    for (const platform of ['linux', 'win32'] as const) {
      const top = buildMenuTemplate({ ...linux, platform }, actions);
      expect(top.map((i) => i.label ?? i.role)).toEqual(['File', 'editMenu', 'View', 'windowMenu', 'Help']);
    }
    const mac = buildMenuTemplate({ ...linux, platform: 'darwin' }, actions);
    expect(mac.map((i) => i.label ?? i.role)).toEqual(['Disobey', 'File', 'editMenu', 'View', 'windowMenu', 'Help']);
    expect(submenu(mac[0]!).map((i) => i.role ?? i.label ?? i.type)).toEqual([
      'About Disobey',
      'separator',
      'services',
      'separator',
      'hide',
      'hideOthers',
      'unhide',
      'separator',
      'quit',
    ]);
  });

  it('has the app commands in File with their accelerators, and Quit (Close on macOS) last', () => {
    const { actions } = recordingActions();
    const file = submenu(buildMenuTemplate(linux, actions)[0]!);
    expect(file.map((i) => [i.label ?? i.role ?? i.type, i.accelerator ?? null])).toEqual([
      ['New Database…', 'CmdOrCtrl+Shift+N'],
      ['Open Database…', 'CmdOrCtrl+O'],
      ['Open Recent', null],
      ['separator', null],
      ['Import…', 'CmdOrCtrl+I'],
      ['Export Set…', 'CmdOrCtrl+E'],
      ['New Experiment', 'CmdOrCtrl+N'],
      ['separator', null],
      ['quit', null],
    ]);
    const macFile = submenu(buildMenuTemplate({ ...linux, platform: 'darwin' }, actions)[1]!);
    expect(macFile.at(-1)!.role).toBe('close');
    expect(allItems(buildMenuTemplate({ ...linux, platform: 'darwin' }, actions)).filter((i) => i.role === 'quit')).toHaveLength(1);
  });

  it('sends each page command as the contract event the window listens for, every command the contract has', () => {
    const { actions, calls } = recordingActions();
    const template = buildMenuTemplate(linux, actions);
    const expected: [string, MenuCommand][] = [
      [MENU_ID.import, 'import'],
      [MENU_ID.exportSet, 'exportSet'],
      [MENU_ID.newExperiment, 'newExperiment'],
      [MENU_ID.helpPage, 'help'],
      [MENU_ID.shortcuts, 'shortcuts'],
    ];
    for (const [id, command] of expected) {
      calls.length = 0;
      click(byId(template, id));
      expect(calls, id).toEqual([['command', command]]);
    }
    const themes: [ThemeChoice, MenuCommand][] = [
      ['system', 'themeSystem'],
      ['light', 'themeLight'],
      ['dark', 'themeDark'],
    ];
    for (const [theme, command] of themes) {
      calls.length = 0;
      click(byId(template, themeItemId(theme)));
      expect(calls, theme).toEqual([['setTheme', theme], ['command', command]]);
    }
    // every command of the contract has a menu item
    const sent = [...expected.map(([, c]) => c), ...themes.map(([, c]) => c)];
    expect([...sent].sort()).toEqual([...MenuCommand.options].sort());
    expect(byId(template, MENU_ID.helpPage).accelerator).toBe('F1');
  });

  it('runs the shell actions from New Database…, Open Database…, Documentation and About', () => {
    const { actions, calls } = recordingActions();
    const template = buildMenuTemplate(linux, actions);
    for (const [id, action] of [
      [MENU_ID.newDatabase, 'newDatabase'],
      [MENU_ID.openDatabase, 'openDatabase'],
      [MENU_ID.documentation, 'openDocumentation'],
      [MENU_ID.about, 'about'],
    ] as const) {
      calls.length = 0;
      click(byId(template, id));
      expect(calls, id).toEqual([[action]]);
    }
    expect(submenu(template.at(-1)!).map((i) => i.label ?? i.type)).toEqual(['Disobey Help', 'Keyboard Shortcuts', 'separator', 'Documentation', 'separator', 'About Disobey']);
    // on macOS About lives in the app menu, not twice
    const mac = buildMenuTemplate({ ...linux, platform: 'darwin' }, actions);
    expect(allItems(mac).filter((i) => i.id === MENU_ID.about)).toHaveLength(1);
    expect(submenu(mac.at(-1)!).map((i) => i.label ?? i.type)).toEqual(['Disobey Help', 'Keyboard Shortcuts', 'separator', 'Documentation']);
  });

  it('lists recent databases newest first, opens the one clicked, and clears the list', () => {
    const { actions, calls } = recordingActions();
    const recent = ['/home/ana/experiments/noise.db', '/data/R&D/cifar.db', '/home/ana/a.db'];
    const template = buildMenuTemplate({ ...linux, recent, home: '/home/ana' }, actions);
    const items = submenu(byId(template, MENU_ID.openRecent));
    expect(items.map((i) => i.label ?? i.type)).toEqual(['~/experiments/noise.db', '/data/R&&D/cifar.db', '~/a.db', 'separator', 'Clear Recently Opened']);
    click(byId(template, recentItemId(1)));
    expect(calls).toEqual([['openRecent', '/data/R&D/cifar.db']]);
    click(byId(template, MENU_ID.clearRecent));
    expect(calls.at(-1)).toEqual(['clearRecent']);
    // a path that only starts like the home folder keeps its whole name
    expect(submenu(byId(buildMenuTemplate({ ...linux, recent: ['/home/anabel/x.db'], home: '/home/ana' }, actions), MENU_ID.openRecent))[0]!.label).toBe('/home/anabel/x.db');
  });

  it('says so when there is nothing recent, with Clear disabled', () => {
    const { actions } = recordingActions();
    const items = submenu(byId(buildMenuTemplate(linux, actions), MENU_ID.openRecent));
    expect(items.map((i) => [i.label ?? i.type, i.enabled ?? true])).toEqual([
      ['No Recent Databases', false],
      ['separator', true],
      ['Clear Recently Opened', false],
    ]);
  });

  it('checks the theme in use in a radio group, and has zoom, full screen and, in development only, reload and developer tools', () => {
    const { actions } = recordingActions();
    for (const theme of ['system', 'light', 'dark'] as const) {
      const radios = submenu(byId(buildMenuTemplate({ ...linux, theme }, actions), MENU_ID.theme));
      expect(radios.map((i) => [i.label, i.type, i.checked])).toEqual([
        ['System', 'radio', theme === 'system'],
        ['Light', 'radio', theme === 'light'],
        ['Dark', 'radio', theme === 'dark'],
      ]);
    }
    const packagedView = submenu(byId(buildMenuTemplate(linux, actions), MENU_ID.view));
    expect(packagedView.map((i) => i.role ?? i.label ?? i.type)).toEqual(['Theme', 'separator', 'resetZoom', 'zoomIn', 'zoomIn', 'zoomOut', 'separator', 'togglefullscreen']);
    // the second zoomIn is hidden: CmdOrCtrl+= without Shift
    expect(packagedView.filter((i) => i.role === 'zoomIn').map((i) => [i.accelerator ?? null, i.visible ?? true])).toEqual([
      [null, true],
      ['CmdOrCtrl+=', false],
    ]);
    const devView = submenu(byId(buildMenuTemplate({ ...linux, packaged: false }, actions), MENU_ID.view));
    expect(devView.slice(-4).map((i) => i.role ?? i.type)).toEqual(['separator', 'reload', 'forceReload', 'toggleDevTools']);
    expect(allItems(buildMenuTemplate(linux, actions)).some((i) => i.role === 'toggleDevTools' || i.role === 'reload')).toBe(false);
  });

  it('gives no two items the same id or accelerator', () => {
    const { actions } = recordingActions();
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const items = allItems(buildMenuTemplate({ ...linux, platform, packaged: false, recent: ['/a.db', '/b.db'] }, actions));
      const ids = items.flatMap((i) => (i.id ? [i.id] : []));
      expect(new Set(ids).size, platform).toBe(ids.length);
      const accelerators = items.flatMap((i) => (i.accelerator ? [i.accelerator] : []));
      expect(new Set(accelerators).size, platform).toBe(accelerators.length);
    }
  });
});
