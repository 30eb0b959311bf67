import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../shared/contract.js';
import { DOWNLOAD_EXPORT_PATH } from '../../shared/curatedSets.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { startWebServer } from '../../main/web/webServer.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';

let app: AppUnderTest;
let datasetId: number;
let staticDir: string;

/** A raw request, so tests can send any Host header (fetch would not let them). */
function request(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: string; port?: number } = {}) {
  const port = init.port ?? app.server.port;
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: pathname, method: init.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...init.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

function call(name: string, args: unknown, headers: Record<string, string> = { [TOKEN_HEADER]: app.server.token }) {
  return request(`/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) });
}

beforeAll(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Disobey</title>');
  fs.mkdirSync(path.join(staticDir, 'assets'));
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  app = await startAppUnderTest({ staticDir });
  const pixels = new Uint8Array(4 * 3).map((_, i) => i * 20);
  datasetId = createDatasetQueries(app.db).insertDataset(
    { name: 'tiny', kind: 'image', format: 'folder', source: '/tmp/tiny', classNames: ['a', 'b'], classGroups: [], shape: { height: 3, width: 4, channels: 1 }, options: {} },
    [0, 1, 2].map((i) => ({ split: 'train', index: i, label: i % 2, noisyLabel: null, group: null, sourceRef: `f${i}.png`, pixels, text: null })),
  );
});

afterAll(async () => {
  await app.dispose();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

describe('web mode', () => {
  it('binds to 127.0.0.1 only and prints a URL carrying the token', () => {
    expect(app.server.url).toBe(`http://127.0.0.1:${app.server.port}/?token=${app.server.token}`);
    expect(app.server.token.length).toBeGreaterThanOrEqual(32);
  });

  it("is not reachable on the machine's other addresses", async (ctx) => {
    const addresses = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    if (addresses.length === 0) {
      console.warn('NOTICE: non-loopback test skipped: this machine has no non-loopback IPv4 address');
      ctx.skip();
    }
    for (const address of addresses) {
      const code = await new Promise<string>((resolve) => {
        const socket = net.connect({ host: address, port: app.server.port });
        socket.setTimeout(5_000, () => {
          socket.destroy();
          resolve('TIMEOUT');
        });
        socket.once('connect', () => {
          socket.destroy();
          resolve('CONNECTED');
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
      expect(code, address).toBe('ECONNREFUSED');
    }
  });

  it('refuses requests without the token, or with a wrong one', async () => {
    expect((await request('/')).status).toBe(401);
    expect((await call('listDatasets', {}, {})).status).toBe(401);
    expect((await call('listDatasets', {}, { [TOKEN_HEADER]: 'x'.repeat(32) })).status).toBe(401);
    expect((await request('/media/example/1.png')).status).toBe(401);
    expect((await request('/api/events')).status).toBe(401);
  });

  it('refuses a Host header that is not our loopback address and port', async () => {
    const res = await request(`/?token=${app.server.token}`, { headers: { host: `evil.example:${app.server.port}` } });
    expect(res.status).toBe(403);
    const other = await request(`/?token=${app.server.token}`, { headers: { host: '127.0.0.1:1' } });
    expect(other.status).toBe(403);
  });

  it('serves the renderer with the token from the URL, then by cookie, with a strict CSP', async () => {
    const first = await request(`/?token=${app.server.token}`);
    expect(first.status).toBe(200);
    expect(first.body.toString()).toContain('<title>Disobey</title>');
    expect(first.headers['content-security-policy']).toContain("default-src 'self'");
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toBe(`disobey_token_${app.server.port}=${app.server.token}`);
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = await request('/assets/app.js', { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
  });

  it('never serves files outside the renderer folder', async () => {
    const headers = { [TOKEN_HEADER]: app.server.token };
    for (const p of ['/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/assets/../../app.db', '/%2e%2e%2fapp.db']) {
      const res = await request(p, { headers });
      expect(res.status, p).toBe(404);
    }
  });

  it('answers calls from the contract and validates their arguments', async () => {
    const ok = await call('listDatasets', {});
    expect(ok.status).toBe(200);
    const body = JSON.parse(ok.body.toString());
    expect(body.ok).toBe(true);
    expect(body.result.map((d: { name: string }) => d.name)).toEqual(['tiny']);
    // the call's own time in the server, for devtools and the explorer bench
    expect(ok.headers['server-timing']).toMatch(/^call;dur=\d+\.\d$/);

    const page = JSON.parse((await call('listExamples', { datasetId, label: 1, limit: 10 })).body.toString());
    expect(page.result.total).toBe(1);

    for (const [name, args] of [
      ['listExamples', { datasetId: -1 }],
      ['listExamples', { datasetId: 'x' }],
      ['listExamples', { datasetId, limit: 100000 }],
      ['getDataset', {}],
      ['getDataset', { datasetId: 1, extra: "'; DROP TABLE examples; --" }],
      ['importDataset', { path: '' }],
      ['importDataset', { path: '/x', noise: { rate: 2 } }],
    ] as const) {
      const res = await call(name, args);
      expect(res.status, JSON.stringify(args)).toBe(400);
      expect(JSON.parse(res.body.toString()).error.code).toBe('VALIDATION_ERROR');
    }
    const unknown = await call('dropEverything', {});
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body.toString()).error.message).toMatch(/unknown call/);
    const notJson = await request('/api/call/listDatasets', { method: 'POST', headers: { [TOKEN_HEADER]: app.server.token, 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(createDatasetQueries(app.db).listDatasets()).toHaveLength(1);
  });

  it('says which id is missing', async () => {
    const res = await call('getDataset', { datasetId: 999 });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString()).error.message).toBe('no dataset with id 999');
  });

  it('serves example images as PNG of the stored pixels', async () => {
    const { items } = createDatasetQueries(app.db).listExamples({ datasetId, offset: 0, limit: 1 });
    const res = await request(`/media/example/${items[0]!.id}.png`, { headers: { [TOKEN_HEADER]: app.server.token } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const sharp = (await import('sharp')).default;
    const { data, info } = await sharp(res.body).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([4, 3]);
    expect([...data.subarray(0, 4)]).toEqual([0, 20, 40, 60]);
  });

  it('streams events to a subscriber', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: app.server.port, path: `/api/events?token=${app.server.token}`, headers: { host: `127.0.0.1:${app.server.port}` } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('datasetsChanged')) {
            req.destroy();
            resolve(text);
          }
        });
        res.on('error', reject);
        setTimeout(() => app.services.events.emit({ type: 'datasetsChanged' }), 50);
      });
      req.on('error', () => {});
    });
    expect(await received).toContain('data: {"type":"datasetsChanged"}');
  });

  it('names its token cookie after its port: a second server neither replaces the first one’s nor is sent a token it accepts', async () => {
    const second = await startWebServer({ services: app.services, staticDir });
    try {
      const secondCookie = String((await request(`/?token=${second.token}`, { port: second.port })).headers['set-cookie']).split(';')[0]!;
      expect(secondCookie).toBe(`disobey_token_${second.port}=${second.token}`);
      // A browser sends both servers' cookies to both (cookies ignore ports): each reads its own.
      const both = `${secondCookie}; disobey_token_${app.server.port}=${app.server.token}`;
      expect((await request('/assets/app.js', { headers: { cookie: both } })).status).toBe(200);
      expect((await request('/assets/app.js', { headers: { cookie: both }, port: second.port })).status).toBe(200);
      // The token under another port's name, or under the old shared name, is no token here.
      for (const cookie of [`disobey_token_${second.port}=${app.server.token}`, `disobey_token=${app.server.token}`]) {
        expect((await request('/assets/app.js', { headers: { cookie } })).status, cookie).toBe(401);
      }
    } finally {
      await second.close();
    }
  });

  it('sends a download to a URL carrying the token, with no cookie (a cross-site frame has none)', async () => {
    const { items } = createDatasetQueries(app.db).listExamples({ datasetId, offset: 0, limit: 10 });
    const set = JSON.parse((await call('createCuratedSet', { datasetId, name: 'download', exampleIds: items.map((e) => e.id) })).body.toString()).result as { id: number };
    const res = await request(`${DOWNLOAD_EXPORT_PATH}?setId=${set.id}&format=csv&token=${app.server.token}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="download\.csv"/);
    expect(res.body.toString().trim().split('\n')).toHaveLength(1 + items.length);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers a request target that is not a URL with 400 VALIDATION_ERROR, not 500', async () => {
    for (const target of ['http://[::1/', 'http://a b/', 'http:']) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port: app.server.port }, () => socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${app.server.port}\r\n\r\n`));
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      // Node's parser refuses some targets itself (400, no body); the rest are ours to refuse, none with a 500.
      expect(answer, target).toMatch(/^HTTP\/1\.1 400 /);
      const code = /"code":"(\w+)"/.exec(answer)?.[1];
      if (target === 'http://[::1/') expect(code).toBe('VALIDATION_ERROR');
      else if (code !== undefined) expect(code, target).toBe('VALIDATION_ERROR');
    }
  });

  it('answers HEAD on the event stream with its headers and ends; refuses HEAD on a download', async () => {
    const head = await request(`/api/events?token=${app.server.token}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/event-stream');
    expect(head.body).toHaveLength(0);
    const download = await request(`${DOWNLOAD_EXPORT_PATH}?setId=1&format=csv`, { method: 'HEAD', headers: { [TOKEN_HEADER]: app.server.token } });
    expect(download.status).toBe(405);
  });

  it('closes a connection whose request carried no token once it is answered, and keeps a token holder’s open', async () => {
    const refused = await call('appInfo', {}, {});
    expect([refused.status, refused.headers.connection]).toEqual([401, 'close']);
    const answered = await call('appInfo', {});
    expect([answered.status, answered.headers.connection]).toEqual([200, 'keep-alive']);
  });
});
