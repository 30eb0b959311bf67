// Learning-rate schedules and the optimisers' update rules, checked against hand-computed steps.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { learningRateAt } from '../../main/train/lrSchedule.js';
import { createOptimizer } from '../../main/train/optimizers.js';

describe('learningRateAt', () => {
  it('keeps a constant rate', () => {
    expect([0, 3, 9].map((e) => learningRateAt({ kind: 'constant' }, 0.1, e, 10))).toEqual([0.1, 0.1, 0.1]);
  });

  it('follows a half cosine from the base rate: ½ at the middle epoch, never 0 inside the run', () => {
    const lr = (e: number) => learningRateAt({ kind: 'cosine' }, 0.2, e, 10);
    expect(lr(0)).toBeCloseTo(0.2, 12);
    expect(lr(5)).toBeCloseTo(0.1, 12);
    expect(lr(9)).toBeCloseTo(0.2 * 0.5 * (1 + Math.cos((Math.PI * 9) / 10)), 12);
    expect(lr(9)).toBeGreaterThan(0);
  });

  it('multiplies by γ every stepEvery epochs', () => {
    const schedule = { kind: 'step' as const, stepEvery: 3, gamma: 0.5 };
    expect([0, 2, 3, 5, 6, 9].map((e) => learningRateAt(schedule, 1, e, 12))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
  });
});

describe.each(['cpu', 'wasm'] as const)('optimisers on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend(backend)).tf;
  });

  /** One variable w, updated with the given gradients; returns w after each step. */
  function run(spec: Parameters<typeof createOptimizer>[1], start: number[], gradients: number[][], lr: number, decay = true): number[][] {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor1d(start)));
    const optimizer = createOptimizer(tf, spec, [{ variable: w, decay }]);
    const trace = gradients.map((g) => {
      const grad = tf.tensor1d(g);
      optimizer.apply([grad], lr);
      grad.dispose();
      return Array.from(w.dataSync());
    });
    optimizer.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
    return trace;
  }

  it('SGD: w ← w − lr·g', () => {
    const trace = run({ kind: 'sgd', lr: 0.1, weightDecay: 0 }, [1, -2], [[0.5, 1], [0.5, 1]], 0.1);
    expect(trace[0]![0]).toBeCloseTo(0.95, 6);
    expect(trace[1]![1]).toBeCloseTo(-2.2, 6);
  });

  it('SGD with momentum μ: v ← μv + g, w ← w − lr·v', () => {
    const trace = run({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 }, [0], [[1], [1]], 0.1);
    expect(trace[0]![0]).toBeCloseTo(-0.1, 6); // v = 1
    expect(trace[1]![0]).toBeCloseTo(-0.1 - 0.19, 6); // v = 0.9 + 1
  });

  it('Adam: the first step moves each weight by lr·sign(g) (bias-corrected m̂/√v̂ = ±1)', () => {
    const trace = run({ kind: 'adam', lr: 0.01, weightDecay: 0 }, [1, 1], [[3, -0.002]], 0.01);
    expect(trace[0]![0]).toBeCloseTo(0.99, 5);
    expect(trace[0]![1]).toBeCloseTo(1.01, 4);
  });

  it('Adam: the second step matches the formula worked out by hand', () => {
    const [g1, g2] = [2, -1];
    const m = 0.9 * 0.1 * g1 + 0.1 * g2;
    const v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2;
    const step2 = (0.01 * (m / (1 - 0.9 ** 2))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    const trace = run({ kind: 'adam', lr: 0.01, weightDecay: 0 }, [0], [[g1], [g2]], 0.01);
    expect(trace[1]![0]).toBeCloseTo(-0.01 - step2, 6);
  });

  it('weight decay adds λ·w to the gradient of decayed weights only (L2, PyTorch semantics)', () => {
    expect(run({ kind: 'sgd', lr: 0.1, weightDecay: 0.5 }, [2], [[0]], 0.1)[0]![0]).toBeCloseTo(2 - 0.1 * 0.5 * 2, 6);
    expect(run({ kind: 'sgd', lr: 0.1, weightDecay: 0.5 }, [2], [[0]], 0.1, false)[0]![0]).toBe(2);
  });

  it('saves and restores its state so a resumed run takes the same next step', () => {
    const spec = { kind: 'adam' as const, lr: 0.01, weightDecay: 0 };
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
    const first = createOptimizer(tf, spec, [{ variable: w, decay: true }]);
    const g = tf.tensor1d([0.3, -0.7]);
    first.apply([g], 0.01);
    const state = first.getState();
    first.apply([g], 0.01);
    const uninterrupted = Array.from(w.dataSync());
    first.dispose();

    const w2 = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
    const second = createOptimizer(tf, spec, [{ variable: w2, decay: true }]);
    second.apply([g], 0.01);
    const resumed = createOptimizer(tf, spec, [{ variable: w2, decay: true }]);
    resumed.setState(state);
    resumed.apply([g], 0.01);
    expect(state.step).toBe(1);
    expect(Array.from(w2.dataSync())).toEqual(uninterrupted);
    for (const d of [second, resumed]) d.dispose();
    for (const t of [w, w2, g]) t.dispose();
  });
});
