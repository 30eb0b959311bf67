// Seed replicates in the experiments list (ExperimentSpec.seeds): a replicate is labelled "seed s
// of N" (or "seed s · N replicates" when its series' seeds are not 1…N: chosen seeds, or a
// replicate deleted), and the replicates of one series sit together in seed order among the
// newest-first rows.
import type { ExperimentSummary } from '../../shared/runs.js';

type Listed = Pick<ExperimentSummary, 'id' | 'createdAt' | 'series' | 'seed'>;

/** "seed s of N" for a replicate (N: the replicates of its series in `all`); null without seeds. */
export function seedLabel(e: Listed, all: readonly Listed[]): string | null {
  if (e.series === null || e.seed === null) return null;
  const seeds = all.filter((x) => x.series === e.series).map((x) => x.seed);
  const n = seeds.length;
  const oneToN = seeds.every((s) => s !== null && s >= 1 && s <= n) && new Set(seeds).size === n;
  return oneToN ? `seed ${e.seed} of ${n}` : `seed ${e.seed} · ${n} replicate${n === 1 ? '' : 's'}`;
}

const newerFirst = (a: Listed, b: Listed) => (a.createdAt === b.createdAt ? b.id - a.id : a.createdAt < b.createdAt ? 1 : -1);

/** Newest first by each series' newest replicate; a series' replicates together, in seed order. */
export function experimentRows<T extends Listed>(list: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const e of list) {
    const key = e.series ?? `experiment ${e.id}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const sorted = [...groups.values()].map((g) => ({ newest: [...g].sort(newerFirst)[0]!, rows: [...g].sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0) || a.id - b.id) }));
  return sorted.sort((a, b) => newerFirst(a.newest, b.newest)).flatMap((g) => g.rows);
}

/** The replicates of `e`'s series found in `all`, in seed order; `e` alone when it has no series. */
export function seriesReplicates<T extends Listed>(e: T, all: readonly T[]): T[] {
  if (e.series === null) return [e];
  return all.filter((x) => x.series === e.series).sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0) || a.id - b.id);
}
