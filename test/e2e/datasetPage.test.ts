// The Dataset page in Chromium over web mode: the filter counts follow each other (a class's
// counts per split are the store's), the detail panel says what each finished run predicts for
// the example (the numbers exampleTrajectory returns) and opens it in the explorer, and a plain
// dataset offers no Mechanisms page — asked for directly, it explains what it needs.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleTrajectory } from '../../shared/analytics.js';
import { ImportOptions, type DatasetSummary } from '../../shared/domain.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { rendererDir, sampleDatasetDir } from '../../main/paths.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { hasChromium, openBrowserPage, SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { waitForTraining } from '../helpers/training.js';
import { createStore } from '../../main/store/store.js';

describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')) || !fs.existsSync(workerEntryPath('train')))('the dataset page in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let datasetId: number;
  const call = <T>(name: string, args: unknown) => app.services.dispatch(name, args, 'http') as Promise<T>;
  const base = () => app.server.url.replace(/\/\?.*$/, '/');
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `dataset-${name}.png`) });
  /** Counts per split of one clean class (or every class), straight from the examples table. */
  const storeCounts = (label: number | null) =>
    app.db
      .prepare(`SELECT split, count(*) AS n, sum(noisy_label IS NOT NULL) AS noisy FROM examples WHERE dataset_id = ? ${label === null ? '' : 'AND label = ?'} GROUP BY split`)
      .all(...(label === null ? [datasetId] : [datasetId, label])) as { split: string; n: number; noisy: number }[];

  beforeAll(async () => {
    app = await startAppUnderTest();
    datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm-dataset', subset: 240, noise: { rate: 0.25, seed: 4 } }));
    browser = await openBrowserPage({ width: 1440, height: 900 });
    page = browser.page;
    await page.goto(app.server.url); // takes the token
    await page.getByTestId('nav-datasets').waitFor();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.dispose();
  });

  it('the split and noisy counts follow the class filter, to the store\'s numbers', async () => {
    await page.goto(`${base()}#/datasets/${datasetId}`);
    await page.getByTestId('split-counts').waitFor();
    const shown = async () =>
      page.getByTestId('split-counts').locator('[data-split]').evaluateAll((els) => els.map((e) => ({ split: e.getAttribute('data-split'), n: Number(e.getAttribute('data-count')), noisy: Number(e.getAttribute('data-noisy')) })));
    const sorted = (rows: { split: string | null; n: number; noisy: number }[]) => [...rows].sort((a, b) => String(a.split).localeCompare(String(b.split)));
    expect(sorted(await shown())).toEqual(sorted(storeCounts(null)));

    // a class with noisy examples, so the noisy count has something to follow
    const label = (app.db.prepare('SELECT label FROM examples WHERE dataset_id = ? AND noisy_label IS NOT NULL GROUP BY label ORDER BY count(*) DESC LIMIT 1').pluck().get(datasetId) as number);
    await page.getByTestId('class-select').selectOption(String(label));
    await expect.poll(async () => sorted(await shown()), { timeout: 15_000 }).toEqual(sorted(storeCounts(label)));
    const expected = storeCounts(label);
    const total = expected.reduce((n, s) => n + s.n, 0);
    const noisy = expected.reduce((n, s) => n + s.noisy, 0);
    expect(noisy).toBeGreaterThan(0);
    expect(await page.getByTestId('noisy-count').textContent()).toBe(`(${noisy})`);
    const options = await page.getByTestId('split-select').locator('option').allTextContents();
    expect(options[0]).toBe(`All splits (${total})`);
    for (const s of expected) expect(options).toContain(`${s.split} (${s.n})`);
    await expect.poll(async () => Number(await page.getByTestId('grid-total').getAttribute('data-total')), { timeout: 15_000 }).toBe(total);

    // and with a split chosen too: that split's count of the class
    await page.getByTestId('split-select').selectOption('train');
    const train = expected.find((s) => s.split === 'train')!;
    await expect.poll(async () => Number(await page.getByTestId('grid-total').getAttribute('data-total')), { timeout: 15_000 }).toBe(train.n);
    expect(await page.getByTestId('noisy-count').textContent()).toBe(`(${train.noisy})`);
    await shot('counts-1440');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot('counts-1024');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('with nothing trained, the detail panel says so and offers to train', async () => {
    const id = app.db.prepare("SELECT id FROM examples WHERE dataset_id = ? AND split = 'test' ORDER BY id LIMIT 1").pluck().get(datasetId) as number;
    await page.goto(`${base()}#/datasets/${datasetId}?example=${id}`);
    await page.getByTestId('predictions-none').waitFor();
    expect(await page.getByTestId('predictions-none').textContent()).toContain('No run has been trained on this dataset yet.');
    expect(await page.getByTestId('predictions-train').getAttribute('href')).toBe(`#/experiments/new?dataset=${datasetId}`);
    expect(await page.getByTestId('open-in-explorer').count()).toBe(0);
    expect(await page.locator('[data-testid=example-detail] h2').textContent()).toContain(`#${id}`);
  });

  it('a plain dataset offers no Mechanisms page; asked for directly, the page says what it needs and draws nothing', async () => {
    await page.goto(`${base()}#/datasets/${datasetId}`);
    await page.getByTestId('split-counts').waitFor();
    await page.getByTestId('dataset-title').filter({ hasText: 'fm-dataset' }).waitFor();
    expect(await page.getByTestId('link-mechanisms').count()).toBe(0);
    expect(await page.getByTestId('train-mechanisms').count()).toBe(0);

    await page.goto(`${base()}#/datasets/${datasetId}/mechanisms`);
    const explanation = page.getByTestId('mechanism-not-applicable');
    await explanation.waitFor();
    const text = await explanation.innerText();
    expect(text).toContain('This page needs a mechanism dataset');
    expect(text).toContain('fm-dataset is a plain image dataset with the splits train, test');
    expect(text).not.toMatch(/\bSPEC\b|\bP5\b|experiment 8/);
    expect(await page.getByTestId('mechanism-heatmap').count()).toBe(0);
    expect(await page.getByTestId('mechanism-grids').count()).toBe(0);
    await shot('mechanisms-plain-1440');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot('mechanisms-plain-1024');
    await page.setViewportSize({ width: 1440, height: 900 });
    // the way on: the builder, with this dataset as the image that carries the label
    await page.getByTestId('mechanism-build-open').click();
    await page.getByTestId('mechanism-dialog').waitFor();
    expect(await page.getByTestId('mechanism-hard').inputValue()).toBe(String(datasetId));
    expect(await page.getByTestId('mechanism-dialog').innerText()).not.toMatch(/\bSPEC\b/);
    await page.getByRole('button', { name: 'Close' }).click();
    expect(browser.errors).toEqual([]);
  });

  describe('with a trained experiment', () => {
    let experiment: ExperimentSummary;

    beforeAll(async () => {
      const run = { model: { arch: 'mlp', hidden: [16] }, optimizer: { kind: 'adam', lr: 0.003 }, batchSize: 64, epochs: 2 };
      experiment = await call<ExperimentSummary>('startExperiment', {
        spec: {
          name: 'small distillation',
          datasetId,
          teacher: { ...run, name: 'teacher', model: { arch: 'mlp', hidden: [32] }, seed: 1 },
          students: [
            { ...run, name: 'KD τ=2', seed: 2, phases: [{ from: 0, loss: { kind: 'kd', alpha: 1, tau: 2 } }] },
            { ...run, name: 'one-hot', seed: 3, phases: [{ from: 0, loss: { kind: 'onehot' } }] },
          ],
        },
      });
      await waitForTraining(app.db, { experimentIds: [experiment.id], timeoutMs: 180_000 });
    }, 200_000);

    it('the detail panel shows each finished run\'s prediction, as exampleTrajectory has it, and opens the example in the explorer', async () => {
      // a noisy training example: its training label differs from its class
      const id = app.db.prepare("SELECT id FROM examples WHERE dataset_id = ? AND split = 'train' AND noisy_label IS NOT NULL ORDER BY id LIMIT 1").pluck().get(datasetId) as number;
      const trajectory = await call<ExampleTrajectory>('exampleTrajectory', { experimentId: experiment.id, exampleId: id });
      const dataset = await call<DatasetSummary>('getDataset', { datasetId });
      await page.goto(`${base()}#/datasets/${datasetId}?example=${id}`);
      await page.getByTestId('prediction-run').first().waitFor({ timeout: 30_000 });
      // the panel may render from an experiment list older than the finished training, then refresh
      const rows = page.getByTestId('prediction-run');
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(3);
      for (const run of trajectory.runs) {
        const last = run.probs[run.probs.length - 1]!;
        const predicted = last.indexOf(Math.max(...last));
        const row = page.locator(`[data-testid=prediction-run][data-run-id="${run.runId}"]`);
        expect(Number(await row.getAttribute('data-epoch'))).toBe(run.epochs[run.epochs.length - 1]);
        expect(Number(await row.getAttribute('data-predicted'))).toBe(predicted);
        expect(Number(await row.getAttribute('data-label-prob'))).toBeCloseTo(last[trajectory.trainLabel]!, 12);
        expect(await row.getByTestId('prediction-label-prob').textContent()).toBe(`p(label) ${last[trajectory.trainLabel]!.toFixed(3)}`);
        const mark = predicted === trajectory.trainLabel ? '✓' : '✗';
        expect(await row.getByTestId('prediction-class').textContent()).toBe(`${mark} ${dataset.classNames[predicted]}`);
        const top = [...last.keys()].sort((a, b) => last[b]! - last[a]! || a - b).slice(0, 3);
        expect(await row.getByTestId('prediction-top').locator('span').allTextContents()).toEqual(top.map((c) => `${dataset.classNames[c]} ${last[c]!.toFixed(3)}`));
      }
      expect(trajectory.trainLabel).not.toBe(trajectory.label);
      await page.getByTestId('example-predictions').scrollIntoViewIfNeeded();
      await shot('predictions-1440');
      await page.setViewportSize({ width: 1024, height: 768 });
      await shot('predictions-1024');
      await page.setViewportSize({ width: 1440, height: 900 });

      await page.getByTestId('open-in-explorer').click();
      await page.waitForURL(new RegExp(`#/experiments/${experiment.id}/explore\\?.*example=${id}`));
      const detail = page.getByTestId('example-detail');
      await detail.waitFor({ timeout: 30_000 });
      expect(await detail.getAttribute('data-example-id')).toBe(String(id));
      expect(browser.errors).toEqual([]);
    });

    it('the plain dataset still offers no Mechanisms page once it has trained runs', async () => {
      await page.goto(`${base()}#/datasets/${datasetId}`);
      await page.getByTestId('dataset-title').filter({ hasText: 'fm-dataset' }).waitFor();
      await page.getByTestId('split-counts').waitFor();
      expect(await page.getByTestId('link-mechanisms').count()).toBe(0);
      await page.goto(`${base()}#/datasets/${datasetId}/mechanisms`);
      await page.getByTestId('mechanism-not-applicable').waitFor();
      expect(await page.getByTestId('mechanism-heatmap').count()).toBe(0);
    });
  });
});
