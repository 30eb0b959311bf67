// Every page of the app as a newcomer meets it, in Chromium over web mode: on a small real
// experiment (the paper preset on a sample subset) and a curated set, each route at 1440×900 and
// 1024×768, in the light and the dark theme. Each visit must raise no page error, show no SPEC
// code, not overflow the window sideways, and leave a screenshot in test-output/screenshots/tour/
// (64 of them: the dataset page also with an example open) for a person to look at.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CuratedSetSummary } from '../../shared/curatedSets.js';
import { ImportOptions } from '../../shared/domain.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { rendererDir, sampleDatasetDir } from '../../main/paths.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { hasChromium, openBrowserPage, SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { waitForTraining } from '../helpers/training.js';
import { createStore } from '../../main/store/store.js';

const TOUR_DIR = path.join(SCREENSHOT_DIR, 'tour');
const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 768 },
] as const;
const THEMES = ['light', 'dark'] as const;
/**
 * SPEC's codes for variants, measures and plots, and the word SPEC itself: none belongs in what
 * the app shows ("experiment 3" may be a database experiment's number, so SPEC's experiment
 * numbers are left to the renderer's source scan).
 */
const SPEC_CODE = /\b(?:[VMP][1-9]|SPEC)\b/;

/** Relative luminance (0 black … 1 white) of a CSS rgb()/rgba() colour; transparent reads as white. */
function luminance(css: string): number {
  const [r = 255, g = 255, b = 255, a = 1] = (css.match(/[\d.]+/g) ?? []).map(Number);
  if (a === 0) return 1;
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')) || !fs.existsSync(workerEntryPath('train')))('a tour of every page', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let datasetId: number;
  let experiment: ExperimentSummary;
  let set: CuratedSetSummary;
  let someIds: number[];
  const call = <T>(name: string, args: unknown) => app.services.dispatch(name, args, 'http') as Promise<T>;
  const base = () => app.server.url.replace(/\/\?.*$/, '/');

  beforeAll(async () => {
    app = await startAppUnderTest();
    datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm-tour', subset: 300 }));
    experiment = await call<ExperimentSummary>('startPaperPreset', { datasetId, epochs: 2 });
    await waitForTraining(app.db, { timeoutMs: 300_000 });
    set = await call<CuratedSetSummary>('createCuratedSet', { datasetId, name: 'tour set' });
    someIds = app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id LIMIT 5').pluck().all(datasetId) as number[];
    await call('addToCuratedSet', { setId: set.id, exampleIds: someIds });
    browser = await openBrowserPage(SIZES[0]);
    page = browser.page;
    await page.goto(app.server.url); // takes the token
    await page.waitForURL(/#\/experiments\/\d+/);
    fs.mkdirSync(TOUR_DIR, { recursive: true });
  }, 360_000);
  afterAll(async () => {
    await browser?.close();
    await app?.dispose();
  });

  const routes = () => [
    { name: 'datasets', hash: '#/' },
    { name: 'dataset', hash: `#/datasets/${datasetId}` },
    { name: 'dataset-detail', hash: `#/datasets/${datasetId}?example=${someIds[2]}` },
    { name: 'mechanisms', hash: `#/datasets/${datasetId}/mechanisms` },
    { name: 'experiments', hash: '#/experiments' },
    { name: 'new-experiment', hash: '#/experiments/new' },
    { name: 'runs', hash: `#/experiments/${experiment.id}` },
    { name: 'findings', hash: `#/experiments/${experiment.id}/findings` },
    { name: 'explore', hash: `#/experiments/${experiment.id}/explore` },
    { name: 'compare', hash: `#/experiments/${experiment.id}/compare` },
    { name: 'gradients', hash: `#/experiments/${experiment.id}/gradients` },
    { name: 'dynamics', hash: `#/experiments/${experiment.id}/dynamics` },
    { name: 'eigen-lab', hash: '#/eigen-lab' },
    { name: 'sets', hash: '#/sets' },
    { name: 'set', hash: `#/sets/${set.id}` },
    { name: 'help', hash: '#/help' },
  ];

  for (const theme of THEMES) {
    for (const size of SIZES) {
      it(`shows every page at ${size.width}×${size.height} in the ${theme} theme`, async () => {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: theme });
        const problems: string[] = [];
        for (const route of routes()) {
          browser.errors.length = 0;
          await page.goto(`${base()}${route.hash}`);
          await page.waitForLoadState('networkidle');
          await page.waitForTimeout(400); // charts animate in
          const file = `${route.name}-${size.width}x${size.height}-${theme}.png`;
          await page.screenshot({ path: path.join(TOUR_DIR, file) });
          const text = await page.locator('body').innerText();
          const code = SPEC_CODE.exec(text);
          if (code) problems.push(`${route.name}: shows the SPEC code "${code[0]}" in "${text.slice(Math.max(0, code.index - 40), code.index + 40).replace(/\s+/g, ' ')}"`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          if (overflow > 1) problems.push(`${route.name}: ${overflow}px wider than the window`);
          if (browser.errors.length) problems.push(`${route.name}: page errors ${browser.errors.join('; ')}`);
          // the page's own background, as drawn: dark in the dark theme, light in the light one
          const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
          const drawn = luminance(background) < 0.35 ? 'dark' : 'light';
          if (drawn !== theme) problems.push(`${route.name}: background ${background} reads ${drawn}, not ${theme}`);
        }
        expect(problems).toEqual([]);
      }, 180_000);
    }
  }

  it("floats the dataset page's detail panel over the grid instead of narrowing it", async () => {
    await page.setViewportSize(SIZES[1]);
    await page.goto(`${base()}#/datasets/${datasetId}`);
    const grid = page.getByTestId('example-grid');
    await page.getByTestId('example-cell').first().waitFor();
    const before = (await grid.boundingBox())!;
    await page.getByTestId('example-cell').nth(3).click();
    const panel = page.getByTestId('example-detail');
    await panel.waitFor();
    const after = (await grid.boundingBox())!;
    const drawer = (await panel.boundingBox())!;
    // the grid keeps its width; the panel lies over its right side, the tiles left of the panel
    expect(after.width).toBe(before.width);
    expect(drawer.x + drawer.width).toBeGreaterThanOrEqual(after.x + after.width - 1);
    for (const tile of await page.getByTestId('example-cell').all()) {
      const box = (await tile.boundingBox())!;
      if (box.y >= after.y && box.y + box.height <= after.y + after.height) expect(box.x + box.width).toBeLessThanOrEqual(drawer.x + 1);
    }
  });
});
