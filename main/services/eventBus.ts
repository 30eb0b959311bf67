// Fan-out of app events to every transport (IPC windows, SSE clients); subscribe returns its disposer.
import type { AppEvent } from '../../shared/contract.js';

export type Dispose = () => void;

export function createEventBus() {
  const listeners = new Set<(e: AppEvent) => void>();
  return {
    emit(event: AppEvent): void {
      for (const l of listeners) l(event);
    },
    subscribe(listener: (e: AppEvent) => void): Dispose {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type EventBus = ReturnType<typeof createEventBus>;
