// In Debian's Chromium over web mode: import a small image folder through the UI and see
// its examples in the grid, then open one in the detail panel.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canOpenAppInBrowser, closeAppAndBrowser, shownImageWidths } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { openBrowserPage, SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';

const PER_CLASS = { circle: 7, square: 5 };

async function writeShapesFolder(root: string): Promise<void> {
  for (const [cls, n] of Object.entries(PER_CLASS)) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) {
      const px = new Uint8Array(16 * 16 * 3);
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 16; x++) {
          const inside = cls === 'circle' ? (x - 8) ** 2 + (y - 8) ** 2 < 25 + i : Math.abs(x - 8) < 5 && Math.abs(y - 8) < 5;
          px.set(inside ? [200, 40 + i * 10, 40] : [10, 10, 30], (y * 16 + x) * 3);
        }
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(root, cls, `${cls}-${i}.png`));
    }
  }
}

describe.skipIf(!canOpenAppInBrowser)('the app in Chromium over web mode', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    app = await startAppUnderTest();
    await writeShapesFolder(path.join(app.dir, 'shapes'));
    browser = await openBrowserPage();
    ({ page, errors } = browser);
  });

  afterAll(() => closeAppAndBrowser(app, browser));

  it('imports an image folder through the import dialog and shows it in the grid', async () => {
    await page.goto(app.server.url);
    await page.getByTestId('transport-chip').waitFor();
    expect(await page.getByTestId('transport-chip').textContent()).toMatch(/web/i);
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path').fill(path.join(app.dir, 'shapes'));
    await page.getByTestId('import-name').fill('shapes');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'import-dialog.png') });
    await page.getByTestId('import-submit').click();

    await page.getByTestId('example-grid').waitFor({ timeout: 30_000 });
    await page.getByTestId('example-cell').first().waitFor();
    const total = Number((await page.getByTestId('grid-total').textContent())?.match(/\d+/)?.[0]);
    const { count } = app.db.prepare("SELECT count(*) AS count FROM examples e JOIN datasets d ON d.id = e.dataset_id WHERE d.name = 'shapes'").get() as { count: number };
    expect(count).toBe(12);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(12);
    // every cell on screen shows a real image loaded through the token-protected media path
    const widths = await shownImageWidths(page);
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w === 16)).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dataset-grid.png') });
  });

  it('opens the detail panel of a clicked example', async () => {
    await page.getByTestId('example-cell').first().click();
    await page.getByTestId('example-detail').waitFor();
    const text = await page.getByTestId('example-detail').textContent();
    expect(text).toMatch(/circle|square/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'example-detail.png') });
  });

  it('shows a failed import with the file it could not read', async () => {
    const bad = path.join(app.dir, 'bad');
    fs.mkdirSync(path.join(bad, 'a'), { recursive: true });
    fs.mkdirSync(path.join(bad, 'b'), { recursive: true });
    await sharp(new Uint8Array(16 * 16), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(path.join(bad, 'a', 'ok.png'));
    fs.writeFileSync(path.join(bad, 'b', 'broken.png'), 'not a png');
    await page.goto(app.server.url);
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path').fill(bad);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-error').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('import-error').textContent()).toContain('broken.png');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'import-error.png') });
    expect(app.db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(1);
    expect(errors).toEqual([]);
  });
});
