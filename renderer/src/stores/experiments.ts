// Experiments and their runs: the list (refreshed, coalesced, on `runsChanged`), the latest
// `trainProgress` of each run, a per-run cache of epoch metrics for the curves, and the calls
// that start, cancel and resume training.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppEvent, CallArgs } from '../../../shared/contract.js';
import type { EpochMetric, ExperimentSummary, RunSummary } from '../../../shared/runs.js';
import { api } from '../api.js';
import { coalesce } from '../coalesce.js';
import { ACTIVE_STATUSES, newestExperimentId, type LiveProgress } from '../runProgress.js';
import { upsertById } from './keyedList.js';

/** How long bursts of runsChanged events are collected before the list and curves refresh. */
export const REFRESH_MS = 300;

export const useExperimentsStore = defineStore('experiments', () => {
  const list = ref<ExperimentSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** latest trainProgress per run id */
  const progress = ref<Record<number, LiveProgress>>({});
  /** epoch metrics per run id, for runs someone asked about */
  const metrics = ref<Record<number, EpochMetric[]>>({});
  const metricsError = ref<string | null>(null);
  /** the demo experiment started from this window, so the datasets page can keep showing it */
  const demoExperimentId = ref<number | null>(null);

  const byId = computed(() => new Map(list.value.map((e) => [e.id, e])));
  const newestId = computed(() => newestExperimentId(list.value));

  let loadSeq = 0;
  async function load(): Promise<void> {
    const seq = ++loadSeq;
    loading.value = true;
    try {
      const result = await api.listExperiments();
      if (seq !== loadSeq) return; // a later refresh superseded this one
      list.value = result;
      loaded.value = true;
      error.value = null;
      forgetFinishedProgress();
    } catch (err) {
      if (seq === loadSeq) error.value = (err as Error).message;
    } finally {
      if (seq === loadSeq) loading.value = false;
    }
  }

  /** Progress of runs that are no longer active is history; drop it so a resumed run starts clean. */
  function forgetFinishedProgress(): void {
    const active = new Set<number>();
    for (const e of list.value) for (const r of e.runs) if (ACTIVE_STATUSES.has(r.status)) active.add(r.id);
    for (const key of Object.keys(progress.value)) {
      const runId = Number(key);
      if (!active.has(runId) && byRunId(runId)) delete progress.value[runId];
    }
  }

  function byRunId(runId: number): RunSummary | undefined {
    for (const e of list.value) {
      const r = e.runs.find((x) => x.id === runId);
      if (r) return r;
    }
    return undefined;
  }

  const upsert = (experiment: ExperimentSummary): ExperimentSummary => upsertById(list.value, experiment);

  function upsertRun(run: RunSummary): void {
    const e = byId.value.get(run.experimentId);
    if (!e) return;
    const i = e.runs.findIndex((r) => r.id === run.id);
    const runs = [...e.runs];
    if (i >= 0) runs.splice(i, 1, run);
    else runs.push(run);
    upsert({ ...e, runs });
  }

  /** From the list when present, else fetched (a bookmarked experiment page opens before the list). */
  async function get(experimentId: number): Promise<ExperimentSummary> {
    return byId.value.get(experimentId) ?? upsert(await api.getExperiment({ experimentId }));
  }

  /** Fetched anew and kept in the list (an experiment page following its runs). */
  async function refresh(experimentId: number): Promise<ExperimentSummary> {
    const experiment = await api.getExperiment({ experimentId });
    upsert(experiment);
    return experiment;
  }

  const metricsSeq = new Map<number, number>();
  async function loadMetrics(runId: number): Promise<void> {
    const seq = (metricsSeq.get(runId) ?? 0) + 1;
    metricsSeq.set(runId, seq);
    try {
      const rows = await api.runMetrics({ runId });
      if (metricsSeq.get(runId) !== seq) return;
      metrics.value[runId] = rows;
      metricsError.value = null;
    } catch (err) {
      if (metricsSeq.get(runId) === seq) metricsError.value = (err as Error).message;
    }
  }

  /** Loads the metrics of runs not cached yet. */
  function ensureMetrics(runIds: readonly number[]): void {
    for (const id of runIds) if (!(id in metrics.value) && !metricsSeq.has(id)) void loadMetrics(id);
  }

  const listRefresh = coalesce<never>(REFRESH_MS, () => void load());
  const metricsRefresh = coalesce<number>(REFRESH_MS, (runIds) => {
    for (const id of runIds) void loadMetrics(id);
  });

  function onEvent(event: AppEvent): void {
    if (event.type === 'runsChanged') {
      listRefresh.request();
      // only curves someone is looking at (cached) are refreshed; others load when opened
      if (event.runId !== undefined && (event.runId in metrics.value || metricsSeq.has(event.runId))) metricsRefresh.request(event.runId);
    } else if (event.type === 'trainProgress') {
      const { type: _type, ...rest } = event;
      progress.value[event.runId] = { ...rest, receivedAt: Date.now() };
    }
  }
  api.onEvent(onEvent);

  async function startExperiment(args: CallArgs<'startExperiment'>): Promise<ExperimentSummary> {
    const experiment = await api.startExperiment(args);
    upsert(experiment);
    return experiment;
  }

  async function startPaperPreset(args: CallArgs<'startPaperPreset'>): Promise<ExperimentSummary> {
    const experiment = await api.startPaperPreset(args);
    upsert(experiment);
    return experiment;
  }

  /** The findings preset on a dataset (docs/findings.md): its seed replicates train; the first is returned. */
  async function startFindingsPreset(args: CallArgs<'startFindingsPreset'>): Promise<ExperimentSummary> {
    const experiment = await api.startFindingsPreset(args);
    upsert(experiment);
    listRefresh.request(); // the other replicates
    return experiment;
  }

  /** The mechanisms preset on a mechanism dataset: one experiment per teacher split, all returned. */
  async function startMechanismPreset(args: CallArgs<'startMechanismPreset'>): Promise<ExperimentSummary[]> {
    const started = await api.startMechanismPreset(args);
    for (const experiment of started) upsert(experiment);
    listRefresh.request(); // their runs as they start
    return started;
  }

  /** Starts the paper preset as the demo, remembered so the datasets page follows it. */
  async function startDemo(datasetId: number, epochs = 5): Promise<ExperimentSummary> {
    const experiment = await startPaperPreset({ datasetId, epochs });
    demoExperimentId.value = experiment.id;
    return experiment;
  }

  async function cancelTraining(args: CallArgs<'cancelTraining'>): Promise<boolean> {
    const { cancelled } = await api.cancelTraining(args);
    listRefresh.request();
    return cancelled;
  }

  /** Deletes an experiment with its runs; the list drops it at once (other windows follow runsChanged). */
  async function remove(experimentId: number): Promise<boolean> {
    const { deleted } = await api.deleteExperiment({ experimentId });
    list.value = list.value.filter((e) => e.id !== experimentId);
    for (const r of byId.value.get(experimentId)?.runs ?? []) delete metrics.value[r.id];
    return deleted;
  }

  async function resumeRun(args: CallArgs<'resumeRun'>): Promise<RunSummary> {
    delete progress.value[args.runId];
    const run = await api.resumeRun(args);
    upsertRun(run);
    listRefresh.request();
    return run;
  }

  return {
    list,
    loaded,
    loading,
    error,
    progress,
    metrics,
    metricsError,
    demoExperimentId,
    byId,
    newestId,
    load,
    get,
    refresh,
    byRunId,
    loadMetrics,
    ensureMetrics,
    startExperiment,
    startPaperPreset,
    startFindingsPreset,
    startMechanismPreset,
    startDemo,
    cancelTraining,
    resumeRun,
    remove,
  };
});
