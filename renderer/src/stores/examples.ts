// The open dataset's filter (split, class, noisy only) and the pages of its examples behind the
// virtual grid (composables/usePagedQuery.ts). Recent selections keep their pages, so toggling
// a filter back is instant.
import { defineStore } from 'pinia';
import { computed } from 'vue';
import type { ExampleRow } from '../../../shared/domain.js';
import { api } from '../api.js';
import { usePagedQuery } from '../composables/usePagedQuery.js';
import { EMPTY_FILTER, selectionKey, type FilterState } from '../routeQuery.js';

export const PAGE_SIZE = 200;

interface Selection {
  datasetId: number;
  filter: FilterState;
}

export const useExamplesStore = defineStore('examples', () => {
  const pages = usePagedQuery<Selection, ExampleRow, { items: ExampleRow[]; total: number }>({
    pageSize: PAGE_SIZE,
    maxInFlight: 3,
    keep: 6,
    keyOf: (s) => selectionKey(s.datasetId, s.filter),
    fetchPage: ({ datasetId, filter: { split, label, noisyOnly } }, offset, limit) =>
      api.listExamples({
        datasetId,
        ...(split !== null ? { split } : {}),
        ...(label !== null ? { label } : {}),
        ...(noisyOnly ? { noisyOnly: true } : {}),
        offset,
        limit,
      }),
  });

  const datasetId = computed(() => pages.query.value?.datasetId ?? null);
  const filter = computed<FilterState>(() => pages.query.value?.filter ?? EMPTY_FILTER);

  /** Switches to the examples of a dataset under a filter; keeps the pages when nothing changed. */
  function select(id: number, next: FilterState): void {
    pages.setQuery({ datasetId: id, filter: { ...next, example: null } });
  }

  /** Forgets cached pages (after a dataset changed or was deleted). */
  function invalidate(id?: number): void {
    pages.invalidate((s) => id === undefined || s.datasetId === id);
  }

  const { total, error, loading, ensureRange, itemAt, retry } = pages;
  return { datasetId, filter, total, error, loading, select, ensureRange, itemAt, invalidate, retry };
});
