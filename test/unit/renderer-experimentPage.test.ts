// The composable's module reaches the app's API client, whose window bridge env.d.ts declares.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- a global declaration file, nothing to import
/// <reference path="../../renderer/src/env.d.ts" />
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, reactive, ref } from 'vue';
import type { AppEvent } from '../../shared/contract.js';
import type { DatasetSummary } from '../../shared/domain.js';
import type { ExperimentSummary, RunSummary } from '../../shared/runs.js';

// the composable's default source is the app's stores over the real API client, which needs a window
vi.mock('../../renderer/src/api.js', () => ({ api: {} }));
const { useExperimentPage } = await import('../../renderer/src/composables/useExperimentPage.js');
type Source = import('../../renderer/src/composables/useExperimentPage.js').ExperimentPageSource;

function run(id: number, experimentId: number, epochsDone: number): RunSummary {
  return {
    id,
    experimentId,
    role: id === 1 ? 'teacher' : 'student',
    name: `run ${id}`,
    teacherRunId: id === 1 ? null : 1,
    spec: {},
    status: 'running',
    backend: 'cpu',
    epochs: 5,
    epochsDone,
    trainAccuracy: null,
    testAccuracy: null,
    seconds: 0,
    error: null,
  };
}
function experiment(id: number, epochsDone: number): ExperimentSummary {
  return { id, datasetId: 7, name: `experiment ${id}`, createdAt: '2026-01-01', series: null, seed: null, runs: [run(1, id, epochsDone), run(2, id, epochsDone)] };
}
const DATASET: DatasetSummary = { id: 7, name: 'digits', kind: 'image', format: 'idx', source: 'x', classNames: ['a', 'b'], classGroups: [], shape: null, splits: [], createdAt: '2026-01-01' };

/** A server whose experiments record epochs, and an event source the test fires. */
function fakeSource() {
  const server = new Map<number, ExperimentSummary>([
    [3, experiment(3, 1)],
    [4, experiment(4, 1)],
  ]);
  const known = reactive(new Map<number, ExperimentSummary>());
  const datasets = reactive(new Map<number, DatasetSummary>());
  const listeners = new Set<(e: AppEvent) => void>();
  const fetched: number[] = [];
  let failNext: string | null = null;
  const source: Source = {
    experiment: (id) => known.get(id),
    dataset: (id) => datasets.get(id),
    async fetchExperiment(id) {
      fetched.push(id);
      await Promise.resolve();
      if (failNext) {
        const message = failNext;
        failNext = null;
        throw new Error(message);
      }
      const e = server.get(id);
      if (!e) throw new Error(`experiment ${id} not found`);
      known.set(id, structuredClone(e));
      return e;
    },
    async fetchDataset(id) {
      datasets.set(id, DATASET);
      return DATASET;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refreshMs: 300,
  };
  return {
    source,
    server,
    fetched,
    listeners,
    fail: (message: string) => (failNext = message),
    emit: (e: AppEvent) => listeners.forEach((l) => l(e)),
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTick();
}

/** The page of experiment `id` (a getter follows a route), opened over a fake source and loaded. */
async function openPage(id: () => number = () => 3) {
  const fake = fakeSource();
  const scope = effectScope();
  const page = scope.run(() => useExperimentPage(id, fake.source))!;
  await settle();
  return { fake, scope, page };
}

describe('useExperimentPage', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('loads the experiment and its dataset for the route id', async () => {
    const fake = fakeSource();
    const scope = effectScope();
    const page = scope.run(() => useExperimentPage(() => 3, fake.source))!;
    expect(page.loading.value).toBe(true); // before it settles
    await settle();
    expect(page.experiment.value?.name).toBe('experiment 3');
    expect(page.dataset.value?.name).toBe('digits');
    expect(page.runs.value.map((r) => r.epochsDone)).toEqual([1, 1]);
    expect(page.loading.value).toBe(false);
    expect(page.error.value).toBeNull();
    scope.stop();
  });

  it('follows runsChanged for its experiment: a burst of events is one fetch, and the new epochs show', async () => {
    const { fake, scope, page } = await openPage();
    fake.server.set(3, experiment(3, 2));
    fake.emit({ type: 'runsChanged', experimentId: 3, runId: 1 });
    fake.emit({ type: 'runsChanged', experimentId: 3, runId: 2 });
    await settle();
    expect(page.runs.value.map((r) => r.epochsDone)).toEqual([1, 1]); // collected for refreshMs first
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(fake.fetched).toEqual([3, 3]);
    expect(page.runs.value.map((r) => r.epochsDone)).toEqual([2, 2]);
    scope.stop();
  });

  it('ignores runsChanged of other experiments', async () => {
    const { fake, scope } = await openPage();
    fake.emit({ type: 'runsChanged', experimentId: 4, runId: 9 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.fetched).toEqual([3]);
    scope.stop();
  });

  it('loads the new experiment when the route changes, and an error names what failed', async () => {
    const id = ref(3);
    const { scope, page } = await openPage(() => id.value);
    id.value = 99;
    await settle();
    expect(page.experiment.value).toBeNull();
    expect(page.error.value).toBe('experiment 99 not found');
    id.value = 4;
    await settle();
    expect(page.experiment.value?.name).toBe('experiment 4');
    expect(page.error.value).toBeNull();
    scope.stop();
  });

  it('stops listening when the page goes away', async () => {
    const { fake, scope } = await openPage();
    fake.emit({ type: 'runsChanged', experimentId: 3 });
    scope.stop();
    expect(fake.listeners.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.fetched).toEqual([3]); // the pending refresh was cancelled with the page
  });

  it('keeps the last good experiment when a refresh fails, and says why', async () => {
    const { fake, scope, page } = await openPage();
    fake.fail('the server went away');
    fake.emit({ type: 'runsChanged', experimentId: 3 });
    await vi.advanceTimersByTimeAsync(300);
    await settle();
    expect(page.error.value).toBe('the server went away');
    expect(page.experiment.value?.name).toBe('experiment 3');
    scope.stop();
  });
});

describe('experiment pages', () => {
  // Four ways to load an experiment page meant one of them (the gradients page) never saw an epoch arrive.
  const viewsDir = join(import.meta.dirname, '../../renderer/src/views');
  const pages = readdirSync(viewsDir)
    .filter((f) => f.endsWith('.vue'))
    .map((f) => ({ file: f, text: readFileSync(join(viewsDir, f), 'utf8') }))
    .filter((v) => /defineProps<\{ experimentId: number \}>/.test(v.text));

  it('finds the experiment pages', () => {
    expect(pages.map((p) => p.file)).toEqual(expect.arrayContaining(['ExperimentView.vue', 'GradientView.vue', 'ExplorerView.vue', 'DynamicsView.vue', 'CompareView.vue', 'FindingsView.vue']));
  });

  it.each(pages.map((p) => [p.file, p.text]))('%s loads its experiment through useExperimentPage', (_file, text) => {
    expect(text).toMatch(/useExperimentPage\(\(\) => props\.experimentId\)/);
    expect(text).not.toMatch(/api\.getExperiment\(|experiments\.get\(|api\.getDataset\(/);
  });
});
