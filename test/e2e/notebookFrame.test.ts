// Web mode inside a notebook's IFrame (the Python package's disobey.show): started with
// --frame-ancestors, the app loads in a frame of a page on another local origin and its calls
// work there (the token travels in the page URL, not in a cookie a cross-site frame would not
// send); started without, the browser refuses to frame it at all.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlainDataset, randomProbabilities } from '../../bench/ingestFixture.js';
import { ingestRuns } from '../../main/data/runIngest.js';
import { rendererDir } from '../../main/paths.js';
import { createAppServices, type AppServices } from '../../main/services/appServices.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { startWebServer, type WebServer } from '../../main/web/webServer.js';
import { hasChromium, openBrowserPage, type AppInBrowser } from '../helpers/browser.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { createStore } from '../../main/store/store.js';

describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')))('web mode in a notebook frame', () => {
  const temp = makeTempDir();
  const db = openDatabase(path.join(temp.dir, 'frame.db'));
  let services: AppServices;
  let framable: WebServer;
  let closed: WebServer;
  let notebook: http.Server;
  let notebookPort = 0;
  let browser: AppInBrowser;

  beforeAll(async () => {
    const data = createPlainDataset(db, 20, 3, 'framed');
    const run = path.join(temp.dir, 'run');
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ name: 'framed teacher', role: 'teacher', epochs: 1 }));
    const probs = randomProbabilities(20, 3, 1);
    fs.writeFileSync(path.join(run, 'epoch-1.jsonl'), data.ids.map((id, i) => JSON.stringify({ example: id, probs: Array.from(probs.subarray(i * 3, i * 3 + 3)) })).join('\n') + '\n');
    await ingestRuns(createStore(db), { path: run, datasetId: data.datasetId, experimentName: 'shown in a notebook' });
    services = createAppServices({ store: createStore(db), databasePath: path.join(temp.dir, 'frame.db') });
    framable = await startWebServer({ services, frameAncestors: ['http://localhost:*'] });
    closed = await startWebServer({ services });
    // The "notebook": a page on another origin (localhost, not 127.0.0.1) holding an IFrame.
    notebook = http.createServer((req, res) => {
      const src = new URL(req.url ?? '/', 'http://localhost').searchParams.get('src') ?? '';
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><title>notebook</title><iframe id="explorer" src="${src.replace(/"/g, '&quot;')}" width="1000" height="700"></iframe>`);
    });
    await new Promise<void>((resolve) => notebook.listen(0, '127.0.0.1', resolve));
    notebookPort = (notebook.address() as AddressInfo).port;
    browser = await openBrowserPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await framable?.close();
    await closed?.close();
    notebook?.close();
    services?.dispose();
    db.close();
    temp.dispose();
  });

  const open = async (server: WebServer) => {
    const src = `${server.url}#/experiments`;
    await browser.page.goto(`http://localhost:${notebookPort}/?src=${encodeURIComponent(src)}`);
    return browser.page.frameLocator('#explorer');
  };

  it('loads the app in the frame of an allowed origin, and its calls answer there', async () => {
    const frame = await open(framable);
    await frame.getByTestId('experiment-row').first().waitFor({ timeout: 60_000 });
    expect(await frame.getByTestId('experiment-row').first().textContent()).toContain('shown in a notebook');
    expect(browser.errors).toEqual([]);
  });

  it('is refused a frame without --frame-ancestors', async () => {
    const frame = await open(closed);
    await browser.page.waitForTimeout(2_000);
    expect(await frame.getByTestId('nav-experiments').count()).toBe(0);
    const framed = browser.page.frames().find((f) => f !== browser.page.mainFrame());
    expect(framed?.url()).not.toContain(`127.0.0.1:${closed.port}/?token`);
  });
});
