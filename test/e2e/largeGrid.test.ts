// The dataset grid with all 70,000 Fashion-MNIST examples (the 12,000 sample where Debian's
// copy is missing): only the visible rows are in the DOM, and a jump to the end shows the last examples.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { rendererDir, sampleDatasetDir } from '../../main/paths.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { hasChromium, launchChromium, SCREENSHOT_DIR } from '../helpers/browser.js';
import { createStore } from '../../main/store/store.js';

const FULL = '/usr/share/datasets/fashion-mnist';

describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')))('a large dataset in the grid', () => {
  let app: AppUnderTest;
  let browser: Browser;
  let datasetId: number;
  let total: number;

  beforeAll(async () => {
    app = await startAppUnderTest();
    datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: fs.existsSync(FULL) ? FULL : sampleDatasetDir(), name: 'fashion' }));
    total = app.db.prepare('SELECT count(*) FROM examples').pluck().get() as number;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.dispose();
  });

  it('keeps only visible cells in the DOM and reaches the last example', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(app.server.url);
    await page.getByTestId('dataset-link').first().click();
    await page.getByTestId('example-cell').first().waitFor();
    expect(Number(await page.getByTestId('grid-total').getAttribute('data-total'))).toBe(total);
    expect(await page.getByTestId('example-cell').count()).toBeLessThan(600);

    const started = Date.now();
    await page.getByTestId('example-grid').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const lastId = app.db.prepare('SELECT max(id) FROM examples WHERE dataset_id = ?').pluck().get(datasetId) as number;
    await page.locator(`[data-testid=example-cell][data-example-id="${lastId}"]`).waitFor({ timeout: 10_000 });
    const jumpMs = Date.now() - started;
    expect(await page.getByTestId('example-cell').count()).toBeLessThan(600);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'large-grid-end.png') });
    console.log(`grid: ${total} examples, jump to the end shown in ${jumpMs} ms`);
    expect(jumpMs).toBeLessThan(10_000);
  });
});
