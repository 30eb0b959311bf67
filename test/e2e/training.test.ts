// The training UI in Chromium over web mode: the one-click demo with its progress bar, the run
// monitor with curves, and the new-experiment form refusing a bad temperature.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { createStore } from '../../main/store/store.js';
import { SAMPLE_DATASET_NAME } from '../../main/data/sampleDataset.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { canTrainInBrowser, closeAppAndBrowser } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { openBrowserPage, SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';

describe.skipIf(!canTrainInBrowser)('training in the app', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    app = await startAppUnderTest();
    // the demo card trains on the sample; a 1,000-per-split subset keeps the test quick
    await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: SAMPLE_DATASET_NAME, subset: 1000 }));
    browser = await openBrowserPage({ width: 1400, height: 900 });
    ({ page, errors } = browser);
  });
  afterAll(() => closeAppAndBrowser(app, browser));

  it('runs the demo with one click, shows progress, and monitors every run to the end', async () => {
    await page.goto(app.server.url);
    await page.getByTestId('demo-start').click();
    await page.getByTestId('demo-progress').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'demo-progress.png') });
    await page.getByTestId('demo-link').click({ timeout: 120_000 });
    await page.getByTestId('run-card').first().waitFor();
    expect(await page.getByTestId('run-card').count()).toBe(7);
    await expect.poll(() => page.locator('[data-testid=run-card]:not([data-status=done])').count(), { timeout: 120_000, interval: 250 }).toBe(0);
    await page.getByTestId('chart-loss').locator('canvas').first().waitFor();
    await page.getByTestId('chart-accuracy').locator('canvas').first().waitFor();
    // the chip names the backend the runs recorded, in words (TensorFlow, WebAssembly, plain JavaScript)
    expect(await page.getByTestId('backend-chip').textContent()).toMatch(/^trained with (TensorFlow|WebAssembly|plain JavaScript)/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'run-monitor.png'), fullPage: true });
    const done = app.db.prepare("SELECT count(*) FROM runs WHERE status = 'done'").pluck().get();
    expect(done).toBe(7);
  });

  it('refuses a student with τ = 0 in the new-experiment form, naming the field', async () => {
    await page.getByTestId('nav-experiments').click();
    await page.getByTestId('new-experiment').click();
    await page.getByTestId('exp-add-student').click();
    await page.getByTestId('student-loss').first().selectOption('kd');
    await page.getByTestId('student-tau').first().fill('0');
    await page.getByTestId('exp-issues').waitFor();
    expect(await page.getByTestId('exp-issues').textContent()).toMatch(/tau must be > 0/);
    expect(await page.getByTestId('exp-start').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'new-experiment-invalid.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
