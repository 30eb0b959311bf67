// One run on several threads (main/train/dataParallel.ts): gradient worker threads really start,
// the weights and probabilities are the same on every rerun and on any number of threads, and a
// cancel stops the run mid-epoch. Needs `npm run build` (the gradient worker is a built file).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { closeGradientWorkers, gradientWorkerPath, shardBounds, shardCount } from '../../main/train/dataParallel.js';
import type { ModelInput } from '../../main/train/models.js';
import { predictProbabilities, trainRun } from '../../main/train/trainer.js';
import { CancelledError } from '../../shared/errors.js';
import { parseRunSpec, type ModelSpecInput } from '../../shared/experimentSpec.js';
import { createRandom } from '../../shared/seededRandom.js';

const SIDE = 8;
const CLASSES = 4;
const INPUT: ModelInput = { kind: 'image', height: SIDE, width: SIDE, channels: 1 };

/** Four classes of 8×8 images: a bright quadrant per class plus unit noise. */
function quadrants(n: number, seed: number): { x: Float32Array; y: Int32Array; n: number } {
  const random = createRandom(seed);
  const x = new Float32Array(n * SIDE * SIDE);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = random.int(CLASSES);
    y[i] = c;
    for (let r = 0; r < SIDE; r++) {
      for (let q = 0; q < SIDE; q++) {
        const inside = (r < SIDE / 2 ? 0 : 2) + (q < SIDE / 2 ? 0 : 1) === c;
        x[i * SIDE * SIDE + r * SIDE + q] = (inside ? 2 : 0) + random.normal();
      }
    }
  }
  return { x, y, n };
}

const built = fs.existsSync(gradientWorkerPath());
let tf: Tf;
const train = quadrants(640, 3);
const teacherLogits = new Float32Array(train.n * CLASSES).map((_, i) => ((i * 7919) % 13) / 4 - 1.5);

beforeAll(async () => {
  tf = (await selectBackend('wasm')).tf;
});
afterAll(async () => {
  await closeGradientWorkers();
});

async function trained(model: ModelSpecInput, threads: number, epochs = 2) {
  const spec = parseRunSpec({
    name: 'parallel',
    model,
    optimizer: { kind: 'adam', lr: 0.01 },
    batchSize: 128,
    epochs,
    seed: 11,
    phases: epochs > 1 ? [{ from: 0, loss: { kind: 'onehot' } }, { from: 1, loss: { kind: 'kd', alpha: 0.5, tau: 2 } }] : undefined,
  });
  const result = await trainRun({ tf, spec, data: { train }, numClasses: CLASSES, input: INPUT, teacherLogits, threads: { backend: 'wasm', count: threads } });
  try {
    return { weights: result.weights, threads: result.threads, logits: predictProbabilities(tf, result.model, train.x, train.n).logits };
  } finally {
    result.model.dispose();
  }
}

describe('shards', () => {
  it('cut a batch by its size alone, never by the thread count', () => {
    expect(shardCount(32)).toBe(1);
    expect(shardCount(128)).toBe(2);
    expect(shardCount(256)).toBe(4);
    expect(shardCount(100_000)).toBe(8);
    expect(shardBounds(128, 2)).toEqual([
      [0, 64],
      [64, 128],
    ]);
    expect(shardBounds(5, 2)).toEqual([
      [0, 2],
      [2, 5],
    ]);
  });
});

describe.skipIf(!built)('a run on several threads', () => {
  for (const model of [
    { arch: 'mlp', hidden: [32], dropout: 0.1 },
    { arch: 'cnn', filters: [4, 8] },
  ] satisfies ModelSpecInput[]) {
    it(`${model.arch}: starts gradient workers and gives the same weights and probabilities on a rerun and on one thread`, async () => {
      const a = await trained(model, 2);
      const b = await trained(model, 2);
      const one = await trained(model, 1);
      expect(a.threads).toBe(2);
      expect(one.threads).toBe(1);
      expect(b.logits).toEqual(a.logits);
      expect(b.weights).toEqual(a.weights);
      expect(one.weights).toEqual(a.weights);
      expect(one.logits).toEqual(a.logits);
      // It learned: chance is 0.25.
      const correct = train.y.filter((c, i) => {
        const row = a.logits.subarray(i * CLASSES, (i + 1) * CLASSES);
        return row.indexOf(Math.max(...row)) === c;
      }).length;
      expect(correct / train.n).toBeGreaterThan(0.5);
    }, 60_000);
  }

  it('stops mid-epoch when cancelled, and the next run trains on the same workers', async () => {
    const spec = parseRunSpec({ name: 'cancelled', model: { arch: 'mlp', hidden: [32] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 128, epochs: 3, seed: 2 });
    const controller = new AbortController();
    let batches = 0;
    const run = trainRun({
      tf,
      spec,
      data: { train },
      numClasses: CLASSES,
      input: INPUT,
      threads: { backend: 'wasm', count: 2 },
      signal: controller.signal,
      onBatch: (b) => {
        batches++;
        if (b.epoch === 1 && b.batch === 1) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(batches).toBe(5 + 2);
    const after = await trained({ arch: 'mlp', hidden: [32] }, 2, 1);
    expect(after.threads).toBe(2);
  }, 60_000);
});
