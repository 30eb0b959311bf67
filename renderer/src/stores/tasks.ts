// Long tasks this window started (imports, mechanism builds, exports, downloads): each gets a
// client-picked id, follows the `progress`/`taskFinished` events carrying it, and ends done,
// failed or cancelled; the ETA is worked out here once. Also the window's one toast, and
// `useAction`, the busy/error pair of a short call a component makes.
import { defineStore } from 'pinia';
import { computed, ref, type Ref } from 'vue';
import type { AppEvent } from '../../../shared/contract.js';
import { estimateEtaSeconds } from '../../../shared/progress.js';
import { api } from '../api.js';
import { percent } from '../format.js';
import { newTaskId } from '../taskId.js';

export type TaskKind = 'import' | 'mechanisms' | 'export' | 'download';
export type TaskState = 'running' | 'done' | 'failed';

export interface Task {
  id: string;
  kind: TaskKind;
  state: TaskState;
  stage: string;
  done: number;
  total: number;
  /** the worker's estimate, else one from the rate so far; null until there is a rate */
  etaSeconds: number | null;
  /** done / total in [0, 1]; 0 while the total is unknown */
  fraction: number;
  /** whether a progress event has arrived yet */
  started: boolean;
  cancelling: boolean;
  error: string | null;
  /** the error's code when the call failed with one (e.g. CONFLICT: the file exists) */
  errorCode: string | null;
  startedAt: number;
}

/** How long a toast stays on screen. */
export const TOAST_MS = 3200;

/**
 * Seconds left: the worker's own estimate when it sent one, else the rate so far carried to the
 * total (nothing before any progress or once the total is unknown).
 */
export function taskEtaSeconds(progress: { done: number; total: number; etaSeconds: number | null }, elapsedSeconds: number): number | null {
  return progress.etaSeconds ?? estimateEtaSeconds(progress.done, progress.total, elapsedSeconds);
}

export const useTasksStore = defineStore('tasks', () => {
  const byId = ref<Record<string, Task>>({});
  /** the toast on screen; `seq` renews it when the same text comes twice */
  const toast = ref<{ text: string; error: boolean; seq: number } | null>(null);
  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  let toastSeq = 0;
  /** tasks whose call decides how they end (its taskFinished event may come first, without the error's code) */
  const endedByCall = new Set<string>();

  /** The newest task of a kind (a dialog reopened shows its task). */
  function latest(kind: TaskKind): Task | null {
    let found: Task | null = null;
    for (const t of Object.values(byId.value)) if (t.kind === kind && (!found || t.startedAt >= found.startedAt)) found = t;
    return found;
  }
  const running = computed(() => Object.values(byId.value).filter((t) => t.state === 'running'));

  /** Registers a task whose progress and end arrive as events (or through `run`). */
  function begin(kind: TaskKind, id: string = newTaskId(kind)): Task {
    byId.value[id] = {
      id,
      kind,
      state: 'running',
      stage: 'starting',
      done: 0,
      total: 0,
      etaSeconds: null,
      fraction: 0,
      started: false,
      cancelling: false,
      error: null,
      errorCode: null,
      startedAt: Date.now(),
    };
    return byId.value[id]!;
  }

  function finish(task: Task, error: unknown): void {
    if (task.state !== 'running') return;
    task.cancelling = false;
    if (error === null) {
      task.state = 'done';
      return;
    }
    task.state = 'failed';
    // the event's message and the call's rejection say the same; whichever comes first is kept
    task.error ??= error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string') task.errorCode = code;
  }

  /**
   * Starts a task: `call` gets the task id to pass to the API. Returns the task at once (for the
   * progress) and the call's result, which is null when it failed or was cancelled (the message
   * is in the task's `error`).
   */
  function start<T>(kind: TaskKind, call: (taskId: string) => Promise<T>): { task: Task; result: Promise<T | null> } {
    const task = begin(kind);
    endedByCall.add(task.id);
    const result = call(task.id).then(
      (value) => {
        finish(task, null);
        return value;
      },
      (err: unknown) => {
        finish(task, err);
        return null;
      },
    );
    void result.finally(() => endedByCall.delete(task.id));
    return { task, result };
  }

  async function cancel(taskId: string): Promise<void> {
    const task = byId.value[taskId];
    if (!task || task.state !== 'running') return;
    task.cancelling = true;
    try {
      await api.cancelTask({ taskId });
    } catch (err) {
      task.cancelling = false;
      task.error = (err as Error).message;
    }
  }

  /** Forgets a finished task (a dialog closed over it). */
  function forget(taskId: string): void {
    if (byId.value[taskId]?.state !== 'running') delete byId.value[taskId];
  }

  function onEvent(event: AppEvent): void {
    if (event.type !== 'progress' && event.type !== 'taskFinished') return;
    const task = byId.value[event.taskId];
    if (!task || task.state !== 'running') return;
    if (event.type === 'progress') {
      task.stage = event.stage;
      task.done = event.done;
      task.total = event.total;
      task.fraction = percent(event.done, event.total) / 100;
      task.etaSeconds = taskEtaSeconds(event, (Date.now() - task.startedAt) / 1000);
      task.started = true;
    } else if (endedByCall.has(task.id)) {
      // the call's own answer ends it; the event's message is kept in case it says more
      if (!event.ok && event.error) task.error ??= event.error;
    } else if (event.ok) {
      finish(task, null);
    } else {
      finish(task, new Error(event.error ?? `the ${task.kind} failed`));
    }
  }
  api.onEvent(onEvent);

  function notify(text: string, error = false): void {
    toast.value = { text, error, seq: ++toastSeq };
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.value = null), TOAST_MS);
  }

  return { byId, running, toast, latest, begin, start, cancel, forget, notify };
});

export interface Action {
  busy: Ref<boolean>;
  error: Ref<string | null>;
  /** Runs `call` with `busy` set; a failure's message goes to `error` and the result is undefined. */
  run<T>(call: () => Promise<T>): Promise<T | undefined>;
}

/** The busy flag and error message of a short call a component makes (create a set, start a preset). */
export function useAction(): Action {
  const busy = ref(false);
  const error = ref<string | null>(null);
  async function run<T>(call: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = null;
    try {
      return await call();
    } catch (err) {
      error.value = (err as Error).message;
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
