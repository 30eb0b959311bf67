// The explorer, compare, curated-set, gradient and eigen-lab pages in Chromium over web mode, on
// a database from a real small training run (the paper preset on a sample subset). Expected
// numbers are recomputed here from the stored chunks decoded with plain SQL, never read from the app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentSummary } from '../../shared/runs.js';
import { parseCsv } from '../../main/data/textTable.js';
import { openZip } from '../../main/data/zipReader.js';
import { appBase, canTrainInBrowser, closeAppAndBrowser, expectOverwriteAsked, openAppPage, trainSample } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { argmax, kl, phi, rowsOf } from '../helpers/storedPredictions.js';

interface Example {
  id: number;
  split: string;
  label: number;
}

describe.skipIf(!canTrainInBrowser)('the explorer in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let experiment: ExperimentSummary;
  let examples: Example[];
  let teacherId: number;
  let studentIds: number[];
  const EPOCHS = 2;

  const probsOf = (runId: number, epoch: number) => rowsOf(app.db, runId, epoch);

  /** (teacher φ, student φ) at the teacher's top class, as P1 plots them, for one split. */
  function phiPoints(studentId: number, split: string) {
    const teacher = probsOf(teacherId, EPOCHS);
    const student = probsOf(studentId, EPOCHS);
    return examples.filter((e) => e.split === split).map((e) => {
      const k = argmax(teacher.get(e.id)!);
      return { id: e.id, a: phi(teacher.get(e.id)!, k), b: phi(student.get(e.id)!, k) };
    });
  }

  const explore = (query: string) => page.goto(`${appBase(app)}#/experiments/${experiment.id}/explore${query}`);
  const gridTotal = async () => Number(await page.getByTestId('grid-total').getAttribute('data-total'));
  const routeQuery = () => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });

  beforeAll(async () => {
    app = await startAppUnderTest();
    experiment = await trainSample(app, { name: 'fm-explorer', subset: 400, epochs: EPOCHS, timeoutMs: 180_000 });
    examples = app.db.prepare('SELECT id, split, label FROM examples WHERE dataset_id = ? ORDER BY id').all(experiment.datasetId) as Example[];
    const runs = app.db.prepare('SELECT id, role FROM runs WHERE experiment_id = ? ORDER BY id').all(experiment.id) as { id: number; role: string }[];
    teacherId = runs.find((r) => r.role === 'teacher')!.id;
    studentIds = runs.filter((r) => r.role === 'student').map((r) => r.id);
    browser = await openAppPage(app, { width: 1500, height: 1000 });
    page = browser.page;
  }, 240_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('a rectangle brush on P1 selects exactly the examples inside it', async () => {
    await explore('?split=train');
    await page.getByTestId('scatter-summary').waitFor();
    const points = phiPoints(studentIds[0]!, 'train');
    expect(Number(await page.getByTestId('scatter-summary').getAttribute('data-n'))).toBe(points.length);
    await page.getByTestId('brush-rect').click();
    const box = (await page.getByTestId('scatter-chart').boundingBox())!;
    const started = Date.now();
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.75);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.3, { steps: 4 });
    await page.mouse.up();
    const summary = page.getByTestId('brush-summary');
    await summary.waitFor();
    const [kind, body] = routeQuery().get('brush')!.split(':');
    expect(kind).toBe('rect');
    const [x0, x1, y0, y1] = body!.split(',').map(Number) as [number, number, number, number];
    const inside = (p: { a: number; b: number }, m: number) => p.a >= x0 + m && p.a <= x1 - m && p.b >= y0 + m && p.b <= y1 - m;
    const surely = points.filter((p) => inside(p, 1e-4)).map((p) => p.id);
    const maybe = points.filter((p) => inside(p, -1e-4)).map((p) => p.id);
    expect(surely.length).toBeGreaterThan(5);
    await expect.poll(gridTotal).toBeGreaterThanOrEqual(surely.length);
    const hits = Number(await summary.getAttribute('data-hits'));
    console.log(`brush of ${hits} of ${points.length} points answered in ${Date.now() - started} ms (mouse included)`);
    expect(hits).toBeGreaterThanOrEqual(surely.length);
    expect(hits).toBeLessThanOrEqual(maybe.length);
    expect(await gridTotal()).toBe(hits);
    // the grid lists them in id order: its first cells are the first ids inside the rectangle
    const shown = await page.getByTestId('example-cell').evaluateAll((cells) => cells.slice(0, 5).map((c) => Number(c.getAttribute('data-example-id'))));
    expect(shown.length).toBe(Math.min(5, hits));
    expect(shown.every((id) => maybe.includes(id))).toBe(true);
    expect(shown).toEqual([...shown].sort((x, y) => x - y));
    await shot('explorer-brushed');
  });

  it('a lasso selects the examples inside the drawn polygon', async () => {
    await page.getByTestId('brush-lasso').click();
    const box = (await page.getByTestId('scatter-chart').boundingBox())!;
    const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
    await page.mouse.move(...at(0.3, 0.8));
    await page.mouse.down();
    for (const [fx, fy] of [[0.5, 0.75], [0.8, 0.35], [0.6, 0.3], [0.4, 0.5], [0.3, 0.78]] as const) await page.mouse.move(...at(fx, fy), { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => routeQuery().get('brush')?.startsWith('lasso:') ?? false).toBe(true);
    const v = routeQuery().get('brush')!.slice(6).split(',').map(Number);
    const poly: [number, number][] = [];
    for (let i = 0; i < v.length; i += 2) poly.push([v[i]!, v[i + 1]!]);
    const inPoly = (x: number, y: number) => {
      let c = false;
      for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
        const [xi, yi] = poly[i]!;
        const [xj, yj] = poly[j]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
      }
      return c;
    };
    const expected = phiPoints(studentIds[0]!, 'train').filter((p) => inPoly(p.a, p.b)).length;
    expect(expected).toBeGreaterThan(5);
    await expect.poll(gridTotal).toBe(expected);
    await shot('explorer-lasso');
  });

  it('filters in the sidebar narrow the grid to the expected count, and the URL restores them', async () => {
    await page.getByTestId('filters-clear').click();
    await expect.poll(gridTotal).toBe(examples.filter((e) => e.split === 'train').length);
    const student = probsOf(studentIds[0]!, EPOCHS);
    const trousersMissed = examples.filter((e) => e.split === 'train' && e.label !== 1 && argmax(student.get(e.id)!) === 1).length;
    await page.getByTestId('filter-pred-1').click();
    await page.getByTestId(`filter-correct-${studentIds[0]}`).selectOption('wrong');
    await expect.poll(gridTotal).toBe(trousersMissed);
    expect(routeQuery().get('pred')).toBe('1');
    expect(routeQuery().get('ok')).toBe(`${studentIds[0]}-`);
    await page.reload();
    await page.getByTestId('scatter-summary').waitFor();
    await expect.poll(gridTotal).toBe(trousersMissed);
    // the teacher-confidence underfit filter: the student below the teacher by δ on the least confident quarter
    await page.getByTestId('filters-clear').click();
    await page.getByTestId('filter-underfit').check();
    const pts = phiPoints(studentIds[0]!, 'train');
    const cut = [...pts].sort((p, q) => p.a - q.a || p.id - q.id)[Math.ceil(pts.length * 0.25) - 1]!.a;
    const underfit = pts.filter((p) => p.a <= cut && p.b - p.a < -0.5);
    await expect.poll(gridTotal).toBeGreaterThanOrEqual(underfit.length - 1);
    expect(Math.abs((await gridTotal()) - underfit.length)).toBeLessThanOrEqual(1); // quantile ties at the cut
    await shot('explorer-filtered');
  });

  it('the detail panel shows probability bars and label curves for every run, and adds the example to a set', async () => {
    await page.getByTestId('filters-clear').click();
    await page.getByTestId('example-cell').first().click();
    await page.getByTestId('run-bars').first().waitFor();
    expect(await page.getByTestId('run-bars').count()).toBe(experiment.runs.length);
    const id = Number(routeQuery().get('example'));
    // each run's p(label) beside its bars is the stored probability at the analysed epoch
    const label = examples.find((e) => e.id === id)!.label;
    const shownP = await page.getByTestId('run-bars').evaluateAll((rows) => rows.map((r) => [Number(r.getAttribute('data-run-id')), Number(r.querySelector('.pl')!.textContent)]));
    for (const [runId, p] of shownP) expect(p).toBeCloseTo(probsOf(runId!, EPOCHS).get(id)![label]!, 3);
    await page.getByTestId('label-prob-curves').locator('canvas').first().waitFor();
    await page.getByTestId('set-choice').selectOption({ label: 'new set…' });
    await page.getByTestId('set-new-name').fill('hand-picked');
    await page.getByTestId('set-note').fill('looks mislabelled');
    await page.getByTestId('set-add').click();
    await page.getByTestId('set-message').waitFor();
    const member = app.db.prepare('SELECT s.name, m.note FROM curated_set_members m JOIN curated_sets s ON s.id = m.set_id WHERE m.example_id = ?').get(id);
    expect(member).toEqual({ name: 'hand-picked', note: 'looks mislabelled' });
    await shot('explorer-detail');
  });

  it('saves the current filter as a set holding exactly the grid', async () => {
    await explore(`?split=test&ok=${teacherId}%2B,${studentIds[1]}-`);
    const teacher = probsOf(teacherId, EPOCHS);
    const student = probsOf(studentIds[1]!, EPOCHS);
    const expected = examples.filter((e) => e.split === 'test' && argmax(teacher.get(e.id)!) === e.label && argmax(student.get(e.id)!) !== e.label).map((e) => e.id);
    await expect.poll(gridTotal).toBe(expected.length);
    await page.getByTestId('save-as-set').click();
    await page.getByTestId('save-as-set-name').fill('teacher right, KD wrong');
    await page.getByTestId('save-as-set-confirm').click();
    await page.getByTestId('save-as-set-done').waitFor();
    const ids = app.db.prepare("SELECT example_id FROM curated_set_members m JOIN curated_sets s ON s.id = m.set_id WHERE s.name = 'teacher right, KD wrong' ORDER BY example_id").pluck().all();
    expect(ids).toEqual(expected);
  });

  it('compares students in a sortable table, and a correctness-matrix cell opens its examples', async () => {
    await page.goto(`${appBase(app)}#/experiments/${experiment.id}/compare`);
    await page.getByTestId('compare-row').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('compare-row').count()).toBe(studentIds.length);
    await page.getByTestId('sort-beta').click();
    const betas = await page.getByTestId('compare-beta').evaluateAll((cells) => cells.map((c) => Number(c.textContent!.trim().split(' ')[0])));
    expect(betas).toEqual([...betas].sort((x, y) => y - x));
    await page.getByTestId('compare-p4').locator('canvas').first().waitFor();
    const teacher = probsOf(teacherId, EPOCHS);
    const student = probsOf(studentIds[0]!, EPOCHS);
    const rightWrong = examples.filter((e) => e.split === 'test' && argmax(teacher.get(e.id)!) === e.label && argmax(student.get(e.id)!) !== e.label).length;
    const cell = page.getByTestId('matrix-cell-rw');
    await expect.poll(async () => Number(await cell.getAttribute('data-count'))).toBe(rightWrong);
    await shot('compare-students');
    await cell.click();
    await page.getByTestId('scatter-summary').waitFor();
    await expect.poll(gridTotal).toBe(rightWrong);
  });

  it('exports a set as a ZIP whose manifest matches the database, and asks before overwriting', async () => {
    const set = app.db.prepare("SELECT id, (SELECT count(*) FROM curated_set_members WHERE set_id = s.id) AS n FROM curated_sets s WHERE name = 'teacher right, KD wrong'").get() as { id: number; n: number };
    await page.goto(`${appBase(app)}#/sets/${set.id}`);
    await page.getByTestId('member-row').first().waitFor();
    expect(await page.getByTestId('member-row').count()).toBe(set.n);
    const target = path.join(app.dir, 'picked.zip');
    await page.getByTestId('export-format').selectOption('zip');
    await page.getByTestId('export-path').fill(target);
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-done').waitFor({ timeout: 30_000 });
    await shot('curated-set');

    const zip = await openZip(target);
    try {
      const manifest = parseCsv((await zip.read(zip.entries.get('manifest.csv')!)).toString('utf8'), 'manifest.csv');
      const header = manifest[0]!.fields;
      const rows = manifest.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r.fields[i]!])));
      expect(rows.map((r) => Number(r.id))).toEqual(app.db.prepare('SELECT example_id FROM curated_set_members WHERE set_id = ? ORDER BY example_id').pluck().all(set.id));
      const teacher = probsOf(teacherId, EPOCHS);
      const teacherColumns = header.filter((h) => h.startsWith('p:teacher@'));
      expect(teacherColumns).toHaveLength(10);
      expect(header.filter((h) => h.startsWith('p:')).length).toBe(10 * experiment.runs.length);
      for (const r of rows) {
        const e = examples.find((x) => x.id === Number(r.id))!;
        expect([r.split, Number(r.label)]).toEqual([e.split, e.label]);
        teacherColumns.forEach((h, c) => expect(Number(r[h])).toBeCloseTo(teacher.get(e.id)![c]!, 6));
        expect(zip.entries.has(r.file!)).toBe(true);
      }
    } finally {
      await zip.close();
    }
    await expectOverwriteAsked(page, target, 'export', 'export-start');

    // web mode also sends the export to the browser as a download
    await page.getByTestId('export-format').selectOption('csv');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    expect(download.suggestedFilename()).toBe('teacher right_ KD wrong.csv');
    const saved = path.join(app.dir, 'downloaded.csv');
    await download.saveAs(saved);
    const csv = parseCsv(fs.readFileSync(saved, 'utf8'), 'downloaded.csv');
    expect(csv.length - 1).toBe(set.n);
    expect(csv[0]!.fields.slice(0, 3)).toEqual(['id', 'split', 'index']);
    await expect.poll(() => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('disobey-download-'))).toEqual([]);
  });

  it('shows the dynamics page, and a cartography region opens its examples in the explorer', async () => {
    const dynamics = () => page.goto(`${appBase(app)}#/experiments/${experiment.id}/dynamics`);
    await dynamics();
    const region = page.getByTestId('region-never-matches');
    await expect.poll(async () => (await region.getAttribute('data-count')) ?? '').not.toBe('');
    const count = Number(await region.getAttribute('data-count'));
    const train = examples.filter((e) => e.split === 'train');
    // the map: one point per training example, the heatmap: ten classes by the epochs trained
    await expect.poll(async () => (await page.getByTestId('map-summary').getAttribute('data-n')) ?? '').toBe(String(train.length));
    await page.getByTestId('cartography-map').locator('canvas').first().waitFor();
    const heatmap = page.getByTestId('class-heatmap');
    await expect.poll(async () => [await heatmap.getAttribute('data-classes'), await heatmap.getAttribute('data-epochs')]).toEqual(['10', String(EPOCHS)]);
    await heatmap.locator('canvas').first().waitFor();
    await page.getByTestId('flip-timeline').locator('canvas').first().waitFor();
    await page.getByTestId('confusion-chart').locator('canvas').first().waitFor();
    await page.waitForTimeout(300);
    await shot('dynamics');

    // A heatmap cell opens its label at its epoch: the grid lists that label's training examples.
    const box = (await heatmap.boundingBox())!;
    const [label, epochIndex] = [3, 0];
    // the chart's grid: 110 px left, 78 right, 10 top, 44 bottom; classes top to bottom
    const cellX = box.x + 110 + ((epochIndex + 0.5) * (box.width - 188)) / EPOCHS;
    const cellY = box.y + 10 + ((label + 0.5) * (box.height - 54)) / 10;
    await page.mouse.click(cellX, cellY);
    await page.getByTestId('scatter-summary').waitFor();
    expect(Object.fromEntries(routeQuery())).toMatchObject({ labels: String(label), epoch: String(epochIndex + 1), student: String(studentIds[0]), split: 'train' });
    await expect.poll(gridTotal).toBe(train.filter((e) => e.label === label).length);

    // A rectangle brushed on the map opens the examples whose KL mean and std fall inside it.
    await dynamics();
    await expect.poll(async () => (await page.getByTestId('map-summary').getAttribute('data-n')) ?? '').toBe(String(train.length));
    await page.getByTestId('map-brush').click();
    const map = (await page.getByTestId('cartography-map').boundingBox())!;
    await page.mouse.move(map.x + map.width * 0.1, map.y + map.height * 0.85);
    await page.mouse.down();
    await page.mouse.move(map.x + map.width * 0.9, map.y + map.height * 0.15, { steps: 4 });
    await page.mouse.up();
    await page.getByTestId('scatter-summary').waitFor();
    const ranges = routeQuery().getAll('range').map((r) => r.split(':'));
    expect(ranges.map((r) => r[0])).toEqual(['klMean', 'klStd']);
    const [[, x0, x1], [, y0, y1]] = ranges.map((r) => r.map(Number)) as [number[], number[]];
    const teacher = probsOf(teacherId, EPOCHS);
    const kls = train.map((e) => Array.from({ length: EPOCHS }, (_, j) => kl(teacher.get(e.id)!, probsOf(studentIds[0]!, j + 1).get(e.id)!)));
    const stats = kls.map((v) => {
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      return [m, Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length)] as const;
    });
    const within = (m: number) => stats.filter(([mean, std]) => mean >= x0! + m && mean <= x1! - m && std >= y0! + m && std <= y1! - m).length;
    expect(within(1e-6)).toBeGreaterThan(5);
    await expect.poll(gridTotal).toBeGreaterThanOrEqual(within(1e-6));
    expect(await gridTotal()).toBeLessThanOrEqual(within(-1e-6));

    await dynamics();
    await expect.poll(async () => (await region.getAttribute('data-count')) ?? '').toBe(String(count));
    await region.click();
    await page.getByTestId('scatter-summary').waitFor();
    expect(routeQuery().get('region')).toBe('never-matches');
    await expect.poll(gridTotal).toBe(count);
  });

  it('shows the gradient view and the eigen lab', async () => {
    await page.goto(`${appBase(app)}#/experiments/${experiment.id}/gradients`);
    await page.getByTestId('gradient-table').waitFor({ timeout: 30_000 });
    await page.getByTestId('gradient-chart-quartiles').locator('canvas').first().waitFor();
    await shot('gradient-view');
    await page.getByTestId('nav-eigen-lab').click();
    await page.getByTestId('eigen-run').click();
    await page.getByTestId('eigen-chart-trajectories').locator('canvas').first().waitFor();
    await page.waitForTimeout(300);
    await shot('eigen-lab');
    await page.getByTestId('nav-sets').click();
    await page.getByTestId('set-row').first().waitFor();
    expect(await page.getByTestId('set-row').count()).toBe(2);
    await shot('curated-sets');
    expect(browser.errors).toEqual([]);
  });

  it('keeps the gradient page in step with its runs: a runsChanged event shows what they now record', async () => {
    await page.goto(`${app.server.url.replace(/\/\?.*$/, '/')}#/experiments/${experiment.id}/gradients`);
    await page.getByTestId('gradient-table').waitFor({ timeout: 30_000 });
    const studentId = studentIds[0]!;
    const name = app.db.prepare('SELECT name FROM runs WHERE id = ?').pluck().get(studentId) as string;
    const renamed = page.getByTestId('gradient-student').locator('option', { hasText: `${name} (renamed)` });
    expect(await renamed.count()).toBe(0);
    app.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(`${name} (renamed)`, studentId);
    try {
      app.services.events.emit({ type: 'runsChanged', experimentId: experiment.id, runId: studentId });
      await expect.poll(() => renamed.count(), { timeout: 10_000 }).toBe(1);
    } finally {
      app.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(name, studentId);
      app.services.events.emit({ type: 'runsChanged', experimentId: experiment.id, runId: studentId });
    }
    expect(browser.errors).toEqual([]);
  });
});
