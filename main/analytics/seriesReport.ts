// The deviation report across seed replicates (issue 16): students matched by name in every
// replicate of a series, each report number averaged per split with a Student-t 95% interval,
// clipped to the values the number can take (an accuracy's to [0, 1]).
import type { DeviationReport, SplitDeviation } from '../../shared/analytics.js';
import { compareSplits } from '../../shared/domain.js';
import { clipInterval, SEED_METRIC_DOMAINS, SEED_METRICS, type SeedMetric, type SeriesReport } from '../../shared/findings.js';
import { meanWithTInterval } from '../../shared/seedStatistics.js';

const metricOf: Record<SeedMetric, (s: SplitDeviation) => number | null> = {
  teacherAccuracy: (s) => s.teacherAccuracy,
  studentAccuracy: (s) => s.studentAccuracy,
  teacherCleanAccuracy: (s) => s.teacherCleanAccuracy,
  studentCleanAccuracy: (s) => s.studentCleanAccuracy,
  fidelity: (s) => s.fidelity,
  meanKl: (s) => s.meanKl,
  beta: (s) => s.beta,
  deltaLowest: (s) => s.bins[0]?.delta ?? null,
  deltaTop: (s) => s.bins[s.bins.length - 1]?.delta ?? null,
  hardPointFitRate: (s) => s.hardPointFitRate,
};

export function seriesReport(replicates: { experimentId: number; seed: number | null; report: DeviationReport }[]): SeriesReport {
  const names = [...new Set(replicates.flatMap((r) => r.report.students.map((s) => s.studentName)))];
  return {
    experimentIds: replicates.map((r) => r.experimentId),
    seeds: replicates.map((r) => r.seed),
    students: names.map((name) => {
      const perSeed = replicates.map((r) => r.report.students.find((s) => s.studentName === name));
      const splits = [...new Set(perSeed.flatMap((s) => s?.splits.map((d) => d.split) ?? []))].sort(compareSplits);
      return {
        name,
        runIds: perSeed.map((s) => s?.studentRunId ?? null),
        splits: splits.map((split) => {
          const rows = perSeed.map((s) => s?.splits.find((d) => d.split === split));
          const metrics = Object.fromEntries(
            SEED_METRICS.map((m) => {
              const values = rows.map((row) => (row ? metricOf[m](row) : null));
              const stats = meanWithTInterval(values);
              return [m, { n: stats.n, mean: Number.isFinite(stats.mean) ? stats.mean : null, interval: stats.interval && clipInterval(stats.interval, SEED_METRIC_DOMAINS[m]), values }];
            }),
          ) as SeriesReport['students'][number]['splits'][number]['metrics'];
          return { split, metrics };
        }),
      };
    }),
  };
}
