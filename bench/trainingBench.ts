// Training benchmarks: examples/s of the MLP and the CNN on every available backend, beside
// PyTorch on the same CPU in the same run (Debian's python3-torch), plus inference speed and
// what recording every example each epoch costs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRoot } from '../main/paths.js';
import { BackendKinds, type BackendKind } from '../main/train/backend.js';
import type { RecordingCost } from './recordingOverhead.js';
import type { BenchRow } from './table.js';
import type { Throughput } from './trainingThroughput.js';

const PYTHON = '/usr/bin/python3';
const BUDGET_SECONDS = Number(process.env.DISOBEY_BENCH_SECONDS ?? 4);
const GOALS: Record<string, Partial<Record<BackendKind, number>>> = { mlp: { wasm: 1.0 }, cnn: { wasm: 0.5 } };
const LABELS = { mlp: 'MLP 784-256-10', cnn: 'CNN conv16-pool-conv32-pool-fc' };

interface TorchPeer {
  threads: number;
  mlp: { train: number; infer: number };
  cnn: { train: number; infer: number };
}

/** Runs this bench file again as a child doing one measurement; one TensorFlow per process. */
function child<T>(...args: string[]): { ok: true; value: T } | { ok: false; reason: string } {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, '--child', ...args], { encoding: 'utf8', timeout: 600_000 });
  const last = JSON.parse(r.stdout.trim().split('\n').pop() || '{"error":"no output"}') as T | { error: string };
  if (r.status === 0) return { ok: true, value: last as T };
  return { ok: false, reason: (last as { error?: string }).error ?? `exit ${r.status}` };
}

function torchPeer(threads: number): TorchPeer | string {
  if (!fs.existsSync(PYTHON)) return `no ${PYTHON}`;
  const r = spawnSync(PYTHON, [path.join(appRoot(), 'bench', 'torch_peer.py'), String(threads), String(BUDGET_SECONDS)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return /No module named 'torch'/.test(r.stderr) ? 'python3-torch is not installed (apt-get install python3-torch)' : r.stderr.trim().split('\n').pop() ?? 'failed';
  return JSON.parse(r.stdout) as TorchPeer;
}

const rate = (x: number) => `${Math.round(x).toLocaleString('en')} ex/s`;

export function benchTraining(): BenchRow[] {
  const rows: BenchRow[] = [];
  // PyTorch at one thread matches wasm's one thread in Node; its default threading is shown too.
  const peer1 = torchPeer(1);
  const peerAll = torchPeer(0);
  const peerNote = typeof peer1 === 'string' ? `PyTorch peer skipped: ${peer1}` : '';
  if (typeof peer1 !== 'string') {
    for (const m of ['mlp', 'cnn'] as const) {
      const all = typeof peerAll === 'string' ? '' : `; its default threading (${peerAll.threads} thread${peerAll.threads === 1 ? '' : 's'}): ${rate(peerAll[m].train)}`;
      rows.push({ benchmark: `train ${LABELS[m]} — PyTorch CPU (peer)`, measured: rate(peer1[m].train), goal: '', pass: null, note: `1 thread${all}` });
    }
  }
  for (const kind of BackendKinds) {
    const result = child<Throughput>('throughput', kind, String(BUDGET_SECONDS));
    if (!result.ok) {
      rows.push({ benchmark: `backend ${kind}`, measured: 'not available', goal: '', pass: null, note: result.reason.slice(0, 120) });
      continue;
    }
    const t = result.value;
    for (const m of ['mlp', 'cnn'] as const) {
      const goal = GOALS[m]?.[kind];
      const ratio = typeof peer1 === 'string' ? null : t[m].train / peer1[m].train;
      rows.push({
        benchmark: `train ${LABELS[m]} — ${t.backend}`,
        measured: rate(t[m].train),
        goal: goal ? `≥ ${goal.toFixed(1)}× PyTorch` : '',
        pass: goal && ratio !== null ? ratio >= goal : null,
        note: ratio === null ? peerNote : `${ratio.toFixed(2)}× PyTorch (1 thread)`,
      });
    }
    rows.push({ benchmark: `inference (recording) MLP / CNN — ${t.backend}`, measured: `${rate(t.mlp.infer)} / ${rate(t.cnn.infer)}`, goal: '', pass: null, note: typeof peer1 === 'string' ? '' : `PyTorch: ${rate(peer1.mlp.infer)} / ${rate(peer1.cnn.infer)}` });
    // Recording is measured once, on the best backend: the one the app would pick.
    if (!rows.some((r) => r.benchmark.startsWith('recording'))) rows.push(...recordingRows(kind));
  }
  return rows;
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

// Child mode: `node out/bench/index.js --child throughput|recording KIND [BUDGET]`.
// Prints one JSON line: the measurement, or {"error"} with a non-zero exit.
export async function runBenchChild(args: string[]): Promise<void> {
  const [what, kind, budget] = args as [string, BackendKind, string?];
  try {
    if (what === 'throughput') {
      const { measureThroughput } = await import('./trainingThroughput.js');
      console.log(JSON.stringify(await measureThroughput(kind, Number(budget ?? BUDGET_SECONDS))));
    } else if (what === 'recording') {
      const { measureRecording } = await import('./recordingOverhead.js');
      console.log(JSON.stringify(await measureRecording(kind)));
    } else throw new Error(`unknown bench child ${what}`);
  } catch (err) {
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    process.exitCode = 3;
  }
}
