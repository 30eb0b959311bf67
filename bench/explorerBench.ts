/// <reference lib="dom" />
// Explorer benchmark (issue 5) in Debian's Chromium over web mode: P1 with 70,000 points — from
// choosing a student to the chart drawn — and a rectangle brush, from releasing the mouse to
// the grid listing the hits (computed in the page from the binary frame, then one query); then
// the same at a million points (the point layer: WebGL2, or the 2D canvas where the browser has
// none), with zoom and pan frames per second and the Dynamics page's cartography map drawn.
// DISOBEY_BENCH_EXPLORER_POINTS sets the large size (e.g. 200000 on a shared machine). Every call
// the page makes is printed by phase (open, each draw, each brush): when it was sent, its time in
// the server (the Server-Timing header) and in the browser, its bytes — where a draw's time goes.
// The web server runs in a child process (the CLI's `serve`), apart from this one driving the page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAppServices } from '../main/services/appServices.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { startWebServer } from '../main/web/webServer.js';
import { rendererDir } from '../main/paths.js';
import { createDeviationFixture } from './deviationFixture.js';
import { percentile, type BenchRow } from './table.js';
import { createStore } from '../main/store/store.js';
import type { Page, Request } from 'playwright-core';

const CHROMIUM = process.env.DISOBEY_CHROMIUM ?? '/usr/bin/chromium';
const TODAY = 70_000;
const LARGE = Number(process.env.DISOBEY_BENCH_EXPLORER_POINTS ?? 1_000_000);
/** DISOBEY_BENCH_EXPLORER_PROFILE=1: CPU profiles of the page and the server around the large size's draws and brushes, their top functions printed */
const PROFILE = process.env.DISOBEY_BENCH_EXPLORER_PROFILE === '1';
/** DISOBEY_BENCH_EXPLORER_TRACE=1: each draw's phases in the page (request sent, answer received, decoded, laid out, points drawn), ms from the route change */
const TRACE = process.env.DISOBEY_BENCH_EXPLORER_TRACE === '1';
/** DISOBEY_BENCH_EXPLORER_SCREENSHOTS=<folder>: a screenshot of P1 at each size, after the last draw */
const SCREENSHOTS = process.env.DISOBEY_BENCH_EXPLORER_SCREENSHOTS;
/** DISOBEY_BENCH_EXPLORER_ONLY_LARGE=1 skips the 70,000-point run (while working on the large size) */
const ONLY_LARGE = process.env.DISOBEY_BENCH_EXPLORER_ONLY_LARGE === '1';

export async function benchExplorer(): Promise<BenchRow[]> {
  if (!fs.existsSync(CHROMIUM) || !fs.existsSync(path.join(rendererDir(), 'index.html'))) {
    return [{ benchmark: 'explorer', measured: 'skipped', goal: '', pass: null, note: `needs Chromium at ${CHROMIUM} and a built renderer` }];
  }
  if (!(Number.isInteger(LARGE) && LARGE > 0)) throw new Error(`DISOBEY_BENCH_EXPLORER_POINTS must be a positive whole number, got ${process.env.DISOBEY_BENCH_EXPLORER_POINTS}`);
  const rows = ONLY_LARGE ? [] : await benchExplorerAt(TODAY, { students: 4, epochs: 3, drawGoalMs: 1000 });
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

interface CallTiming {
  phase: string;
  /** when it was sent, from the start of its phase */
  startMs: number;
  name: string;
  /** the call's own time in the server (its Server-Timing header) */
  serverMs: number;
  /** from the request's start to the response's last byte, in the browser */
  totalMs: number;
  bytes: number;
}

/**
 * Every contract call the page makes, with the phase of the bench it fell in, its server time and
 * its time in the browser: where a draw or a brush spends its time, printed beside the table.
 */
function recordCalls(page: Page): { phase(name: string): void; calls: CallTiming[] } {
  const calls: CallTiming[] = [];
  let phase = 'setup';
  let phaseStarted = Date.now();
  const startedIn = new WeakMap<Request, { phase: string; at: number }>();
  page.on('request', (request) => startedIn.set(request, { phase, at: Date.now() - phaseStarted }));
  page.on('requestfinished', (request: Request) => {
    const match = /\/api\/call\/([^?]+)/.exec(request.url());
    if (!match) return;
    const started = startedIn.get(request) ?? { phase, at: NaN };
    void (async () => {
      const response = await request.response();
      const serverMs = Number(/dur=([\d.]+)/.exec((await response?.headerValue('server-timing')) ?? '')?.[1] ?? NaN);
      const timing = request.timing();
      const sizes = await request.sizes().catch(() => ({ responseBodySize: NaN }));
      calls.push({ phase: started.phase, startMs: started.at, name: decodeURIComponent(match[1]!), serverMs, totalMs: timing.responseEnd, bytes: sizes.responseBodySize });
    })();
  });
  return {
    phase: (name) => {
      phase = name;
      phaseStarted = Date.now();
    },
    calls,
  };
}

/** One line per call, by phase: when it was sent in its phase, the server's time and the browser's, the bytes. */
function printCalls(size: string, calls: readonly CallTiming[]): void {
  console.error(`explorer bench, ${size} points: calls (sent at ms in phase, server ms, request ms, MB)`);
  const phases = [...new Set(calls.map((c) => c.phase))];
  for (const phase of phases) {
    const line = calls
      .filter((c) => c.phase === phase)
      .sort((a, b) => a.startMs - b.startMs)
      .map((c) => `${c.name}@${c.startMs.toFixed(0)} ${c.serverMs.toFixed(0)}/${c.totalMs.toFixed(0)}${c.bytes > 1e5 ? ` ${(c.bytes / 1e6).toFixed(1)}MB` : ''}`);
    console.error(`  ${phase}: ${line.join(', ')}`);
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** The functions with the most self time in a CPU profile, one line. */
function topFunctions(profile: CpuProfile, count = 12): string {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    const f = byNode.get(id)!;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join('; ');
}

/** With DISOBEY_BENCH_EXPLORER_PROFILE=1: profiles the page (over CDP) and this process (the server) while `work` runs, and prints both's top functions. */
async function profiled(label: string, page: Page, work: () => Promise<void>): Promise<void> {
  if (!PROFILE) return work();
  const { Session } = await import('node:inspector/promises');
  const server = new Session();
  server.connect();
  await server.post('Profiler.enable');
  await server.post('Profiler.start');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  try {
    await work();
  } finally {
    const pageProfile = (await cdp.send('Profiler.stop')).profile as CpuProfile;
    const serverProfile = (await server.post('Profiler.stop')).profile as CpuProfile;
    server.disconnect();
    await cdp.detach();
    console.error(`explorer bench profile, ${label}, page (self ms): ${topFunctions(pageProfile)}`);
    console.error(`explorer bench profile, ${label}, server (self ms): ${topFunctions(serverProfile)}`);
  }
}

/** The page's own marks since the route change (ExplorerView, usePointLayer), then the frame the bench saw drawn. */
async function pagePhases(page: Page): Promise<string> {
  return page.evaluate(() => {
    const start = performance.getEntriesByName('disobey:route-change')[0]?.startTime ?? 0;
    const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('disobey:') && m.name !== 'disobey:route-change');
    const shown = marks.map((m) => `${m.name.slice('disobey:'.length)} ${(m.startTime - start).toFixed(0)}`);
    return `${shown.join(', ')}, seen ${(performance.now() - start).toFixed(0)}`;
  });
}

/**
 * Web mode on the bench's database. The server runs in its own process (the CLI's `serve`), as
 * it does for a user: in this process its long calls (a deviation report, 1.5 s in one turn at
 * 1M) held up the bench's own reading of the page, adding up to a second to the draws measured.
 * With DISOBEY_BENCH_EXPLORER_PROFILE=1 it runs here, so that it can be profiled.
 */
async function startServer(db: ReturnType<typeof openDatabase>, databasePath: string): Promise<{ url: string; close(): Promise<void> }> {
  if (PROFILE) {
    const services = createAppServices({ store: createStore(db), databasePath });
    const server = await startWebServer({ services });
    return {
      url: server.url,
      close: async () => {
        services.dispose();
        await server.close();
      },
    };
  }
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main', 'cli.js');
  const child = spawn(process.execPath, [cli, 'serve', '--db', databasePath, '--no-sample', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      text += chunk;
      const match = /^open (\S+)$/m.exec(text);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`explorer bench: the web server exited (${code}) before it listened: ${text}`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function benchExplorerAt(points: number, sizes: { students: number; epochs: number; drawGoalMs: number }): Promise<BenchRow[]> {
  const size = points.toLocaleString('en');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-explorer-'));
  const databasePath = path.join(dir, 'explorer.db');
  const db = openDatabase(databasePath);
  const fixture = createDeviationFixture(db, { examples: points, students: sizes.students, epochs: sizes.epochs, seed: 3 });
  const server = await startServer(db, databasePath);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('pageerror', (e) => console.error(`explorer bench: page error: ${e.message}`));
    const log = recordCalls(page);
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
    const traces: string[] = [];
    let openMs = 0;
    await profiled(`${size} points, open and draws`, page, async () => {
      for (const studentRunId of fixture.studentRunIds) {
        log.phase(openMs === 0 ? 'open' : `draw ${draws.length + 1}`);
        const started = Date.now();
        await page.evaluate((hash) => {
          performance.clearMarks();
          performance.mark('disobey:route-change');
          location.hash = hash;
        }, `${base}?student=${studentRunId}`);
        await page
          .waitForFunction(
            ([id, n]) => {
              const summary = document.querySelector('[data-testid=scatter-summary]');
              // the student's own frame shown (the one before has as many points), its points drawn in the same turn
              return summary?.getAttribute('data-n') === n && summary.getAttribute('data-student') === id && location.hash.includes(`student=${id}`);
            },
            [String(studentRunId), String(points)] as const,
            { timeout: 60_000 },
          )
          .catch(async (err: Error) => {
            throw new Error(`${err.message} at ${page.url()}: ${await page.evaluate(() => document.querySelector('[data-testid=scatter-summary]')?.outerHTML ?? document.body.innerText.slice(0, 300))}`);
          });
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        if (openMs === 0) openMs = Date.now() - started;
        else draws.push(Date.now() - started);
        if (TRACE) traces.push(`${openMs && draws.length ? `draw ${draws.length}` : 'open'} ${await pagePhases(page)}`);
      }
    });
    if (TRACE) console.error(`explorer bench trace, ${size} points (ms from the route change, in the page):\n  ${traces.join('\n  ')}`);
    if (SCREENSHOTS) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.getByTestId('scatter-chart').screenshot({ path: path.join(SCREENSHOTS, `p1-${points}.png`) });
    }
    const layer = page.getByTestId('scatter-chart').getByTestId('point-layer');
    const drawnBy = (await layer.count()) ? `the point layer (${await layer.getAttribute('data-layer')})` : 'ECharts scatter';

    const box = (await page.getByTestId('scatter-chart').boundingBox())!;
    log.phase('zoom');
    const zoom = await zoomPanFps(page, box);

    // Brushing: rectangles of different sizes, each starting inside the plot area (a drag that
    // starts on an axis draws no brush); the clock stops when the grid shows the hit count.
    await page.getByTestId('brush-rect').click();
    const brushes: number[] = [];
    let hits = 0;
    await profiled(`${size} points, brushes`, page, async () => {
      for (const [fx0, fy0, fx1, fy1] of [[0.2, 0.8, 0.5, 0.5], [0.3, 0.82, 0.9, 0.2], [0.12, 0.6, 0.4, 0.3], [0.5, 0.7, 0.8, 0.2], [0.15, 0.8, 0.85, 0.15]] as const) {
        await page.mouse.move(box.x + box.width * fx0, box.y + box.height * fy0);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * fx1, box.y + box.height * fy1, { steps: 3 });
        const before = page.url();
        log.phase(`brush ${brushes.length + 1}`);
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
    });

    // The Dynamics page's cartography map: from the route change to the map drawn.
    log.phase('map');
    const mapStarted = Date.now();
    await page.evaluate((hash) => (location.hash = hash), `#/experiments/${fixture.experimentId}/dynamics`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=map-summary]')?.getAttribute('data-n')) > 0, null, { timeout: 120_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const mapMs = Date.now() - mapStarted;
    const mapN = Number(await page.getByTestId('map-summary').getAttribute('data-n'));
    const mapBox = (await page.getByTestId('cartography-map').boundingBox())!;
    const mapZoom = await zoomPanFps(page, mapBox);

    printCalls(size, log.calls);
    console.error(`explorer bench, ${size} points: open ${openMs} ms, draws ${draws.join(', ')} ms, brushes ${brushes.join(', ')} ms`);
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
    await server.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
