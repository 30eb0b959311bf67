// The set-up the browser end-to-end tests share: whether they can run here, a sample subset
// trained through the app, a Chromium page that has taken the app's token, and closing both.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { createStore } from '../../main/store/store.js';
import { rendererDir, sampleDatasetDir } from '../../main/paths.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import type { AppUnderTest } from './appUnderTest.js';
import { hasChromium, openBrowserPage, SCREENSHOT_DIR, type AppInBrowser } from './browser.js';
import { waitForTraining } from './training.js';

/** Chromium and the built renderer: what every browser test needs. */
export const canOpenAppInBrowser = hasChromium && fs.existsSync(path.join(rendererDir(), 'index.html'));
/** …and the built training worker, for the tests that train through the app. */
export const canTrainInBrowser = canOpenAppInBrowser && fs.existsSync(workerEntryPath('train'));

/** The app's address without its token query, for `${appBase(app)}#/route` once the page has the token. */
export const appBase = (app: AppUnderTest) => app.server.url.replace(/\/\?.*$/, '/');

/**
 * Imports `subset` examples per split of the sample as `name`, starts a preset on it and waits
 * until every run in the database has finished; answers with the (first) experiment it started.
 */
export async function trainSample(
  app: AppUnderTest,
  options: { name: string; subset: number; epochs: number; seeds?: number; preset?: 'startPaperPreset' | 'startFindingsPreset'; timeoutMs: number },
): Promise<ExperimentSummary> {
  const datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: options.name, subset: options.subset }));
  const { epochs, seeds } = options;
  const experiment = (await app.services.dispatch(options.preset ?? 'startPaperPreset', { datasetId, epochs, seeds }, 'http')) as ExperimentSummary;
  await waitForTraining(app.db, { timeoutMs: options.timeoutMs });
  return experiment;
}

/**
 * A Chromium page on the app that has taken its token; unless `landing` is null it waits for
 * the bare start to open the newest experiment, so that a later goto is not overtaken by it.
 */
export async function openAppPage(
  app: AppUnderTest,
  viewport?: { width: number; height: number },
  options: { colorScheme?: 'light' | 'dark'; landing?: RegExp | null } = {},
): Promise<AppInBrowser> {
  const browser = await openBrowserPage(viewport);
  if (options.colorScheme) await browser.page.emulateMedia({ colorScheme: options.colorScheme });
  await browser.page.goto(app.server.url); // takes the token
  const landing = options.landing === undefined ? /#\/experiments\/\d+/ : options.landing;
  if (landing) await browser.page.waitForURL(landing);
  return browser;
}

/** What an afterAll closes: the browser, then the app; either may be missing when beforeAll failed. */
export async function closeAppAndBrowser(app: AppUnderTest | undefined, browser: AppInBrowser | undefined): Promise<void> {
  await browser?.close();
  await app?.dispose();
}

/** The natural widths of the example images on screen, once each has decoded (tests have no DOM types). */
export async function shownImageWidths(page: Page): Promise<number[]> {
  type Img = { decode(): Promise<void>; naturalWidth: number };
  return page.locator('[data-testid=example-cell] img').evaluateAll(async (imgs) => {
    await Promise.all(imgs.map((i) => (i as unknown as Img).decode()));
    return imgs.map((i) => (i as unknown as Img).naturalWidth);
  });
}

/**
 * A screenshot of a page that scrolls inside `scroller`, the window made as tall as its content
 * (at most 6,000 px) and given a moment for the charts to follow their boxes and paint, then
 * put back to `viewport`; saved as `name` in the screenshot folder and under /tmp.
 */
export async function screenshotWhole(page: Page, scroller: string, name: string, viewport: { width: number; height: number }): Promise<void> {
  const height = await page.locator(scroller).evaluate((el) => el.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.min(6000, height + 60) });
  await page.waitForTimeout(400);
  await page.screenshot({ path: `/tmp/${name}` });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name) });
  await page.setViewportSize(viewport);
}

/**
 * Writing over a file that exists, in the export or manifest dialog: `submit` asks first, saying
 * the file exists, and leaves it untouched; the dialog's overwrite button then writes it.
 */
export async function expectOverwriteAsked(page: Page, target: string, dialog: 'export' | 'manifest', submit: string): Promise<void> {
  const before = fs.statSync(target).mtimeMs;
  await page.getByTestId(submit).click();
  await page.getByTestId(`${dialog}-overwrite`).waitFor();
  expect(await page.getByTestId(`${dialog}-error`).textContent()).toMatch(/exists/);
  expect(fs.statSync(target).mtimeMs).toBe(before);
  await page.getByTestId(`${dialog}-overwrite`).click();
  await page.getByTestId(`${dialog}-done`).waitFor();
}
