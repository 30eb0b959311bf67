// Pages of analysed examples behind the explorer's virtual grid: fetched on demand for the
// visible range, a few at a time, and thrown away whenever the query (filter, sort, pair)
// changes — a stale page from an older query is never shown.
import { shallowReactive, shallowRef } from 'vue';
import type { AnalysedExample, ExamplePage } from '../../../shared/analytics.js';
import type { CallArgs } from '../../../shared/contract.js';
import { api } from '../api.js';
import { pagesForRange } from '../grid/virtualWindow.js';

export const ANALYSED_PAGE_SIZE = 200;
const MAX_IN_FLIGHT = 3;

type Query = Omit<CallArgs<'queryExamples'>, 'offset' | 'limit'>;

export function useAnalysedPages() {
  const total = shallowRef<number | null>(null);
  const runs = shallowRef<ExamplePage['runs']>([]);
  const error = shallowRef<string | null>(null);
  const pages = shallowReactive(new Map<number, readonly AnalysedExample[]>());
  const pending = new Set<number>();
  let query: Query | null = null;
  let generation = 0;
  let wanted: number[] = [0];

  function setQuery(next: Query): void {
    query = next;
    generation++;
    pages.clear();
    pending.clear();
    total.value = null;
    error.value = null;
    wanted = [0];
    pump();
  }

  function ensureRange(start: number, end: number): void {
    wanted = pagesForRange(start, Math.min(end, total.value ?? end), ANALYSED_PAGE_SIZE);
    if (wanted.length === 0) wanted = [0];
    pump();
  }

  function pump(): void {
    for (const page of wanted) {
      if (pending.size >= MAX_IN_FLIGHT) return;
      if (pages.has(page) || pending.has(page)) continue;
      void fetchPage(page);
    }
  }

  async function fetchPage(page: number): Promise<void> {
    if (!query) return;
    const mine = generation;
    pending.add(page);
    try {
      const result = await api.queryExamples({ ...query, offset: page * ANALYSED_PAGE_SIZE, limit: ANALYSED_PAGE_SIZE });
      if (mine !== generation) return;
      pages.set(page, Object.freeze(result.items));
      total.value = result.total;
      runs.value = result.runs;
      error.value = null;
    } catch (err) {
      if (mine === generation) error.value = (err as Error).message;
    } finally {
      if (mine === generation) {
        pending.delete(page);
        if (error.value === null) pump();
      }
    }
  }

  function itemAt(index: number): AnalysedExample | undefined {
    return pages.get(Math.floor(index / ANALYSED_PAGE_SIZE))?.[index % ANALYSED_PAGE_SIZE];
  }

  function indexOf(exampleId: number): number {
    for (const [page, rows] of pages) {
      const i = rows.findIndex((r) => r.id === exampleId);
      if (i >= 0) return page * ANALYSED_PAGE_SIZE + i;
    }
    return -1;
  }

  return { total, runs, error, setQuery, ensureRange, itemAt, indexOf, reload: () => query && setQuery(query) };
}
