// One run on several threads (main/train/dataParallel.ts): gradient worker threads really start,
// the weights and probabilities are the same on every rerun and on any number of threads, and a
// cancel stops the run mid-epoch. Needs `npm run build` (the gradient worker is a built file).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { closeGradientWorkers, DataParallelSteps, gradientWorkerPath, PROBE_STEPS, shardBounds, shardCount, WARM_UP_STEPS, workersPay } from '../../main/train/dataParallel.js';
import { buildModel, type ModelInput } from '../../main/train/models.js';
import { predictProbabilities, trainRun } from '../../main/train/trainer.js';
import { CancelledError } from '../../shared/errors.js';
import { parseRunSpec, type ModelSpecInput } from '../../shared/experimentSpec.js';
import { createRandom } from '../../shared/seededRandom.js';

const SIDE = 8;
const CLASSES = 4;
/** Half the pixels outside the bright quadrant are this value exactly, as a normalised 0 pixel is. */
const BACKGROUND = -0.5;
const INPUT: ModelInput = { kind: 'image', height: SIDE, width: SIDE, channels: 1, background: [BACKGROUND] };

/**
 * Four classes of 8×8 images: a bright quadrant per class plus unit noise, and half the pixels
 * outside it background (so on wasm an MLP's first layer skips them: sparseDense.ts).
 */
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
        x[i * SIDE * SIDE + r * SIDE + q] = inside ? 2 + random.normal() : random.next() < 0.5 ? BACKGROUND : random.normal();
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

describe('workersPay', () => {
  it('keeps the workers unless steps alone are clearly faster, by the medians', () => {
    expect(workersPay([10, 10, 10], [10, 10, 10])).toBe(true);
    expect(workersPay([10, 10, 10], [9.8, 9.8, 9.8])).toBe(true);
    expect(workersPay([10, 10, 10], [9, 9, 9])).toBe(false);
    // One slow outlier on either side does not decide it.
    expect(workersPay([10, 10, 90, 10], [9, 9, 9, 9])).toBe(false);
    expect(workersPay([6, 6, 6, 6], [5, 5, 50, 5, 5])).toBe(false);
    expect(workersPay([6, 6, 6, 6], [8, 8, 1, 8])).toBe(true);
  });
});

describe.skipIf(!built)('a run on several threads', () => {
  it("probes its steps with the workers and alone, settles, and every step's gradients are those of one thread", async () => {
    const spec = parseRunSpec({ name: 'probe', model: { arch: 'mlp', hidden: [16] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 128, epochs: 1, seed: 5 });
    const model = buildModel(tf, spec.model, INPUT, CLASSES, 5);
    const variables = model.parameters.filter((p) => p.trainable).map((p) => p.variable);
    // A clock under which a step alone takes 1 ms and one with the workers 2 ms.
    let clock = 0;
    let withWorkers = true;
    const steps = await DataParallelSteps.start({ tf, backend: 'wasm', model, variables, shards: 2, threads: 2, seed: 5, now: () => (clock += withWorkers ? 1 : 0.5) });
    const one = await DataParallelSteps.start({ tf, backend: undefined, model, variables, shards: 2, threads: 1, seed: 5 });
    const loss = { kind: 'onehot' } as const;
    try {
      for (let i = 0; i < WARM_UP_STEPS + 2 * PROBE_STEPS + 2; i++) {
        const batch = { x: train.x.subarray(0, 128 * SIDE * SIDE), y: train.y.subarray(0, 128), dropoutSeed: i };
        // Steps alternate once the warm-up is done: even probe steps with the workers.
        const probing = i - WARM_UP_STEPS;
        withWorkers = i < WARM_UP_STEPS + 2 * PROBE_STEPS ? probing < 0 || probing % 2 === 0 : false;
        expect(steps.threads).toBe(i < WARM_UP_STEPS + 2 * PROBE_STEPS ? 2 : 1);
        const [a, b] = [await steps.step(loss, batch), await one.step(loss, batch)];
        expect(a.value).toBe(b.value);
        a.grads.forEach((g, k) => expect(g.dataSync()).toEqual(b.grads[k]!.dataSync()));
        tf.dispose([...a.grads, ...b.grads]);
      }
      // Settled alone: the workers still share the predictions (no step runs meanwhile), the same.
      const predictHere = (rows: Float32Array | Int32Array, count: number) => predictProbabilities(tf, model, rows, count, 64).logits;
      const before = await one.predict(train.x, train.n, 64, predictHere);
      expect(await steps.predict(train.x, train.n, 64, predictHere)).toEqual(before);
      // Aside: the workers predict from the weights as they were asked, while this thread changes them.
      const halves = [
        { x: train.x.subarray(0, 320 * SIDE * SIDE), n: 320 },
        { x: train.x.subarray(320 * SIDE * SIDE), n: 320 },
      ];
      const aside = steps.predictAside(halves, 64);
      expect(aside).not.toBeNull();
      const kept = variables.map((v) => v.clone());
      tf.tidy(() => variables.forEach((v) => v.assign(tf.neg(v))));
      const batch = { x: train.x.subarray(0, 128 * SIDE * SIDE), y: train.y.subarray(0, 128), dropoutSeed: 99 };
      tf.dispose((await steps.step(loss, batch)).grads);
      // A request asked of a busy worker waits its turn (each gets its own answer).
      const negated = steps.predict(train.x, train.n, 64, predictHere);
      const [first, second] = (await aside) as Float32Array[];
      expect([...(first as Float32Array), ...(second as Float32Array)]).toEqual([...before]);
      const negatedHere = await one.predict(train.x, train.n, 64, predictHere);
      expect(negatedHere).not.toEqual(before);
      expect(await negated).toEqual(negatedHere);
      variables.forEach((v, i) => v.assign(kept[i] as typeof v));
      tf.dispose(kept);
      // Never while the workers take the steps' shards, nor without workers.
      const fresh = await DataParallelSteps.start({ tf, backend: 'wasm', model, variables, shards: 2, threads: 2, seed: 5 });
      expect(fresh.predictAside(halves, 64)).toBeNull();
      expect(one.predictAside(halves, 64)).toBeNull();
    } finally {
      model.dispose();
    }
  }, 60_000);

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
