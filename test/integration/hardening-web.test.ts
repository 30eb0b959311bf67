// Issue 15, items 1–3: web mode answers only its own origin and only JSON posts, no call may cost
// more than its bound or hold the event loop, and a download leaves no temporary folder behind.
import { execFileSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EIGEN_LAB_LIMITS, eigenLabRecordedValues, eigenLabWork } from '../../shared/analytics.js';
import { callNames, contract, TOKEN_HEADER, type AppEvent } from '../../shared/contract.js';
import { DOWNLOAD_EXPORT_PATH } from '../../shared/curatedSets.js';
import { ensureSampleDataset } from '../../main/data/sampleDataset.js';
import { rendererDir } from '../../main/paths.js';
import { sweepStaleDownloads } from '../../main/services/curatedSets.js';
import { startWebServer, type WebServer } from '../../main/web/webServer.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { hasChromium, openBrowserPage, type AppInBrowser } from '../helpers/browser.js';
import { createStore } from '../../main/store/store.js';

// Downloads, the sweep and the app's own folder go to a private temp folder: the assertions
// about `disobey-download-*` folders then see only this file's (other test files run in parallel).
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-hardening-web-'));
const outerTmp = process.env.TMPDIR;
process.env.TMPDIR = tmpRoot;

let app: AppUnderTest;
let datasetId: number;
let exampleId: number;
let setId: number;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request to `port` with any headers (fetch would not let a test set Host, Origin or Sec-Fetch-Site). */
function request(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: string; port?: number; timeoutMs?: number } = {}): Promise<Answer> {
  const port = init.port ?? app.server.port;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: init.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...init.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer to ${pathname} within ${init.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

const tokenHeaders = () => ({ [TOKEN_HEADER]: app.server.token });
const ownOrigin = () => `http://127.0.0.1:${app.server.port}`;

function post(name: string, args: unknown, headers: Record<string, string> = {}, timeoutMs?: number): Promise<Answer> {
  return request(`/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...tokenHeaders(), ...headers }, body: JSON.stringify(args), timeoutMs });
}

function errorCode(answer: Answer): string | undefined {
  return (JSON.parse(answer.body.toString()) as { error?: { code: string } }).error?.code;
}

function downloadFolders(): string[] {
  return fs.readdirSync(tmpRoot).filter((f) => f.startsWith('disobey-download-')).sort();
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** Resolves with the event that `match` picks, once the app emits it. */
function nextEvent(match: (e: AppEvent) => boolean, timeoutMs = 60_000): Promise<AppEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('the awaited event never came'));
    }, timeoutMs);
    const off = app.services.events.subscribe((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

beforeAll(async () => {
  app = await startAppUnderTest();
  datasetId = (await ensureSampleDataset(createStore(app.db)))!;
  const page = (await app.services.dispatch('listExamples', { datasetId, limit: 1000 }, 'ipc')) as { total: number; items: { id: number }[] };
  exampleId = page.items[0]!.id;
  const all = app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
  setId = ((await app.services.dispatch('createCuratedSet', { datasetId, name: 'every sample', exampleIds: all }, 'ipc')) as { id: number }).id;
}, 120_000);

afterAll(async () => {
  await app?.dispose();
  process.env.TMPDIR = outerTmp;
  if (outerTmp === undefined) delete process.env.TMPDIR;
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

describe('15.1 cross-site requests', () => {
  const victimArgs = (victim: string) => ({ setId, format: 'csv', path: victim, overwrite: true });

  it('refuses a call with a foreign Origin even with the token cookie: 403 FORBIDDEN, nothing written', async () => {
    const victim = path.join(app.dir, 'victim.txt');
    fs.writeFileSync(victim, 'precious');
    const cookie = { cookie: `disobey_token_${app.server.port}=${app.server.token}` };
    for (const origin of [`http://127.0.0.1:${app.server.port + 1}`, 'http://localhost:1', 'https://evil.example', 'null', `http://127.0.0.1:${app.server.port}.evil.example`]) {
      // the attack as sent by a page on another port: text/plain needs no preflight
      const plain = await request('/api/call/exportCuratedSet', { method: 'POST', headers: { ...cookie, origin, 'content-type': 'text/plain' }, body: JSON.stringify(victimArgs(victim)) });
      expect([plain.status, errorCode(plain)], origin).toEqual([403, 'FORBIDDEN']);
      const json = await request('/api/call/exportCuratedSet', { method: 'POST', headers: { ...cookie, origin, 'content-type': 'application/json' }, body: JSON.stringify(victimArgs(victim)) });
      expect([json.status, errorCode(json)], origin).toEqual([403, 'FORBIDDEN']);
    }
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('refuses API, media, event and download requests that the browser marks same-site or cross-site', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const headers = { ...tokenHeaders(), 'sec-fetch-site': site };
      for (const [pathname, method] of [
        ['/api/call/appInfo', 'POST'],
        [`/media/example/${exampleId}.png`, 'GET'],
        ['/api/events', 'GET'],
        [`${DOWNLOAD_EXPORT_PATH}?setId=${setId}&format=csv`, 'GET'],
      ] as const) {
        const res = await request(pathname, { method, headers: method === 'POST' ? { ...headers, 'content-type': 'application/json' } : headers, body: method === 'POST' ? '{}' : undefined });
        expect([res.status, errorCode(res)], `${site} ${pathname}`).toEqual([403, 'FORBIDDEN']);
      }
    }
    expect(downloadFolders()).toEqual([]);
  });

  it('refuses a POST whose Content-Type is not application/json with 415, before running it', async () => {
    const victim = path.join(app.dir, 'victim-415.txt');
    fs.writeFileSync(victim, 'precious');
    const body = JSON.stringify(victimArgs(victim));
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json', '']) {
      const headers: Record<string, string> = { ...tokenHeaders(), origin: ownOrigin() };
      if (type) headers['content-type'] = type;
      const res = await request('/api/call/exportCuratedSet', { method: 'POST', headers, body });
      expect([res.status, errorCode(res)], type || '(none)').toEqual([415, 'FORBIDDEN']);
    }
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    const withCharset = await post('appInfo', {}, { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(withCharset.status).toBe(200);
  });

  it('answers a preflight without any CORS permission', async () => {
    const res = await request('/api/call/exportCuratedSet', {
      method: 'OPTIONS',
      headers: { origin: `http://127.0.0.1:${app.server.port + 1}`, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('answers its own origin, a browser-initiated request (Sec-Fetch-Site none) and clients that send neither header', async () => {
    const sameOrigin: Record<string, string>[] = [{ origin: ownOrigin(), 'sec-fetch-site': 'same-origin' }, { origin: `http://localhost:${app.server.port}`, host: `localhost:${app.server.port}` }, { 'sec-fetch-site': 'none' }, {}];
    for (const headers of sameOrigin) {
      const res = await post('appInfo', {}, headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(JSON.parse(res.body.toString()).result.transport).toBe('http');
    }
    // an <img> sends no Origin for a same-origin GET, only Sec-Fetch-Site
    const image = await request(`/media/example/${exampleId}.png`, { headers: { ...tokenHeaders(), 'sec-fetch-site': 'same-origin' } });
    expect([image.status, image.headers['content-type']]).toEqual([200, 'image/png']);
    // the printed URL opened from a terminal, and the app's pages from a foreign link, still load
    const page = await request(`/?token=${app.server.token}`, { headers: { 'sec-fetch-site': 'none' } });
    expect(page.status).not.toBe(403);
  });

  describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')))('in Chromium', () => {
    let browser: AppInBrowser;
    let attacker: http.Server;
    let attackerPort: number;
    const attackerPage = (victim: string) => `<!doctype html><script>
      const target = 'http://127.0.0.1:${app.server.port}/api/call/exportCuratedSet';
      const body = ${JSON.stringify(JSON.stringify(victimArgs(victim)))};
      Promise.allSettled([
        fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body }),
        fetch(target, { method: 'POST', mode: 'cors', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body }),
        new Promise((resolve) => { const img = new Image(); img.onload = img.onerror = resolve; img.src = 'http://127.0.0.1:${app.server.port}/media/example/${exampleId}.png'; }),
      ]).then(() => { document.title = 'done'; });
    </script>`;

    beforeAll(async () => {
      browser = await openBrowserPage();
      attacker = http.createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(attackerPage(path.join(app.dir, 'victim-browser.txt')));
      });
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      attackerPort = (attacker.address() as AddressInfo).port;
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => attacker?.close(resolve));
    });

    it('the renderer still works from its own origin: calls, events, images', async () => {
      const { page } = browser;
      const statuses: string[] = [];
      page.on('response', (r) => {
        const url = new URL(r.url());
        if (url.port === String(app.server.port) && /^\/(api|media)\//.test(url.pathname)) statuses.push(`${r.status()} ${url.pathname}`);
      });
      await page.goto(app.server.url);
      await page.getByTestId('dataset-row').first().waitFor();
      await page.getByTestId('dataset-link').first().click();
      await page.locator('img.thumb').first().waitFor();
      await expect.poll(() => page.locator('img.thumb').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(28);
      expect(statuses).toContain('200 /api/events');
      expect(statuses).toContain('200 /api/call/listDatasets');
      expect(statuses.some((s) => /^200 \/media\/example\/\d+\.png$/.test(s))).toBe(true);
      expect(statuses.filter((s) => !s.startsWith('200 '))).toEqual([]);
      expect(browser.errors).toEqual([]);
    });

    it("a page on another port of 127.0.0.1 gets the cookie sent but cannot run a call: the victim file stays", async () => {
      const victim = path.join(app.dir, 'victim-browser.txt');
      fs.writeFileSync(victim, 'precious');
      const { page } = browser;
      await page.goto(app.server.url);
      expect((await page.context().cookies()).map((c) => c.name)).toContain(`disobey_token_${app.server.port}`);
      // Seen from the server (the page cannot see the 403s: cross-origin-resource-policy hides them).
      const seen: { method: string; cookie: string; status: number }[] = [];
      const onRequest = (message: unknown) => {
        const { request, response } = message as { request: http.IncomingMessage; response: http.ServerResponse };
        // the renderer left behind may still finish its own (same-origin) calls
        if (request.socket.localPort !== app.server.port || request.headers['sec-fetch-site'] === 'same-origin') return;
        response.once('finish', () => seen.push({ method: request.method ?? '', cookie: request.headers.cookie ?? '', status: response.statusCode }));
      };
      diagnostics.subscribe('http.server.request.start', onRequest);
      try {
        await page.goto(`http://127.0.0.1:${attackerPort}/`);
        await page.waitForFunction(() => document.title === 'done');
      } finally {
        diagnostics.unsubscribe('http.server.request.start', onRequest);
      }
      expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
      // the no-cors text/plain post, the CORS preflight of the JSON one (never sent after it), the image
      expect(seen.map((r) => `${r.status} ${r.method}`).sort()).toEqual(['403 GET', '403 OPTIONS', '403 POST']);
      // the browser did send the token cookie with the post: the origin check is what refused it
      expect(seen.find((r) => r.method === 'POST')!.cookie).toContain(`disobey_token_${app.server.port}=${app.server.token}`);
    });
  });
});

describe('15.2 cost limits', () => {
  /** At the limits: K's Gram matrix and eigendecomposition plus GD, about EIGEN_LAB_LIMITS.work multiply-adds. */
  const WORST = { n: 400, p: 1000, teacherSteps: 120, studentSteps: 120, record: 4, seed: 3 };

  it('the worst allowed eigenLab call is at the limits, and one step more is refused', () => {
    const parsed = contract.eigenLab.args.parse(WORST);
    expect(eigenLabWork(parsed)).toBeGreaterThan(0.9 * EIGEN_LAB_LIMITS.work);
    expect(eigenLabWork(parsed)).toBeLessThanOrEqual(EIGEN_LAB_LIMITS.work);
    expect(contract.eigenLab.args.safeParse({ ...WORST, studentSteps: WORST.studentSteps + 20 }).success).toBe(false);
  });

  it('refuses eigenLab calls whose recorded output or work is too large with VALIDATION_ERROR, before any work', async () => {
    for (const args of [
      // the call: every one of 10⁶ steps recorded (it ran 72 s and answered 77 MB)
      { n: 2, p: 1, teacherSteps: 1_000_000, studentSteps: 1_000_000, record: 1 },
      { n: 400, p: 10, teacherSteps: 0, studentSteps: 1000, record: 1 },
      { n: 2, p: 1, teacherSteps: 0, studentSteps: 25_000, record: 1 },
      // the Gram matrix and the eigendecomposition count too (n·p·steps alone is 1.3e8 here)
      { n: 400, p: 4000, teacherSteps: 40, studentSteps: 40, record: 10 },
    ]) {
      const started = Date.now();
      const res = await post('eigenLab', args, {}, 5_000);
      expect([res.status, errorCode(res)], JSON.stringify(args)).toEqual([400, 'VALIDATION_ERROR']);
      expect(Date.now() - started, JSON.stringify(args)).toBeLessThan(1_000);
    }
    const res = await post('eigenLab', { n: 2, p: 1, teacherSteps: 0, studentSteps: 1_000_000, record: 1 });
    expect(JSON.parse(res.body.toString()).error.message).toMatch(/record: 1,000,001 recorded steps × n = 2,000,002 values per curve, more than the 50,000 one answer holds: record every 41 steps or more/);
  });

  it('keeps the largest allowed eigenLab answer to a few megabytes', async () => {
    const args = { n: 2, p: 1, teacherSteps: 0, studentSteps: EIGEN_LAB_LIMITS.recordedValues / 2 - 1, record: 1 };
    expect(eigenLabRecordedValues(contract.eigenLab.args.parse(args))).toBe(EIGEN_LAB_LIMITS.recordedValues);
    const res = await post('eigenLab', args);
    expect(res.status).toBe(200);
    const result = JSON.parse(res.body.toString()).result as { steps: number[]; student: unknown[][] };
    expect(result.steps).toHaveLength(EIGEN_LAB_LIMITS.recordedValues / 2);
    expect(result.student[0]).toHaveLength(2);
    expect(res.body.length).toBeLessThan(6 * 1024 * 1024);
  });

  it('answers appInfo within 500 ms while the worst allowed eigenLab call runs', async () => {
    const started = Date.now();
    let done = false;
    const lab = post('eigenLab', WORST, {}, 120_000).finally(() => {
      done = true;
    });
    const latencies: number[] = [];
    while (!done) {
      const t = Date.now();
      const info = await post('appInfo', {});
      expect(info.status).toBe(200);
      latencies.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const answer = await lab;
    const labMs = Date.now() - started;
    expect(answer.status).toBe(200);
    const result = JSON.parse(answer.body.toString()).result as { steps: number[]; teacher: unknown[][] };
    expect(result.steps).toHaveLength(WORST.studentSteps / WORST.record + 1);
    console.info(`worst allowed eigenLab: ${labMs} ms; appInfo during it: ${latencies.length} calls, max ${Math.max(...latencies)} ms`);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(500);
    expect(latencies.length).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('bounds every array and string in every call’s arguments', () => {
    // Lengths a refinement checks, for a message that names the field's meaning (still refused before any work).
    const boundedByRefinement = new Set(['startExperiment.spec.seeds.anyOf1[]']);
    const unbounded: string[] = [];
    const walk = (schema: unknown, at: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as Record<string, unknown>;
      if (s.type === 'array' && s.maxItems === undefined && s.prefixItems === undefined) unbounded.push(`${at}[]`);
      if (s.type === 'string' && s.maxLength === undefined && s.enum === undefined && s.const === undefined) unbounded.push(`${at}: string`);
      for (const [key, value] of Object.entries(s)) {
        if (key === 'properties') for (const [name, sub] of Object.entries(value as object)) walk(sub, `${at}.${name}`);
        else if (Array.isArray(value)) value.forEach((sub, i) => walk(sub, `${at}.${key}${i}`));
        else walk(value, `${at}.${key}`);
      }
    };
    for (const name of callNames) walk(z.toJSONSchema(contract[name].args, { unrepresentable: 'any', io: 'input' }), name);
    expect(unbounded.filter((at) => !boundedByRefinement.has(at))).toEqual([]);
  });
});

describe('15.3 aborted downloads', () => {
  // Each test starts clean: one test's leftover must not fail the next.
  beforeEach(() => {
    for (const name of downloadFolders()) fs.rmSync(path.join(tmpRoot, name), { recursive: true, force: true });
  });

  const downloadPath = (format: string, taskId: string) => `${DOWNLOAD_EXPORT_PATH}?setId=${setId}&format=${format}&taskId=${taskId}&token=${app.server.token}`;

  /** Starts a download and hands back the request, so a test can abort it whenever it likes. */
  function startDownload(server: { port: number }, pathname: string, onResponse: (res: http.IncomingMessage, req: http.ClientRequest) => void = () => {}) {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: pathname, headers: { host: `127.0.0.1:${server.port}` } }, (res) => onResponse(res, req));
    req.on('error', () => {});
    return req;
  }

  const finished = (taskId: string) => nextEvent((e) => e.type === 'taskFinished' && e.taskId === taskId);
  const firstProgress = (taskId: string) => nextEvent((e) => e.type === 'progress' && e.taskId === taskId);

  it('a client that aborts mid-stream leaves no folder behind', async () => {
    const aborted = new Promise<number>((resolve) => {
      startDownload(app.server, downloadPath('zip', 'mid-stream'), (res, req) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy(); // after the first chunk of a multi-megabyte ZIP
          resolve(Number(res.headers['content-length']) - chunk.length);
        });
      });
    });
    expect(await aborted).toBeGreaterThan(1024 * 1024); // unread when the client left
    expect(await until(() => downloadFolders().length === 0)).toBe(true);
  });

  it('a client that leaves while the export is still being written leaves no folder behind', async () => {
    const taskId = 'left-early';
    const done = finished(taskId);
    const req = startDownload(app.server, downloadPath('zip', taskId));
    await firstProgress(taskId);
    expect(downloadFolders()).toHaveLength(1);
    req.destroy();
    await done;
    expect(await until(() => downloadFolders().length === 0, 3_000)).toBe(true);
  });

  it('a file that cannot be read ends the response and removes its folder', async () => {
    // The export is written, then its file reads as an error (a folder in its place).
    const failing = await startWebServer({
      services: { ...app.services, exportToTemporaryFile: async (query, signal) => ({ ...(await app.services.exportToTemporaryFile(query, signal)), file: tmpRoot }) },
      token: app.server.token,
    });
    try {
      const ended = await new Promise<string>((resolve) => {
        const req = startDownload(failing, downloadPath('csv', 'unreadable'), (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve('end'));
          res.on('error', () => resolve('error'));
          res.on('aborted', () => resolve('aborted'));
        });
        req.on('error', () => resolve('error'));
        setTimeout(() => resolve('still open after 5 s'), 5_000);
      });
      expect(ended).not.toBe('still open after 5 s');
      expect(await until(() => downloadFolders().length === 0, 3_000)).toBe(true);
    } finally {
      await failing.close();
    }
  });

  it('every image route holds long work back while it answers, and lets go when it ends, found or not', async () => {
    const entered: (string | null)[] = [];
    let left = 0;
    const watching = await startWebServer({
      services: {
        ...app.services,
        foreground: (name) => {
          entered.push(name);
          const leave = app.services.foreground(name);
          return () => {
            left++;
            leave?.();
          };
        },
      },
      token: app.server.token,
    });
    try {
      // a thumbnail, the training image and the original of a pixel-store example (the last two refused: it has none)
      const paths = [`/media/example/${exampleId}.png`, `/media/example/${exampleId}/training.png`, `/api/example/${exampleId}/original`];
      const answers = [];
      for (const pathname of paths) answers.push((await request(pathname, { port: watching.port, headers: { host: `127.0.0.1:${watching.port}`, ...tokenHeaders() } })).status);
      expect(answers[0]).toBe(200);
      expect(entered).toEqual([null, null, null]);
      expect(await until(() => left === 3, 3_000)).toBe(true);
    } finally {
      await watching.close();
    }
  });

  it('an export that fails removes its folder', async () => {
    const res = await request(`${DOWNLOAD_EXPORT_PATH}?setId=${setId}&format=csv&epoch=3`, { headers: tokenHeaders() });
    expect([res.status, errorCode(res)]).toEqual([400, 'VALIDATION_ERROR']);
    expect(downloadFolders()).toEqual([]);
  });

  it('closing the server removes the downloads it still holds, written or being written', async () => {
    const second: WebServer = await startWebServer({ services: app.services, token: app.server.token });
    const closing = new Promise<Promise<void>>((resolve) => {
      void firstProgress('closed-while-writing').then(() => resolve(second.close()));
    });
    const done = finished('closed-while-writing');
    startDownload(second, downloadPath('zip', 'closed-while-writing'));
    await (await closing);
    await done;
    expect(await until(() => downloadFolders().length === 0, 3_000)).toBe(true);

    // a download whose client stopped reading
    const third = await startWebServer({ services: app.services, token: app.server.token });
    await new Promise<void>((resolve) => startDownload(third, downloadPath('zip', 'closed-while-sending'), (res) => {
      res.pause();
      resolve();
    }));
    expect(downloadFolders()).toHaveLength(1);
    await third.close();
    expect(downloadFolders()).toEqual([]);
  });

  it('start sweeps folders left by processes that are gone, and any over an hour old', async () => {
    const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
    const make = (name: string, mtime?: Date) => {
      const dir = path.join(tmpRoot, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'export.csv'), 'x');
      if (mtime) fs.utimesSync(dir, mtime, mtime);
    };
    make(`disobey-download-${deadPid}-crashed`);
    make(`disobey-download-${process.pid}-stale`, hourAgo);
    make('disobey-download-Ab12Cd', hourAgo); // an older build's name, without the pid
    make(`disobey-download-${process.pid}-live`);
    make('disobey-download-Xy34Zw'); // an older build's, fresh: it may be in use
    make('disobey-downloads-unrelated', hourAgo);
    const fresh = await startWebServer({ services: app.services, token: app.server.token });
    await fresh.close();
    expect(downloadFolders()).toEqual([`disobey-download-${process.pid}-live`, 'disobey-download-Xy34Zw'].sort());
    expect(sweepStaleDownloads(tmpRoot, Date.now() + 2 * 60 * 60 * 1000)).toBe(2);
    expect(downloadFolders()).toEqual([]);
    expect(fs.existsSync(path.join(tmpRoot, 'disobey-downloads-unrelated'))).toBe(true);
    fs.rmSync(path.join(tmpRoot, 'disobey-downloads-unrelated'), { recursive: true });
  });
});
