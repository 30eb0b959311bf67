// Independent recomputation for the analytics tests: probabilities read straight from the
// prediction_matrices chunks with plain SQL and decoded here from the layout docs/database.md
// documents (not with the app's reader), and the plain formulas the app's numbers must match
// (docs/metrics.md), written here without the app's code.
import type Database from 'better-sqlite3';

export const FLOOR = 1e-12;

interface Chunk {
  num_classes: number;
  first_id: number | null;
  last_id: number | null;
  example_ids: Buffer;
  probs: Buffer;
  precision: 'float32' | 'float16';
}

/** A half's value from its bits (IEEE 754 binary16), for chunks stored at float16. */
function half(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const magnitude = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -magnitude : magnitude;
}

/** The rows of one dense chunk: example id and its C probabilities. */
function decodeChunk(c: Chunk): [number, number[]][] {
  const bytes = new Uint8Array(c.probs);
  const view = new DataView(bytes.buffer);
  const values = c.precision === 'float16' ? Array.from({ length: bytes.length / 2 }, (_, i) => half(view.getUint16(2 * i, true))) : Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
  const idView = new DataView(new Uint8Array(c.example_ids).buffer);
  const n = values.length / c.num_classes;
  // No ids stored: the chunk holds first_id … last_id without a gap.
  const ids = c.example_ids.length ? Array.from({ length: n }, (_, i) => idView.getInt32(4 * i, true)) : Array.from({ length: n }, (_, i) => c.first_id! + i);
  return ids.map((id, i) => [id, values.slice(i * c.num_classes, (i + 1) * c.num_classes)]);
}

/** Probabilities of a run at an epoch, by example id, from its dense chunks. */
export function rowsOf(db: Database.Database, runId: number, epoch: number): Map<number, number[]> {
  const chunks = db.prepare('SELECT num_classes, first_id, last_id, example_ids, probs, precision FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk').all(runId, epoch) as Chunk[];
  return new Map(chunks.flatMap(decodeChunk));
}

/** Every stored row of the database, ordered by run, epoch and example id. */
export function allStoredRows(db: Database.Database): { runId: number; epoch: number; exampleId: number; probs: number[] }[] {
  const runEpochs = db.prepare('SELECT DISTINCT run_id, epoch FROM prediction_matrices ORDER BY run_id, epoch').raw().all() as [number, number][];
  return runEpochs.flatMap(([runId, epoch]) => [...rowsOf(db, runId, epoch)].sort((a, b) => a[0] - b[0]).map(([exampleId, probs]) => ({ runId, epoch, exampleId, probs })));
}

/** One example's probabilities at every stored run-epoch, ordered by run and epoch. */
export function storedHistory(db: Database.Database, exampleId: number): { runId: number; epoch: number; probs: Float32Array }[] {
  const runEpochs = db.prepare('SELECT DISTINCT run_id, epoch FROM prediction_matrices ORDER BY run_id, epoch').raw().all() as [number, number][];
  return runEpochs.flatMap(([runId, epoch]) => {
    const probs = rowsOf(db, runId, epoch).get(exampleId);
    return probs ? [{ runId, epoch, probs: Float32Array.from(probs) }] : [];
  });
}

export const argmax = (p: number[]) => p.reduce((best, v, c) => (v > p[best]! ? c : best), 0);
/** φ(p_k) = log p_k − log Σ_{c≠k} p_c (SPEC M1) */
export const phi = (p: number[], k: number) => Math.log(Math.max(p[k]!, FLOOR)) - Math.log(Math.max(p.reduce((s, v, c) => (c === k ? s : s + v), 0), FLOOR));
export const kl = (p: number[], q: number[]) => p.reduce((s, v, c) => (v > 0 ? s + v * Math.log(v / Math.max(q[c]!, FLOOR)) : s), 0);
