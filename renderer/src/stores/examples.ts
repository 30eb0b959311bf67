// The open dataset's filter (split, class, noisy only) and a page cache behind the virtual
// grid: pages of PAGE_SIZE examples fetched on demand, a few at a time, newest wishes first.
// Recent selections keep their pages, so toggling a filter back is instant.
import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef } from 'vue';
import type { ExampleRow } from '../../../shared/domain.js';
import { LruCache } from '../../../shared/lruCache.js';
import { api } from '../api.js';
import { pagesForRange } from '../grid/virtualWindow.js';
import { EMPTY_FILTER, selectionKey, type FilterState } from '../routeQuery.js';

export const PAGE_SIZE = 200;
const MAX_IN_FLIGHT = 3;
const KEPT_SELECTIONS = 6;

interface SelectionCache {
  key: string;
  datasetId: number;
  filter: FilterState;
  total: number | null;
  pages: Map<number, readonly ExampleRow[]>;
  pending: Set<number>;
  error: string | null;
}

function newCache(datasetId: number, filter: FilterState): SelectionCache {
  return shallowReactive({
    key: selectionKey(datasetId, filter),
    datasetId,
    filter: { ...filter, example: null },
    total: null,
    pages: shallowReactive(new Map<number, readonly ExampleRow[]>()),
    pending: new Set<number>(),
    error: null,
  });
}

export const useExamplesStore = defineStore('examples', () => {
  const current = shallowRef<SelectionCache | null>(null);
  const kept = new LruCache<string, SelectionCache>({ maxEntries: KEPT_SELECTIONS });
  let wanted: number[] = [];
  const inFlight = ref(0);

  const datasetId = computed(() => current.value?.datasetId ?? null);
  const filter = computed<FilterState>(() => current.value?.filter ?? EMPTY_FILTER);
  const total = computed(() => current.value?.total ?? null);
  const error = computed(() => current.value?.error ?? null);
  const loading = computed(() => inFlight.value > 0);

  /** Switches to the examples of a dataset under a filter; keeps the cache when nothing changed. */
  function select(id: number, next: FilterState): void {
    const key = selectionKey(id, next);
    if (current.value?.key === key) return;
    const cache = kept.get(key) ?? newCache(id, next);
    kept.set(key, cache);
    current.value = cache;
    wanted = [0];
    pump();
  }

  /** The grid's visible range [start, end) changed: fetch the pages it needs. */
  function ensureRange(start: number, end: number): void {
    const cache = current.value;
    if (!cache) return;
    const limit = cache.total ?? end;
    wanted = pagesForRange(start, Math.min(end, limit), PAGE_SIZE);
    if (wanted.length === 0) wanted = [0];
    pump();
  }

  function pump(): void {
    const cache = current.value;
    if (!cache) return;
    for (const page of wanted) {
      if (inFlight.value >= MAX_IN_FLIGHT) return;
      if (cache.pages.has(page) || cache.pending.has(page)) continue;
      void fetchPage(cache, page);
    }
  }

  async function fetchPage(cache: SelectionCache, page: number): Promise<void> {
    cache.pending.add(page);
    inFlight.value++;
    try {
      const { split, label, noisyOnly } = cache.filter;
      const result = await api.listExamples({
        datasetId: cache.datasetId,
        ...(split !== null ? { split } : {}),
        ...(label !== null ? { label } : {}),
        ...(noisyOnly ? { noisyOnly: true } : {}),
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      cache.pages.set(page, Object.freeze(result.items));
      cache.total = result.total;
      cache.error = null;
    } catch (err) {
      cache.error = (err as Error).message;
    } finally {
      cache.pending.delete(page);
      inFlight.value--;
      // stop on errors rather than retrying in a loop; a scroll or filter change tries again
      if (cache === current.value && cache.error === null) pump();
    }
  }

  function itemAt(index: number): ExampleRow | undefined {
    const cache = current.value;
    if (!cache) return undefined;
    return cache.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Index of a loaded example in the current selection, or -1. */
  function indexOf(exampleId: number): number {
    const cache = current.value;
    if (!cache) return -1;
    for (const [page, rows] of cache.pages) {
      const i = rows.findIndex((r) => r.id === exampleId);
      if (i >= 0) return page * PAGE_SIZE + i;
    }
    return -1;
  }

  /** Forgets cached pages (after a dataset changed or was deleted). */
  function invalidate(id?: number): void {
    kept.deleteWhere((cache) => id === undefined || cache.datasetId === id);
    if (current.value && (id === undefined || current.value.datasetId === id)) {
      const { datasetId: d, filter: f } = current.value;
      current.value = null;
      select(d, f);
    }
  }

  function retry(): void {
    const cache = current.value;
    if (!cache) return;
    cache.error = null;
    pump();
  }

  return { datasetId, filter, total, error, loading, select, ensureRange, itemAt, indexOf, invalidate, retry };
});
