// Waiting for real training in end-to-end tests: until every run (of the given experiments, or
// of the database) has finished, failing at once with a run's own error, or at the deadline.
import type Database from 'better-sqlite3';

export async function waitForTraining(db: Database.Database, options: { experimentIds?: number[]; timeoutMs: number; allowFailed?: boolean }): Promise<void> {
  const scope = options.experimentIds ? `experiment_id IN (${options.experimentIds.map(Number).join(',')})` : '1 = 1';
  const open = db.prepare(`SELECT count(*) FROM runs WHERE ${scope} AND status NOT IN ('done', 'failed')`).pluck();
  const failed = db.prepare(`SELECT name || ': ' || coalesce(error, 'failed') FROM runs WHERE ${scope} AND status = 'failed'`).pluck();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const failure = options.allowFailed ? undefined : (failed.get() as string | undefined);
    if (failure) throw new Error(`a run failed: ${failure}`);
    if ((open.get() as number) === 0) return;
    if (Date.now() > deadline) throw new Error(`training did not finish within ${Math.round(options.timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
