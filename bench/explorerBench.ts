/// <reference lib="dom" />
// Explorer benchmark (issue 5) in Debian's Chromium over web mode: P1 with 70,000 points — from
// choosing a student to the chart drawn — and a rectangle brush, from releasing the mouse to
// the grid listing the hits (computed in the page from the binary frame, then one query).
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

const CHROMIUM = process.env.DISOBEY_CHROMIUM ?? '/usr/bin/chromium';
const POINTS = 70_000;

export async function benchExplorer(): Promise<BenchRow[]> {
  if (!fs.existsSync(CHROMIUM) || !fs.existsSync(path.join(rendererDir(), 'index.html'))) {
    return [{ benchmark: 'explorer', measured: 'skipped', goal: '', pass: null, note: `needs Chromium at ${CHROMIUM} and a built renderer` }];
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-explorer-'));
  const databasePath = path.join(dir, 'explorer.db');
  const db = openDatabase(databasePath);
  const services = createAppServices({ store: createStore(db), databasePath });
  const server = await startWebServer({ services });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const fixture = createDeviationFixture(db, { examples: POINTS, students: 4, epochs: 3, seed: 3 });
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
        .waitForFunction((id) => document.querySelector('[data-testid=scatter-summary]')?.getAttribute('data-n') === '70000' && location.hash.includes(`student=${id}`), studentRunId, { timeout: 30_000 })
        .catch(async (err: Error) => {
          throw new Error(`${err.message} at ${page.url()}: ${await page.evaluate(() => document.querySelector('[data-testid=scatter-summary]')?.outerHTML ?? document.body.innerText.slice(0, 300))}`);
        });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      if (openMs === 0) openMs = Date.now() - started;
      else draws.push(Date.now() - started);
    }

    // Brushing: rectangles of different sizes, each starting inside the plot area (a drag that
    // starts on an axis draws no brush); the clock stops when the grid shows the hit count.
    await page.getByTestId('brush-rect').click();
    const box = (await page.getByTestId('scatter-chart').boundingBox())!;
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
        { timeout: 30_000 },
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}: before ${before} now ${page.url()} ${await page.evaluate(() => [location.href,document.querySelector('[data-testid=brush-summary]')?.outerHTML, document.querySelector('[data-testid=grid-total]')?.outerHTML].join(' '))}`);
      });
      brushes.push(Date.now() - started);
      hits = Number(await page.getByTestId('brush-summary').getAttribute('data-hits'));
    }
    draws.sort((a, b) => a - b);
    brushes.sort((a, b) => a - b);
    const worstDraw = draws.at(-1)!;
    const worstBrush = brushes.at(-1)!;
    return [
      { benchmark: 'explorer open, 70,000 points', measured: `${openMs} ms`, goal: '', pass: null, note: 'route change to P1 drawn: page mount, experiment, first frame' },
      { benchmark: 'explorer P1 draw, 70,000 points', measured: `max ${worstDraw} ms, p50 ${percentile(draws, 50).toFixed(0)} ms`, goal: '≤ 1000 ms', pass: worstDraw <= 1000, note: `${draws.length} student switches: fetch + decode + draw in Chromium` },
      { benchmark: 'explorer brush → grid', measured: `max ${worstBrush} ms, p50 ${percentile(brushes, 50).toFixed(0)} ms`, goal: '≤ 1000 ms', pass: worstBrush <= 1000, note: `${brushes.length} rectangles, last one ${hits.toLocaleString('en')} hits` },
    ];
  } finally {
    await browser.close();
    services.dispose();
    await server.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
