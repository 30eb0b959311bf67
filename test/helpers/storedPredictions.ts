// Independent recomputation for the analytics tests: probabilities read straight from the
// per-example `predictions` rows, and the plain formulas the app's numbers must match
// (docs/metrics.md), written here without the app's code.
import type Database from 'better-sqlite3';

export const FLOOR = 1e-12;

/** Probabilities of a run at an epoch from the per-example rows, by example id. */
export function rowsOf(db: Database.Database, runId: number, epoch: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of db.prepare('SELECT example_id, probs FROM predictions WHERE run_id = ? AND epoch = ?').all(runId, epoch) as { example_id: number; probs: Buffer }[]) {
    out.set(r.example_id, Array.from(new Float32Array(new Uint8Array(r.probs).buffer)));
  }
  return out;
}

export const argmax = (p: number[]) => p.reduce((best, v, c) => (v > p[best]! ? c : best), 0);
/** φ(p_k) = log p_k − log Σ_{c≠k} p_c (SPEC M1) */
export const phi = (p: number[], k: number) => Math.log(Math.max(p[k]!, FLOOR)) - Math.log(Math.max(p.reduce((s, v, c) => (c === k ? s : s + v), 0), FLOOR));
export const kl = (p: number[], q: number[]) => p.reduce((s, v, c) => (v > 0 ? s + v * Math.log(v / Math.max(q[c]!, FLOOR)) : s), 0);
