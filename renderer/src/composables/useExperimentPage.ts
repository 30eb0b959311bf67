// Every experiment page loads its experiment and dataset here: from the stores when they know
// them, else fetched; fetched again (a burst collapsed into one call) when a `runsChanged`
// event names this experiment, so status, epochs and runs follow training while the page is open.
import { computed, onScopeDispose, ref, watch } from 'vue';
import type { AppEvent } from '../../../shared/contract.js';
import type { DatasetSummary } from '../../../shared/domain.js';
import type { ExperimentSummary } from '../../../shared/runs.js';
import { api } from '../api.js';
import { coalesce } from '../coalesce.js';
import { useDatasetsStore } from '../stores/datasets.js';
import { REFRESH_MS, useExperimentsStore } from '../stores/experiments.js';

/** Where a page reads experiments and datasets from: the stores in the app, fakes in tests. */
export interface ExperimentPageSource {
  /** the experiment as known now (read reactively), or undefined */
  experiment(id: number): ExperimentSummary | undefined;
  dataset(id: number): DatasetSummary | undefined;
  /** fetches the experiment anew, then `experiment(id)` gives it */
  fetchExperiment(id: number): Promise<ExperimentSummary>;
  fetchDataset(id: number): Promise<DatasetSummary>;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** how long a burst of runsChanged events is collected before the experiment is fetched again */
  refreshMs: number;
}

function storeSource(): ExperimentPageSource {
  const experiments = useExperimentsStore();
  const datasets = useDatasetsStore();
  return {
    experiment: (id) => experiments.byId.get(id),
    dataset: (id) => datasets.byId.get(id),
    fetchExperiment: (id) => experiments.refresh(id),
    fetchDataset: (id) => datasets.get(id),
    onEvent: (listener) => api.onEvent(listener),
    refreshMs: REFRESH_MS,
  };
}

export function useExperimentPage(experimentId: () => number, source: ExperimentPageSource = storeSource()) {
  const experiment = computed(() => source.experiment(experimentId()) ?? null);
  const dataset = computed(() => (experiment.value ? (source.dataset(experiment.value.datasetId) ?? null) : null));
  const runs = computed(() => experiment.value?.runs ?? []);
  const loading = ref(false);
  /** what stopped the page loading; pages also put the errors of their own calls here */
  const error = ref<string | null>(null);

  let request = 0;
  async function load(id: number, fresh: boolean): Promise<void> {
    const mine = ++request;
    loading.value = true;
    try {
      const known = fresh ? undefined : source.experiment(id);
      const e = known ?? (await source.fetchExperiment(id));
      if (!source.dataset(e.datasetId)) await source.fetchDataset(e.datasetId);
      if (mine === request) error.value = null;
    } catch (err) {
      if (mine === request) error.value = (err as Error).message;
    } finally {
      if (mine === request) loading.value = false;
    }
  }

  watch(experimentId, (id) => void load(id, false), { immediate: true });

  const refresh = coalesce<never>(source.refreshMs, () => void load(experimentId(), true));
  const off = source.onEvent((event) => {
    if (event.type === 'runsChanged' && event.experimentId === experimentId()) refresh.request();
  });
  onScopeDispose(() => {
    off();
    refresh.cancel();
  });

  /** Fetches the experiment (and its dataset when unknown) again now. */
  const reload = () => load(experimentId(), true);
  /** the crumb up to the experiment from its analysis pages */
  const crumb = computed(() => ({ to: { name: 'experiment', params: { id: String(experimentId()) } }, label: experiment.value?.name ?? `experiment #${experimentId()}` }));
  return { experiment, dataset, runs, loading, error, reload, crumb };
}
