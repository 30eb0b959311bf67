// The dataset list, and the calls that make datasets: an import (one at a time) and a mechanism
// build, each a task of stores/tasks.ts (progress, ETA, cancel).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppEvent, CallArgs } from '../../../shared/contract.js';
import type { DatasetSummary, ImportOptionsInput } from '../../../shared/domain.js';
import { api } from '../api.js';
import { upsertById } from './keyedList.js';
import { useTasksStore, type Task } from './tasks.js';

export const useDatasetsStore = defineStore('datasets', () => {
  const list = ref<DatasetSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const tasks = useTasksStore();
  /** the newest import of this window (running, or finished and not cleared) */
  const importing = computed<Task | null>(() => tasks.latest('import'));

  const byId = computed(() => new Map(list.value.map((d) => [d.id, d])));

  async function load(): Promise<void> {
    loading.value = true;
    try {
      list.value = await api.listDatasets();
      loaded.value = true;
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loading.value = false;
    }
  }

  const upsert = (dataset: DatasetSummary): DatasetSummary => upsertById(list.value, dataset);

  /** From the list when present, else fetched (a bookmarked dataset page opens before the list). */
  async function get(datasetId: number): Promise<DatasetSummary> {
    return byId.value.get(datasetId) ?? upsert(await api.getDataset({ datasetId }));
  }

  function onEvent(event: AppEvent): void {
    if (event.type === 'datasetsChanged') void load();
  }
  api.onEvent(onEvent);

  /** Starts an import; resolves to the new dataset, or null when it failed (the message is in `importing.error`). */
  async function importDataset(options: ImportOptionsInput): Promise<DatasetSummary | null> {
    if (importing.value?.state === 'running') throw new Error('an import is already running');
    const dataset = await tasks.start('import', (taskId) => api.importDataset({ ...options, taskId })).result;
    if (dataset) upsert(dataset);
    return dataset;
  }

  function cancelImport(): Promise<void> {
    return importing.value ? tasks.cancel(importing.value.id) : Promise.resolve();
  }

  function clearImport(): void {
    if (importing.value) tasks.forget(importing.value.id);
  }

  /** Builds a mechanism dataset (shared/mechanisms.ts): the task at once, the dataset (null when it failed) when built. */
  function buildMechanismDataset(args: Omit<CallArgs<'buildMechanismDataset'>, 'taskId'>): { task: Task; dataset: Promise<DatasetSummary | null> } {
    const { task, result } = tasks.start('mechanisms', (taskId) => api.buildMechanismDataset({ ...args, taskId }));
    return {
      task,
      dataset: result.then((dataset) => (dataset ? upsert(dataset) : null)),
    };
  }

  async function remove(datasetId: number): Promise<boolean> {
    const { deleted } = await api.deleteDataset({ datasetId });
    list.value = list.value.filter((d) => d.id !== datasetId);
    return deleted;
  }

  /** Re-points a dataset stored by reference at the folder its files moved to (after the service checks a sample's hashes there). */
  async function relocate(datasetId: number, root: string): Promise<{ dataset: DatasetSummary; checked: number }> {
    const answer = await api.relocateDataset({ datasetId, root });
    upsert(answer.dataset);
    return answer;
  }

  return { list, loaded, loading, error, importing, byId, load, get, upsert, importDataset, cancelImport, clearImport, buildMechanismDataset, remove, relocate };
});
