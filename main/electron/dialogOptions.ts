// The contract's pickPath arguments as Electron dialog options, and the path a dialog's answer
// chose. Kept apart from the dialog calls (desktopHooks.ts) so plain Node tests check them; the
// electron import here is types only.
import type { OpenDialogOptions, OpenDialogReturnValue, SaveDialogOptions, SaveDialogReturnValue } from 'electron';
import type { PickPathArgs } from '../../shared/desktop.js';

export type DialogRequest = { kind: 'open'; options: OpenDialogOptions } | { kind: 'save'; options: SaveDialogOptions };

const ALL_FILES = { name: 'All files', extensions: ['*'] };

/**
 * openFile and openFolder pick one existing file or folder; saveFile names a file to write (the
 * dialog asks before replacing one). Opening with filters also offers "All files": IDX files,
 * for one, have no extension.
 */
export function dialogRequest(args: PickPathArgs): DialogRequest {
  const common = {
    ...(args.title !== undefined ? { title: args.title } : {}),
    ...(args.defaultPath !== undefined ? { defaultPath: args.defaultPath } : {}),
  };
  const filters = args.filters?.map((f) => ({ name: f.name, extensions: [...f.extensions] }));
  switch (args.mode) {
    case 'openFile':
      return {
        kind: 'open',
        options: {
          ...common,
          properties: ['openFile'],
          ...(filters?.length ? { filters: filters.some((f) => f.extensions.includes('*')) ? filters : [...filters, ALL_FILES] } : {}),
        },
      };
    case 'openFolder':
      return { kind: 'open', options: { ...common, properties: ['openDirectory', 'createDirectory'] } };
    case 'saveFile':
      return {
        kind: 'save',
        options: { ...common, properties: ['createDirectory', 'showOverwriteConfirmation'], ...(filters?.length ? { filters } : {}) },
      };
  }
}

/** The chosen path, or null when the user cancelled. */
export function chosenPath(result: OpenDialogReturnValue | SaveDialogReturnValue): string | null {
  if (result.canceled) return null;
  const chosen = 'filePaths' in result ? result.filePaths[0] : result.filePath;
  return chosen ? chosen : null;
}
