// What the desktop shell adds to the contract: native pickers, the theme, menu commands.
// Electron answers pickPath with its dialogs; web mode has none (path: null, and appInfo says
// nativeDialogs: false), so its forms keep typed paths with completePath's suggestions.
import { z } from 'zod';

const MAX_PATH = 4096;

export const PickPathArgs = z
  .object({
    mode: z.enum(['openFile', 'openFolder', 'saveFile']),
    title: z.string().max(200).optional(),
    defaultPath: z.string().max(MAX_PATH).optional(),
    /** file-type filters, as Electron's dialog takes them (extensions without the dot) */
    filters: z
      .array(z.object({ name: z.string().max(100), extensions: z.array(z.string().max(16)).max(20) }).strict())
      .max(10)
      .optional(),
  })
  .strict();
export type PickPathArgs = z.infer<typeof PickPathArgs>;
/** path: null when the user cancelled, or where there is no native dialog (web mode) */
export const PickPathResult = z.object({ path: z.string().nullable() });

/** At most this many entries come back from one completion. */
export const MAX_COMPLETIONS = 50;
export const CompletePathArgs = z
  .object({
    /** what has been typed so far: a folder, or a folder plus the start of a name */
    prefix: z.string().max(MAX_PATH),
    /** only folders (for an image folder to import) */
    foldersOnly: z.boolean().optional(),
  })
  .strict();
export const CompletePathResult = z.object({
  entries: z.array(z.object({ path: z.string(), folder: z.boolean() })).max(MAX_COMPLETIONS),
  /** more entries matched than came back */
  truncated: z.boolean(),
});

export const ThemeChoice = z.enum(['system', 'light', 'dark']);
export type ThemeChoice = z.infer<typeof ThemeChoice>;

/** Commands the application menu (or a second launch) sends to the window. */
export const MenuCommand = z.enum([
  'import',
  'exportSet',
  'newExperiment',
  'help',
  'shortcuts',
  'themeSystem',
  'themeLight',
  'themeDark',
]);
export type MenuCommand = z.infer<typeof MenuCommand>;
