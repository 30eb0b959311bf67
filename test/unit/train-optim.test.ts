// Learning-rate schedules and the optimisers' update rules, checked against hand-computed steps.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { learningRateAt } from '../../main/train/lrSchedule.js';
import { adamStepLoop } from '../../main/train/adamStep.js';
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

describe('Adam in one wasm kernel (adamStep.ts)', () => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend('wasm')).tf;
  });

  function values(n: number, seed: number, scale: number): Float32Array {
    let s = seed >>> 0;
    return Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * scale;
    });
  }

  /** Each variable's values after `steps` updates, by the kernel (fused) or by tfjs ops. */
  function train(fused: boolean, sizes: number[], decay: number, steps: number): Float32Array[] {
    const variables = sizes.map((n, i) => tf.variable(tf.tensor1d(values(n, 10 + i, 2))));
    const optimizer = createOptimizer(tf, { kind: 'adam', lr: 0.003, weightDecay: decay }, variables.map((variable, i) => ({ variable, decay: i % 2 === 0 })), { fused });
    for (let step = 0; step < steps; step++) {
      const grads = sizes.map((n, i) => tf.tensor1d(values(n, 100 * step + i, step === 2 ? 1e-6 : 3)));
      optimizer.apply(grads, 0.003 / (step + 1));
      tf.dispose(grads);
    }
    const out = variables.map((v) => v.dataSync() as Float32Array);
    optimizer.dispose();
    tf.dispose(variables);
    return out;
  }

  it('is registered and gives the op-by-op update bit for bit (SIMD body, scalar tail, decay on and off)', () => {
    for (const decay of [0, 0.01]) {
      const sizes = [1, 7, 4099, 64];
      const fused = train(true, sizes, decay, 5);
      const ops = train(false, sizes, decay, 5);
      sizes.forEach((_, i) => expect(new Uint32Array(fused[i]!.buffer)).toEqual(new Uint32Array(ops[i]!.buffer)));
    }
  });

  it('has a JS loop, for runtimes without wasm SIMD, with the same numbers', () => {
    const n = 1029;
    const [w, g, m, v] = [values(n, 1, 2), values(n, 2, 3), values(n, 3, 0.1), values(n, 4, 0.1).map(Math.abs)];
    const attrs = { decay: 0.01, beta1: 0.9, beta2: 0.999, correction2: 1 - 0.999 ** 3, epsilon: 1e-8, stepSize: 0.003 / (1 - 0.9 ** 3) };
    const out = { w: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
    adamStepLoop(w, g, m, v, out, attrs);
    const [w2, m2, v2] = tf.tidy(() =>
      (tf.engine().runKernel('DisobeyAdamStep', { variable: tf.tensor1d(w), grad: tf.tensor1d(g), m: tf.tensor1d(m), v: tf.tensor1d(v) }, attrs as never) as InstanceType<Tf['Tensor']>[]).map((t) => t.dataSync() as Float32Array),
    ) as unknown as Float32Array[];
    expect(new Uint32Array(out.w.buffer)).toEqual(new Uint32Array(w2!.buffer));
    expect(new Uint32Array(out.m.buffer)).toEqual(new Uint32Array(m2!.buffer));
    expect(new Uint32Array(out.v.buffer)).toEqual(new Uint32Array(v2!.buffer));
    expect(out.w).not.toEqual(w);
  });
});
