import { describe, expect, it } from 'vitest';
import { usePagedQuery } from '../../renderer/src/composables/usePagedQuery.js';

interface Item {
  id: number;
  q: string;
}
interface Call {
  query: string;
  offset: number;
  resolve: () => void;
  reject: (message: string) => void;
}

/** A server of `size` items per query whose answers the test releases one by one. */
function fakeServer(size = 1000) {
  const calls: Call[] = [];
  const fetchPage = (query: string, offset: number, limit: number) =>
    new Promise<{ items: Item[]; total: number; note: string }>((resolve, reject) => {
      const items = Array.from({ length: Math.max(0, Math.min(limit, size - offset)) }, (_, i) => ({ id: offset + i, q: query }));
      calls.push({ query, offset, resolve: () => resolve({ items, total: size, note: `${query}@${offset}` }), reject: (m) => reject(new Error(m)) });
    });
  return { calls, fetchPage };
}
const flush = () => new Promise((r) => setTimeout(r, 0));

function paged(server: ReturnType<typeof fakeServer>, keep = 1) {
  return usePagedQuery<string, Item, { items: Item[]; total: number; note: string }>({ pageSize: 100, maxInFlight: 3, keep, keyOf: (q) => q, fetchPage: server.fetchPage });
}

/** A paged query on 'a' whose first page has arrived. */
async function firstPageOfA(keep = 1) {
  const server = fakeServer();
  const p = paged(server, keep);
  p.setQuery('a');
  server.calls[0]!.resolve();
  await flush();
  return { server, p };
}

describe('usePagedQuery', () => {
  it('fetches the first page of a new query, then the pages of the visible range, at most three at a time', async () => {
    const server = fakeServer();
    const p = paged(server);
    p.setQuery('a');
    expect(server.calls.map((c) => c.offset)).toEqual([0]);
    server.calls[0]!.resolve();
    await flush();
    expect(p.total.value).toBe(1000);
    expect(p.itemAt(5)).toEqual({ id: 5, q: 'a' });
    expect(p.latest.value?.note).toBe('a@0');
    p.ensureRange(250, 780);
    expect(server.calls.map((c) => c.offset)).toEqual([0, 200, 300, 400]);
    expect(p.loading.value).toBe(true);
    server.calls[1]!.resolve();
    await flush();
    // a slot freed: the next wished page goes out
    expect(server.calls.map((c) => c.offset)).toEqual([0, 200, 300, 400, 500]);
  });

  it('never shows a page answered for an older query', async () => {
    const server = fakeServer();
    const p = paged(server);
    p.setQuery('a');
    p.setQuery('b');
    server.calls[0]!.resolve(); // a's page 0, late
    await flush();
    expect(p.itemAt(0)).toBeUndefined();
    expect(p.total.value).toBeNull();
    server.calls[1]!.resolve();
    await flush();
    expect(p.itemAt(0)).toEqual({ id: 0, q: 'b' });
  });

  it('keeps the pages of recent queries when asked, so switching back fetches nothing', async () => {
    const { server, p } = await firstPageOfA(2);
    p.setQuery('b');
    server.calls[1]!.resolve();
    await flush();
    p.setQuery('a');
    expect(server.calls).toHaveLength(2);
    expect(p.itemAt(0)?.q).toBe('a');
    p.setQuery('c'); // b falls out of the two kept
    p.setQuery('b');
    expect(server.calls.map((c) => c.query)).toEqual(['a', 'b', 'c', 'b']);
  });

  it('steps into a page not loaded yet, and finds loaded items by position and id', async () => {
    const { server, p } = await firstPageOfA();
    const next = p.loadItemAt(100);
    expect(server.calls.map((c) => c.offset)).toEqual([0, 100]);
    server.calls[1]!.resolve();
    expect(await next).toEqual({ id: 100, q: 'a' });
    expect(p.indexOf(150)).toBe(150);
    expect(p.indexOf(650)).toBeNull();
    expect(p.itemById(42)).toEqual({ id: 42, q: 'a' });
    expect(await p.loadItemAt(-1)).toBeUndefined();
  });

  it('answers undefined when the query changed while a step was loading', async () => {
    const server = fakeServer();
    const p = paged(server);
    p.setQuery('a');
    const step = p.loadItemAt(300);
    p.setQuery('b');
    server.calls.find((c) => c.offset === 300)!.resolve();
    expect(await step).toBeUndefined();
  });

  it('stops fetching after an error until retried, and says what failed', async () => {
    const { server, p } = await firstPageOfA();
    p.ensureRange(100, 200);
    server.calls[1]!.reject('disk on fire');
    await flush();
    expect(p.error.value).toBe('disk on fire');
    await flush();
    expect(server.calls).toHaveLength(2); // nothing retried in a loop
    p.retry();
    expect(p.error.value).toBeNull();
    expect(server.calls.map((c) => c.offset)).toEqual([0, 100, 100]);
  });

  it('invalidates the queries it is told to and fetches the current one again', async () => {
    const { server, p } = await firstPageOfA(3);
    p.invalidate((q) => q === 'a');
    expect(p.itemAt(0)).toBeUndefined();
    expect(server.calls.map((c) => c.query)).toEqual(['a', 'a']);
  });
});
