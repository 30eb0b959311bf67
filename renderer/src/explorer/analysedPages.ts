// Pages of analysed examples behind the explorer's virtual grid: fetched on demand for the
// visible range, a few at a time, and thrown away whenever the query (filter, sort, pair)
// changes — a stale page from an older query is never shown. The detail panel's next and
// previous read through the same pages, loading the one they step into.
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
  /** N of the misfitSeeds measure: the seed replicates of the analysed student */
  const seedReplicates = shallowRef(1);
  const error = shallowRef<string | null>(null);
  const pages = shallowReactive(new Map<number, readonly AnalysedExample[]>());
  /** the loaded examples by id, for what a grid cell shows beyond its ExampleRow */
  const byId = shallowReactive(new Map<number, AnalysedExample>());
  const pending = new Map<number, Promise<void>>();
  let query: Query | null = null;
  let generation = 0;
  let wanted: number[] = [0];

  function setQuery(next: Query): void {
    query = next;
    generation++;
    pages.clear();
    byId.clear();
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

  function fetchPage(page: number): Promise<void> {
    const started = loadPage(page);
    pending.set(page, started);
    return started;
  }

  async function loadPage(page: number): Promise<void> {
    if (!query) return;
    const mine = generation;
    try {
      const result = await api.queryExamples({ ...query, offset: page * ANALYSED_PAGE_SIZE, limit: ANALYSED_PAGE_SIZE });
      if (mine !== generation) return;
      pages.set(page, Object.freeze(result.items));
      for (const e of result.items) byId.set(e.id, e);
      total.value = result.total;
      runs.value = result.runs;
      seedReplicates.value = result.seedReplicates;
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

  /** The example at a position of the current query, its page fetched first if need be; undefined past the end or after the query changed. */
  async function loadItemAt(index: number): Promise<AnalysedExample | undefined> {
    if (index < 0) return undefined;
    const page = Math.floor(index / ANALYSED_PAGE_SIZE);
    const mine = generation;
    if (!pages.has(page)) await (pending.get(page) ?? fetchPage(page));
    return mine === generation ? itemAt(index) : undefined;
  }

  /** Position of a loaded example in the current query, or null when no loaded page holds it. */
  function indexOf(exampleId: number): number | null {
    if (!byId.has(exampleId)) return null;
    for (const [page, items] of pages) {
      const i = items.findIndex((e) => e.id === exampleId);
      if (i >= 0) return page * ANALYSED_PAGE_SIZE + i;
    }
    return null;
  }

  return { total, runs, seedReplicates, error, setQuery, ensureRange, itemAt, loadItemAt, indexOf, itemById: (id: number) => byId.get(id) };
}
