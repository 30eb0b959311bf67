// The dataset list, and the one import that may be running: its progress comes from
// `progress`/`taskFinished` events carrying the task id this client picked.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppEvent } from '../../../shared/contract.js';
import type { DatasetSummary, ImportOptionsInput } from '../../../shared/domain.js';
import { api } from '../api.js';
import { newTaskId } from '../taskId.js';

export interface ImportProgress {
  taskId: string;
  running: boolean;
  stage: string;
  done: number;
  total: number;
  etaSeconds: number | null;
  error: string | null;
  cancelling: boolean;
}

export const useDatasetsStore = defineStore('datasets', () => {
  const list = ref<DatasetSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const importing = ref<ImportProgress | null>(null);

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

  function upsert(dataset: DatasetSummary): void {
    const i = list.value.findIndex((d) => d.id === dataset.id);
    if (i >= 0) list.value.splice(i, 1, dataset);
    else list.value.push(dataset);
  }

  /** From the list when present, else fetched (a bookmarked dataset page opens before the list). */
  async function get(datasetId: number): Promise<DatasetSummary> {
    const known = byId.value.get(datasetId);
    if (known) return known;
    const dataset = await api.getDataset({ datasetId });
    upsert(dataset);
    return dataset;
  }

  function onEvent(event: AppEvent): void {
    if (event.type === 'datasetsChanged') {
      void load();
      return;
    }
    if (event.type !== 'progress' && event.type !== 'taskFinished') return;
    const task = importing.value;
    if (!task || event.taskId !== task.taskId || !task.running) return;
    if (event.type === 'progress') {
      task.stage = event.stage;
      task.done = event.done;
      task.total = event.total;
      task.etaSeconds = event.etaSeconds;
    } else if (event.type === 'taskFinished' && !event.ok && event.error) {
      // the call's rejection carries the same message; whichever comes first is shown
      task.error ??= event.error;
    }
  }
  api.onEvent(onEvent);

  /** Starts an import; resolves to the new dataset, or null when it failed (the message is in `importing.error`). */
  async function importDataset(options: ImportOptionsInput): Promise<DatasetSummary | null> {
    if (importing.value?.running) throw new Error('an import is already running');
    const taskId = newTaskId('import');
    importing.value = { taskId, running: true, stage: 'starting', done: 0, total: 0, etaSeconds: null, error: null, cancelling: false };
    const task = importing.value;
    try {
      const dataset = await api.importDataset({ ...options, taskId });
      upsert(dataset);
      task.running = false;
      task.error = null;
      return dataset;
    } catch (err) {
      task.running = false;
      task.error = (err as Error).message;
      return null;
    } finally {
      task.cancelling = false;
    }
  }

  async function cancelImport(): Promise<void> {
    const task = importing.value;
    if (!task?.running) return;
    task.cancelling = true;
    try {
      await api.cancelTask({ taskId: task.taskId });
    } catch (err) {
      task.cancelling = false;
      task.error = (err as Error).message;
    }
  }

  function clearImport(): void {
    if (!importing.value?.running) importing.value = null;
  }

  async function remove(datasetId: number): Promise<boolean> {
    const { deleted } = await api.deleteDataset({ datasetId });
    list.value = list.value.filter((d) => d.id !== datasetId);
    return deleted;
  }

  return { list, loaded, loading, error, importing, byId, load, get, upsert, importDataset, cancelImport, clearImport, remove };
});
