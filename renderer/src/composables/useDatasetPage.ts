// A dataset's page (its examples, its mechanisms): the dataset from the store when known, else
// fetched, kept in step with the store's list (a re-listed or edited dataset shows its new summary).
import { computed, shallowRef, watch } from 'vue';
import type { DatasetSummary } from '../../../shared/domain.js';
import { useDatasetsStore } from '../stores/datasets.js';

export function useDatasetPage(datasetId: () => number) {
  const datasets = useDatasetsStore();
  const dataset = shallowRef<DatasetSummary | null>(null);
  /** what stopped the page loading; pages also put the errors of their own calls here */
  const error = shallowRef<string | null>(null);

  watch(
    datasetId,
    async (id) => {
      error.value = null;
      if (dataset.value?.id !== id) dataset.value = null;
      try {
        const d = await datasets.get(id);
        if (id === datasetId()) dataset.value = d;
      } catch (err) {
        if (id === datasetId()) error.value = (err as Error).message;
      }
    },
    { immediate: true },
  );
  watch(
    () => datasets.byId.get(datasetId()),
    (d) => {
      if (d) dataset.value = d;
    },
  );
  /** the crumb up to the dataset from its sub-pages */
  const crumb = computed(() => ({ to: { name: 'dataset', params: { id: String(datasetId()) } }, label: dataset.value?.name ?? `dataset ${datasetId()}` }));
  return { datasets, dataset, error, crumb };
}
