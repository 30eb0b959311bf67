// Findings benchmarks (issue 16): the findings call on a 3-seed series over 70,000 examples
// (a fresh service, then asked again), and `disobey demo` end to end in a child process on a
// fresh database — the time a newcomer waits for the answer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FindingsArgs, type Findings } from '../shared/findings.js';
import { createAnalyticsService } from '../main/analytics/analyticsService.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { appRoot } from '../main/paths.js';
import { createFindingsFixture, type SeedPlan } from './findingsFixture.js';
import type { BenchRow } from './table.js';
import { createStore } from '../main/store/store.js';

const SECONDS_BUDGET_DEMO = 180;

const plan = (seed: number): SeedPlan => ({
  seed,
  teacher: { train: 0.95, test: 0.8 },
  onehot: { train: 0.9, test: 0.75, confidence: 0.8 },
  kd: { train: 0.86, test: 0.77, confidence: 0.6 },
  late: { train: 0.88, test: 0.765, confidence: 0.7 },
  early: { train: 0.9, test: 0.75, confidence: 0.8 },
});

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await f();
  return [value, performance.now() - t];
}

export async function benchFindings(): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-findings-'));
  try {
    const db = openDatabase(path.join(dir, 'findings.db'));
    try {
      const t0 = performance.now();
      const fixture = createFindingsFixture(db, [plan(1), plan(2), plan(3)], { trainCount: 60_000, testCount: 10_000 });
      const generated = (performance.now() - t0) / 1000;
      const args = FindingsArgs.parse({ experimentId: fixture.experimentIds[0] });
      const cold: number[] = [];
      let result: Findings | undefined;
      for (let i = 0; i < 3; i++) {
        const [r, ms] = await timed(() => createAnalyticsService(createStore(db)).handlers.findings(args));
        result = r;
        cold.push(ms);
      }
      const service = createAnalyticsService(createStore(db));
      await service.handlers.findings(args);
      const [, warm] = await timed(() => service.handlers.findings(args));
      out.push({
        benchmark: 'findings, 3 seeds × 70,000 examples × 5 runs',
        measured: `fresh service ${cold.map((ms) => ms.toFixed(0)).join(' / ')} ms; repeated ${warm.toFixed(1)} ms`,
        goal: '≤ 2 s',
        pass: Math.max(...cold) <= 2000,
        note: `${result!.claims.filter((c) => c.status === 'reproduced').length} of 8 reproduced on the synthetic series (generated in ${generated.toFixed(0)} s)`,
      });
    } finally {
      db.close();
    }

    // The demo as a newcomer runs it: a fresh database, the built CLI, every default.
    const cli = path.join(appRoot(), 'out', 'main', 'cli.js');
    const t = performance.now();
    const demo = spawnSync(process.execPath, [cli, 'demo', '--db', path.join(dir, 'demo.db')], { encoding: 'utf8', timeout: 900_000 });
    const seconds = (performance.now() - t) / 1000;
    const summary = demo.stdout.split('\n').find((l) => l.startsWith('demo:')) ?? demo.stderr.trim().split('\n').at(-1) ?? '';
    const claims = ['exp3', 'exp4', 'exp5'].map((id) => {
      const line = demo.stdout.split('\n').find((l) => l.startsWith(`${id} `));
      return { id, status: line ? line.slice(id.length).trim().split(/\s{2,}/)[0]!.toLowerCase() : '?' };
    });
    out.push({
      benchmark: '`disobey demo` on a fresh database (wall time)',
      measured: `${seconds.toFixed(0)} s`,
      goal: `≤ ${SECONDS_BUDGET_DEMO} s on 2 cores; exp3–5 reproduced`,
      pass: demo.status === 0 && seconds <= SECONDS_BUDGET_DEMO && claims.every((c) => c.status === 'reproduced'),
      note: `${claims.map((c) => `${c.id} ${c.status}`).join(', ')}; ${summary.replace(/^demo: /, '')}`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
