// Web mode's set downloads carry the launch token in their URL, as images and the event stream
// do: a download link sends no header, and in a frame on another site (--frame-ancestors) the
// browser sends no cookie, so a cookie-only download was refused there (and by every server on
// 127.0.0.1 but the last one opened, before the cookie was named per port).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../renderer/src/env.d.ts" />
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The browser as web mode's page sees it, opened at the URL `disobey serve` printed. */
function stubBrowser(href: string) {
  const clicked: { href: string; download: string }[] = [];
  const replaced: string[] = [];
  vi.stubGlobal('window', { location: { href } });
  vi.stubGlobal('history', { state: null, replaceState: (_state: unknown, _title: string, url: string) => replaced.push(url) });
  vi.stubGlobal('sessionStorage', { setItem: () => undefined, getItem: () => null });
  // the tasks store listens for the server's events
  vi.stubGlobal('EventSource', class { close() {} });
  vi.stubGlobal('document', {
    createElement: () => {
      const link = { href: '', download: '', click: () => clicked.push({ href: link.href, download: link.download }) };
      return link;
    },
  });
  return { clicked, replaced };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('set downloads in web mode', () => {
  it('link to the download path with the launch token, while the page’s own URL drops it', async () => {
    const browser = stubBrowser('http://127.0.0.1:5173/?token=s3cr%2Bt#/sets');
    setActivePinia(createPinia());
    const { useExportsStore } = await import('../../renderer/src/stores/exports.js');
    const task = useExportsStore().downloadSet({ setId: 4, format: 'zip', experimentId: 2, epoch: 3, images: 'thumbnails' });
    expect(browser.clicked).toEqual([{ href: `/api/download/set?setId=4&format=zip&taskId=${encodeURIComponent(task.id)}&experimentId=2&epoch=3&images=thumbnails&token=s3cr%2Bt`, download: '' }]);
    expect(browser.replaced).toEqual(['http://127.0.0.1:5173/#/sets']);
  });

  it('link without a token where the page has none (the desktop app serves no downloads; a cookie may still carry it)', async () => {
    const browser = stubBrowser('http://127.0.0.1:5173/#/sets');
    setActivePinia(createPinia());
    const { useExportsStore } = await import('../../renderer/src/stores/exports.js');
    const task = useExportsStore().downloadSet({ setId: 4, format: 'csv' });
    expect(browser.clicked.map((c) => c.href)).toEqual([`/api/download/set?setId=4&format=csv&taskId=${encodeURIComponent(task.id)}`]);
  });
});
