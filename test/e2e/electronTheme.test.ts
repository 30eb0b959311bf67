// The theme in the desktop app (where an Electron binary exists): the top bar's toggle reaches
// the shell through the contract's setTheme, so Electron's nativeTheme (the window frame, the
// menus, and the page's own prefers-color-scheme) follows the choice; the choice survives a reload.
// Skipped with a notice where no Electron binary is installed, as the desktop smoke test is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot, rendererDir } from '../../main/paths.js';
import { SCREENSHOT_DIR } from '../helpers/browser.js';
import { ELECTRON_BIN, ensureDisplay, hasElectron, type Display } from '../helpers/electron.js';

const built = ['out/main/electron.js', 'out/preload/index.cjs'].every((f) => fs.existsSync(path.join(appRoot(), f))) && fs.existsSync(path.join(rendererDir(), 'index.html'));
const describeElectron = hasElectron && built ? describe : describe.skip;

describeElectron('the theme in the desktop app', () => {
  let display: Display;
  let electronApp: ElectronApplication;
  let page: Page;
  let databaseDir: string;
  const errors: string[] = [];

  const themeSource = () => electronApp.evaluate(({ nativeTheme }) => nativeTheme.themeSource);
  const effective = () => page.evaluate(() => document.documentElement.dataset.theme);
  const choose = (c: 'system' | 'light' | 'dark') => page.locator(`[data-testid=theme-toggle] [data-theme-choice=${c}]`).click();

  beforeAll(async () => {
    display = await ensureDisplay();
    databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-electron-theme-'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
    env.DISOBEY_DB = path.join(databaseDir, 'app.db');
    if (display.display) env.DISPLAY = display.display;
    const { _electron } = await import('playwright-core');
    electronApp = await _electron.launch({
      executablePath: ELECTRON_BIN,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), appRoot()],
      env,
      timeout: 60_000,
    });
    page = await electronApp.firstWindow();
    page.on('pageerror', (e) => errors.push(e.message));
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.getByTestId('theme-toggle').waitFor({ timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await electronApp?.close();
    display?.dispose();
    if (databaseDir) fs.rmSync(databaseDir, { recursive: true, force: true });
  });

  it('sets nativeTheme from the toggle, and the page follows it', async () => {
    await choose('dark');
    await expect.poll(themeSource).toBe('dark');
    await expect.poll(effective).toBe('dark');
    // nativeTheme drives the page's prefers-color-scheme too
    expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-theme-dark.png') });

    await choose('light');
    await expect.poll(themeSource).toBe('light');
    await expect.poll(effective).toBe('light');

    // the stored choice is told to the shell again when the window loads
    await electronApp.evaluate(({ nativeTheme }) => {
      nativeTheme.themeSource = 'system';
    });
    await page.reload();
    await page.getByTestId('theme-toggle').waitFor();
    await expect.poll(themeSource).toBe('light');

    await choose('system');
    await expect.poll(themeSource).toBe('system');
    expect(errors).toEqual([]);
  });
});
