// Words a newcomer understands, in Chromium over web mode on a real small training run (the
// findings preset on a sample subset, two seeds): the Help page lists every glossary entry with
// its formula and scrolls to a term's anchor; a tooltip on Findings and on Compare links to its
// term's entry; Compare shows the teacher as a baseline row, the split of every column and a
// colour key for its tinted cells, with matrix cells that are not input boxes; counts wait with a
// spinner, not "…"; the top bar names the backend that trained the experiment on screen; and no
// page of this part shows a code of papers/SPEC.md or uppercases a maths symbol.
import path from 'node:path';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviationReport } from '../../shared/analytics.js';
import { ImportOptions } from '../../shared/domain.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { friendlyBackend } from '../../renderer/src/backendChip.js';
import { compareHeaders, compareTableRows, divergingBackground, divergingExtent } from '../../renderer/src/compareTable.js';
import { formatAccuracy } from '../../renderer/src/format.js';
import { formulaPlainText } from '../../renderer/src/formulaText.js';
import { DIAGNOSTIC_HELP, GLOSSARY, GLOSSARY_KEYS, type GlossaryEntry } from '../../renderer/src/glossary.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { appBase, canTrainInBrowser, closeAppAndBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { specCodesIn } from '../helpers/visibleText.js';
import { waitForTraining } from '../helpers/training.js';
import { createStore } from '../../main/store/store.js';

const shot = (name: string) => path.join(SCREENSHOT_DIR, `words-${name}.png`);
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Text nodes with a maths symbol that an uppercase style around them would change ("φ of" → "Φ OF"). */
async function uppercasedSymbols(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      if (!/[α-ωϕ‖]/.test(text) || text.toUpperCase() === text) continue;
      const el = node.parentElement;
      if (!el || el.offsetParent === null) continue;
      const transform = getComputedStyle(el).textTransform;
      if (transform === 'uppercase' || transform === 'capitalize') bad.push(`${el.tagName.toLowerCase()}.${el.className}: ${text.trim()}`);
    }
    return bad;
  });
}

describe.skipIf(!canTrainInBrowser)('words a newcomer understands, in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let experiment: ExperimentSummary;
  const EPOCHS = 2;
  const SEEDS = 2;
  const base = () => appBase(app);
  const open = async (hash: string) => {
    await page.goto(`${base()}#${hash}`);
  };
  /** A page's visible text has no SPEC code and no maths symbol under an uppercase style. */
  const expectPlainWords = async (name: string) => {
    const text = await page.evaluate(() => document.body.innerText);
    expect(text.length, name).toBeGreaterThan(40);
    expect(specCodesIn(text), `${name}: ${squash(text).slice(0, 200)}`).toEqual([]);
    expect(await uppercasedSymbols(page), name).toEqual([]);
  };

  beforeAll(async () => {
    app = await startAppUnderTest();
    browser = await openAppPage(app, { width: 1440, height: 900 }, { landing: null }); // nothing trained yet: no experiment to land on
    page = browser.page;
  }, 60_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('before any training, the top bar says so in words, with what the chip means', async () => {
    const chip = page.getByTestId('backend-chip');
    await expect.poll(() => chip.textContent()).toBe('no training this session');
    expect(await chip.getAttribute('title')).toContain(GLOSSARY.backend.text);
    expect(await page.getByTestId('nav-help').textContent()).toBe('Help');
  });

  it('trains the findings preset (two seeds) for the pages below', async () => {
    const datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm-words', subset: 300 }));
    experiment = (await app.services.dispatch('startFindingsPreset', { datasetId, epochs: EPOCHS, seeds: SEEDS }, 'http')) as ExperimentSummary;
    await waitForTraining(app.db, { timeoutMs: 300_000 });
  }, 320_000);

  it('lists every glossary entry on the Help page with its formula, and opens a term at its anchor', async () => {
    await page.getByTestId('nav-help').click();
    await page.waitForURL(/#\/help$/);
    const entries = page.getByTestId('glossary-entry');
    await expect.poll(() => entries.count()).toBe(GLOSSARY_KEYS.length + Object.keys(DIAGNOSTIC_HELP).length);
    const shown = await entries.evaluateAll((els) =>
      els.map((e) => ({ anchor: e.getAttribute('data-anchor'), term: e.querySelector('h3')?.textContent ?? '', formula: e.querySelector('[data-testid=glossary-formula]')?.textContent ?? null })),
    );
    for (const key of GLOSSARY_KEYS) {
      const entry: GlossaryEntry = GLOSSARY[key];
      const row = shown.find((s) => s.anchor === key);
      expect(row, key).toBeDefined();
      expect(squash(row!.term).replace(/^# /, ''), key).toBe(entry.term);
      expect(row!.formula === null ? null : squash(row!.formula), key).toBe(entry.formula ? squash(formulaPlainText(entry.formula)) : null);
    }
    // a formula is drawn with real sub- and superscripts: φ's p_k
    expect(await page.locator('[data-anchor=phi] [data-testid=glossary-formula] sub').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('help-guide').locator('li').count()).toBe(7);
    await page.screenshot({ path: shot('help') });
    await expectPlainWords('help');

    await open('/help?term=kl');
    const kl = page.locator('[data-anchor=kl]');
    await expect.poll(() => kl.getAttribute('class')).toMatch(/\bmarked\b/);
    await expect.poll(() => kl.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; })).toBe(true);
    await page.screenshot({ path: shot('help-term-kl') });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: shot('help-1024') });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('gives a Findings term a tooltip that links to its Help entry', async () => {
    await open(`/experiments/${experiment.id}/findings`);
    await page.getByTestId('findings-summary').waitFor({ timeout: 120_000 });
    const term = page.locator('.help-term[data-help=interval]').first();
    await term.hover();
    const tip = page.getByTestId('help-tip');
    await tip.waitFor();
    expect(squash((await tip.textContent())!)).toContain(GLOSSARY.interval.text);
    await page.screenshot({ path: shot('findings-tooltip') });
    const link = tip.getByTestId('help-tip-link');
    expect(await link.getAttribute('href')).toMatch(/#\/help\?term=interval$/);
    await link.click();
    await page.waitForURL(/#\/help\?term=interval$/);
    await expect.poll(() => page.locator('[data-anchor=interval]').getAttribute('class')).toMatch(/\bmarked\b/);
    // keyboard: Enter on a focused term opens its entry
    await open(`/experiments/${experiment.id}/findings`);
    await page.getByTestId('findings-summary').waitFor({ timeout: 120_000 });
    await page.locator('.help-term[data-help=threshold]').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/help\?term=threshold$/);
  });

  it('shows the teacher as a baseline row on Compare, each column\'s split and a colour key', async () => {
    const report = (await app.services.dispatch('deviationReport', { experimentId: experiment.id, bootstrap: 0 }, 'http')) as DeviationReport;
    // counts wait with a spinner, not "…": hold the matrix's counts back until the spinners are seen
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const hold = async (route: Route) => {
      await held;
      await route.fallback();
    };
    await page.route('**/api/call/queryExamples', hold);
    await open(`/experiments/${experiment.id}/compare`);
    const cell = page.getByTestId('matrix-cell-rr');
    await cell.getByTestId('count-spinner').waitFor({ timeout: 60_000 });
    expect(await cell.getByTestId('count-spinner').getAttribute('aria-label')).toBe('loading');
    expect(await cell.textContent()).not.toContain('…');
    release();
    await expect.poll(() => cell.getAttribute('data-count'), { timeout: 60_000 }).toMatch(/^\d+$/);
    await page.unroute('**/api/call/queryExamples', hold);

    const teacherRow = page.getByTestId('compare-teacher-row');
    await teacherRow.first().waitFor({ timeout: 120_000 });
    const expected = compareTableRows(report, 'train', 'testAccuracy', true);
    const teachers = expected.filter((r) => r.role === 'teacher');
    expect(teachers.length).toBeGreaterThan(0);
    expect(await teacherRow.count()).toBe(teachers.length);
    const first = teacherRow.first();
    expect(Number(await first.getAttribute('data-run-id'))).toBe(teachers[0]!.runId);
    expect(squash((await first.locator('td').first().textContent())!)).toContain('teacher · baseline');
    expect(squash((await first.locator('[data-column=testAccuracy]').textContent())!)).toBe(formatAccuracy(teachers[0]!.testAccuracy));
    for (const column of ['vsTeacher', 'fidelity', 'kl', 'lowestBinDelta']) expect(squash((await first.locator(`[data-column=${column}]`).textContent())!), column).toBe('—');
    // the baseline heads the table: its row comes before every student's
    const roles = await page.locator('[data-testid=compare-table] tbody tr').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(roles.slice(0, teachers.length).every((r) => r === 'compare-teacher-row')).toBe(true);
    expect(roles.slice(teachers.length).every((r) => r === 'compare-row')).toBe(true);

    // every column names its split; the chosen split follows the selector
    const oods = expected.find((r) => r.role === 'student')!.ood.map((o) => o.split);
    const splitsShown = () => page.getByTestId('column-split').allTextContents();
    expect((await splitsShown()).map(squash)).toEqual(compareHeaders('train', oods).map((h) => h.split));
    await page.getByTestId('compare-split').selectOption('test');
    await expect.poll(async () => (await splitsShown()).map(squash)).toEqual(compareHeaders('test', oods).map((h) => h.split));
    await page.getByTestId('compare-split').selectOption('train');

    // the tinted cells follow the scale the key shows
    const students = expected.filter((r) => r.role === 'student');
    const extent = divergingExtent(students.map((r) => r.lowestBinDelta));
    const key = page.getByTestId('colour-key-delta');
    expect(Number(await key.getAttribute('data-extent'))).toBe(extent);
    expect(squash((await key.textContent())!)).toContain(`−${extent}`);
    expect(squash((await key.textContent())!)).toMatch(/red: .* green: /);
    const s = students[0]!;
    const background = await page.locator(`[data-testid=compare-row][data-run-id="${s.runId}"] [data-column=lowestBinDelta]`).evaluate((el) => getComputedStyle(el).backgroundColor);
    const tint = divergingBackground(s.lowestBinDelta, extent);
    const channels = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
    expect(tint).toBeDefined();
    const [want, got] = [channels(tint!), channels(background)];
    expect(got.slice(0, 3)).toEqual(want.slice(0, 3));
    expect(got[3]).toBeCloseTo(want[3]!, 2);
    await page.getByTestId('colour-key-gap').waitFor();
    await page.getByTestId('colour-key-matrix').waitFor();

    // matrix cells are counts to click, not text boxes
    const look = await cell.evaluate((el) => {
      const st = getComputedStyle(el);
      return { border: st.borderTopStyle, background: st.backgroundColor };
    });
    expect(look.border).toBe('none');
    expect(look.background).toBe('rgba(0, 0, 0, 0)');

    // a header's tooltip links to its term
    await page.locator('[data-testid=compare-table] th[data-column=kl] .help-term').hover();
    const tip = page.getByTestId('help-tip');
    await tip.waitFor();
    expect(squash((await tip.textContent())!)).toContain(GLOSSARY.kl.text);
    expect(await tip.getByTestId('help-tip-link').getAttribute('href')).toMatch(/#\/help\?term=kl$/);
    await page.screenshot({ path: shot('compare-tooltip') });
    await page.mouse.move(5, 400);
    await tip.waitFor({ state: 'detached' });

    const height = await page.locator('.page.scroll').evaluate((el) => el.scrollHeight);
    await page.setViewportSize({ width: 1440, height: Math.min(4000, height + 60) });
    await page.waitForTimeout(400);
    await page.screenshot({ path: shot('compare') });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot('compare-1024') });
    await page.setViewportSize({ width: 1440, height: 900 });
    await expectPlainWords('compare');
  });

  it('names the backend that trained the experiment on screen', async () => {
    const recorded = (app.db.prepare('SELECT DISTINCT backend FROM runs WHERE experiment_id = ? AND backend IS NOT NULL ORDER BY id').pluck().all(experiment.id) as string[]).filter(
      (b, i, all) => all.indexOf(b) === i,
    );
    expect(recorded.length).toBeGreaterThan(0);
    await open(`/experiments/${experiment.id}`);
    const chip = page.getByTestId('backend-chip');
    await expect.poll(() => chip.getAttribute('data-backends')).toBe(recorded.join('|'));
    const text = (await chip.textContent())!;
    expect(text).toMatch(/^trained with /);
    for (const b of recorded) expect(text).toContain(friendlyBackend(b));
    expect(await chip.getAttribute('title')).toContain(recorded[0]!);
    await page.screenshot({ path: shot('backend-chip'), clip: { x: 0, y: 0, width: 1440, height: 120 } });
    // away from the experiment the chip names the worker's backend instead
    await open('/sets');
    await expect.poll(() => chip.textContent()).toMatch(/^training uses |^no training this session$/);
  });

  it('shows no SPEC code and keeps maths symbols\' case on every page of this part', async () => {
    const id = experiment.id;
    const pages: [string, string, () => Promise<unknown>][] = [
      ['datasets', '/', () => page.getByTestId('dataset-row').first().waitFor()],
      ['experiments', '/experiments', () => page.getByTestId('experiment-row').first().waitFor()],
      ['new-experiment', '/experiments/new', () => page.getByTestId('exp-dataset').waitFor()],
      ['runs', `/experiments/${id}`, () => page.getByTestId('run-card').first().waitFor()],
      ['findings', `/experiments/${id}/findings`, () => page.getByTestId('finding-card').first().waitFor({ timeout: 120_000 })],
      ['dynamics', `/experiments/${id}/dynamics`, () => page.locator('[data-testid=map-summary][data-n]:not([data-n=""])').waitFor({ timeout: 120_000 })],
      ['gradients', `/experiments/${id}/gradients`, () => page.getByTestId('gradient-table').waitFor({ timeout: 120_000 })],
      ['eigen-lab', '/eigen-lab', () => page.getByTestId('eigen-form').waitFor()],
    ];
    for (const [name, hash, ready] of pages) {
      await open(hash);
      await ready();
      await page.waitForTimeout(200);
      await expectPlainWords(name);
      await page.screenshot({ path: shot(`page-${name}`) });
    }
    // the Dynamics regions wait with spinners as well
    await page.route('**/api/call/cartographyMap', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.fallback();
    });
    await open(`/experiments/${id}/dynamics`);
    await page.getByTestId('region-tracks').getByTestId('count-spinner').waitFor();
    expect(await page.locator('[data-testid=regions] strong').allTextContents()).toEqual(['', '', '', '']);
    await page.unroute('**/api/call/cartographyMap');
    expect(browser.errors).toEqual([]);
  });
});
