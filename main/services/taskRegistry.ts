// Long-running tasks by id, so any transport can cancel one; each task holds an AbortController.
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../shared/errors.js';

export function createTaskRegistry() {
  const running = new Map<string, AbortController>();
  return {
    start(taskId: string = randomUUID()): { taskId: string; signal: AbortSignal; finish: () => void } {
      if (running.has(taskId)) throw new DomainError('CONFLICT', `task ${taskId} is already running`);
      const controller = new AbortController();
      running.set(taskId, controller);
      return { taskId, signal: controller.signal, finish: () => running.delete(taskId) };
    },
    cancel(taskId: string): boolean {
      const controller = running.get(taskId);
      if (!controller) return false;
      controller.abort();
      return true;
    },
    cancelAll(): void {
      for (const c of running.values()) c.abort();
    },
  };
}

export type TaskRegistry = ReturnType<typeof createTaskRegistry>;
