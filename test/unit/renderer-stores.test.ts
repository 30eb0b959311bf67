// The renderer's Pinia stores for long tasks, imports, curated sets and exports, over a fake API
// client: what they call, how events move them, and what a component reads from them.
// env.d.ts is a global declaration file (no module to import): the stores import the renderer's
// api.ts, which knows the preload's bridge type from it.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../renderer/src/env.d.ts" />
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../shared/contract.js';

const fake = vi.hoisted(() => {
  const listeners = new Set<(event: unknown) => void>();
  const calls: { name: string; args: unknown }[] = [];
  const handlers: Record<string, (args: never) => unknown> = {};
  const api = new Proxy(
    {
      transport: 'web',
      onEvent(listener: (event: unknown) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      imageUrl: (id: number) => `/img/${id}`,
    } as Record<string, unknown>,
    {
      get(target, name: string) {
        if (name in target) return target[name];
        return (args: never) => {
          calls.push({ name, args });
          const handler = handlers[name];
          if (!handler) return Promise.reject(new Error(`no handler for ${name}`));
          return Promise.resolve().then(() => handler(args));
        };
      },
    },
  );
  return { api, listeners, calls, handlers };
});
vi.mock('../../renderer/src/api.js', () => ({ api: fake.api }));

const { useTasksStore, taskEtaSeconds, useAction, TOAST_MS } = await import('../../renderer/src/stores/tasks.js');
const { useDatasetsStore } = await import('../../renderer/src/stores/datasets.js');
const { useSetsStore } = await import('../../renderer/src/stores/sets.js');
const { useExportsStore } = await import('../../renderer/src/stores/exports.js');

function emit(event: AppEvent): void {
  for (const listener of fake.listeners) listener(event);
}
/** A promise the test settles by hand: a call still running. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const flush = () => new Promise((r) => setTimeout(r, 0));

const DATASET = { id: 7, name: 'digits', kind: 'image', classNames: ['a', 'b'] };
const set = (id: number, datasetId = 7, name = `set ${id}`, size = 1) => ({ id, datasetId, name, description: '', size, createdAt: '2026-01-01T00:00:00Z' });

beforeEach(() => {
  setActivePinia(createPinia());
  fake.listeners.clear();
  fake.calls.length = 0;
  for (const k of Object.keys(fake.handlers)) delete fake.handlers[k];
});
afterEach(() => vi.useRealTimers());

describe('the tasks store', () => {
  it('estimates the ETA from the rate so far when the worker sends none, and keeps the worker’s own', () => {
    expect(taskEtaSeconds({ done: 25, total: 100, etaSeconds: null }, 10)).toBeCloseTo(30);
    expect(taskEtaSeconds({ done: 25, total: 100, etaSeconds: 4 }, 10)).toBe(4);
    expect(taskEtaSeconds({ done: 0, total: 100, etaSeconds: null }, 10)).toBeNull();
    expect(taskEtaSeconds({ done: 5, total: 0, etaSeconds: null }, 10)).toBeNull();
  });

  it('follows the progress events of its own task only, and ends with the call', async () => {
    const tasks = useTasksStore();
    const call = pending<string>();
    const { task, result } = tasks.start('export', () => call.promise);
    expect(task.state).toBe('running');
    expect(task.started).toBe(false);
    emit({ type: 'progress', taskId: 'someone-else', kind: 'export', stage: 'other', done: 9, total: 10, etaSeconds: 1 });
    emit({ type: 'progress', taskId: task.id, kind: 'export', stage: 'writing', done: 30, total: 120, etaSeconds: 12 });
    expect(task).toMatchObject({ stage: 'writing', done: 30, total: 120, fraction: 0.25, etaSeconds: 12, started: true });
    call.resolve('written');
    expect(await result).toBe('written');
    expect(task.state).toBe('done');
    emit({ type: 'progress', taskId: task.id, kind: 'export', stage: 'late', done: 1, total: 120, etaSeconds: 1 });
    expect(task.stage).toBe('writing'); // a finished task is history
  });

  it('cancels through cancelTask with the task’s id; the rejected call leaves it failed with the message and code', async () => {
    const tasks = useTasksStore();
    fake.handlers.cancelTask = () => ({ cancelled: true });
    const call = pending<string>();
    const { task, result } = tasks.start('import', () => call.promise);
    await tasks.cancel(task.id);
    expect(fake.calls).toContainEqual({ name: 'cancelTask', args: { taskId: task.id } });
    expect(task.cancelling).toBe(true);
    call.reject(Object.assign(new Error('the import was cancelled'), { code: 'CANCELLED' }));
    expect(await result).toBeNull();
    expect(task).toMatchObject({ state: 'failed', error: 'the import was cancelled', errorCode: 'CANCELLED', cancelling: false });
  });

  it('lets the call end a task it started, keeping the call’s error code when its taskFinished event came first', async () => {
    const tasks = useTasksStore();
    const call = pending<string>();
    const { task, result } = tasks.start('export', () => call.promise);
    emit({ type: 'taskFinished', taskId: task.id, kind: 'export', ok: false, error: '/tmp/a.zip exists' });
    expect(task.state).toBe('running');
    call.reject(Object.assign(new Error('/tmp/a.zip exists'), { code: 'CONFLICT' }));
    expect(await result).toBeNull();
    expect(task).toMatchObject({ state: 'failed', error: '/tmp/a.zip exists', errorCode: 'CONFLICT' });
  });

  it('ends a task that only events follow (a browser download) with its taskFinished event', () => {
    const tasks = useTasksStore();
    const ok = tasks.begin('download');
    const bad = tasks.begin('download');
    emit({ type: 'taskFinished', taskId: ok.id, kind: 'export', ok: true });
    emit({ type: 'taskFinished', taskId: bad.id, kind: 'export', ok: false });
    expect(ok.state).toBe('done');
    expect(bad).toMatchObject({ state: 'failed', error: 'the download failed' });
    expect(tasks.latest('download')?.id).toBe(bad.id);
  });

  it('shows one toast at a time and takes it down after a while', () => {
    vi.useFakeTimers();
    const tasks = useTasksStore();
    tasks.notify('first');
    tasks.notify('Could not add', true);
    expect(tasks.toast).toMatchObject({ text: 'Could not add', error: true, seq: 2 });
    vi.advanceTimersByTime(TOAST_MS - 1);
    expect(tasks.toast).not.toBeNull();
    vi.advanceTimersByTime(1);
    expect(tasks.toast).toBeNull();
  });

  it('useAction holds busy while the call runs and keeps a failure’s message', async () => {
    const action = useAction();
    const call = pending<number>();
    const running = action.run(() => call.promise);
    expect(action.busy.value).toBe(true);
    call.resolve(3);
    expect(await running).toBe(3);
    expect(action.busy.value).toBe(false);
    expect(await action.run(() => Promise.reject(new Error('name taken')))).toBeUndefined();
    expect(action.error.value).toBe('name taken');
    await action.run(() => Promise.resolve(1));
    expect(action.error.value).toBeNull();
  });
});

describe('the datasets store’s import', () => {
  it('shows an ETA worked out from the rate when the import worker has none yet', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const datasets = useDatasetsStore();
    const call = pending<typeof DATASET>();
    fake.handlers.importDataset = () => call.promise;
    const imported = datasets.importDataset({ path: '/data/digits' } as never);
    await flush();
    const taskId = (fake.calls.find((c) => c.name === 'importDataset')!.args as { taskId: string }).taskId;
    vi.setSystemTime(new Date('2026-01-01T00:00:10Z'));
    emit({ type: 'progress', taskId, kind: 'import', stage: 'reading', done: 250, total: 1000, etaSeconds: null });
    expect(datasets.importing?.etaSeconds).toBeCloseTo(30);
    call.resolve(DATASET);
    expect(await imported).toEqual(DATASET);
    expect(datasets.list).toEqual([DATASET]);
    expect(datasets.importing?.state).toBe('done');
    datasets.clearImport();
    expect(datasets.importing).toBeNull();
  });

  it('refuses a second import while one runs, and reports a failed one through `importing.error`', async () => {
    const datasets = useDatasetsStore();
    const call = pending<typeof DATASET>();
    fake.handlers.importDataset = () => call.promise;
    const first = datasets.importDataset({ path: '/a' } as never);
    await expect(datasets.importDataset({ path: '/b' } as never)).rejects.toThrow(/already running/);
    call.reject(new Error('/a: not an IDX file (row 1)'));
    expect(await first).toBeNull();
    expect(datasets.importing).toMatchObject({ state: 'failed', error: '/a: not an IDX file (row 1)' });
  });
});

describe('the curated sets store', () => {
  it('creates and adds, keeping the list current and the most recently used set on key 1', async () => {
    const sets = useSetsStore();
    fake.handlers.listCuratedSets = () => [set(1), set(2), set(3, 8)];
    await sets.load();
    sets.keysDatasetId = 7;
    expect(sets.numberKeys.map((k) => k.setId)).toEqual([2, 1]); // none used yet: newest first
    fake.handlers.addToCuratedSet = (args: { setId: number; exampleIds: number[] }) => ({ ...set(args.setId), size: 5 });
    await sets.add({ setId: 1, exampleIds: [4] });
    expect(sets.numberKeys.map((k) => k.setId)).toEqual([1, 2]);
    expect(sets.byId.get(1)?.size).toBe(5);
    fake.handlers.createCuratedSet = () => set(9, 7, 'hard ones', 2);
    await sets.create({ datasetId: 7, name: 'hard ones', exampleIds: [4, 5] });
    expect(sets.numberKeys.map((k) => k.key + ':' + k.name)).toEqual(['1:hard ones', '2:set 1', '3:set 2']);
    expect(sets.ofDataset(8).map((s) => s.id)).toEqual([3]);
    const added = await sets.addByKey(2, 11);
    expect(added?.id).toBe(1);
    expect(fake.calls.at(-1)).toEqual({ name: 'addToCuratedSet', args: { setId: 1, exampleIds: [11] } });
    expect(await sets.addByKey(8, 11)).toBeNull();
  });

  it('reloads the list and the open page of members on curatedSetsChanged', async () => {
    const sets = useSetsStore();
    let size = 1;
    fake.handlers.listCuratedSets = () => [set(1, 7, 'a', size)];
    fake.handlers.listCuratedSetMembers = (args: { setId: number; offset: number; limit: number }) => ({
      total: size,
      items: Array.from({ length: size }, (_, i) => ({ exampleId: args.offset + i + 1, split: 'train', index: i, label: 0, note: '', addedAt: '', snippet: null })),
    });
    await sets.load();
    await sets.loadMembers(1, 0);
    expect(fake.calls.at(-1)).toEqual({ name: 'listCuratedSetMembers', args: { setId: 1, offset: 0, limit: 200 } });
    expect(sets.members?.total).toBe(1);
    size = 3;
    emit({ type: 'curatedSetsChanged', datasetId: 7 });
    await flush();
    expect(sets.byId.get(1)?.size).toBe(3);
    expect(sets.members?.items.map((m) => m.exampleId)).toEqual([1, 2, 3]);
    fake.handlers.deleteCuratedSet = () => ({ deleted: true });
    await sets.remove(1);
    expect(sets.list).toEqual([]);
    expect(sets.members).toBeNull();
  });
});

describe('the exports store', () => {
  it('exports a set as a task whose id goes with the call', async () => {
    const exports = useExportsStore();
    fake.handlers.exportCuratedSet = (args: { taskId: string; path: string }) => ({ path: args.path, format: 'csv', rows: 3, bytes: 99 });
    const { task, result } = exports.exportSet({ setId: 1, format: 'csv', path: '/tmp/a.csv', overwrite: false });
    expect((await result)?.rows).toBe(3);
    expect(fake.calls[0]).toEqual({ name: 'exportCuratedSet', args: { setId: 1, format: 'csv', path: '/tmp/a.csv', overwrite: false, taskId: task.id } });
    expect(task.state).toBe('done');
  });

  it('keeps the CONFLICT code of an export refused over an existing file', async () => {
    const exports = useExportsStore();
    fake.handlers.exportCuratedSet = () => {
      throw Object.assign(new Error('/tmp/a.csv exists'), { code: 'CONFLICT' });
    };
    const { task, result } = exports.exportSet({ setId: 1, format: 'csv', path: '/tmp/a.csv', overwrite: false });
    expect(await result).toBeNull();
    expect(task).toMatchObject({ state: 'failed', errorCode: 'CONFLICT', error: '/tmp/a.csv exists' });
  });
});
