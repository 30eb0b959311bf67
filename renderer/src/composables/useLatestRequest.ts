// One call a page keeps asking again (a report, a chart's data) as its inputs change: the
// newest request wins, an answer to an older one is dropped, and the page reads the answer,
// whether one is in flight and the error that stopped the latest.
import { ref, shallowRef } from 'vue';

export function useLatestRequest<T>() {
  const data = shallowRef<T | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let latest = 0;

  /** Asks again; resolves true when this answer is the one shown (not superseded, not failed). */
  async function run(call: () => Promise<T>): Promise<boolean> {
    const mine = ++latest;
    loading.value = true;
    try {
      const answer = await call();
      if (mine !== latest) return false;
      data.value = answer;
      error.value = null;
      return true;
    } catch (err) {
      if (mine === latest) error.value = (err as Error).message;
      return false;
    } finally {
      if (mine === latest) loading.value = false;
    }
  }

  /** Forgets the answer and drops whatever is in flight (another experiment's data must never show). */
  function reset(): void {
    latest++;
    data.value = null;
    error.value = null;
    loading.value = false;
  }

  return { data, loading, error, run, reset };
}
