// The real Electron binary for the desktop end-to-end test: DISOBEY_ELECTRON_BIN, else the one
// the electron package installed (it cannot be downloaded everywhere). Without a display, a
// private Xvfb server is started for the test (CI installs xvfb).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ElectronApplication, Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..', '..');

function installedElectronBinary(): string {
  const pkgDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  const platformPath =
    process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : process.platform === 'win32' ? 'electron.exe' : 'electron';
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : platformPath;
  return path.join(pkgDir, 'dist', relative);
}

export const ELECTRON_BIN = process.env.DISOBEY_ELECTRON_BIN ?? installedElectronBinary();
export const hasElectron = fs.existsSync(ELECTRON_BIN);

export interface Display {
  /** the DISPLAY value to hand to Electron; undefined where no X display is needed */
  display: string | undefined;
  dispose(): void;
}

/** The current display, or a fresh Xvfb server on a free display number (Linux without DISPLAY). */
export async function ensureDisplay(): Promise<Display> {
  if (process.platform !== 'linux' || process.env.DISPLAY) return { display: process.env.DISPLAY, dispose: () => {} };
  // -displayfd: Xvfb picks a free display number and writes it on fd 3 once it accepts clients
  const xvfb: ChildProcess = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    let stderr = '';
    xvfb.stdio[2]!.on('data', (c: Buffer) => (stderr += c.toString()));
    xvfb.stdio[3]!.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    xvfb.on('error', (err) => reject(new Error(`cannot start Xvfb (apt-get install xvfb): ${err.message}`)));
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr.trim()}`)));
  });
  return { display: `:${number}`, dispose: () => void xvfb.kill() };
}

/** Arguments that start the built app: Chromium refuses to run as root (CI containers) with its OS sandbox on. */
export function electronAppArgs(appRoot: string, extra: string[] = []): string[] {
  return [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), appRoot, ...extra];
}

/**
 * The environment for one test profile: this process's, less ELECTRON_RUN_AS_NODE, with the
 * database (DISOBEY_DB), the profile folder (DISOBEY_USER_DATA: recent databases, window state,
 * the single-instance lock) and the display.
 */
export function electronEnv(options: { database: string; userData: string; display: string | undefined }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  env.DISOBEY_DB = options.database;
  env.DISOBEY_USER_DATA = options.userData;
  if (options.display) env.DISPLAY = options.display;
  return env;
}

/** Starts the app once more, as a user would a second time, and waits for that process to end. */
export function launchAgain(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ELECTRON_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the second launch was still running after ${timeoutMs} ms (it should hand over and quit):\n${output}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The built app with Playwright's Electron driver, and its first window, whose page errors go to `errors`. */
export async function launchElectronApp(env: Record<string, string>, errors: string[]): Promise<{ electronApp: ElectronApplication; page: Page }> {
  const { _electron } = await import('playwright-core');
  const electronApp = await _electron.launch({ executablePath: ELECTRON_BIN, args: electronAppArgs(root), env, timeout: 60_000 });
  const page = await electronApp.firstWindow();
  page.on('pageerror', (e) => errors.push(e.message));
  return { electronApp, page };
}

/** What an afterAll ends: the app, the display it used, the test's folder (any of them missing when beforeAll failed). */
export async function closeElectronApp(electronApp: ElectronApplication | undefined, display: Display | undefined, dir: string | undefined): Promise<void> {
  await electronApp?.close();
  display?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** The shell, its preload and the renderer are built (npm run build). */
export const electronAppBuilt = ['out/main/electron.js', 'out/preload/index.cjs', 'out/renderer/index.html'].every((f) => fs.existsSync(path.join(root, f)));
