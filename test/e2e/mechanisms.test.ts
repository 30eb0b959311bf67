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
import { workerEntryPath } from '../../main/workers/launcher.js';
import { appBase, canOpenAppInBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { SCREENSHOT_DIR } from '../helpers/browser.js';
import { waitForTraining } from '../helpers/training.js';
import { createStore } from '../../main/store/store.js';

describe.skipIf(!fs.existsSync(workerEntryPath('train')))('the mechanisms preset', () => {
  let app: AppUnderTest;
  let dataset: DatasetSummary;
  let experiments: ExperimentSummary[];

  beforeAll(async () => {
    app = await startAppUnderTest();
    const sample = await ensureSampleDataset(createStore(app.db));
    dataset = await app.call<DatasetSummary>('buildMechanismDataset', {
      name: 'dominoes',
      sources: [sample, sample],
      splits: paperMechanismSplits({ hard: 'top', easy: 'bottom', trainSize: 300, testSize: 100 }),
      seed: 3,
    });
    experiments = await app.call<ExperimentSummary[]>('startMechanismPreset', { datasetId: dataset.id, epochs: 2 });
    // failed runs are reported by the first test, with every run's error
    await waitForTraining(app.db, { experimentIds: experiments.map((e) => e.id), timeoutMs: 240_000, allowFailed: true });
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
    const report = await app.call<DeviationReport>('deviationReport', { experimentId: experiments[0]!.id, bootstrap: 0 });
    expect(report.students).toHaveLength(6);
    const cf = report.students[0]!.splits.find((s) => s.split === 'cf-bottom-only')!;
    expect(cf.n).toBe(100);
    expect(cf.fidelity).not.toBeNull();
  });

  it.skipIf(!canOpenAppInBrowser)('draws P5: a heatmap per loss, named by its settings, and its difference from KD, with colour keys', async () => {
    const browser = await openAppPage(app, { width: 1440, height: 900 });
    try {
      const { page } = browser;
      const base = appBase(app);
      // the dataset page offers the page, now that students have trained on the mechanism dataset
      await page.goto(`${base}#/datasets/${dataset.id}`);
      await page.getByTestId('link-mechanisms').click();
      await page.waitForURL(new RegExp(`#/datasets/${dataset.id}/mechanisms`));
      await page.getByTestId('mechanism-grids').waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanisms-p5-failed.png'), fullPage: true });
        throw new Error(`${err.message}\n${await page.locator('main').innerText()}`);
      });
      const heatmaps = page.getByTestId('mechanism-heatmap');
      // each grid is named by its students' loss settings, not a raw kind
      expect(await heatmaps.evaluateAll((els) => els.map((e) => e.getAttribute('data-loss')))).toEqual([
        'KD τ=4',
        'Jacobian matching β=0.15 τ=4',
        'contrastive (label positives) β=0.03 τ=4',
      ]);
      expect(await heatmaps.first().getAttribute('data-rows')).toBe('train|train-student');
      expect(await heatmaps.first().getAttribute('data-columns')).toBe('train|train-student');
      expect(await page.getByTestId('mechanism-difference').evaluateAll((els) => els.map((e) => e.getAttribute('data-loss')))).toEqual([
        'Jacobian matching β=0.15 τ=4 − KD τ=4',
        'contrastive (label positives) β=0.03 τ=4 − KD τ=4',
      ]);
      // a 2 × 2 grid is drawn at its own size, not stretched into one giant cell
      for (const box of await heatmaps.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as { width: number; height: number }))) {
        expect(box.width).toBeLessThan(520);
        expect(box.height).toBeLessThan(260);
      }
      // colour keys: fidelity on its fixed 0–1 scale, the differences centred on 0 and spanning the largest one
      const key = page.getByTestId('colour-key');
      expect([await key.getAttribute('data-min'), await key.getAttribute('data-max')]).toEqual(['0', '1']);
      expect((await key.innerText()).split(/\s+/)).toEqual(['none', 'agree', '0.0', '0.5', '1.0', 'all', 'agree']);
      const reports = await Promise.all(experiments.map((e) => app.call<DeviationReport>('deviationReport', { experimentId: e.id, bootstrap: 0 })));
      const runs = app.db.prepare(`SELECT id, spec FROM runs WHERE experiment_id IN (${experiments.map((e) => e.id).join(',')})`).all() as { id: number; spec: string }[];
      const specOf = new Map(runs.map((r) => [r.id, JSON.parse(r.spec) as { trainSplit?: string; phases: { loss: { kind: string } }[] }]));
      const cells = new Map<string, number>();
      for (const s of reports.flatMap((r) => r.students)) {
        const fidelity = s.splits.find((x) => x.split === 'cf-bottom-only')!.fidelity!;
        cells.set(`${specOf.get(s.teacherRunId)!.trainSplit}|${specOf.get(s.studentRunId)!.trainSplit}|${specOf.get(s.studentRunId)!.phases[0]!.loss.kind}`, fidelity);
      }
      const largest = Math.max(...[...cells].filter(([k]) => !k.endsWith('|kd')).map(([k, v]) => Math.abs(v - cells.get(k.replace(/\|[a-z]+$/, '|kd'))!)));
      const differenceKey = page.getByTestId('difference-key');
      const span = Number(await differenceKey.getAttribute('data-max'));
      expect(Number(await differenceKey.getAttribute('data-min'))).toBe(-span);
      expect(span).toBeGreaterThanOrEqual(Math.max(0.1, largest));
      expect(span).toBeLessThanOrEqual(2.5 * Math.max(0.1, largest));
      expect(await page.locator('main').innerText()).not.toMatch(/\bSPEC\b|\bP5\b|\bkd\b|onehot/);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanisms-p5.png'), fullPage: true });
      await page.setViewportSize({ width: 1024, height: 768 });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanisms-p5-1024.png'), fullPage: true });
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.getByTestId('mechanism-metric').selectOption('kl');
      await expect.poll(async () => Number(await key.getAttribute('data-max'))).toBeGreaterThan(0);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanisms-p5-kl.png'), fullPage: true });

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
      // nothing trained on it yet: no Mechanisms link, the preset offered instead; the page itself says what is missing
      await page.getByTestId('train-mechanisms').waitFor();
      expect(await page.getByTestId('link-mechanisms').count()).toBe(0);
      expect(await page.getByTestId('dataset-meta').innerText()).toContain('built from image datasets (mechanisms)');
      const patchedId = app.db.prepare("SELECT id FROM datasets WHERE name = 'patched'").pluck().get() as number;
      await page.goto(`${base}#/datasets/${patchedId}/mechanisms`);
      await page.getByTestId('mechanism-untrained').waitFor();
      expect(await page.getByTestId('mechanism-untrained').innerText()).toContain('image shows the label’s class; patch shows a random class');
      expect(await page.getByTestId('mechanism-heatmap').count()).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mechanisms-untrained.png') });
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
