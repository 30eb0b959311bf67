// The Findings page in Chromium over web mode, on a real small training run (the paper preset on
// a sample subset, two seed replicates): the experiments list lands on it, it shows a card with a
// status badge for each of the eight claims and the same tally the findings call returns, and a
// claim's explore link opens the explorer on that claim's examples with their count; the Compare
// tab averages every student's numbers over the two seeds, each with its interval.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Findings, SeriesReport } from '../../shared/findings.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { tallyClaims, tallySentence } from '../../renderer/src/findingsDisplay.js';
import { appBase, canTrainInBrowser, closeAppAndBrowser, openAppPage, screenshotWhole, trainSample } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';

describe.skipIf(!canTrainInBrowser)('the findings page in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let experiment: ExperimentSummary;
  let findings: Findings;
  const EPOCHS = 2;
  const SEEDS = 2;

  const base = () => appBase(app);

  beforeAll(async () => {
    app = await startAppUnderTest();
    experiment = await trainSample(app, { name: 'fm-findings', subset: 300, epochs: EPOCHS, seeds: SEEDS, timeoutMs: 300_000 });
    findings = (await app.services.dispatch('findings', { experimentId: experiment.id }, 'http')) as Findings;
    browser = await openAppPage(app, { width: 1500, height: 1000 });
    page = browser.page;
  }, 360_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('opens a trained experiment from the list on its findings', async () => {
    await page.goto(`${base()}#/experiments`);
    await page.locator(`[data-testid=experiment-row][data-experiment-id="${experiment.id}"] [data-testid=experiment-link]`).click();
    await page.waitForURL(new RegExp(`#/experiments/${experiment.id}/findings$`));
    await page.getByTestId('findings-summary').waitFor({ timeout: 120_000 });
    // the runs and training stay one tab away
    await page.getByTestId('link-runs').click();
    await page.getByTestId('run-card').first().waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'experiment-tabs.png') });
    await page.getByTestId('link-findings').click();
    await page.getByTestId('findings-summary').waitFor({ timeout: 120_000 });
  });

  it('shows the answer, the tally, the seeds and a card with a status badge for each of the eight claims', async () => {
    expect(findings.seeds).toEqual([1, 2]);
    const cards = page.getByTestId('finding-card');
    await expect.poll(() => cards.count()).toBe(8);
    expect(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-claim')))).toEqual(findings.claims.map((c) => c.id));
    const statuses = await cards.evaluateAll((els) => els.map((e) => [e.getAttribute('data-status'), e.querySelector('[data-testid=finding-status]')?.textContent?.trim()]));
    expect(statuses).toEqual(findings.claims.map((c) => [c.status, c.status.replace('-', ' ')]));
    expect(await page.getByTestId('findings-answer').textContent()).toBe(findings.answer);
    expect((await page.getByTestId('findings-tally').textContent())!.trim()).toBe(tallySentence(tallyClaims(findings.claims)));
    expect(await page.getByTestId('findings-seed-link').count()).toBe(SEEDS);
    expect((await page.getByTestId('findings-seeds').textContent())!.replace(/\s+/g, ' ')).toContain(`${SEEDS} seeds: 1 (experiment #${findings.experimentIds[0]}), 2 (experiment #${findings.experimentIds[1]})`);
    // a chart wherever a claim has evidence with a value, with its canvas drawn
    const withEvidence = findings.claims.filter((c) => c.evidence.some((e) => e.value !== null)).length;
    expect(await page.getByTestId('finding-chart').count()).toBe(withEvidence);
    if (withEvidence) await page.getByTestId('finding-chart').first().locator('canvas').waitFor();
    expect(await page.getByTestId('findings-diagnostic').count()).toBe(findings.diagnostics.length);
    // the checks independent of the data (metric sanity, the linear lab) say so on their cards
    expect(await cards.evaluateAll((els) => els.filter((e) => e.querySelector('[data-testid=finding-independent]')).map((e) => e.getAttribute('data-claim')))).toEqual(
      findings.claims.filter((c) => c.dataIndependent).map((c) => c.id),
    );
    expect(findings.claims.filter((c) => c.dataIndependent).map((c) => c.id)).toEqual(['exp1', 'exp6']);
    // a not-applicable claim shows the threshold it could not be held to; "none" only where there is no threshold
    const thresholds = await cards.evaluateAll((els) => els.map((e) => e.querySelector('[data-testid=finding-threshold]')?.textContent?.replace(/\s+/g, ' ').trim() ?? ''));
    findings.claims.forEach((c, i) => {
      if (!c.threshold) expect(thresholds[i], c.id).toBe('none: the claim is reported, not tested');
      else expect(thresholds[i], c.id).toContain(c.threshold.text);
      if (c.threshold && c.status === 'not-applicable') expect(thresholds[i], c.id).toContain('not applied');
    });
    // The page scrolls inside itself: a window as tall as its content shows it whole.
    await screenshotWhole(page, '.page.findings', 'findings.png', { width: 1500, height: 1000 });
  });

  it('an explore link opens the explorer on the claim\'s student and examples, with their count', async () => {
    const link = page.getByTestId('finding-explore').first();
    expect(await link.count()).toBe(1);
    const href = (await link.getAttribute('href'))!;
    const target = findings.claims.flatMap((c) => c.explore)[0]!;
    await link.click();
    await page.waitForURL(/#\/experiments\/\d+\/explore/);
    expect(page.url()).toContain(href);
    const query = new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
    expect(query.get('student')).toBe(String(target.studentRunId));
    const total = page.getByTestId('grid-total');
    await expect.poll(async () => (await total.getAttribute('data-total')) ?? '', { timeout: 60_000 }).toMatch(/^\d+$/);
    const expected = (await app.services.dispatch('queryExamples', { experimentId: target.experimentId, studentRunId: target.studentRunId, filter: target.filter, limit: 1 }, 'http')) as { total: number };
    expect(Number(await total.getAttribute('data-total'))).toBe(expected.total);
    expect(browser.errors).toEqual([]);
  });

  it('the Compare tab shows each student on each split across the seeds, mean with a bracketed interval', async () => {
    const series = (await app.services.dispatch('seriesReport', { experimentId: experiment.id }, 'http')) as SeriesReport;
    expect(series.experimentIds).toEqual(findings.experimentIds);
    await page.goto(`${base()}#/experiments/${experiment.id}/findings`);
    await page.getByTestId('link-compare').click();
    await page.waitForURL(new RegExp(`#/experiments/${experiment.id}/compare$`));
    await page.getByTestId('series-table').waitFor({ timeout: 120_000 });
    expect((await page.getByTestId('series-heading').textContent())!.trim()).toBe(`Across ${SEEDS} seeds (experiments ${series.experimentIds.map((id) => `#${id}`).join(', ')})`);
    const expected = series.students.flatMap((s) => s.splits.map((d) => [s.name, d.split]));
    expect(expected.length).toBeGreaterThan(0);
    const rows = page.getByTestId('series-row');
    await expect.poll(() => rows.count()).toBe(expected.length);
    expect(await rows.evaluateAll((els) => els.map((e) => [e.getAttribute('data-student'), e.getAttribute('data-split')]))).toEqual(expected);
    // both seeds trained every student: every accuracy is "mean [lo, hi]"
    const accuracies = await page.getByTestId('series-accuracy').allTextContents();
    expect(accuracies).toHaveLength(expected.length);
    for (const text of accuracies) expect(text.replace(/\s+/g, ' ').trim()).toMatch(/^\d+\.\d%( clean)? \[-?\d+\.\d%, -?\d+\.\d%\]$/);
    await screenshotWhole(page, '.page.scroll', 'compare-seeds.png', { width: 1500, height: 1000 });
    expect(browser.errors).toEqual([]);
  });
});
