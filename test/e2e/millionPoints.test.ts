// Hundreds of thousands of points in Chromium over web mode (DISOBEY_E2E_POINTS examples, 240,000
// by default): P1 and the cartography map drawn by the point layer, a rectangle brushed on P1
// lists exactly the examples inside it — counted here from the stored predictions, never read
// from the app — and a wheel zoom redraws the points at the new axes.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import { rendererDir } from '../../main/paths.js';
import { closeAppAndBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { hasChromium, SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { argmax, phi, rowsOf } from '../helpers/storedPredictions.js';

const EXAMPLES = Number(process.env.DISOBEY_E2E_POINTS ?? 240_000);
const EPOCHS = 2;

describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')))(`${EXAMPLES.toLocaleString('en')} points on screen`, () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let fixture: DeviationFixture;
  /** (teacher φ, student φ) at the teacher's top class of each train example, as float32 as P1 holds them */
  let points: { id: number; a: number; b: number }[];

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
  const gridTotal = async () => Number(await page.getByTestId('grid-total').getAttribute('data-total'));

  beforeAll(async () => {
    app = await startAppUnderTest();
    fixture = createDeviationFixture(app.db, { examples: EXAMPLES, students: 1, epochs: EPOCHS, seed: 5, name: 'many points' });
    const train = new Set(app.db.prepare("SELECT id FROM examples WHERE dataset_id = ? AND split = 'train'").pluck().all(fixture.datasetId) as number[]);
    const teacher = rowsOf(app.db, fixture.teacherRunId, EPOCHS);
    const student = rowsOf(app.db, fixture.studentRunIds[0]!, EPOCHS);
    points = [...train].map((id) => {
      const t = teacher.get(id)!;
      const k = argmax(t);
      return { id, a: Math.fround(phi(t, k)), b: Math.fround(phi(student.get(id)!, k)) };
    });
    browser = await openAppPage(app, { width: 1500, height: 1000 });
    page = browser.page;
  }, 300_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('draws P1 with the point layer and a brushed rectangle lists exactly the points inside it', async () => {
    expect(points.length).toBeGreaterThanOrEqual(Math.min(EXAMPLES * 0.8, 200_000));
    await page.goto(`${app.server.url}#/experiments/${fixture.experimentId}/explore?split=train&student=${fixture.studentRunIds[0]}`);
    await page.waitForFunction((n) => document.querySelector('[data-testid=scatter-summary]')?.getAttribute('data-n') === n, String(points.length), { timeout: 120_000 });
    const layer = page.getByTestId('scatter-chart').getByTestId('point-layer');
    await expect.poll(() => layer.getAttribute('data-layer'), { timeout: 20_000 }).toMatch(/^(webgl2|canvas)$/);
    console.log(`P1: ${points.length} points drawn by the point layer (${await layer.getAttribute('data-layer')})`);
    await shot('million-points-p1');

    await page.getByTestId('brush-rect').click();
    const box = (await page.getByTestId('scatter-chart').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.75);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.35, { steps: 4 });
    const started = Date.now();
    await page.mouse.up();
    const summary = page.getByTestId('brush-summary');
    await summary.waitFor();
    // the brush as the route keeps it: what the page tests the points against
    const [kind, body] = new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '').get('brush')!.split(':');
    expect(kind).toBe('rect');
    const [x0, x1, y0, y1] = body!.split(',').map(Number) as [number, number, number, number];
    const expected = points.filter((p) => p.a >= x0 && p.a <= x1 && p.b >= y0 && p.b <= y1).length;
    expect(expected).toBeGreaterThan(10_000);
    await expect.poll(gridTotal, { timeout: 30_000 }).toBe(expected);
    console.log(`brush of ${expected} points: grid total shown ${Date.now() - started} ms after the mouse went up`);
    expect(Number(await summary.getAttribute('data-hits'))).toBe(expected);
    await shot('million-points-p1-brushed');
  });

  it('zooms P1 with the wheel: the axes narrow and the points are redrawn for them', async () => {
    await page.getByTestId('brush-pick').click();
    const box = (await page.getByTestId('scatter-chart').boundingBox())!;
    const layer = page.getByTestId('scatter-chart').getByTestId('point-layer');
    const pixels = () => layer.screenshot().then((b) => b.toString('base64'));
    const drawn = await pixels();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -120);
    await expect.poll(pixels, { timeout: 10_000 }).not.toBe(drawn);
    // once the wheel stops the points are drawn anew for the zoomed axes, on the plot where it was
    await expect.poll(() => layer.evaluate((c) => (c as unknown as { style: { transform: string } }).style.transform), { timeout: 10_000 }).toBe('');
    await shot('million-points-p1-zoomed');
    expect(await layer.boundingBox()).toEqual(await layer.locator('..').boundingBox()); // drawn in place over the plot, nothing left moved
  });

  it('draws the cartography map with the point layer, its legend naming every region', async () => {
    await page.goto(`${app.server.url}#/experiments/${fixture.experimentId}/dynamics`);
    const map = page.getByTestId('cartography-map');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=map-summary]')?.getAttribute('data-n')) > 0, null, { timeout: 120_000 });
    await expect.poll(() => map.getByTestId('point-layer').getAttribute('data-layer'), { timeout: 20_000 }).toMatch(/^(webgl2|canvas)$/);
    expect(Number(await page.getByTestId('map-summary').getAttribute('data-n'))).toBe(points.length);
    await map.scrollIntoViewIfNeeded();
    await map.screenshot({ path: path.join(SCREENSHOT_DIR, 'million-points-cartography.png') });
    expect(browser.errors).toEqual([]);
  });
});
