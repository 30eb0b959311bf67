// The training loop: loss phases switch at the right epoch (SPEC.md V3), a KD student copies its
// teacher, runs are deterministic and resumable, tensors never leak, cancellation stops a run.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import type { ModelInput } from '../../main/train/models.js';
import { epochPermutation } from '../../main/train/seedStreams.js';
import { predictProbabilities, trainRun, type TrainRunOptions } from '../../main/train/trainer.js';
import { CancelledError, DomainError } from '../../shared/errors.js';
import { parseRunSpec, type RunSpecInput } from '../../shared/experimentSpec.js';
import { createRandom } from '../../shared/seededRandom.js';

const DIM = 8;
const CLASSES = 4;
const INPUT: ModelInput = { kind: 'image', height: 1, width: DIM, channels: 1 };

/** A 4-class Gaussian mixture in 8-D with unit noise; class means a few σ apart, so classes overlap a little. */
function gaussianMixture(n: number, seed: number): { x: Float32Array; y: Int32Array; n: number } {
  const random = createRandom(seed);
  const means = Array.from({ length: CLASSES }, (_, c) => Array.from({ length: DIM }, (_, d) => (d % CLASSES === c ? 2.5 : 0) + (d === (c + 1) % DIM ? 1 : 0)));
    const x = new Float32Array(n * DIM);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = random.int(CLASSES);
    y[i] = c;
    for (let d = 0; d < DIM; d++) x[i * DIM + d] = (means[c]![d] as number) + random.normal();
  }
  return { x, y, n };
}

function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(logits.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((logits[i * classes + c] as number) > (logits[i * classes + best] as number)) best = c;
    out[i] = best;
  }
  return out;
}

const run = (overrides: Partial<RunSpecInput> = {}) =>
  parseRunSpec({
    name: 'run',
    model: { arch: 'mlp', hidden: [16], dropout: 0.1 },
    optimizer: { kind: 'adam', lr: 0.01 },
    lrSchedule: { kind: 'cosine' },
    batchSize: 32,
    epochs: 3,
    seed: 5,
    ...overrides,
  });

describe('epochPermutation', () => {
  it('is a permutation that depends only on (seed, epoch)', () => {
    const a = epochPermutation(100, 7, 3);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(epochPermutation(100, 7, 3)).toEqual(a);
    expect(epochPermutation(100, 7, 4)).not.toEqual(a);
    expect(epochPermutation(100, 8, 3)).not.toEqual(a);
  });
});

describe.each(['cpu', 'wasm'] as const)('trainRun on %s', (backend) => {
  let tf: Tf;
  const train = gaussianMixture(400, 1);
  const teacherLogits = new Float32Array(train.n * CLASSES).map((_, i) => Math.sin(i)); // any fixed teacher will do here
  beforeAll(async () => {
    tf = (await selectBackend(backend)).tf;
  });
  const options = (spec: ReturnType<typeof run>, extra: Partial<TrainRunOptions> = {}): TrainRunOptions => ({
    tf,
    spec,
    data: { train },
    numClasses: CLASSES,
    input: INPUT,
    teacherLogits,
    ...extra,
  });

  it('switches loss at the phase boundary: one-hot in epochs 0–1, KD in 2–3', async () => {
    const spec = run({ epochs: 4, phases: [{ from: 0, loss: { kind: 'onehot' } }, { from: 2, loss: { kind: 'kd', tau: 2 } }] });
    let epochNow = 0;
    const teacherAskedIn = new Set<number>();
    const result = await trainRun(
      options(spec, {
        onEpochEnd: (epoch) => void (epochNow = epoch + 1),
        teacherLogits: (split, indices) => {
          teacherAskedIn.add(epochNow);
          expect(split).toBe('train');
          return Float32Array.from({ length: indices.length * CLASSES }, (_, i) => teacherLogits[((indices[Math.floor(i / CLASSES)] as number) * CLASSES) + (i % CLASSES)] as number);
        },
      }),
    );
    expect(result.epochs.map((e) => e.loss.kind)).toEqual(['onehot', 'onehot', 'kd', 'kd']);
    expect(result.epochs[2]!.loss).toMatchObject({ tau: 2 });
    // The teacher is consulted only while KD is in force.
    expect([...teacherAskedIn].sort()).toEqual([2, 3]);
    result.model.dispose();
  });

  it('refuses a KD phase without teacher logits before training anything', async () => {
    const spec = run({ phases: [{ from: 0, loss: { kind: 'onehot' } }, { from: 1, loss: { kind: 'kd' } }] });
    await expect(trainRun(options(spec, { teacherLogits: undefined }))).rejects.toThrow(/epoch 1 distils/);
  });

  it('is deterministic: same seed, same losses and weights; another seed differs', async () => {
    const go = async (seed: number) => {
      const r = await trainRun(options(run({ seed, phases: [{ from: 0, loss: { kind: 'kd', alpha: 0.5 } }] })));
      r.model.dispose();
      return r;
    };
    const [a, b, c] = [await go(5), await go(5), await go(6)];
    expect(b.epochs.map((e) => e.meanLoss)).toEqual(a.epochs.map((e) => e.meanLoss));
    expect(b.weights).toEqual(a.weights);
    expect(c.weights[0]).not.toEqual(a.weights[0]);
  });

  it('resumed at epoch 2 from the epoch-1 checkpoint, ends with the same weights as an uninterrupted run', async () => {
    const spec = run({ epochs: 4, phases: [{ from: 0, loss: { kind: 'onehot' } }, { from: 1, loss: { kind: 'kd' } }] });
    const checkpoints = new Map<number, { weights: Float32Array[]; optimizerState: import('../../main/train/optimizers.js').OptimizerState }>();
    const whole = await trainRun(options(spec, { onEpochEnd: (epoch, weights, info) => void checkpoints.set(epoch, { weights, optimizerState: info.optimizerState }) }));
    whole.model.dispose();
    const saved = checkpoints.get(1)!;
    const resumed = await trainRun(options(spec, { startEpoch: 2, initialWeights: saved.weights, initialOptimizerState: saved.optimizerState }));
    resumed.model.dispose();
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([2, 3]);
    expect(resumed.epochs.map((e) => e.meanLoss)).toEqual(whole.epochs.slice(2).map((e) => e.meanLoss));
    expect(resumed.weights).toEqual(whole.weights);
  });

  it('leaks no tensors, whether a run finishes or is cancelled', async () => {
    const before = tf.memory().numTensors;
    const done = await trainRun(options(run({ phases: [{ from: 0, loss: { kind: 'kd' } }] })));
    done.model.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const controller = new AbortController();
    const cancelled = trainRun(options(run(), { signal: controller.signal, onBatch: (info) => info.batch === 2 && controller.abort() }));
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predicts in batches exactly what one big batch predicts', async () => {
    const result = await trainRun(options(run({ epochs: 1 })));
    const small = predictProbabilities(tf, result.model, train.x, train.n, 7).logits;
    const whole = predictProbabilities(tf, result.model, train.x, train.n, train.n).logits;
    expect(small).toHaveLength(train.n * CLASSES);
    small.forEach((v, i) => expect(v).toBeCloseTo(whole[i] as number, 4));
    expect(() => predictProbabilities(tf, result.model, train.x, train.n + 1)).toThrow(DomainError);
    result.model.dispose();
  });

  it('a student distilled at τ = 1 from a teacher agrees with it on ≥ 95% of held-out examples', async () => {
    const data = gaussianMixture(1200, 2);
    const test = gaussianMixture(500, 3);
    const teacherSpec = run({ name: 'teacher', model: { arch: 'mlp', hidden: [64] }, epochs: 15, seed: 1, lrSchedule: { kind: 'constant' } });
    const teacher = await trainRun({ tf, spec: teacherSpec, data: { train: data }, numClasses: CLASSES, input: INPUT });
    const teacherTrain = predictProbabilities(tf, teacher.model, data.x, data.n).logits;
    const teacherTest = argmaxRows(predictProbabilities(tf, teacher.model, test.x, test.n).logits, CLASSES);
    teacher.model.dispose();

    const studentSpec = run({
      name: 'student',
      model: { arch: 'mlp', hidden: [32] },
      epochs: 15,
      seed: 2,
      lrSchedule: { kind: 'constant' },
      phases: [{ from: 0, loss: { kind: 'kd', alpha: 1, tau: 1 } }],
    });
    const student = await trainRun({ tf, spec: studentSpec, data: { train: data }, numClasses: CLASSES, input: INPUT, teacherLogits: teacherTrain });
    const studentTest = argmaxRows(predictProbabilities(tf, student.model, test.x, test.n).logits, CLASSES);
    student.model.dispose();
    const fidelity = studentTest.reduce((agree, k, i) => agree + (k === teacherTest[i] ? 1 : 0), 0) / test.n;
    expect(fidelity).toBeGreaterThanOrEqual(0.95);
    // The KD loss (a KL) went down towards 0 as the student matched the teacher.
    expect(student.epochs.at(-1)!.meanLoss).toBeLessThan(student.epochs[0]!.meanLoss);
  });
});
