// An experiment's page: the experiment and its dataset from the stores, loaded when the route's
// experiment changes, with the error that stopped loading them.
import { computed, ref, watch } from 'vue';
import { useDatasetsStore } from './stores/datasets.js';
import { useExperimentsStore } from './stores/experiments.js';

export function useExperimentPage(experimentId: () => number) {
  const experiments = useExperimentsStore();
  const datasets = useDatasetsStore();
  const error = ref<string | null>(null);
  const experiment = computed(() => experiments.byId.get(experimentId()) ?? null);
  const dataset = computed(() => (experiment.value ? (datasets.byId.get(experiment.value.datasetId) ?? null) : null));
  watch(
    experimentId,
    async (id) => {
      try {
        const e = await experiments.get(id);
        await datasets.get(e.datasetId);
      } catch (err) {
        error.value = (err as Error).message;
      }
    },
    { immediate: true },
  );
  return { experiments, experiment, dataset, error };
}
