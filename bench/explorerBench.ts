/// <reference lib="dom" />
// Explorer benchmark (issue 5) in Debian's Chromium over web mode: P1 with 70,000 points — from
// choosing a student to the chart drawn — and a rectangle brush, from releasing the mouse to
// the grid listing the hits (computed in the page from the binary frame, then one query); then
// the same at a million points (the point layer: WebGL2, or the 2D canvas where the browser has
// none), with zoom and pan frames per second and the Dynamics page's cartography map drawn.
// DISOBEY_BENCH_EXPLORER_POINTS sets the large size (e.g. 200000 on a shared machine).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAppServices } from '../main/services/appServices.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { startWebServer } from '../main/web/webServer.js';
import { rendererDir } from '../main/paths.js';
import { createDeviationFixture } from './deviationFixture.js';
import { percentile, type BenchRow } from './table.js';
import { createStore } from '../main/store/store.js';
import type { Page } from 'playwright-core';

const CHROMIUM = process.env.DISOBEY_CHROMIUM ?? '/usr/bin/chromium';
const TODAY = 70_000;
const LARGE = Number(process.env.DISOBEY_BENCH_EXPLORER_POINTS ?? 1_000_000);

export async function benchExplorer(): Promise<BenchRow[]> {
  if (!fs.existsSync(CHROMIUM) || !fs.existsSync(path.join(rendererDir(), 'index.html'))) {
    return [{ benchmark: 'explorer', measured: 'skipped', goal: '', pass: null, note: `needs Chromium at ${CHROMIUM} and a built renderer` }];
  }
  if (!(Number.isInteger(LARGE) && LARGE > 0)) throw new Error(`DISOBEY_BENCH_EXPLORER_POINTS must be a positive whole number, got ${process.env.DISOBEY_BENCH_EXPLORER_POINTS}`);
  const rows = await benchExplorerAt(TODAY, { students: 4, epochs: 3, drawGoalMs: 1000 });
  if (LARGE !== TODAY) rows.push(...(await benchExplorerAt(LARGE, { students: 3, epochs: 2, drawGoalMs: 2000 })));
  return rows;
}

/** Frames per second while the page takes wheel zooms (in, then out) and drag pans over the chart's middle. */
async function zoomPanFps(page: Page, box: { x: number; y: number; width: number; height: number }): Promise<{ fps: number; p95: number; frames: number }> {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __counting: boolean };
    w.__frames = [];
    w.__counting = true;
    const tick = (t: number) => {
      w.__frames.push(t);
      if (w.__counting) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, -120); // zoom in
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(cx + i * 6, cy + i * 3); // pan
    await page.mouse.up();
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 120); // zoom back out
  }
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __counting: boolean };
    w.__counting = false;
    return w.__frames;
  });
  const gaps = frames.slice(1).map((t, i) => t - frames[i]!).sort((a, b) => a - b);
  const seconds = (frames.at(-1)! - frames[0]!) / 1000;
  return { fps: (frames.length - 1) / seconds, p95: percentile(gaps, 95), frames: frames.length };
}

async function benchExplorerAt(points: number, sizes: { students: number; epochs: number; drawGoalMs: number }): Promise<BenchRow[]> {
  const size = points.toLocaleString('en');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-explorer-'));
  const databasePath = path.join(dir, 'explorer.db');
  const db = openDatabase(databasePath);
  const services = createAppServices({ store: createStore(db), databasePath });
  const server = await startWebServer({ services });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const fixture = createDeviationFixture(db, { examples: points, students: sizes.students, epochs: sizes.epochs, seed: 3 });
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('pageerror', (e) => console.error(`explorer bench: page error: ${e.message}`));
    await page.goto(server.url);
    await page.waitForURL(/#\/experiments\/\d+/); // a bare start opens the newest experiment first (on its findings)
    await page.evaluate((id) => (location.hash = `#/experiments/${id}`), fixture.experimentId); // its runs and curves
    await page.getByTestId('run-card').first().waitFor();
    await page.waitForLoadState('networkidle'); // its curves drawn: the clock measures the explorer alone
    const base = `#/experiments/${fixture.experimentId}/explore`;

    // Drawing: opening the explorer (the page mounts, loads the experiment and draws the first
    // student), then each other student chosen in turn (a new frame fetched, decoded, split into
    // series and drawn).
    const draws: number[] = [];
    let openMs = 0;
    for (const studentRunId of fixture.studentRunIds) {
      const started = Date.now();
      await page.evaluate((hash) => (location.hash = hash), `${base}?student=${studentRunId}`);
      await page
        .waitForFunction(([id, n]) => document.querySelector('[data-testid=scatter-summary]')?.getAttribute('data-n') === n && location.hash.includes(`student=${id}`), [studentRunId, String(points)] as const, { timeout: 60_000 })
        .catch(async (err: Error) => {
          throw new Error(`${err.message} at ${page.url()}: ${await page.evaluate(() => document.querySelector('[data-testid=scatter-summary]')?.outerHTML ?? document.body.innerText.slice(0, 300))}`);
        });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      if (openMs === 0) openMs = Date.now() - started;
      else draws.push(Date.now() - started);
    }
    const layer = page.getByTestId('scatter-chart').getByTestId('point-layer');
    const drawnBy = (await layer.count()) ? `the point layer (${await layer.getAttribute('data-layer')})` : 'ECharts scatter';

    const box = (await page.getByTestId('scatter-chart').boundingBox())!;
    const zoom = await zoomPanFps(page, box);

    // Brushing: rectangles of different sizes, each starting inside the plot area (a drag that
    // starts on an axis draws no brush); the clock stops when the grid shows the hit count.
    await page.getByTestId('brush-rect').click();
    const brushes: number[] = [];
    let hits = 0;
    for (const [fx0, fy0, fx1, fy1] of [[0.2, 0.8, 0.5, 0.5], [0.3, 0.82, 0.9, 0.2], [0.12, 0.6, 0.4, 0.3], [0.5, 0.7, 0.8, 0.2], [0.15, 0.8, 0.85, 0.15]] as const) {
      await page.mouse.move(box.x + box.width * fx0, box.y + box.height * fy0);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * fx1, box.y + box.height * fy1, { steps: 3 });
      const before = page.url();
      const started = Date.now();
      await page.mouse.up();
      await page.waitForFunction(
        (before) => {
          const summary = document.querySelector('[data-testid=brush-summary]');
          const total = document.querySelector('[data-testid=grid-total]')?.getAttribute('data-total');
          return summary && location.href !== before && total === summary.getAttribute('data-hits');
        },
        before,
        { timeout: 60_000 },
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}: before ${before} now ${page.url()} ${await page.evaluate(() => [location.href,document.querySelector('[data-testid=brush-summary]')?.outerHTML, document.querySelector('[data-testid=grid-total]')?.outerHTML].join(' '))}`);
      });
      brushes.push(Date.now() - started);
      hits = Number(await page.getByTestId('brush-summary').getAttribute('data-hits'));
    }

    // The Dynamics page's cartography map: from the route change to the map drawn.
    const mapStarted = Date.now();
    await page.evaluate((hash) => (location.hash = hash), `#/experiments/${fixture.experimentId}/dynamics`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=map-summary]')?.getAttribute('data-n')) > 0, null, { timeout: 120_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const mapMs = Date.now() - mapStarted;
    const mapN = Number(await page.getByTestId('map-summary').getAttribute('data-n'));
    const mapBox = (await page.getByTestId('cartography-map').boundingBox())!;
    const mapZoom = await zoomPanFps(page, mapBox);

    draws.sort((a, b) => a - b);
    brushes.sort((a, b) => a - b);
    const worstDraw = draws.at(-1)!;
    const worstBrush = brushes.at(-1)!;
    const fpsText = (z: typeof zoom) => `${z.fps.toFixed(0)} fps, p95 frame ${z.p95.toFixed(0)} ms`;
    return [
      { benchmark: `explorer open, ${size} points`, measured: `${openMs} ms`, goal: points > TODAY ? `≤ ${sizes.drawGoalMs} ms` : '', pass: points > TODAY ? openMs <= sizes.drawGoalMs : null, note: `route change to P1 drawn: page mount, experiment, first frame; drawn by ${drawnBy}` },
      { benchmark: `explorer P1 draw, ${size} points`, measured: `max ${worstDraw} ms, p50 ${percentile(draws, 50).toFixed(0)} ms`, goal: `≤ ${sizes.drawGoalMs} ms`, pass: worstDraw <= sizes.drawGoalMs, note: `${draws.length} student switches: fetch + decode + draw in Chromium` },
      { benchmark: `explorer brush → grid, ${size} points`, measured: `max ${worstBrush} ms, p50 ${percentile(brushes, 50).toFixed(0)} ms`, goal: '≤ 1000 ms', pass: worstBrush <= 1000, note: `${brushes.length} rectangles, last one ${hits.toLocaleString('en')} hits` },
      { benchmark: `explorer P1 zoom/pan, ${size} points`, measured: fpsText(zoom), goal: '≥ 30 fps', pass: zoom.fps >= 30, note: `${zoom.frames} frames over 32 wheel steps and 2 drags; drawn by ${drawnBy}` },
      { benchmark: `cartography map draw, ${mapN.toLocaleString('en')} points`, measured: `${mapMs} ms`, goal: '', pass: null, note: 'route change to the Dynamics page with its map drawn (the page loads its other charts too)' },
      { benchmark: `cartography map zoom/pan, ${mapN.toLocaleString('en')} points`, measured: fpsText(mapZoom), goal: '≥ 30 fps', pass: mapZoom.fps >= 30, note: `${mapZoom.frames} frames` },
    ];
  } finally {
    await browser.close();
    services.dispose();
    await server.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
