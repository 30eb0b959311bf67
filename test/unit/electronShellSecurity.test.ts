// The desktop shell's security settings, pinned where they can be checked without Electron:
// the window's web preferences, navigation and pop-ups, the sender check in every IPC handler
// (read from the shell's source), the CSP of the page and of the app protocol, what the preload
// puts in the page (run against a stand-in for electron), and the app protocol's file resolver.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { callNames, ipcChannel, IPC_EVENT_CHANNEL } from '../../shared/contract.js';
import { CONTENT_SECURITY_POLICY } from '../../main/web/httpSecurity.js';
import { exampleIdFromMediaPath, resolveRendererFile } from '../../main/web/rendererFiles.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const shellSource = fs.readFileSync(path.join(root, 'main/electron/index.ts'), 'utf8');

/** A CSP as directive → sources. */
function parseCsp(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('the Electron window', () => {
  it('is isolated and sandboxed, with no Node in the page and web security on', () => {
    const prefs = /webPreferences:\s*{([^}]*)}/.exec(shellSource)?.[1] ?? '';
    expect(prefs).toMatch(/contextIsolation:\s*true/);
    expect(prefs).toMatch(/sandbox:\s*true/);
    expect(prefs).toMatch(/nodeIntegration:\s*false/);
    expect(prefs).toMatch(/webSecurity:\s*true/);
    for (const risky of ['nodeIntegrationInWorker', 'nodeIntegrationInSubFrames', 'webviewTag', 'allowRunningInsecureContent', 'experimentalFeatures', 'enableBlinkFeatures']) {
      expect(shellSource, risky).not.toContain(risky);
    }
    expect(shellSource.match(/new BrowserWindow\(/g)).toHaveLength(1);
  });

  it('refuses navigation away from the app, every new window, and every permission request', () => {
    expect(shellSource).toMatch(/on\('will-navigate', \(event, url\) => {\s*if \(!url\.startsWith\(`\$\{APP_ORIGIN\}\/`\)\) event\.preventDefault\(\);/);
    expect(shellSource).toMatch(/setWindowOpenHandler\(\(\) => \({ action: 'deny' }\)\)/);
    expect(shellSource).toMatch(/setPermissionRequestHandler\(\(_wc, _permission, callback\) => callback\(false\)\)/);
  });

  it('checks the sending frame in every IPC handler', () => {
    const handlers = [...shellSource.matchAll(/ipcMain\.(\w+)\(/g)];
    expect(handlers.map((m) => m[1])).toEqual(['handle']);
    for (const m of handlers) {
      const body = shellSource.slice(m.index, m.index + 200);
      expect(body).toMatch(/async \(event, args: unknown\) => {\s*if \(!fromApp\(event\)\) throw/);
    }
    // the frame must be our own page on the app protocol
    expect(shellSource).toMatch(/const fromApp = \(event: IpcMainInvokeEvent\) => event\.senderFrame\?\.url\.startsWith\(`\$\{APP_ORIGIN\}\/`\) \?\? false;/);
  });

  it('serves the app protocol with the strict CSP header, and only for host "app"', () => {
    expect(shellSource).toContain("'Content-Security-Policy': CONTENT_SECURITY_POLICY");
    expect(shellSource).toMatch(/if \(url\.host !== 'app'\) return new Response\('not found', { status: 404 }\);/);
  });
});

describe('the Content Security Policy', () => {
  const html = fs.readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  const builtHtmlPath = path.join(root, 'out/renderer/index.html');

  it('in the header (web mode and the app protocol) allows only our own scripts, never eval', () => {
    const csp = parseCsp(CONTENT_SECURITY_POLICY);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval|\*/);
  });

  it('in the page meta says the same, less what a meta policy cannot carry', () => {
    expect(meta).toBeDefined();
    const header = parseCsp(CONTENT_SECURITY_POLICY);
    const page = parseCsp(meta!);
    for (const [name, sources] of page) expect(header.get(name), name).toEqual(sources);
    expect([...header.keys()].filter((k) => !page.has(k))).toEqual(['frame-ancestors', 'form-action']);
    expect(meta).not.toMatch(/unsafe-eval|\*/);
  });

  it.skipIf(!fs.existsSync(builtHtmlPath))('survives the build, with no inline script in the built page', () => {
    const built = fs.readFileSync(builtHtmlPath, 'utf8');
    expect(built).toContain(meta!);
    const scripts = [...built.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\.?\/?assets\//);
      expect(body!.trim()).toBe('');
    }
  });
});

// The preload against a stand-in for electron's contextBridge and ipcRenderer.
const bridge = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  const ipcRenderer = {
    invoke: vi.fn(async (_channel: string, _args: unknown): Promise<unknown> => ({ ok: true, result: 'answer' })),
    on: vi.fn((channel: string, listener: (...args: unknown[]) => void) => listeners.set(channel, [...(listeners.get(channel) ?? []), listener])),
    removeListener: vi.fn((channel: string, listener: (...args: unknown[]) => void) =>
      listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener)),
    ),
    send: vi.fn(),
    sendSync: vi.fn(),
  };
  const webUtils = {
    getPathForFile: vi.fn((file: unknown): string => {
      if (!(file instanceof File)) throw new Error('Error processing argument at index 0');
      return file.name === 'dropped.csv' ? '/home/someone/dropped.csv' : '';
    }),
  };
  return { exposed, listeners, ipcRenderer, webUtils, contextBridge: { exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.set(key, api)) } };
});
vi.mock('electron', () => ({ contextBridge: bridge.contextBridge, ipcRenderer: bridge.ipcRenderer, webUtils: bridge.webUtils }));

describe('the preload', () => {
  type Api = { call(name: unknown, args: unknown): Promise<unknown>; onEvent(listener: (e: unknown) => void): () => void; pathForFile(file: unknown): string };
  let api: Api;

  beforeAll(async () => {
    await import('../../preload/index.js');
    api = bridge.exposed.get('disobey') as Api;
  });
  beforeEach(() => bridge.ipcRenderer.invoke.mockClear());

  it('exposes one object, window.disobey, with call, onEvent and pathForFile and nothing else', () => {
    expect(bridge.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect([...bridge.exposed.keys()]).toEqual(['disobey']);
    expect(Object.keys(api).sort()).toEqual(['call', 'onEvent', 'pathForFile']);
    for (const value of Object.values(api)) expect(value).not.toBe(bridge.ipcRenderer);
  });

  it("invokes only the contract's channels", async () => {
    expect(await api.call(callNames[0], { x: 1 })).toBe('answer');
    expect(bridge.ipcRenderer.invoke).toHaveBeenCalledWith(ipcChannel(callNames[0]!), { x: 1 });
    for (const name of ['dropEverything', 'constructor', '__proto__', 'toString', 42, null]) {
      await expect(api.call(name, {}), String(name)).rejects.toThrow(/unknown call/);
    }
    expect(bridge.ipcRenderer.invoke).toHaveBeenCalledTimes(1);
    expect(bridge.ipcRenderer.send).not.toHaveBeenCalled();
    expect(bridge.ipcRenderer.sendSync).not.toHaveBeenCalled();
  });

  it('turns an error reply into a thrown error with its code', async () => {
    bridge.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'NOT_FOUND', message: 'no dataset with id 9' } });
    await expect(api.call(callNames[0], {})).rejects.toMatchObject({ message: 'no dataset with id 9', code: 'NOT_FOUND' });
  });

  it('subscribes to the event channel alone, hands the page the payload only, and unsubscribes', () => {
    const received: unknown[] = [];
    const unsubscribe = api.onEvent((e) => received.push(e));
    expect([...bridge.listeners.keys()]).toEqual([IPC_EVENT_CHANNEL]);
    for (const l of bridge.listeners.get(IPC_EVENT_CHANNEL)!) l({ sender: bridge.ipcRenderer }, { type: 'datasetsChanged' });
    expect(received).toEqual([{ type: 'datasetsChanged' }]);
    unsubscribe();
    expect(bridge.listeners.get(IPC_EVENT_CHANNEL)).toEqual([]);
  });

  it("answers a dropped file's path through webUtils, and refuses what is not a File", () => {
    expect(api.pathForFile(new File(['a,b'], 'dropped.csv'))).toBe('/home/someone/dropped.csv');
    expect(api.pathForFile(new File([''], 'made-in-the-page.txt'))).toBe('');
    for (const notAFile of ['/etc/passwd', { path: '/etc/passwd' }, null]) {
      expect(() => api.pathForFile(notAFile), String(notAFile)).toThrow(/pathForFile takes a File/);
    }
    expect(bridge.webUtils.getPathForFile).toHaveBeenCalledTimes(5);
    expect(bridge.ipcRenderer.send).not.toHaveBeenCalled();
  });
});

describe('the app protocol resolver', () => {
  let base: string;
  let rendererRoot: string;

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-protocol-'));
    rendererRoot = path.join(base, 'renderer');
    fs.mkdirSync(path.join(rendererRoot, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(rendererRoot, 'index.html'), '<!doctype html>');
    fs.writeFileSync(path.join(rendererRoot, 'assets', 'app.js'), '');
    fs.writeFileSync(path.join(base, 'secret.db'), 'secret');
    // a sibling whose name starts with the root's: a prefix check alone would let it through
    fs.mkdirSync(path.join(base, 'renderer-evil'));
    fs.writeFileSync(path.join(base, 'renderer-evil', 'x.js'), '');
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('serves the files of the renderer folder', () => {
    expect(resolveRendererFile(rendererRoot, '/')?.file).toBe(path.join(rendererRoot, 'index.html'));
    expect(resolveRendererFile(rendererRoot, '/index.html')?.contentType).toBe('text/html; charset=utf-8');
    expect(resolveRendererFile(rendererRoot, '/assets/app.js')).toMatchObject({ file: path.join(rendererRoot, 'assets', 'app.js'), immutable: true });
  });

  it("never leaves the folder, whatever the spelling of '..'", () => {
    for (const p of [
      '/../secret.db',
      '/assets/../../secret.db',
      '/%2e%2e/secret.db',
      '/%2E%2E/secret.db',
      '/%2e%2e%2fsecret.db',
      '/assets/..%2f..%2fsecret.db',
      '/..%5csecret.db',
      '/%252e%252e%252fsecret.db',
      '/../renderer-evil/x.js',
      '/%2e%2e%2frenderer-evil%2fx.js',
      '//' + path.join(base, 'secret.db'),
      '/' + encodeURIComponent(path.join(base, 'secret.db')),
      '/assets',
      '/index.html%00.png',
      '/%E0%A4%A',
    ]) {
      expect(resolveRendererFile(rendererRoot, p), p).toBeNull();
    }
  });

  it('maps only /media/example/<digits>.png to an example id', () => {
    expect(exampleIdFromMediaPath('/media/example/12.png')).toBe(12);
    for (const p of ['/media/example/../12.png', '/media/example/12.png/..', '/media/example/-1.png', '/media/example/%31.png', '/media/example/1e3.png', '/media/example/12.png.js', '/x/media/example/1.png']) {
      expect(exampleIdFromMediaPath(p), p).toBeNull();
    }
  });
});
