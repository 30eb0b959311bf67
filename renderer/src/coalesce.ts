// Bursts of events collapsed into one call: the first request starts a timer, requests made
// before it fires join it (their keys are collected), and the callback runs once with them all.
// Unlike a resetting debounce, a steady stream of events still refreshes every `ms`.

export interface Coalescer<K> {
  /** asks for a run of the callback; `key` (optional) is passed along with the others collected */
  request(key?: K): void;
  /** runs now if something is pending */
  flush(): void;
  cancel(): void;
}

export function coalesce<K = never>(
  ms: number,
  run: (keys: Set<K>) => void,
  timers: { set: (fn: () => void, ms: number) => unknown; clear: (handle: unknown) => void } = {
    set: (fn, t) => setTimeout(fn, t),
    clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  },
): Coalescer<K> {
  let handle: unknown = null;
  let keys = new Set<K>();
  let pending = false;

  function fire(): void {
    handle = null;
    if (!pending) return;
    const collected = keys;
    keys = new Set();
    pending = false;
    run(collected);
  }

  return {
    request(key?: K) {
      pending = true;
      if (key !== undefined) keys.add(key);
      if (handle === null) handle = timers.set(fire, ms);
    },
    flush() {
      if (handle !== null) timers.clear(handle);
      fire();
    },
    cancel() {
      if (handle !== null) timers.clear(handle);
      handle = null;
      pending = false;
      keys = new Set();
    },
  };
}
