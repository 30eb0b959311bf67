// What only the desktop app can do for the contract (appServices' DesktopHooks): native file and
// folder dialogs on the window, the native theme, and the runtime versions for About.
import { dialog, nativeTheme, type BrowserWindow } from 'electron';
import type { ThemeChoice } from '../../shared/desktop.js';
import type { DesktopHooks } from '../services/appServices.js';
import { chosenPath, dialogRequest, type DialogRequest } from './dialogOptions.js';

/** Shows the dialog as a sheet of `win` where there is one; answers the chosen path or null. */
export async function showPathDialog(win: BrowserWindow | null, request: DialogRequest): Promise<string | null> {
  if (request.kind === 'save') return chosenPath(win ? await dialog.showSaveDialog(win, request.options) : await dialog.showSaveDialog(request.options));
  return chosenPath(win ? await dialog.showOpenDialog(win, request.options) : await dialog.showOpenDialog(request.options));
}

export function createDesktopHooks(options: { window: () => BrowserWindow | null; themeChanged: (theme: ThemeChoice) => void }): DesktopHooks {
  return {
    pickPath: (args) => showPathDialog(options.window(), dialogRequest(args)),
    setTheme(theme) {
      nativeTheme.themeSource = theme;
      options.themeChanged(theme);
    },
    versions: Object.fromEntries(
      (['electron', 'chrome', 'node', 'v8'] as const).flatMap((k) => (process.versions[k] ? [[k, process.versions[k]]] : [])),
    ),
  };
}
