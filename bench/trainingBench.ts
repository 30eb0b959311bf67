// Training benchmarks: examples/s of the MLP and the CNN on the portable backend beside PyTorch
// on the same CPU in the same run (Debian's python3-torch), both on one thread and on every core,
// as the median and range of interleaved pairs; the other backends once; inference speed and
// what recording every example each epoch costs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRoot } from '../main/paths.js';
import { BackendKinds, type BackendKind } from '../main/train/backend.js';
import type { RecordingCost } from './recordingOverhead.js';
import { measureInChild, type ChildAnswer } from './benchChild.js';
import { percentile, type BenchRow } from './table.js';
import type { Throughput } from './trainingThroughput.js';

const PYTHON = '/usr/bin/python3';
const BUDGET_SECONDS = Number(process.env.DISOBEY_BENCH_SECONDS ?? 4);
/** Interleaved (ours, peer) pairs per thread count: the peer is too noisy for a single pair. */
const PAIRS = Math.max(1, Number(process.env.DISOBEY_BENCH_PAIRS ?? 5));
const CORES = os.availableParallelism();
/** Goals on the portable backend, as a multiple of PyTorch given the same threads. */
const GOALS: Record<string, Partial<Record<BackendKind, number>>> = { mlp: { wasm: 1.0 }, cnn: { wasm: 1.0 } };
const LABELS = { mlp: 'MLP 784-256-10', cnn: 'CNN conv16-pool-conv32-pool-fc' };
const MODELS = ['mlp', 'cnn'] as const;

interface TorchPeer {
  threads: number;
  /** torch.get_num_threads() before the peer set its own */
  default_threads: number;
  blas: string;
  mlp: { train: number; infer: number };
  cnn: { train: number; infer: number };
}

/** Runs this bench file again as a child doing one measurement; one TensorFlow per process. */
function child<T>(...args: string[]): ChildAnswer<T> {
  return measureInChild<T>(fileURLToPath(import.meta.url), ['--child', ...args], 600);
}

/**
 * PyTorch on `threads` threads. Its OpenBLAS would be slowed by the OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE this machine sets, so the peer's own environment goes without them.
 */
function torchPeer(threads: number): TorchPeer | string {
  if (!fs.existsSync(PYTHON)) return `no ${PYTHON}`;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(PYTHON, [path.join(appRoot(), 'bench', 'torch_peer.py'), String(threads), String(BUDGET_SECONDS)], { encoding: 'utf8', timeout: 600_000, env });
  if (r.status !== 0) return /No module named 'torch'/.test(r.stderr) ? 'python3-torch is not installed (apt-get install python3-torch)' : r.stderr.trim().split('\n').pop() ?? 'failed';
  return JSON.parse(r.stdout) as TorchPeer;
}

const rate = (x: number) => `${Math.round(x).toLocaleString('en')} ex/s`;
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
/** "median [min–max]" of a series of readings. */
function spread(xs: number[], format: (x: number) => string): string {
  if (xs.length === 1) return format(xs[0] as number);
  return `${format(median(xs))} [${format(Math.min(...xs))}–${format(Math.max(...xs))}]`;
}
const times = (x: number) => `${x.toFixed(2)}×`;

function cpuModel(): string {
  const model = os.cpus()[0]?.model?.trim() || 'unknown CPU';
  return `${model}, ${CORES} core${CORES === 1 ? '' : 's'}`;
}

interface Pairs {
  ours: Throughput[];
  peer: TorchPeer[];
  failure?: string;
}

/** PAIRS interleaved readings of ours (`kind` on `threads` threads) and the peer on as many. */
function interleaved(kind: BackendKind, threads: number): Pairs {
  const out: Pairs = { ours: [], peer: [] };
  for (let i = 0; i < PAIRS; i++) {
    const ours = child<Throughput>('throughput', kind, String(BUDGET_SECONDS), String(threads));
    if (!ours.ok) return { ...out, failure: ours.reason };
    out.ours.push(ours.value);
    const peer = torchPeer(threads);
    if (typeof peer === 'string') out.failure = `PyTorch peer skipped: ${peer}`;
    else out.peer.push(peer);
  }
  return out;
}

/** Which thread counts the runs kept after probing (dataParallel.ts), when offered more than one. */
function keptNote(kept: (number | undefined)[], threads: number): string {
  if (threads === 1) return '';
  const counts = new Map<number, number>();
  for (const k of kept) if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[0] - a[0]).map(([k, c]) => `${k} in ${c}`);
  return parts.length ? `; threads kept after probing: ${parts.join(', ')} of ${kept.length} runs` : '';
}

function pairRows(kind: BackendKind, threads: number, pairs: Pairs): BenchRow[] {
  const rows: BenchRow[] = [];
  const first = pairs.ours[0];
  if (!first) return [{ benchmark: `backend ${kind}, ${threads} thread${threads === 1 ? '' : 's'}`, measured: 'not available', goal: '', pass: null, note: (pairs.failure ?? '').slice(0, 120) }];
  // The backend's name says '1 thread' of its own build; the threads here are gradient workers.
  const label = `${first.backend.replace(/,? ?1 thread/, '').replace(' ()', '')} on ${first.threads} thread${first.threads === 1 ? '' : 's'}`;
  const n = `${pairs.ours.length} interleaved pair${pairs.ours.length === 1 ? '' : 's'}`;
  for (const m of MODELS) {
    const ours = pairs.ours.map((t) => t[m].train);
    const peer = pairs.peer.map((t) => t[m].train);
    if (peer.length) rows.push({ benchmark: `train ${LABELS[m]} — PyTorch CPU (peer), ${threads} thread${threads === 1 ? '' : 's'}`, measured: spread(peer, rate), goal: '', pass: null, note: `median [range] of ${n}` });
    const ratios = peer.length === ours.length ? ours.map((x, i) => x / (peer[i] as number)) : [];
    const goal = threads === CORES ? GOALS[m]?.[kind] : undefined;
    rows.push({
      benchmark: `train ${LABELS[m]} — ${label}`,
      measured: spread(ours, rate),
      goal: goal ? `≥ ${goal.toFixed(1)}× PyTorch (${threads} thread${threads === 1 ? '' : 's'})` : '',
      pass: goal && ratios.length ? median(ratios) >= goal : null,
      note: (ratios.length ? `${spread(ratios, times)} PyTorch, pair by pair` : (pairs.failure ?? '')) + keptNote(pairs.ours.map((t) => t[m].kept), threads),
    });
  }
  const peerInfer = pairs.peer.length ? ` · PyTorch: ${spread(pairs.peer.map((t) => t.mlp.infer), rate)} / ${spread(pairs.peer.map((t) => t.cnn.infer), rate)}` : '';
  rows.push({ benchmark: `inference (recording) MLP / CNN — ${label}`, measured: `${spread(pairs.ours.map((t) => t.mlp.infer), rate)} / ${spread(pairs.ours.map((t) => t.cnn.infer), rate)}`, goal: '', pass: null, note: `inference on one thread${peerInfer}` });
  return rows;
}

export function benchTraining(): BenchRow[] {
  const rows: BenchRow[] = [{ benchmark: 'CPU', measured: cpuModel(), goal: '', pass: null }];
  // The portable backend beside PyTorch given the same threads: one, then every core.
  const threadCounts = CORES > 1 ? [1, CORES] : [1];
  let blas = '';
  let peerDefault: number | undefined;
  for (const threads of threadCounts) {
    const pairs = interleaved('wasm', threads);
    blas ||= pairs.peer[0]?.blas ?? '';
    peerDefault ??= pairs.peer[0]?.default_threads;
    rows.push(...pairRows('wasm', threads, pairs));
  }
  if (peerDefault !== undefined) (rows[0] as BenchRow).note = `PyTorch's default here: ${peerDefault} thread${peerDefault === 1 ? '' : 's'}`;
  if (blas) rows.push({ benchmark: 'PyTorch peer BLAS', measured: blas.split(';')[0] ?? blas, goal: '', pass: null, note: blas.split(';').slice(1).join(';').trim() });
  // The other backends once each, on every core.
  for (const kind of BackendKinds.filter((k) => k !== 'wasm')) {
    const result = child<Throughput>('throughput', kind, String(BUDGET_SECONDS), String(CORES));
    if (!result.ok) {
      rows.push({ benchmark: `backend ${kind}`, measured: 'not available', goal: '', pass: null, note: result.reason.slice(0, 120) });
      continue;
    }
    const t = result.value;
    for (const m of MODELS) rows.push({ benchmark: `train ${LABELS[m]} — ${t.backend} on ${t.threads} thread${t.threads === 1 ? '' : 's'}`, measured: rate(t[m].train), goal: '', pass: null, note: 'one reading' });
  }
  // Recording is measured once, on the portable backend.
  rows.push(...recordingRows('wasm'));
  rows.push(...demoRows());
  return rows;
}

/** Interleaved pairs of the 3-seed demo with shared epochs and without (DISOBEY_BENCH_DEMO_PAIRS, default 2; 0 skips). */
const DEMO_PAIRS = Math.max(0, Number(process.env.DISOBEY_BENCH_DEMO_PAIRS ?? 2));
/** The 3-seed demo at 33f79b6, before issue 20's training work, on the 2-core Xeon (docs/scale.md): the time to halve. */
const DEMO_BEFORE = { seconds: 101.2, where: '33f79b6, 2-core Xeon, median of 3 pairs (docs/scale.md)' };

/** `disobey demo --seeds 3` on a fresh database: wall seconds and its summary line. */
function timeDemo(shared: boolean): { seconds: number; summary: string } | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-demo-bench-'));
  try {
    const env = { ...process.env, DISOBEY_SHARED_EPOCHS: shared ? '1' : '0' };
    const started = performance.now();
    const r = spawnSync(process.execPath, [path.join(appRoot(), 'out', 'main', 'cli.js'), 'demo', '--seeds', '3', '--db', path.join(dir, 'demo.db')], { encoding: 'utf8', timeout: 900_000, env });
    const seconds = (performance.now() - started) / 1000;
    if (r.status !== 0) return (r.stderr.trim().split('\n').pop() ?? 'failed').slice(0, 120);
    return { seconds, summary: r.stdout.split('\n').find((l) => l.startsWith('demo:'))?.replace(/^demo: \d+ s · /, '') ?? '' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The demo's wall time (issue 20: halved), side by side: with shared epochs (a switch takes over
 * its partner's first epochs) and with every run training every epoch, interleaved.
 */
function demoRows(): BenchRow[] {
  if (DEMO_PAIRS === 0) return [];
  const shared: number[] = [];
  const every: number[] = [];
  let summary = '';
  for (let i = 0; i < DEMO_PAIRS; i++) {
    const a = timeDemo(true);
    const b = timeDemo(false);
    if (typeof a === 'string' || typeof b === 'string') return [{ benchmark: 'demo --seeds 3', measured: 'failed', goal: '', pass: null, note: typeof a === 'string' ? a : (b as string) }];
    shared.push(a.seconds);
    every.push(b.seconds);
    summary = a.summary;
  }
  const s = (x: number) => `${x.toFixed(1)} s`;
  const n = `${DEMO_PAIRS} interleaved pair${DEMO_PAIRS === 1 ? '' : 's'}`;
  return [
    { benchmark: 'demo --seeds 3, every run training every epoch (DISOBEY_SHARED_EPOCHS=0)', measured: spread(every, s), goal: '', pass: null, note: `median [range] of ${n}` },
    {
      benchmark: 'demo --seeds 3, shared epochs (the default)',
      measured: spread(shared, s),
      goal: `≤ ${s(DEMO_BEFORE.seconds / 2)}: half of ${s(DEMO_BEFORE.seconds)} (${DEMO_BEFORE.where})`,
      pass: median(shared) <= DEMO_BEFORE.seconds / 2,
      note: `${spread(shared.map((x, i) => x / (every[i] as number)), times)} of every epoch, pair by pair; ${summary}`,
    },
  ];
}

function recordingRows(kind: BackendKind): BenchRow[] {
  const rec = child<RecordingCost>('recording', kind);
  if (!rec.ok) return [{ benchmark: 'recording overhead', measured: 'failed', goal: '< 15%', pass: false, note: rec.reason }];
  const r = rec.value;
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  const write = r.writeSeconds / r.trainSeconds;
  const withPredict = (r.predictSeconds + r.writeSeconds) / r.trainSeconds;
  return [
    {
      benchmark: `recording: writing ${r.examples.toLocaleString('en')} examples' probabilities per epoch — ${r.backend}`,
      measured: `${(write * 100).toFixed(1)}% of epoch time`,
      goal: '< 15%',
      pass: write < 0.15,
      note: `write ${ms(r.writeSeconds)} vs train ${ms(r.trainSeconds)}, MLP, 2 runs × 2 epochs`,
    },
    {
      benchmark: `recording incl. the forward pass over every example — ${r.backend}`,
      measured: `${(withPredict * 100).toFixed(1)}% of epoch time`,
      goal: '',
      pass: null,
      note: `predict ${ms(r.predictSeconds)} + write ${ms(r.writeSeconds)}`,
    },
  ];
}

// Child mode: `node out/bench/index.js --child throughput|recording KIND [BUDGET] [THREADS]`.
// Prints one JSON line: the measurement, or {"error"} with a non-zero exit.
export async function runBenchChild(args: string[]): Promise<void> {
  const [what, kind, budget, threads] = args as [string, BackendKind, string?, string?];
  try {
    if (what === 'throughput') {
      const { measureThroughput } = await import('./trainingThroughput.js');
      console.log(JSON.stringify(await measureThroughput(kind, Number(budget ?? BUDGET_SECONDS), Number(threads ?? 1))));
    } else if (what === 'recording') {
      const { measureRecording } = await import('./recordingOverhead.js');
      console.log(JSON.stringify(await measureRecording(kind)));
    } else throw new Error(`unknown bench child ${what}`);
  } catch (err) {
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    process.exitCode = 3;
  }
}
