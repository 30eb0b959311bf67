// Which splits and which labels a number is of, in Chromium over web mode on a real small
// training run on a dataset with label noise (the findings preset on a sample subset, one seed),
// the database without the Fashion-MNIST sample (as under `serve --no-sample`): the explorer says
// its β pools train and test when no split is chosen and names the one split Δ shows; P1's
// legend names the training labels; the run table and the accuracy charts mark train accuracy as
// against the noisy labels; Help counts the preset's seeds from the preset and says whether the
// sample is here. Nothing overflows at 1440×900 or 1024×768.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { FINDINGS_PRESET } from '../../shared/experimentSpec.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { createStore } from '../../main/store/store.js';
import { findingsPresetSeeds } from '../../renderer/src/glossary.js';
import { SAMPLE_DATASET_NAME } from '../../shared/fashionMnist.js';
import { appBase, canTrainInBrowser, closeAppAndBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { waitForTraining } from '../helpers/training.js';

const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 1024, height: 768 },
];
const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

/** Elements wider than their parent where the parent neither scrolls nor clips, and a page wider than the window. */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth}px)`);
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const parent = el.parentElement;
      const r = el.getBoundingClientRect();
      if (!parent || r.width === 0 || r.height === 0) continue;
      const p = parent.getBoundingClientRect();
      if (r.right > p.right + 2 && !['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(parent).overflowX)) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} (${((el as HTMLElement).innerText ?? '').slice(0, 30)})`);
      }
    }
    return out;
  });
}

describe.skipIf(!canTrainInBrowser)('which splits and labels a number is of, in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let experiment: ExperimentSummary;
  let flipped: number;
  const open = (hash: string) => page.goto(`${appBase(app)}#${hash}`);
  /** at both sizes: a screenshot, and nothing overflows */
  async function expectFits(name: string, ready: () => Promise<unknown>): Promise<void> {
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await ready();
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `split-label-words-${name}-${viewport.width}.png`) });
      expect(await overflows(page), `${name} at ${viewport.width}×${viewport.height}`).toEqual([]);
    }
    await page.setViewportSize(VIEWPORTS[0]!);
  }

  beforeAll(async () => {
    app = await startAppUnderTest();
    const datasetId = await importIntoDatabase(
      createStore(app.db),
      ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm-noisy', subset: 200, noise: { rate: 0.2, seed: 1 } }),
    );
    flipped = (app.db.prepare("SELECT COUNT(*) AS n FROM examples WHERE dataset_id = ? AND split = 'train' AND noisy_label IS NOT NULL").get(datasetId) as { n: number }).n;
    experiment = (await app.services.dispatch('startFindingsPreset', { datasetId, epochs: 2, seeds: 1 }, 'http')) as ExperimentSummary;
    await waitForTraining(app.db, { timeoutMs: 240_000 });
    browser = await openAppPage(app, VIEWPORTS[0]);
    page = browser.page;
  }, 300_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('the explorer says its β pools train and test when no split is chosen, and which split Δ shows', async () => {
    expect(flipped).toBeGreaterThan(0);
    await open(`/experiments/${experiment.id}/explore`);
    const scope = page.getByTestId('beta-scope');
    await scope.waitFor({ timeout: 60_000 });
    expect(squash(await scope.textContent())).toBe('(train and test pooled)');
    expect(await scope.getAttribute('title')).toContain('train is in-sample');
    expect(squash(await page.getByTestId('p2-title').textContent())).toBe('Δ by teacher confidence (train)');
    const note = page.getByTestId('p2-split-note');
    expect(squash(await note.textContent())).toBe('train only; the scatter pools train and test');
    expect(await note.getAttribute('title')).toContain('one split at a time');
    // P1's legend: the fitted line's β is the pooled one, and the colours count the noisy training labels
    await expect.poll(() => page.getByTestId('legend-entry').filter({ hasText: 'fitted line' }).textContent()).toContain('train and test pooled');
    const caption = page.getByTestId('legend-caption');
    expect(squash(await caption.textContent())).toBe('training label, as given (some flipped by label noise):');
    expect(await caption.getAttribute('title')).toContain(`label noise flipped ${flipped} `);
    await expectFits('explorer', () => page.getByTestId('beta-scope').waitFor());

    // a split chosen: β is that split's, Δ shows the same split, and test's labels are the true ones
    await open(`/experiments/${experiment.id}/explore?split=test`);
    await expect.poll(async () => squash(await page.getByTestId('beta-scope').textContent())).toBe('(test)');
    expect(await page.getByTestId('p2-split-note').count()).toBe(0);
    expect(squash(await page.getByTestId('p2-title').textContent())).toBe('Δ by teacher confidence (test)');
    expect(squash(await page.getByTestId('legend-caption').textContent())).toBe('training label:');
  });

  it('marks train accuracy as against the noisy labels on the run table and both accuracy charts', async () => {
    await open(`/experiments/${experiment.id}`);
    const cells = page.getByTestId('run-train-acc');
    await expect.poll(() => cells.count()).toBe(experiment.runs.length);
    expect(squash(await page.getByTestId('train-acc-head').textContent())).toBe('Train acc.*');
    expect(await page.getByTestId('train-acc-head').getAttribute('title')).toContain('Against the given training labels, noisy');
    for (const text of await cells.allTextContents()) expect(squash(text)).toMatch(/^\d+(\.\d)?%\*$/);
    expect(squash(await page.getByTestId('train-acc-note').textContent())).toContain(`label noise flipped ${flipped} of the `);
    expect(squash(await page.getByTestId('accuracy-key').textContent())).toBe('train dashed, against the given (noisy) labels · test solid');
    expect(squash(await page.getByTestId('loss-key').textContent())).toBe('train dashed, against the given (noisy) labels · test solid · dotted: loss switches (hover one)');
    expect(await page.getByTestId('loss-key').getAttribute('title')).toMatch(/^Train loss is against the given training labels, noisy/);
    await expectFits('experiment', () => page.getByTestId('train-acc-note').waitFor());

    await open(`/experiments/${experiment.id}/compare`);
    await expect.poll(async () => squash(await page.getByTestId('accuracy-key').textContent())).toContain('train dashed, against the given (noisy) labels');
  });

  it('Help counts the preset’s seeds from the preset and says whether the sample is in this database', async () => {
    await open('/help');
    await expect.poll(async () => squash(await page.getByTestId('help-sample').textContent())).toMatch(/^this database holds no Fashion-MNIST sample/);
    expect(squash(await page.getByTestId('help-guide').textContent())).toContain(`over ${findingsPresetSeeds(FINDINGS_PRESET.seeds)} seeds`);
    await expectFits('help', () => page.getByTestId('help-guide').waitFor());

    // with the sample in the database, step 1 offers it
    app.db.prepare("UPDATE datasets SET name = ? WHERE name = 'fm-noisy'").run(SAMPLE_DATASET_NAME);
    await page.reload();
    await expect.poll(async () => squash(await page.getByTestId('help-sample').textContent())).toBe('the Fashion-MNIST sample, loaded into this database on first start, is there to try.');
  });
});
