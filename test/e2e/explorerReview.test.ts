// The explorer as a review tool, in Chromium over web mode (issue 17 items 3–5, 7, 8, 10): the
// range row's histogram and presets, P1 and P2 click-through, the header links, one numbering,
// keyboard review (j/k, number keys, Esc, the shortcuts list), the detail panel floating over
// the grid, fitted axes and full legends, neutral thumbnails. The runs are ingested from
// predictions written here (a teacher that hesitates on some examples and is sure of the clean
// class of every flipped label, two students that sometimes disagree with it), so every expected
// count is computed in this file from the same probabilities, never read from the app.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { createRandom } from '../../shared/seededRandom.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { ingestRuns } from '../../main/data/runIngest.js';
import { SCATTER_GRID } from '../../renderer/src/explorer/scatterPoints.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { appBase, canOpenAppInBrowser, closeAppAndBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { argmax, FLOOR, phi } from '../helpers/storedPredictions.js';
import { TEACHER_UNSURE_MARGIN, NOISE_SUSPECT_LABEL_PROB } from '../../renderer/src/explorer/filterPresets.js';
import { P2_GRID } from '../../renderer/src/explorer/deviationCharts.js';
import type { DeviationReport, ExamplePage } from '../../shared/analytics.js';
import { createStore } from '../../main/store/store.js';

const C = 10;
const EPOCHS = 2;

interface Example {
  id: number;
  split: string;
  label: number;
  trainLabel: number;
}
type Probs = Map<number, number[]>;

/** A distribution with `mass` on the given classes and the rest spread evenly. */
function distribution(mass: Record<number, number>, jitter: () => number): number[] {
  const given = Object.values(mass).reduce((s, v) => s + v, 0);
  const rest = C - Object.keys(mass).length;
  const p = Array.from({ length: C }, (_, c) => (c in mass ? mass[c]! : (1 - given) / rest));
  // a little seeded jitter so no two examples tie exactly
  const q = p.map((v) => v * (1 + 0.04 * jitter()));
  const sum = q.reduce((s, v) => s + v, 0);
  return q.map((v) => v / sum);
}

/** The teacher: sure of the clean class of a flipped label, unsure on a fifth of the rest, else fairly sure of the label. */
function teacherOf(e: Example, epoch: number): number[] {
  const r = createRandom(e.id * 7 + 1);
  const u = r.next();
  const alt = (e.label + 1 + Math.floor(r.next() * (C - 1))) % C;
  const sure = r.next();
  const jitter = () => r.next() - 0.5;
  const blur = epoch === EPOCHS ? 1 : 0.75;
  if (e.trainLabel !== e.label) return distribution({ [e.label]: (0.75 + 0.22 * sure) * blur }, jitter);
  if (u < 0.2) {
    const top = 0.3 + 0.15 * sure;
    return distribution({ [e.label]: top, [alt]: top - 0.18 * r.next() }, jitter);
  }
  return distribution({ [e.label]: (0.5 + 0.48 * sure) * blur }, jitter);
}

/** A student: follows its teacher more or less closely, but on a share of examples prefers another class. */
function studentOf(e: Example, epoch: number, seed: number, share: number): number[] {
  const r = createRandom(e.id * 13 + seed);
  const t = teacherOf(e, EPOCHS);
  const late = epoch === EPOCHS;
  if (r.next() < share) {
    const other = (argmax(t) + 1 + Math.floor(r.next() * (C - 1))) % C;
    return distribution({ [other]: (late ? 0.45 : 0.3) + 0.4 * r.next(), [argmax(t)]: 0.03 + 0.1 * r.next() }, () => r.next() - 0.5);
  }
  const w = (late ? 0.6 : 0.4) + 0.38 * r.next();
  return t.map((p) => w * p + (1 - w) / C);
}

function writeRun(dir: string, manifest: object, epochs: (epoch: number) => Probs): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest));
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const lines = [...epochs(epoch)].map(([id, probs]) => JSON.stringify({ example: id, probs }));
    fs.writeFileSync(path.join(dir, `epoch-${epoch}.jsonl`), lines.join('\n') + '\n');
  }
}

describe.skipIf(!canOpenAppInBrowser)('reviewing examples in the explorer', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let experimentId: number;
  let datasetId: number;
  let examples: Example[];
  let teacherId: number;
  let kdId: number;
  let onehotId: number;
  const probs = new Map<number, (epoch: number) => Probs>();

  /** a run's probabilities as stored: float32 */
  const at = (runId: number, epoch = EPOCHS) => new Map([...probs.get(runId)!(epoch)].map(([id, p]) => [id, p.map(Math.fround)]));
  const base = () => appBase(app);
  const explore = async (query = '') => {
    await page.goto(`${base()}#/experiments/${experimentId}/explore${query}`);
    await page.getByTestId('scatter-summary').waitFor();
  };
  const gridTotal = async () => Number((await page.getByTestId('grid-total').getAttribute('data-total')) || NaN);
  const routeQuery = () => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
  const openId = async () => Number(await page.getByTestId('example-detail').getAttribute('data-example-id'));
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `explorer-${name}.png`) });
  const train = () => examples.filter((e) => e.split === 'train');

  /** Expected grid ids, in id order, for a predicate over the analysed pair (KD and the teacher at the last epoch). */
  function expectedIds(pass: (e: Example, t: number[], s: number[]) => boolean, split = 'train'): number[] {
    const t = at(teacherId);
    const s = at(kdId);
    return examples.filter((e) => e.split === split && pass(e, t.get(e.id)!, s.get(e.id)!)).map((e) => e.id);
  }

  beforeAll(async () => {
    app = await startAppUnderTest();
    datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm-review', subset: 150, noise: { rate: 0.2, seed: 3 } }));
    examples = (app.db.prepare('SELECT id, split, label, coalesce(noisy_label, label) AS trainLabel FROM examples WHERE dataset_id = ? ORDER BY id').all(datasetId) as Example[]);
    const table = (f: (e: Example, epoch: number) => number[]) => (epoch: number) => new Map(examples.map((e) => [e.id, f(e, epoch)]));
    const root = path.join(app.dir, 'runs');
    writeRun(path.join(root, 'a-teacher'), { name: 'teacher', role: 'teacher', epochs: EPOCHS }, table(teacherOf));
    writeRun(path.join(root, 'b-kd'), { name: 'KD student', role: 'student', teacher: 'teacher', epochs: EPOCHS }, table((e, ep) => studentOf(e, ep, 5, 0.15)));
    writeRun(path.join(root, 'c-onehot'), { name: 'one-hot student', role: 'student', teacher: 'teacher', epochs: EPOCHS }, table((e, ep) => studentOf(e, ep, 9, 0.3)));
    const result = await ingestRuns(createStore(app.db), { path: root, datasetId, experimentName: 'review fixture' });
    experimentId = result.experimentId;
    const byName = new Map(result.runs.map((r) => [r.name, r.id]));
    teacherId = byName.get('teacher')!;
    kdId = byName.get('KD student')!;
    onehotId = byName.get('one-hot student')!;
    probs.set(teacherId, table(teacherOf));
    probs.set(kdId, table((e, ep) => studentOf(e, ep, 5, 0.15)));
    probs.set(onehotId, table((e, ep) => studentOf(e, ep, 9, 0.3)));
    browser = await openAppPage(app, { width: 1440, height: 900 });
    page = browser.page;
  }, 120_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('a new range row filters nothing, shows the measure’s observed range, and dragging on its histogram sets the bounds', async () => {
    await explore('?split=train');
    await expect.poll(gridTotal).toBe(train().length);
    await page.getByTestId('filter-range-add').click();
    const row = page.getByTestId('filter-range');
    await row.getByTestId('filter-range-unset').waitFor();
    expect(await gridTotal()).toBe(train().length);
    // switch the measure: the histogram is of teacher margin over the training split
    await row.getByTestId('filter-range-measure').selectOption('teacherMargin');
    const histogram = row.getByTestId('range-histogram');
    await expect.poll(async () => (await histogram.getAttribute('data-n')) ?? '').toBe(String(train().length));
    const margins = train().map((e) => {
      const p = [...at(teacherId).get(e.id)!].sort((x, y) => y - x);
      return p[0]! - p[1]!;
    });
    expect(Number(await histogram.getAttribute('data-min'))).toBeCloseTo(Math.min(...margins), 5);
    expect(Number(await histogram.getAttribute('data-max'))).toBeCloseTo(Math.max(...margins), 5);
    expect(await gridTotal()).toBe(train().length);
    await shot('range-histogram');

    // drag across the middle of the bars: both bounds are set, and the grid holds exactly the margins between them
    const bars = (await row.getByTestId('range-histogram-bars').boundingBox())!;
    await page.mouse.move(bars.x + bars.width * 0.3, bars.y + bars.height / 2);
    await page.mouse.down();
    await page.mouse.move(bars.x + bars.width * 0.7, bars.y + bars.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => routeQuery().getAll('range').length).toBe(1);
    await expect.poll(() => routeQuery().get('range')?.split(':').filter((x) => x !== '').length).toBe(3);
    const [measure, min, max] = routeQuery().get('range')!.split(':');
    expect(measure).toBe('teacherMargin');
    const lo = Math.min(...margins);
    const hi = Math.max(...margins);
    expect(Number(min)).toBeGreaterThan(lo + (hi - lo) * 0.25);
    expect(Number(min)).toBeLessThan(lo + (hi - lo) * 0.35);
    expect(Number(max)).toBeGreaterThan(lo + (hi - lo) * 0.65);
    expect(Number(max)).toBeLessThan(lo + (hi - lo) * 0.75);
    const inside = margins.filter((m) => m >= Number(min) && m <= Number(max)).length;
    await expect.poll(gridTotal).toBe(inside);
    expect(await row.getByTestId('filter-range-min').inputValue()).toBe(min);
    await shot('range-dragged');

    // another measure has another scale: its bounds start empty, so nothing is filtered out
    await row.getByTestId('filter-range-measure').selectOption('studentPhi');
    await expect.poll(() => routeQuery().get('range')).toBe('studentPhi::');
    await expect.poll(gridTotal).toBe(train().length);
    expect(await row.getByTestId('filter-range-max').inputValue()).toBe('');
  });

  const margin = (p: number[]) => {
    const q = [...p].sort((x, y) => y - x);
    return q[0]! - q[1]!;
  };
  const klOf = (t: number[], q: number[]) => t.reduce((sum, v, c) => (v > 0 ? sum + v * Math.log(v / Math.max(q[c]!, FLOOR)) : sum), 0);

  it('one-click presets set the filter their tooltip names, and show the count the filter call returns', async () => {
    await explore('?split=train');
    const presets = {
      'teacher-unsure': {
        words: [`teacher margin ≤ ${TEACHER_UNSURE_MARGIN}`],
        expected: expectedIds((_, t) => margin(t) <= TEACHER_UNSURE_MARGIN),
        filter: { split: 'train', ranges: [{ measure: 'teacherMargin', max: TEACHER_UNSURE_MARGIN }] },
      },
      'student-disagrees': {
        words: ['teacher and KD student disagree'],
        expected: expectedIds((_, t, st) => argmax(t) !== argmax(st)),
        filter: { split: 'train', disagree: { runA: teacherId, runB: kdId } },
      },
      misfits: {
        words: ['KD student wrong'],
        expected: expectedIds((e, _, st) => argmax(st) !== e.trainLabel),
        filter: { split: 'train', correctness: [{ runId: kdId, correct: false }] },
      },
      'label-noise': {
        words: [`teacher p(label) ≤ ${NOISE_SUSPECT_LABEL_PROB}`, `student p(label) ≤ ${NOISE_SUSPECT_LABEL_PROB}`, 'teacher wrong, KD student wrong'],
        expected: expectedIds((e, t, st) => argmax(t) !== e.trainLabel && argmax(st) !== e.trainLabel && t[e.trainLabel]! <= NOISE_SUSPECT_LABEL_PROB && st[e.trainLabel]! <= NOISE_SUSPECT_LABEL_PROB),
        filter: {
          split: 'train',
          correctness: [{ runId: teacherId, correct: false }, { runId: kdId, correct: false }],
          ranges: [{ measure: 'teacherLabelProb', max: NOISE_SUSPECT_LABEL_PROB }, { measure: 'studentLabelProb', max: NOISE_SUSPECT_LABEL_PROB }],
        },
      },
    } as const;
    const counts = new Set<number>();
    for (const [id, p] of Object.entries(presets)) {
      const button = page.getByTestId(`preset-${id}`);
      const title = (await button.getAttribute('title'))!;
      for (const w of p.words) expect(title).toContain(w);
      const answer = (await app.services.dispatch('queryExamples', { experimentId, studentRunId: kdId, filter: p.filter, limit: 1000 }, 'http')) as ExamplePage;
      expect(answer.items.map((e) => e.id)).toEqual(p.expected);
      expect(p.expected.length).toBeGreaterThan(2); // the fixture gives every preset something to show
      counts.add(p.expected.length);
      await button.click();
      await expect.poll(gridTotal).toBe(p.expected.length);
      expect(await button.getAttribute('aria-pressed')).toBe('true');
      await expect.poll(async () => page.getByTestId('preset-count').getAttribute('data-count')).toBe(String(p.expected.length));
      const shown = await page.getByTestId('example-cell').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-example-id'))));
      expect(shown).toEqual(p.expected.slice(0, shown.length));
      if (id === 'label-noise') await shot('preset-label-noise');
    }
    expect(counts.size).toBe(4); // four different selections, not one filter under four names
    // the other filters are cleared by a preset; the split stays
    expect(routeQuery().get('split')).toBe('train');
    expect(routeQuery().get('disagree')).toBeNull();
  });

  it('a point of P1 is one example: its tooltip shows the number and image, a click opens it', async () => {
    await explore('?split=train');
    const chartEl = page.getByTestId('scatter-chart');
    await chartEl.locator('canvas').first().waitFor();
    const [xLo, xHi] = (await chartEl.getAttribute('data-x-axis'))!.split(',').map(Number) as [number, number];
    const [yLo, yHi] = (await chartEl.getAttribute('data-y-axis'))!.split(',').map(Number) as [number, number];
    const box = (await chartEl.boundingBox())!;
    const t = at(teacherId);
    const st = at(kdId);
    const pixel = (a: number, b: number) => [
      box.x + SCATTER_GRID.left + ((a - xLo) / (xHi - xLo)) * (box.width - SCATTER_GRID.left - SCATTER_GRID.right),
      box.y + SCATTER_GRID.top + ((yHi - b) / (yHi - yLo)) * (box.height - SCATTER_GRID.top - SCATTER_GRID.bottom),
    ] as const;
    const pts = train().map((e) => {
      const k = argmax(t.get(e.id)!);
      const [x, y] = pixel(phi(t.get(e.id)!, k), phi(st.get(e.id)!, k));
      return { id: e.id, x, y };
    });
    // every point inside the plot: the axis is fitted to the data
    for (const p of pts) {
      expect(p.x).toBeGreaterThan(box.x + SCATTER_GRID.left - 0.5);
      expect(p.x).toBeLessThan(box.x + box.width - SCATTER_GRID.right + 0.5);
      expect(p.y).toBeGreaterThan(box.y + SCATTER_GRID.top - 0.5);
      expect(p.y).toBeLessThan(box.y + box.height - SCATTER_GRID.bottom + 0.5);
    }
    const loneliest = pts
      .map((p) => ({ ...p, gap: Math.min(...pts.filter((q) => q.id !== p.id).map((q) => Math.hypot(q.x - p.x, q.y - p.y))) }))
      .sort((p, q) => q.gap - p.gap)[0]!;
    expect(loneliest.gap).toBeGreaterThan(4);
    await page.mouse.move(loneliest.x, loneliest.y);
    const tip = chartEl.locator('div').filter({ hasText: `#${loneliest.id} ·` }).last();
    await tip.waitFor();
    expect(await tip.locator('img').getAttribute('src')).toContain(`/media/example/${loneliest.id}.png`);
    await shot('p1-tooltip');
    // while a brush tool is active a click draws (here: clears) a brush; ↖ Pick clicks points again
    await page.getByTestId('brush-rect').click();
    await page.mouse.click(loneliest.x, loneliest.y);
    await page.waitForTimeout(300);
    expect(await page.getByTestId('example-detail').count()).toBe(0);
    await page.getByTestId('brush-pick').click();
    await page.mouse.click(loneliest.x, loneliest.y);
    await page.getByTestId('example-detail').waitFor();
    expect(await openId()).toBe(loneliest.id);
    expect(routeQuery().get('example')).toBe(String(loneliest.id));
    expect(await page.getByTestId('detail-title').textContent()).toBe(`Example #${loneliest.id}`);
    await page.keyboard.press('Escape');
    await page.getByTestId('example-detail').waitFor({ state: 'detached' });
  });

  it('a point of P2 is a bin of examples: a click lists exactly that bin', async () => {
    await explore('?split=train&labels=2');
    const chartEl = page.getByTestId('p2-chart');
    await expect.poll(async () => (await chartEl.getAttribute('data-x-axis')) ?? '').not.toBe('');
    await chartEl.locator('canvas').first().waitFor();
    const [x0, x1] = (await chartEl.getAttribute('data-x-axis'))!.split(',').map(Number) as [number, number];
    const [y0, y1] = (await chartEl.getAttribute('data-y-axis'))!.split(',').map(Number) as [number, number];
    const report = (await app.services.dispatch('deviationReport', { experimentId, bootstrap: 0 }, 'http')) as DeviationReport;
    const onehot = report.students.find((r) => r.studentRunId === onehotId)!;
    const bins = onehot.splits.find((x) => x.split === 'train')!.bins;
    const j = 3;
    const bin = bins[j]!;
    const box = (await chartEl.boundingBox())!;
    const px = box.x + P2_GRID.left + ((bin.centre! - x0) / (x1 - x0)) * (box.width - P2_GRID.left - P2_GRID.right);
    const py = box.y + P2_GRID.top + ((y1 - bin.delta!) / (y1 - y0)) * (box.height - P2_GRID.top - P2_GRID.bottom);
    await page.mouse.click(px, py);
    await expect.poll(() => routeQuery().get('student')).toBe(String(onehotId));
    const [measure, min, max] = routeQuery().get('range')!.split(':');
    expect([measure, Number(min)]).toEqual(['teacherPhi', bin.lo]);
    expect(Number(max)).toBeLessThan(bin.hi!);
    expect(routeQuery().get('labels')).toBeNull(); // every other filter cleared: the bin is over the whole split
    await expect.poll(gridTotal).toBe(bin.count);
  });

  it('the header links to findings, compare, dynamics and gradients', async () => {
    await explore();
    for (const [testId, route] of [['link-dynamics', 'dynamics'], ['link-findings', 'findings'], ['link-compare', 'compare'], ['link-gradients', 'gradients']] as const) {
      await page.getByTestId(testId).click();
      await page.waitForURL(new RegExp(`#/experiments/${experimentId}/${route}$`));
      await page.goBack();
      await page.getByTestId('scatter-summary').waitFor();
    }
  });

  it('numbers every example by its stored id: tiles, tooltips, the detail heading and a curated set’s members', async () => {
    await explore('?split=test');
    const cells = page.getByTestId('example-cell');
    await cells.first().waitFor();
    const seen = await cells.evaluateAll((els) => els.slice(0, 12).map((c) => [c.getAttribute('data-example-id'), c.querySelector('[data-testid=cell-number]')!.textContent, c.getAttribute('title')]));
    for (const [id, number, title] of seen) {
      expect(number).toBe(`#${id}`);
      expect(title!.startsWith(`#${id} ·`)).toBe(true);
    }
    // ids are not positions within the split: the test split starts after the training examples
    const firstTest = examples.find((e) => e.split === 'test')!;
    expect(seen[0]![0]).toBe(String(firstTest.id));
    await cells.nth(2).click();
    const id = Number(seen[2]![0]);
    await expect.poll(async () => page.getByTestId('detail-title').textContent()).toBe(`Example #${id}`);
    const set = (await app.services.dispatch('createCuratedSet', { datasetId, name: 'numbered', exampleIds: [id] }, 'http')) as { id: number };
    await page.goto(`${base()}#/sets/${set.id}`);
    await page.getByTestId('member-row').first().waitFor();
    expect(await page.getByTestId('member-number').first().textContent()).toBe(`#${id}`);
    await app.services.dispatch('deleteCuratedSet', { setId: set.id }, 'http');
    // the dataset page's grid and panel number the same way
    await page.goto(`${base()}#/datasets/${datasetId}`);
    const cell = page.locator(`[data-testid=example-cell][data-example-id="${id}"]`);
    await cell.waitFor();
    expect(await cell.getByTestId('cell-number').textContent()).toBe(`#${id}`);
    await cell.click();
    await expect.poll(async () => page.getByTestId('detail-title').textContent()).toBe(`Example #${id}`);
    await page.waitForTimeout(200);
    await shot('dataset-numbering');
  });

  it('reviews by keyboard: j/k through the filter’s order across pages, number keys add to recent sets, Esc closes, ? lists it all', async () => {
    const older = (await app.services.dispatch('createCuratedSet', { datasetId, name: 'older suspects' }, 'http')) as { id: number };
    const newer = (await app.services.dispatch('createCuratedSet', { datasetId, name: 'newer suspects' }, 'http')) as { id: number };
    // every example (both splits: past one page of 200), by KL descending
    const t = at(teacherId);
    const st = at(kdId);
    const order = [...examples].map((e) => ({ id: e.id, kl: klOf(t.get(e.id)!, st.get(e.id)!) })).sort((p, q) => q.kl - p.kl || p.id - q.id).map((p) => p.id);
    expect(order.length).toBeGreaterThan(200);
    await explore(`?sort=-kl&example=${order[198]}`);
    await page.getByTestId('example-detail').waitFor();
    await expect.poll(async () => page.getByTestId('detail-position').getAttribute('data-index')).toBe('198');
    // the selected tile is scrolled into view, left of the panel
    const tile = page.locator(`[data-testid=example-cell][data-example-id="${order[198]}"]`);
    await tile.waitFor();
    const tileBox = (await tile.boundingBox())!;
    const gridBox = (await page.getByTestId('example-grid').boundingBox())!;
    const panelBox = (await page.getByTestId('example-detail').boundingBox())!;
    expect(tileBox.y).toBeGreaterThanOrEqual(gridBox.y - 1);
    expect(tileBox.y + tileBox.height).toBeLessThanOrEqual(gridBox.y + gridBox.height + 1);
    expect(tileBox.x + tileBox.width).toBeLessThanOrEqual(panelBox.x + 1);
    await page.keyboard.press('j');
    await expect.poll(openId).toBe(order[199]);
    await page.keyboard.press('j'); // into the second page
    await expect.poll(openId).toBe(order[200]);
    await page.keyboard.press('ArrowRight');
    await expect.poll(openId).toBe(order[201]);
    await page.keyboard.press('k');
    await expect.poll(openId).toBe(order[200]);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(openId).toBe(order[199]);
    expect(await page.getByTestId('detail-position').textContent()).toBe(`200 of ${order.length}`);

    // the panel starts each example at the top
    const body = page.getByTestId('detail-body');
    await page.getByTestId('label-prob-curves').locator('canvas').first().waitFor();
    await body.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    expect(await body.evaluate((el) => el.scrollTop)).toBeGreaterThan(100);
    await page.keyboard.press('j');
    await expect.poll(openId).toBe(order[200]);
    await expect.poll(() => body.evaluate((el) => el.scrollTop)).toBe(0);

    // number keys: 1 is the newest set until another is used; the panel says which is which
    const keys = page.getByTestId('detail-set-key');
    await expect.poll(() => keys.allTextContents()).toEqual(['1 adds to newer suspects', '2 adds to older suspects']);
    const members = (setId: number) => app.db.prepare('SELECT example_id FROM curated_set_members WHERE set_id = ? ORDER BY example_id').pluck().all(setId);
    await page.keyboard.press('1');
    await expect.poll(() => members(newer.id)).toEqual([order[200]]);
    await expect.poll(async () => page.getByTestId('toast').textContent()).toBe(`Added #${order[200]} to “newer suspects” (1 example).`);
    await page.keyboard.press('j');
    await expect.poll(openId).toBe(order[201]);
    await page.keyboard.press('2');
    await expect.poll(() => members(older.id)).toEqual([order[201]]);
    await expect.poll(() => keys.allTextContents()).toEqual(['1 adds to older suspects', '2 adds to newer suspects']);
    await shot('detail-keys');

    // typing in a field is typing, not a shortcut
    await page.getByTestId('set-note').click();
    await page.keyboard.type('1 jk');
    expect(await page.getByTestId('set-note').inputValue()).toBe('1 jk');
    expect(await openId()).toBe(order[201]);
    expect(members(older.id)).toEqual([order[201]]);
    expect(members(newer.id)).toEqual([order[200]]);
    await page.getByTestId('set-note').blur();

    // ? lists every shortcut and the number keys' sets; Esc closes the list first, then the panel
    await page.keyboard.press('?');
    const overlay = page.getByTestId('shortcuts-overlay');
    await overlay.waitFor();
    const does = await overlay.getByTestId('shortcut-does').allTextContents();
    for (const phrase of ['show these shortcuts', 'next example of the current filter and sort (across pages)', 'previous example', 'close the panel', 'open the tile in the detail panel']) expect(does).toContain(phrase);
    expect(await overlay.getByTestId('shortcut-set').allTextContents()).toEqual(['older suspects', 'newer suspects']);
    await shot('shortcuts');
    await page.keyboard.press('Escape');
    await overlay.waitFor({ state: 'detached' });
    expect(await page.getByTestId('example-detail').count()).toBe(1);
    await page.keyboard.press('Escape');
    await page.getByTestId('example-detail').waitFor({ state: 'detached' });
    expect(routeQuery().get('example')).toBeNull();
    // the menu's Help → Keyboard shortcuts sends this window event
    await page.evaluate(() => window.dispatchEvent(new CustomEvent('disobey:shortcuts')));
    await overlay.waitFor();
    await page.getByTestId('shortcuts-close').click();
    await overlay.waitFor({ state: 'detached' });
  });

  for (const viewport of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
    it(`the detail panel floats over the grid at ${viewport.width}×${viewport.height}: nothing under it changes width`, async () => {
      await page.setViewportSize(viewport);
      await explore('?split=train');
      await page.getByTestId('example-cell').first().waitFor();
      const widths = async () => Promise.all(['example-grid', 'scatter-chart', 'p2-chart', 'filter-sidebar'].map(async (id) => (await page.getByTestId(id).boundingBox())!.width));
      const before = await widths();
      await page.getByTestId('example-cell').nth(1).click();
      await page.getByTestId('run-bars').first().waitFor();
      expect(await widths()).toEqual(before);
      const panel = (await page.getByTestId('example-detail').boundingBox())!;
      const gridBox = (await page.getByTestId('example-grid').boundingBox())!;
      expect(panel.x).toBeLessThan(gridBox.x + gridBox.width - 100); // over the grid, not beside it
      expect(panel.x + panel.width).toBeCloseTo(viewport.width, 0);
      const shadow = await page.getByTestId('example-detail').evaluate((el) => getComputedStyle(el).boxShadow);
      expect(shadow).not.toBe('none');
      await page.waitForTimeout(200);
      await shot(`detail-overlay-${viewport.width}`);
      await page.keyboard.press('Escape');
    });
  }

  it('fits the axes to a filter and lists every series in the legends', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await explore('?split=train');
    const axes = async () => {
      const chartEl = page.getByTestId('scatter-chart');
      const read = async (name: string) => (await chartEl.getAttribute(name))!.split(',').map(Number) as [number, number];
      return { x: await read('data-x-axis'), y: await read('data-y-axis') };
    };
    const all = await axes();
    // rounded bounds: multiples of a 1-2-2.5-5 step, here whole numbers or halves
    for (const v of [...all.x, ...all.y]) expect(Math.abs(v * 4 - Math.round(v * 4))).toBeLessThan(1e-9);
    const legend = page.getByTestId('scatter-chart').locator('xpath=..').getByTestId('legend-entry');
    // ten classes, the diagonal and the fitted line, each fully visible (no pagination, no ellipsis)
    expect(await legend.count()).toBe(12);
    for (const entry of await legend.all()) {
      expect(await entry.isVisible()).toBe(true);
      expect(await entry.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    }
    const p2Legend = page.getByTestId('p2-chart').locator('xpath=..').getByTestId('legend-entry');
    expect(await p2Legend.allTextContents()).toEqual(['KD student', 'one-hot student', 'Δ = 0 (no deviation)']);
    // a filter to the teacher's unsure examples: the axis shrinks to their φ, not the split's
    await page.getByTestId('preset-teacher-unsure').click();
    await expect.poll(async () => JSON.stringify(await axes())).not.toBe(JSON.stringify(all));
    const fitted = await axes();
    const t = at(teacherId);
    const st = at(kdId);
    const unsure = expectedIds((_, tt) => margin(tt) <= TEACHER_UNSURE_MARGIN);
    const kOf = (id: number) => argmax(t.get(id)!);
    for (const [axis, values] of [
      ['x', unsure.map((id) => phi(t.get(id)!, kOf(id)))],
      ['y', unsure.map((id) => phi(st.get(id)!, kOf(id)))],
    ] as const) {
      const [lo, hi] = fitted[axis];
      const [dataLo, dataHi] = [Math.min(...values), Math.max(...values)];
      expect(lo).toBeLessThanOrEqual(dataLo);
      expect(hi).toBeGreaterThanOrEqual(dataHi);
      expect((dataHi - dataLo) / (hi - lo)).toBeGreaterThan(0.5); // the points fill the plot, not a corner of it
    }
    await page.waitForTimeout(200);
    await shot('fitted-after-filter');
    // the grid's badges and the detail panel's bars have colour keys
    expect(await page.getByTestId('badge-key').textContent()).toContain('it predicts another class');
    expect(await page.getByTestId('badge-key').locator('.pill').count()).toBe(4);
    await page.getByTestId('example-cell').first().click();
    expect(await page.getByTestId('prob-key').textContent()).toContain('the training label');
    await page.keyboard.press('Escape');
  });

  it('shows a neutral placeholder while thumbnails load or when they fail, and a spinner while counting', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/media/example/**', async (route) => {
      await held;
      if (/\/(\d*[02468])\.png/.test(route.request().url())) await route.abort();
      else await route.continue();
    });
    await page.route('**/api/call/queryExamples', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${base()}#/experiments/${experimentId}/explore?split=test&labels=3`);
    await page.getByTestId('grid-total').getByTestId('count-spinner').waitFor();
    expect(await page.getByTestId('grid-total').textContent()).not.toContain('…');
    release();
    await page.getByTestId('example-cell').first().waitFor();
    const frames = page.locator('[data-testid=example-cell] .thumb-frame');
    const background = await frames.first().evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number) as [number, number, number];
    expect(Math.min(r, g, b)).toBeGreaterThan(200); // light, neutral: never a black square
    await expect.poll(() => page.locator('[data-testid=example-cell] img.failed').count()).toBeGreaterThan(0);
    const failed = page.locator('[data-testid=example-cell] img.failed').first();
    expect(await failed.evaluate((el) => getComputedStyle(el).visibility)).toBe('hidden');
    await page.waitForTimeout(300);
    await shot('thumbnail-placeholders');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    expect(browser.errors).toEqual([]);
  });
});
