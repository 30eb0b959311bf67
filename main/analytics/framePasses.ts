// How an analysis frame defers its work: a pass over epochs written as a generator and run a step
// at a time (so the service can build it in idle turns), and a row function that remembers its
// last row (a page asks for one example's measures one by one).

export interface Stepwise<T> {
  /** the value, finishing the pass first */
  get(): T;
  /** one more step of the pass; true once it is complete */
  step(): boolean;
}

/** A pass written as a generator (one `yield` per step), run to the end on demand or a step at a time. */
export function stepwise<T>(pass: () => Generator<void, T>): Stepwise<T> {
  let running: Generator<void, T> | undefined;
  let result: { value: T } | undefined;
  const advance = (): boolean => {
    if (result) return true;
    running ??= pass();
    const next = running.next();
    if (next.done) result = { value: next.value };
    return result !== undefined;
  };
  return {
    get: () => {
      while (!advance());
      return result!.value;
    },
    step: advance,
  };
}

/**
 * A row function remembering its last row: a page asks for one example's measures one by one,
 * and several of them (margin and entropy, the four gradient figures, the six dynamics) come
 * from one computation over that row.
 */
export function lastRow<T>(compute: (i: number) => T): (i: number) => T {
  let row = -1;
  let value: T;
  return (i) => {
    if (i !== row) {
      value = compute(i);
      row = i;
    }
    return value;
  };
}
