// The theme in the desktop app (where an Electron binary exists): the top bar's toggle reaches
// the shell through the contract's setTheme, so Electron's nativeTheme (the window frame, the
// menus, and the page's own prefers-color-scheme) follows the choice; the choice survives a reload.
// Skipped with a notice where no Electron binary is installed, as the desktop smoke test is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENSHOT_DIR } from '../helpers/browser.js';
import { closeElectronApp, electronAppBuilt, electronEnv, ensureDisplay, hasElectron, launchElectronApp, type Display } from '../helpers/electron.js';

const describeElectron = hasElectron && electronAppBuilt ? describe : describe.skip;

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
    // a private profile too: the theme test never touches the user's recent databases or window state
    const env = electronEnv({ database: path.join(databaseDir, 'app.db'), userData: path.join(databaseDir, 'profile'), display: display.display });
    ({ electronApp, page } = await launchElectronApp(env, errors));
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.getByTestId('theme-toggle').waitFor({ timeout: 60_000 });
  }, 120_000);

  afterAll(() => closeElectronApp(electronApp, display, databaseDir));

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
