// Crash safety: SIGKILL the training process mid-run, find the database consistent and the run
// interrupted, resume it, and get the same recorded numbers as a run that was never killed.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleDatasetDir } from '../../main/paths.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { allStoredRows } from '../helpers/storedPredictions.js';

const bin = path.resolve('bin/disobey.js');
const temp = makeTempDir();
afterAll(() => temp.dispose());

function disobey(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`disobey ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const experiment = {
  name: 'resume check',
  datasetId: 1,
  teacher: { name: 'teacher', model: { arch: 'mlp', hidden: [64] }, optimizer: { kind: 'adam', lr: 0.002 }, batchSize: 64, epochs: 8, seed: 7 },
  students: [
    {
      name: 'late KD',
      model: { arch: 'mlp', hidden: [16] },
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
      batchSize: 64,
      epochs: 4,
      seed: 3,
      phases: [{ from: 0, loss: { kind: 'onehot' } }, { from: 2, loss: { kind: 'kd', alpha: 0.7, tau: 2 } }],
    },
  ],
};

function prepare(name: string): string {
  const db = path.join(temp.dir, `${name}.db`);
  disobey('import', sampleDatasetDir(), '--db', db, '--name', 'fm', '--subset', '4000');
  return db;
}

function readRecords(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      metrics: db.prepare('SELECT run_id, epoch, split, loss, accuracy FROM epoch_metrics ORDER BY run_id, epoch, split').all() as { loss: number; accuracy: number }[],
      predictions: allStoredRows(db).map((r) => ({ run_id: r.runId, epoch: r.epoch, example_id: r.exampleId, probs: Buffer.from(Float32Array.from(r.probs).buffer) })),
    };
  } finally {
    db.close();
  }
}

describe.skipIf(!fs.existsSync('out/main/cli.js'))('a killed training run', () => {
  it('leaves a consistent database, is marked interrupted, and resumes to the uninterrupted numbers', async () => {
    const specFile = path.join(temp.dir, 'experiment.json');
    fs.writeFileSync(specFile, JSON.stringify(experiment));

    const reference = prepare('reference');
    disobey('train', specFile, '--db', reference, '--backend', 'wasm', '--json');

    const killed = prepare('killed');
    const child = spawn(process.execPath, [bin, 'train', specFile, '--db', killed, '--backend', 'wasm', '--json'], { stdio: 'ignore' });
    const watcher = new Database(killed, { readonly: true });
    const teacherEpochs = () => (watcher.prepare("SELECT epochs_done FROM runs WHERE role = 'teacher'").pluck().get() as number | undefined) ?? 0;
    const deadline = Date.now() + 60_000;
    while (teacherEpochs() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const epochsAtKill = teacherEpochs();
    watcher.close();
    expect(epochsAtKill).toBeGreaterThanOrEqual(3);
    expect(epochsAtKill).toBeLessThan(8);

    const check = new Database(killed);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    // every recorded epoch is whole: all 6,000 examples (4,000 train + 2,000 test) or none
    const stored = allStoredRows(check);
    const perEpoch = [...new Set(stored.map((r) => `${r.runId}:${r.epoch}`))].map((key) => stored.filter((r) => `${r.runId}:${r.epoch}` === key).length);
    expect(perEpoch.every((n) => n === 6000)).toBe(true);
    check.close();

    const runs = JSON.parse(disobey('runs', '--db', killed, '--json')) as { id: number; role: string; status: string; epochsDone: number }[];
    const teacher = runs.find((r) => r.role === 'teacher')!;
    expect(teacher.status).toBe('interrupted');
    expect(runs.find((r) => r.role === 'student')!.status).toBe('pending');

    const resumed = JSON.parse(disobey('resume', String(teacher.id), '--db', killed, '--backend', 'wasm', '--json')) as { runs: { status: string }[] };
    expect(resumed.runs.map((r) => r.status)).toEqual(['done', 'done']);

    const a = readRecords(reference);
    const b = readRecords(killed);
    expect(b.metrics.length).toBe(a.metrics.length);
    expect(b.predictions.length).toBe(a.predictions.length);
    let maxMetricDiff = 0;
    a.metrics.forEach((m, i) => (maxMetricDiff = Math.max(maxMetricDiff, Math.abs(m.loss - b.metrics[i]!.loss), Math.abs(m.accuracy - b.metrics[i]!.accuracy))));
    let maxProbDiff = 0;
    a.predictions.forEach((p, i) => {
      const q = b.predictions[i]!;
      expect([q.run_id, q.epoch, q.example_id]).toEqual([p.run_id, p.epoch, p.example_id]);
      const pa = new Float32Array(p.probs.buffer, p.probs.byteOffset, p.probs.length / 4);
      const pb = new Float32Array(q.probs.buffer, q.probs.byteOffset, q.probs.length / 4);
      for (let c = 0; c < pa.length; c++) maxProbDiff = Math.max(maxProbDiff, Math.abs(pa[c]! - pb[c]!));
    });
    console.log(`killed after ${epochsAtKill} teacher epochs; resumed: max |Δ metric| ${maxMetricDiff.toExponential(2)}, max |Δ p| ${maxProbDiff.toExponential(2)}`);
    expect(maxMetricDiff).toBeLessThanOrEqual(1e-5);
    expect(maxProbDiff).toBeLessThanOrEqual(1e-5);
  }, 180_000);
});
