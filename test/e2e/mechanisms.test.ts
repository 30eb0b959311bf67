// SPEC experiment 8 end to end: a dominoes dataset built from the sample, the mechanisms preset
// trained through the real runner (teachers and KD, Jacobian and contrastive students on their
// own splits), the report on the counterfactual splits, and P5's heatmaps in Chromium.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviationReport } from '../../shared/analytics.js';
import type { DatasetSummary } from '../../shared/domain.js';
import { paperMechanismSplits } from '../../shared/mechanisms.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { ensureSampleDataset } from '../../main/data/sampleDataset.js';
import { rendererDir } from '../../main/paths.js';
import { trainWorkerPath } from '../../main/services/trainerProcess.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { hasChromium, openBrowserPage, SCREENSHOT_DIR } from '../helpers/browser.js';

describe.skipIf(!fs.existsSync(trainWorkerPath()))('the mechanisms preset', () => {
  let app: AppUnderTest;
  let dataset: DatasetSummary;
  let experiments: ExperimentSummary[];
  const call = <T>(name: string, args: unknown) => app.services.dispatch(name, args, 'http') as Promise<T>;

  beforeAll(async () => {
    app = await startAppUnderTest();
    const sample = await ensureSampleDataset(app.db);
    dataset = await call<DatasetSummary>('buildMechanismDataset', {
      name: 'dominoes',
      sources: [sample, sample],
      splits: paperMechanismSplits({ hard: 'top', easy: 'bottom', trainSize: 300, testSize: 100 }),
      seed: 3,
    });
    experiments = await call<ExperimentSummary[]>('startMechanismPreset', { datasetId: dataset.id, epochs: 2 });
    const deadline = Date.now() + 240_000;
    const ids = experiments.map((e) => e.id);
    const open = () => app.db.prepare(`SELECT count(*) FROM runs WHERE experiment_id IN (${ids.join(',')}) AND status NOT IN ('done', 'failed')`).pluck().get() as number;
    while (open() > 0) {
      if (Date.now() > deadline) throw new Error('the preset did not finish training');
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 300_000);
  afterAll(async () => app?.dispose());

  it('trains each teacher on its split and every loss on both student splits', async () => {
    expect(experiments).toHaveLength(2);
    const runs = app.db.prepare(`SELECT r.name, r.role, r.status, r.error, r.spec, (SELECT count(DISTINCT split) FROM epoch_metrics m WHERE m.run_id = r.id) AS splits FROM runs r WHERE experiment_id IN (${experiments.map((e) => e.id).join(',')}) ORDER BY r.id`).all() as { name: string; role: string; status: string; error: string | null; spec: string; splits: number }[];
    expect(runs.filter((r) => r.status !== 'done').map((r) => `${r.name}: ${r.error}`)).toEqual([]);
    expect(runs).toHaveLength(14);
    expect(runs.filter((r) => r.role === 'teacher').map((r) => JSON.parse(r.spec).trainSplit)).toEqual(['train', 'train-student']);
    const kinds = runs.filter((r) => r.role === 'student').map((r) => `${JSON.parse(r.spec).phases[0].loss.kind}@${JSON.parse(r.spec).trainSplit}`);
    expect(new Set(kinds).size).toBe(6);
    expect(runs.every((r) => r.splits === dataset.splits.length)).toBe(true); // every split recorded each epoch
    const report = await call<DeviationReport>('deviationReport', { experimentId: experiments[0]!.id, bootstrap: 0 });
    expect(report.students).toHaveLength(6);
    const cf = report.students[0]!.splits.find((s) => s.split === 'cf-bottom-only')!;
    expect(cf.n).toBe(100);
    expect(cf.fidelity).not.toBeNull();
  });

  it.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')))('draws P5: a heatmap per loss and its difference from KD', async () => {
    const browser = await openBrowserPage({ width: 1400, height: 1000 });
    try {
      const { page } = browser;
      await page.goto(app.server.url);
      await page.waitForURL(/#\/experiments\/\d+/); // a bare start opens the newest experiment first
      await page.goto(`${app.server.url.replace(/\/\?.*$/, '/')}#/datasets/${dataset.id}/mechanisms`);
      await page.getByTestId('mechanism-grids').waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanisms-p5-failed.png'), fullPage: true });
        throw new Error(`${err.message}\n${await page.locator('main').innerText()}`);
      });
      expect(await page.getByTestId('mechanism-grids').locator('.heat').count()).toBe(3);
      expect(await page.getByTestId('mechanism-differences').locator('.heat').count()).toBe(2);
      expect(await page.locator('[data-testid^=heatmap-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).toEqual(['heatmap-kd', 'heatmap-contrastive', 'heatmap-jacobian']);
      await page.getByTestId('mechanism-metric').selectOption('kl');
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanisms-p5.png'), fullPage: true });

      // building one from the Datasets page: the sample plus a class-positioned patch
      await page.getByTestId('nav-datasets').click();
      await page.getByTestId('mechanism-open').click();
      await page.getByTestId('mechanism-name').fill('patched');
      await page.getByTestId('mechanism-train-size').fill('60');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanism-dialog.png') });
      await page.getByTestId('mechanism-build').click();
      await page.waitForURL(/#\/datasets\/\d+/);
      const built = app.db.prepare("SELECT split, count(*) AS n FROM examples e JOIN datasets d ON d.id = e.dataset_id WHERE d.name = 'patched' GROUP BY split ORDER BY split").all();
      expect(built).toContainEqual({ split: 'train-student', n: 60 });
      expect(built).toContainEqual({ split: 'cf-patch-only', n: 1000 });
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
