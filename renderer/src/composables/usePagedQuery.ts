// Pages of a query's results behind a virtual grid: fetched on demand for the visible range, a
// few at a time, newest wishes first; one failed page stops the fetching until the range, the
// query or a retry asks again. A page answered for an older query never shows under a newer
// one; the last `keep` queries keep their pages, so switching back to one is instant.
// Used by the dataset grid (stores/examples.ts) and the explorer (explorer/analysedPages.ts).
import { computed, shallowReactive, shallowRef } from 'vue';
import { pagesForRange } from '../grid/virtualWindow.js';
import { LruCache } from '../../../shared/lruCache.js';

/** One page as the server answers it: the page's items, the query's total, and whatever else the call returns. */
export interface PageResult<T> {
  items: readonly T[];
  total: number;
}

export interface PagedQueryOptions<Q, T, R extends PageResult<T>> {
  pageSize: number;
  /** at most this many pages of the current query are asked for at once */
  maxInFlight: number;
  /** how many recent queries keep their pages (1: only the current one) */
  keep?: number;
  /** the query's identity: the same key is the same list of results */
  keyOf: (query: Q) => string;
  fetchPage: (query: Q, offset: number, limit: number) => Promise<R>;
}

interface QueryCache<Q, T> {
  key: string;
  query: Q;
  total: number | null;
  pages: Map<number, readonly T[]>;
  /** the loaded items by id */
  byId: Map<number, T>;
  pending: Map<number, Promise<void>>;
  error: string | null;
}

export function usePagedQuery<Q, T extends { id: number }, R extends PageResult<T>>(options: PagedQueryOptions<Q, T, R>) {
  const { pageSize, maxInFlight, keyOf, fetchPage } = options;
  const keep = Math.max(1, options.keep ?? 1);
  const current = shallowRef<QueryCache<Q, T> | null>(null);
  const kept = new LruCache<string, QueryCache<Q, T>>({ maxEntries: keep });
  let wanted: number[] = [0];

  const query = computed(() => current.value?.query ?? null);
  const total = computed(() => current.value?.total ?? null);
  const error = computed(() => current.value?.error ?? null);
  /** the latest answer of the current query, kept through a query change until the new one answers (what a page says besides its items: runs, counts) */
  const latest = shallowRef<R | null>(null);
  const loading = computed(() => (current.value?.pending.size ?? 0) > 0);

  function newCache(key: string, q: Q): QueryCache<Q, T> {
    return shallowReactive({ key, query: q, total: null, pages: shallowReactive(new Map()), byId: shallowReactive(new Map()), pending: shallowReactive(new Map()), error: null });
  }

  /** Switches to a query's results; keeps its pages when it is the current or a kept query. */
  function setQuery(next: Q): void {
    const key = keyOf(next);
    if (current.value?.key === key) return;
    const cache = kept.get(key) ?? newCache(key, next);
    kept.set(key, cache);
    current.value = cache;
    wanted = [0];
    pump();
  }

  /** The grid's visible range [start, end) changed: fetch the pages it needs. */
  function ensureRange(start: number, end: number): void {
    const cache = current.value;
    if (!cache) return;
    wanted = pagesForRange(start, Math.min(end, cache.total ?? end), pageSize);
    if (wanted.length === 0) wanted = [0];
    pump();
  }

  function pump(): void {
    const cache = current.value;
    if (!cache) return;
    for (const page of wanted) {
      if (cache.pending.size >= maxInFlight) return;
      if (cache.pages.has(page) || cache.pending.has(page)) continue;
      void load(cache, page);
    }
  }

  function load(cache: QueryCache<Q, T>, page: number): Promise<void> {
    const started = answer(cache, page);
    cache.pending.set(page, started);
    return started;
  }

  async function answer(cache: QueryCache<Q, T>, page: number): Promise<void> {
    try {
      const result = await fetchPage(cache.query, page * pageSize, pageSize);
      const items = Object.freeze([...result.items]);
      for (const item of items) cache.byId.set(item.id, item);
      cache.pages.set(page, items);
      cache.total = result.total;
      cache.error = null;
      if (cache === current.value) latest.value = result;
    } catch (err) {
      cache.error = (err as Error).message;
    } finally {
      cache.pending.delete(page);
      // stop on errors rather than retrying in a loop; a scroll, a query change or retry() tries again
      if (cache === current.value && cache.error === null) pump();
    }
  }

  function itemAt(index: number): T | undefined {
    return current.value?.pages.get(Math.floor(index / pageSize))?.[index % pageSize];
  }

  /** The item at a position of the current query, its page fetched first if need be; undefined past the end or after the query changed. */
  async function loadItemAt(index: number): Promise<T | undefined> {
    const cache = current.value;
    if (!cache || index < 0) return undefined;
    const page = Math.floor(index / pageSize);
    if (!cache.pages.has(page)) await (cache.pending.get(page) ?? load(cache, page));
    return cache === current.value ? itemAt(index) : undefined;
  }

  /** Position of a loaded item in the current query, or null when no loaded page holds it. */
  function indexOf(id: number): number | null {
    const cache = current.value;
    if (!cache?.byId.has(id)) return null;
    for (const [page, items] of cache.pages) {
      const i = items.findIndex((e) => e.id === id);
      if (i >= 0) return page * pageSize + i;
    }
    return null;
  }

  /** A loaded item of the current query by its id. */
  function itemById(id: number): T | undefined {
    return current.value?.byId.get(id);
  }

  /** Forgets the pages of the queries `which` picks (all by default) and fetches the current one's again when it was among them. */
  function invalidate(which: (query: Q) => boolean = () => true): void {
    kept.deleteWhere((cache) => which(cache.query));
    const cache = current.value;
    if (cache && which(cache.query)) {
      current.value = null;
      setQuery(cache.query);
    }
  }

  /** Tries the current query's pages again after an error. */
  function retry(): void {
    const cache = current.value;
    if (!cache) return;
    cache.error = null;
    pump();
  }

  return { query, total, error, latest, loading, setQuery, ensureRange, itemAt, loadItemAt, indexOf, itemById, invalidate, retry };
}

export type PagedQuery<Q, T extends { id: number }, R extends PageResult<T>> = ReturnType<typeof usePagedQuery<Q, T, R>>;
