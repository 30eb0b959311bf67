// The application menu as data: the platform's standard roles and the app's own commands with
// their accelerators. Built from callbacks and the recent list, with no Electron at run time
// (the import is types only), so a plain Node test checks every item; index.ts hands the
// template to Menu.buildFromTemplate. Commands for the page travel as the contract's
// {type: 'command'} event: the menu never reaches into the renderer.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, ThemeChoice } from '../../shared/desktop.js';

export interface MenuActions {
  /** ask the window to do something (the contract's command event) */
  command(command: MenuCommand): void;
  newDatabase(): void;
  openDatabase(): void;
  openRecent(file: string): void;
  clearRecent(): void;
  /** the native theme (nativeTheme.themeSource); the page hears the matching command too */
  setTheme(theme: ThemeChoice): void;
  openDocumentation(): void;
  about(): void;
}

export interface MenuState {
  platform: NodeJS.Platform;
  /** a packaged app has no reload or developer tools */
  packaged: boolean;
  /** newest first (recentDatabases.ts) */
  recent: readonly string[];
  theme: ThemeChoice;
  /** shortens recent paths to ~/…; undefined leaves them whole */
  home?: string;
}

/** Ids of the items tests and the shell look up (Menu.getMenuItemById). */
export const MENU_ID = {
  file: 'file',
  newDatabase: 'file.new-database',
  openDatabase: 'file.open-database',
  openRecent: 'file.open-recent',
  clearRecent: 'file.clear-recent',
  noRecent: 'file.no-recent',
  import: 'file.import',
  exportSet: 'file.export-set',
  newExperiment: 'file.new-experiment',
  view: 'view',
  theme: 'view.theme',
  help: 'help',
  helpPage: 'help.page',
  shortcuts: 'help.shortcuts',
  documentation: 'help.documentation',
  about: 'help.about',
} as const;

export const recentItemId = (index: number) => `file.recent.${index}`;
export const themeItemId = (theme: ThemeChoice) => `view.theme.${theme}`;

export const THEME_COMMANDS: Record<ThemeChoice, MenuCommand> = { system: 'themeSystem', light: 'themeLight', dark: 'themeDark' };
const THEME_LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** "&" starts a mnemonic in menu labels on Windows and Linux: a file name shows it as written. */
function literalLabel(text: string): string {
  return text.replaceAll('&', '&&');
}

function shortPath(file: string, home: string | undefined): string {
  if (!home) return file;
  const sep = file.includes('\\') && !file.includes('/') ? '\\' : '/';
  return file === home || file.startsWith(home + sep) ? `~${file.slice(home.length)}` : file;
}

type Item = MenuItemConstructorOptions;
const separator: Item = { type: 'separator' };

function commandItem(id: string, label: string, command: MenuCommand, actions: MenuActions, accelerator?: string): Item {
  return { id, label, ...(accelerator ? { accelerator } : {}), click: () => actions.command(command) };
}

function recentMenu(state: MenuState, actions: MenuActions): Item[] {
  if (state.recent.length === 0) {
    return [
      { id: MENU_ID.noRecent, label: 'No Recent Databases', enabled: false },
      separator,
      { id: MENU_ID.clearRecent, label: 'Clear Recently Opened', enabled: false },
    ];
  }
  return [
    ...state.recent.map((file, i): Item => ({ id: recentItemId(i), label: literalLabel(shortPath(file, state.home)), click: () => actions.openRecent(file) })),
    separator,
    { id: MENU_ID.clearRecent, label: 'Clear Recently Opened', click: () => actions.clearRecent() },
  ];
}

export function buildMenuTemplate(state: MenuState, actions: MenuActions): Item[] {
  const mac = state.platform === 'darwin';
  const about: Item = { id: MENU_ID.about, label: 'About Disobey', click: () => actions.about() };

  const appMenu: Item = {
    label: 'Disobey',
    submenu: [about, separator, { role: 'services' }, separator, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, separator, { role: 'quit' }],
  };

  const fileMenu: Item = {
    id: MENU_ID.file,
    label: 'File',
    submenu: [
      { id: MENU_ID.newDatabase, label: 'New Database…', accelerator: 'CmdOrCtrl+Shift+N', click: () => actions.newDatabase() },
      { id: MENU_ID.openDatabase, label: 'Open Database…', accelerator: 'CmdOrCtrl+O', click: () => actions.openDatabase() },
      { id: MENU_ID.openRecent, label: 'Open Recent', submenu: recentMenu(state, actions) },
      separator,
      commandItem(MENU_ID.import, 'Import…', 'import', actions, 'CmdOrCtrl+I'),
      commandItem(MENU_ID.exportSet, 'Export Set…', 'exportSet', actions, 'CmdOrCtrl+E'),
      commandItem(MENU_ID.newExperiment, 'New Experiment', 'newExperiment', actions, 'CmdOrCtrl+N'),
      separator,
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const themeItems = (['system', 'light', 'dark'] as const).map(
    (theme): Item => ({
      id: themeItemId(theme),
      label: THEME_LABELS[theme],
      type: 'radio',
      checked: state.theme === theme,
      click: () => {
        actions.setTheme(theme);
        actions.command(THEME_COMMANDS[theme]);
      },
    }),
  );

  const viewMenu: Item = {
    id: MENU_ID.view,
    label: 'View',
    submenu: [
      { id: MENU_ID.theme, label: 'Theme', submenu: themeItems },
      separator,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      // zoomIn's own accelerator is CmdOrCtrl+Plus, which needs Shift on most keyboards
      { role: 'zoomIn', accelerator: 'CmdOrCtrl+=', visible: false },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
      ...(state.packaged ? [] : [separator, { role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }] satisfies Item[]),
    ],
  };

  const helpMenu: Item = {
    id: MENU_ID.help,
    label: 'Help',
    role: 'help',
    submenu: [
      commandItem(MENU_ID.helpPage, 'Disobey Help', 'help', actions, 'F1'),
      // "?" itself is the page's shortcut (it works wherever no text field has the focus)
      commandItem(MENU_ID.shortcuts, 'Keyboard Shortcuts', 'shortcuts', actions),
      separator,
      { id: MENU_ID.documentation, label: 'Documentation', click: () => actions.openDocumentation() },
      ...(mac ? [] : [separator, about]),
    ],
  };

  return [...(mac ? [appMenu] : []), fileMenu, { role: 'editMenu' }, viewMenu, { role: 'windowMenu' }, helpMenu];
}
