// Deleting an experiment from the Experiments page, in Chromium over web mode: the row's Delete
// asks first (naming the experiment and its runs), a refusal shows the app's reason, and a
// deleted experiment leaves the list and the database.
import path from 'node:path';
import type { Dialog } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFindingsFixture, type SeedPlan } from '../../bench/findingsFixture.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { appBase, canOpenAppInBrowser, closeAppAndBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';

const plan = (seed: number): SeedPlan => ({
  seed,
  teacher: { train: 0.95, test: 0.78 },
  onehot: { train: 0.9, test: 0.7, confidence: 0.8 },
  kd: { train: 0.86, test: 0.73, confidence: 0.6 },
});

describe.skipIf(!canOpenAppInBrowser)('deleting an experiment, in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let experimentIds: number[];
  const runsOf = (id: number) => app.db.prepare('SELECT count(*) FROM runs WHERE experiment_id = ?').pluck().get(id) as number;
  const row = (id: number) => browser.page.locator(`[data-testid=experiment-row][data-experiment-id="${id}"]`);

  beforeAll(async () => {
    app = await startAppUnderTest();
    experimentIds = createFindingsFixture(app.db, [plan(1), plan(2)]).experimentIds;
    browser = await openAppPage(app, { width: 1440, height: 900 });
  }, 60_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('asks first, shows a refusal, and removes a deleted experiment from the list and the database', async () => {
    const { page } = browser;
    const [first, second] = experimentIds as [number, number];
    await page.goto(`${appBase(app)}#/experiments`);
    await row(first).waitFor();
    const runs = runsOf(first);
    const asked: string[] = [];
    let answer = false;
    const onDialog = (dialog: Dialog) => {
      asked.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    };
    page.on('dialog', onDialog);
    // declined: nothing happens
    await row(first).getByTestId('experiment-delete').click();
    expect(asked).toEqual([expect.stringMatching(new RegExp(`^Delete experiment “.+” with its ${runs} runs and every probability they recorded\\?$`))]);
    expect(runsOf(first)).toBe(runs);
    // a run trains in this process: the app refuses, and the page says why
    const runId = app.db.prepare('SELECT min(id) FROM runs WHERE experiment_id = ?').pluck().get(second) as number;
    app.db.prepare("UPDATE runs SET status = 'running', owner_pid = ? WHERE id = ?").run(process.pid, runId);
    answer = true;
    await row(second).getByTestId('experiment-delete').click();
    await expect.poll(() => page.getByTestId('experiment-delete-error').textContent()).toMatch(new RegExp(`experiment ${second} is training .*cancel its training first`));
    app.db.prepare("UPDATE runs SET status = 'done', owner_pid = NULL WHERE id = ?").run(runId);
    // accepted: the row goes, and so do its runs
    await row(first).getByTestId('experiment-delete').click();
    await row(first).waitFor({ state: 'detached' });
    expect(runsOf(first)).toBe(0);
    expect(await row(second).count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'experiments-after-delete.png') });
    page.off('dialog', onDialog);
  });
});
