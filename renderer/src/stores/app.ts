// What the app says about itself: version, database, transport, compute backend (kept current
// by `backendChanged` events once the training worker has picked one).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CallResult } from '../../../shared/contract.js';
import { api } from '../api.js';

export type AppInfo = CallResult<'appInfo'>;

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);
  /** the training worker's backend: from appInfo, then from backendChanged events */
  const backend = ref<string | null>(null);
  const transport = api.transport;
  const backendLabel = computed(() => (backend.value ? `backend: ${backend.value}` : 'backend: none yet'));

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

  return { info, error, backend, transport, backendLabel, load };
});
