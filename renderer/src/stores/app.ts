// What the app says about itself: version, database, transport, compute backend (kept current
// by `backendChanged` events once the training worker has picked one), and the top bar's
// backend chip for the page on screen (backendChip.ts).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CallResult } from '../../../shared/contract.js';
import { api } from '../api.js';
import { backendChip, type BackendChip } from '../backendChip.js';
import { useExperimentsStore } from './experiments.js';

export type AppInfo = CallResult<'appInfo'>;

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);
  /** the training worker's backend: from appInfo, then from backendChanged events */
  const backend = ref<string | null>(null);
  const transport = api.transport;
  const experiments = useExperimentsStore();

  api.onEvent((event) => {
    if (event.type === 'backendChanged') backend.value = event.backend;
  });

  async function load(): Promise<void> {
    try {
      info.value = await api.appInfo();
      if (info.value.backend) backend.value = info.value.backend;
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** The chip for a page: the experiment's own backends on its pages (null elsewhere). */
  function chipFor(experimentId: number | null): BackendChip {
    const experiment = experimentId !== null ? (experiments.byId.get(experimentId) ?? null) : null;
    return backendChip(experiment, backend.value);
  }

  return { info, error, backend, transport, chipFor, load };
});
