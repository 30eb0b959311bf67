// Where the app finds its own files (built renderer, embedded sample) and keeps the
// user's database, the same whether run from a checkout, npx, or a packaged app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The folder holding Disobey's package.json (inside app.asar when packaged). */
export function appRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'disobey') {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot locate the Disobey package root');
    dir = parent;
  }
}

/** Read-only resources; a packaged app points DISOBEY_RESOURCES at its resources folder. */
export function resourcesDir(): string {
  return process.env.DISOBEY_RESOURCES ?? path.join(appRoot(), 'resources');
}

export function sampleDatasetDir(): string {
  return path.join(resourcesDir(), 'sample', 'fashion-mnist');
}

export function rendererDir(): string {
  return path.join(appRoot(), 'out', 'renderer');
}

export function appVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** DISOBEY_DB, else the platform's per-user data folder. */
export function defaultDatabasePath(): string {
  if (process.env.DISOBEY_DB) return path.resolve(process.env.DISOBEY_DB);
  const home = os.homedir();
  const base =
    process.platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support')
      : process.platform === 'win32'
        ? (process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'))
        : (process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'));
  return path.join(base, 'Disobey', 'disobey.db');
}

/**
 * Whether `file` lies strictly inside `folder` (both absolute, resolved): by their relative path,
 * so a folder at a filesystem root (`/`, `E:\`) holds its files, and `/data-old` is not in `/data`.
 */
export function isInsideFolder(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
