// The epoch metrics (loss, accuracy per epoch) of a page's runs, from the experiments store's
// cache: loaded once per run, and again when a run's epoch count moves past what is cached.
import { watch } from 'vue';
import { recordedEpochsKey, type EpochMetric, type RunSummary } from '../../../shared/runs.js';
import { useExperimentsStore } from '../stores/experiments.js';

function epochsRecorded(metrics: readonly EpochMetric[]): number {
  return metrics.reduce((max, m) => Math.max(max, m.epoch), 0);
}

export function useRunMetrics(runs: () => readonly RunSummary[]) {
  const experiments = useExperimentsStore();
  watch(
    () => recordedEpochsKey(runs()),
    () => {
      experiments.ensureMetrics(runs().map((r) => r.id));
      for (const r of runs()) {
        const cached = experiments.metrics[r.id];
        if (cached && epochsRecorded(cached) < r.epochsDone) void experiments.loadMetrics(r.id);
      }
    },
    { immediate: true },
  );
  return experiments;
}
