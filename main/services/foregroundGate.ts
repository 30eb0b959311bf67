// The calls a person waits on with the page in hand (a student's scatter, a grid page, a
// histogram) go before the long work that shares the services' event loop with them (a report,
// the findings, the warming of a frame's columns). That work takes one step a turn, and each step
// first awaits `turn()`, which also waits while a quick call is in flight: in web mode from its
// request's arrival to the last byte of its answer. At a million examples a report's step costs
// 0.1–0.5 s, and a 12 MB scatter answer drains over several turns: with a step between each, the
// first student switch after the explorer opened waited ~1.5 s for a scatter made in 0.2 s. The
// grid's thumbnails count too: fifty of them, six at a time over the browser's connections, each
// behind a warming step of 0.1–0.3 s, held the next scatter's request in the browser's queue.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A step waits at most this long for the quick calls: a stream of them slows long work, never stops it. */
export const FOREGROUND_MAX_WAIT_MS = 2000;
/**
 * After the last quick call ends, long work waits this long more for the next: a browser sends
 * the next of a burst (a page of thumbnails) as each answer arrives, a few ms later.
 */
export const FOREGROUND_LINGER_MS = 20;

export interface ForegroundGate {
  /** Marks a quick call in flight; the function returned ends it (calling it again does nothing). */
  enter(): () => void;
  /** A turn of the event loop, then until no quick call has been in flight for lingerMs (at most maxWaitMs in all). */
  turn(): Promise<void>;
  /** quick calls in flight now */
  readonly inFlight: number;
}

export function createForegroundGate(maxWaitMs = FOREGROUND_MAX_WAIT_MS, lingerMs = FOREGROUND_LINGER_MS): ForegroundGate {
  let inFlight = 0;
  let lastLeft = -Infinity;
  let waiting = new Set<() => void>();
  let lingering: ReturnType<typeof setTimeout> | undefined;
  const wake = () => {
    lingering = undefined;
    if (inFlight > 0) return;
    const left = lingerMs - (performance.now() - lastLeft);
    if (left > 0) {
      lingering = setTimeout(wake, Math.ceil(left));
      return;
    }
    const woken = waiting;
    waiting = new Set();
    for (const resume of woken) resume();
  };
  return {
    get inFlight() {
      return inFlight;
    },
    enter() {
      inFlight++;
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        if (--inFlight > 0) return;
        lastLeft = performance.now();
        if (waiting.size > 0 && lingering === undefined) lingering = setTimeout(wake, lingerMs);
      };
    },
    async turn() {
      await nextTurn();
      if (inFlight === 0 && performance.now() - lastLeft >= lingerMs) return;
      await new Promise<void>((resolve) => {
        const resume = () => {
          clearTimeout(timer);
          waiting.delete(resume);
          resolve();
        };
        const timer = setTimeout(resume, maxWaitMs);
        waiting.add(resume);
        if (inFlight === 0 && lingering === undefined) lingering = setTimeout(wake, lingerMs);
      });
    },
  };
}
