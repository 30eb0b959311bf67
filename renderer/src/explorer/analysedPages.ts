// Pages of analysed examples behind the explorer's virtual grid (composables/usePagedQuery.ts):
// only the current query (filter, sort, pair) keeps its pages — a stale page from an older
// query is never shown. The detail panel's next and previous read through the same pages,
// loading the one they step into.
import { computed } from 'vue';
import type { AnalysedExample, ExamplePage } from '../../../shared/analytics.js';
import type { CallArgs } from '../../../shared/contract.js';
import { api } from '../api.js';
import { usePagedQuery } from '../composables/usePagedQuery.js';

export const ANALYSED_PAGE_SIZE = 200;

type Query = Omit<CallArgs<'queryExamples'>, 'offset' | 'limit'>;

export function useAnalysedPages() {
  const pages = usePagedQuery<Query, AnalysedExample, ExamplePage>({
    pageSize: ANALYSED_PAGE_SIZE,
    maxInFlight: 3,
    keyOf: (q) => JSON.stringify(q),
    fetchPage: (query, offset, limit) => api.queryExamples({ ...query, offset, limit }),
  });
  const runs = computed<ExamplePage['runs']>(() => pages.latest.value?.runs ?? []);
  /** N of the misfitSeeds measure: the seed replicates of the analysed student */
  const seedReplicates = computed(() => pages.latest.value?.seedReplicates ?? 1);
  const { total, error, setQuery, ensureRange, itemAt, loadItemAt, indexOf, itemById } = pages;
  return { total, runs, seedReplicates, error, setQuery, ensureRange, itemAt, loadItemAt, indexOf, itemById };
}
