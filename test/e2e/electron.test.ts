// The desktop app itself, through Playwright's Electron driver: the built shell, preload and
// renderer on a fresh database, the same smoke test as in Chromium (the sample listed and
// browsable, its images drawn), over IPC, with nothing of Node reachable from the page.
// Skipped with a notice where no Electron binary is installed (it cannot be downloaded everywhere).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_DATASET_NAME } from '../../main/data/sampleDataset.js';
import { appRoot, rendererDir } from '../../main/paths.js';
import { SCREENSHOT_DIR } from '../helpers/browser.js';
import { ELECTRON_BIN, ensureDisplay, hasElectron, type Display } from '../helpers/electron.js';

const built = ['out/main/electron.js', 'out/preload/index.cjs'].every((f) => fs.existsSync(path.join(appRoot(), f))) && fs.existsSync(path.join(rendererDir(), 'index.html'));

if (!hasElectron) {
  console.warn(
    `NOTICE: Electron end-to-end tests skipped: no Electron binary at ${ELECTRON_BIN} ` +
      '(set DISOBEY_ELECTRON_BIN to an Electron executable, or run `npx install-electron` where the network allows)',
  );
} else if (!built) {
  console.warn('NOTICE: Electron end-to-end tests skipped: the app is not built (npm run build)');
}

const describeElectron = hasElectron && built ? describe : describe.skip;

describeElectron('the desktop app in Electron', () => {
  let display: Display;
  let electronApp: ElectronApplication;
  let page: Page;
  let databaseDir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    display = await ensureDisplay();
    databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-electron-'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
    env.DISOBEY_DB = path.join(databaseDir, 'app.db');
    if (display.display) env.DISPLAY = display.display;
    const { _electron } = await import('playwright-core');
    electronApp = await _electron.launch({
      executablePath: ELECTRON_BIN,
      // Chromium refuses to run as root (CI containers) with its OS sandbox on; the renderer stays
      // sandboxed in Electron's sense (no Node, context isolation) either way.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), appRoot()],
      env,
      timeout: 60_000,
    });
    page = await electronApp.firstWindow();
    page.on('pageerror', (e) => errors.push(e.message));
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await electronApp?.close();
    display?.dispose();
    if (databaseDir) fs.rmSync(databaseDir, { recursive: true, force: true });
  });

  it('serves the renderer from the app protocol, talks over IPC and shows the backend', async () => {
    expect(page.url()).toMatch(/^disobey:\/\/app\//);
    await page.getByTestId('transport-chip').waitFor();
    expect(await page.getByTestId('transport-chip').textContent()).toMatch(/desktop/);
    await expect.poll(() => page.getByTestId('backend-chip').textContent(), { timeout: 30_000 }).toMatch(/\S/);
    expect(await page.getByTestId('backend-chip').isVisible()).toBe(true);
  });

  it('lists the embedded sample, opens it, and draws its images in the grid', async () => {
    const row = page.getByTestId('dataset-row').filter({ hasText: SAMPLE_DATASET_NAME });
    await row.waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-datasets.png') });
    await row.getByTestId('dataset-link').click();
    await page.getByTestId('example-grid').waitFor({ timeout: 30_000 });
    await page.getByTestId('example-cell').first().waitFor();
    type Img = { decode(): Promise<void>; naturalWidth: number };
    const widths = await page.locator('[data-testid=example-cell] img').evaluateAll(async (imgs) => {
      await Promise.all(imgs.map((i) => (i as unknown as Img).decode()));
      return imgs.map((i) => (i as unknown as Img).naturalWidth);
    });
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w === 28)).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'electron-dataset-grid.png') });
  });

  it('gives the page only the contract bridge: no Node, no raw ipcRenderer', async () => {
    const seen = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return {
        require: typeof w.require,
        process: typeof w.process,
        bridge: Object.keys(w.disobey as object).sort(),
      };
    });
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', bridge: ['call', 'onEvent'] });
    const refused = await page.evaluate(async () => {
      const bridge = (globalThis as unknown as { disobey: { call(name: unknown, args: unknown): Promise<unknown> } }).disobey;
      return bridge.call('dropEverything', {}).then(
        () => 'answered',
        (e: Error) => e.message,
      );
    });
    expect(refused).toMatch(/unknown call/);
    expect(errors).toEqual([]);
  });
});
