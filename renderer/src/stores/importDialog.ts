// The one import dialog, hosted by App.vue and opened from anywhere: the Datasets page's button,
// the File menu's Import… command, or a file or folder dropped on the window (its path filled in).
import { defineStore } from 'pinia';
import { ref } from 'vue';

export const useImportDialogStore = defineStore('importDialog', () => {
  const isOpen = ref(false);
  /** a path to fill in (a dropped file or folder); `pathRequest` counts the requests, so the same path dropped twice is filled in twice */
  const path = ref<string | null>(null);
  const pathRequest = ref(0);
  /** a line the dialog shows above its fields (e.g. that only the first of several dropped items is imported) */
  const notice = ref<string | null>(null);

  function open(options: { path?: string; notice?: string } = {}): void {
    isOpen.value = true;
    notice.value = options.notice ?? null;
    if (options.path !== undefined) {
      path.value = options.path;
      pathRequest.value++;
    }
  }

  function close(): void {
    isOpen.value = false;
    path.value = null;
    notice.value = null;
  }

  return { isOpen, path, pathRequest, notice, open, close };
});
