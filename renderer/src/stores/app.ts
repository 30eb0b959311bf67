// What the app says about itself: version, database, transport, compute backend.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CallResult } from '../../../shared/contract.js';
import { api } from '../api.js';

export type AppInfo = CallResult<'appInfo'>;

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);
  const transport = api.transport;
  const backendLabel = computed(() => (info.value?.backend ? `backend: ${info.value.backend}` : 'backend: none yet'));

  async function load(): Promise<void> {
    try {
      info.value = await api.appInfo();
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  return { info, error, transport, backendLabel, load };
});
