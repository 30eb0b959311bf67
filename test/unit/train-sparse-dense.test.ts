// An image MLP's first layer on wasm from its non-background pixels (main/train/sparseDense.ts):
// the kernels' numbers are exactly those of the sums the module documents (a JS reference rounding
// to float32 after every operation, bit for bit), close to the dense layer on the cpu backend, and
// one row's output depends on that row alone.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { buildModel } from '../../main/train/models.js';
import { canUseSparseDense, featureBases, SPARSE_DENSE, SPARSE_DENSE_GRAD, sparseDense, type SparseDenseAttrs } from '../../main/train/sparseDense.js';
import { parseModelSpec } from '../../shared/experimentSpec.js';
import { randomValues } from '../helpers/kernelValues.js';

let tf: Tf;

beforeAll(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const f = Math.fround;

/** Images as the model sees them: about half of each row's features exactly at their background. */
function imageRows(rows: number, features: number, background: number[], seed: number): Float32Array {
  const x = randomValues(rows * features, seed);
  const bases = featureBases(background, features);
  const coin = randomValues(rows * features, seed + 1);
  for (let i = 0; i < x.length; i++) if ((coin[i] as number) < 0) x[i] = bases[i % features] as number;
  return x;
}

/** The forward the module documents, rounding to float32 after every operation. */
function referenceForward(x: Float32Array, w: Float32Array, bias: Float32Array, rows: number, features: number, outputs: number, attrs: SparseDenseAttrs): Float32Array {
  const bases = featureBases(attrs.background, features);
  const hasBase = bases.some((v) => v !== 0);
  const baseRow = new Float32Array(outputs);
  for (let j = 0; j < outputs; j++) {
    let acc = 0;
    for (let k = 0; k < features; k++) if (bases[k] !== 0) acc = f(acc + f(bases[k]! * w[k * outputs + j]!));
    baseRow[j] = acc;
  }
  const out = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outputs; j++) {
      let acc = hasBase ? baseRow[j]! : 0;
      for (let k = 0; k < features; k++) {
        const v = x[r * features + k]!;
        if (v !== bases[k]) acc = f(acc + f(f(v - bases[k]!) * w[k * outputs + j]!));
      }
      acc = f(acc + bias[j]!);
      out[r * outputs + j] = attrs.relu ? Math.max(acc, 0) : acc;
    }
  }
  return out;
}

/** The gradient the module documents: [dW, dbias]. */
function referenceGrad(x: Float32Array, dy: Float32Array, y: Float32Array, rows: number, features: number, outputs: number, attrs: SparseDenseAttrs): [Float32Array, Float32Array] {
  const bases = featureBases(attrs.background, features);
  const g = dy.map((v, i) => (!attrs.relu || y[i]! > 0 ? v : 0));
  const db = new Float32Array(outputs);
  for (let j = 0; j < outputs; j++) {
    let acc = 0;
    for (let r = 0; r < rows; r++) acc = f(acc + g[r * outputs + j]!);
    db[j] = acc;
  }
  const dw = new Float32Array(features * outputs);
  for (let k = 0; k < features; k++) {
    for (let j = 0; j < outputs; j++) {
      let acc = bases[k] !== 0 ? f(0 + f(bases[k]! * db[j]!)) : 0;
      for (let r = 0; r < rows; r++) {
        const v = x[r * features + k]!;
        if (v !== bases[k]) acc = f(acc + f(f(v - bases[k]!) * g[r * outputs + j]!));
      }
      dw[k * outputs + j] = acc;
    }
  }
  return [dw, db];
}

/** Bit patterns, so that −0 and +0 (and NaN payloads) count as different. */
const bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

function worstGap(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const cases: { rows: number; features: number; outputs: number; background: number[]; relu: boolean }[] = [
  // three channels: one with a zero background, so its features have no base term
  { rows: 5, features: 48, outputs: 32, background: [-0.5, 0.25, 0], relu: true },
  { rows: 64, features: 784, outputs: 512, background: [-0.8102], relu: true },
  { rows: 3, features: 20, outputs: 48, background: [-1.25], relu: false },
  // no background given: the zeros are the background
  { rows: 1, features: 10, outputs: 16, background: [], relu: true },
];

describe('sparse dense layer on wasm', () => {
  it.each(cases.map((c) => [`${c.rows}×${c.features} → ${c.outputs}, background [${c.background.join(', ')}], relu ${c.relu}`, c] as const))('%s: value and gradients are the documented sums, bit for bit, and near the dense layer on cpu', async (_, c) => {
    const attrs: SparseDenseAttrs = { background: c.background, relu: c.relu };
    const x = imageRows(c.rows, c.features, c.background, 11);
    const w = randomValues(c.features * c.outputs, 12);
    const bias = randomValues(c.outputs, 13);
    const up = randomValues(c.rows * c.outputs, 14);
    await tf.setBackend('wasm');
    expect(canUseSparseDense(tf, c.outputs)).toBe(true);
    const buffersBefore = tf.backend().numDataIds();
    const wasm = tf.tidy(() => {
      const [xt, wt, bt, upt] = [tf.tensor2d(x, [c.rows, c.features]), tf.tensor2d(w, [c.features, c.outputs]), tf.tensor1d(bias), tf.tensor2d(up, [c.rows, c.outputs])];
      const y = tf.engine().runKernel(SPARSE_DENSE, { x: xt, w: wt, bias: bt }, attrs as never) as Tensor2D;
      const [dw, db] = tf.engine().runKernel(SPARSE_DENSE_GRAD, { x: xt, dy: upt, y }, attrs as never) as [Tensor2D, Tensor1D];
      // through the op's own gradient, as training takes it
      const [gw, gb] = tf.grads((ww, bb) => tf.sum(tf.mul(sparseDense(tf, xt, ww as Tensor2D, bb as Tensor1D, attrs), upt)))([wt, bt]);
      return [y, dw, db, gw!, gb!].map((t) => t.dataSync() as Float32Array);
    });
    // the kernels' scratch buffers are freed with their intermediates
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    const [y, dw, db, gw, gb] = wasm as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const expectedY = referenceForward(x, w, bias, c.rows, c.features, c.outputs, attrs);
    const [expectedDw, expectedDb] = referenceGrad(x, up, expectedY, c.rows, c.features, c.outputs, attrs);
    expect(bits(y)).toEqual(bits(expectedY));
    expect(bits(dw)).toEqual(bits(expectedDw));
    expect(bits(db)).toEqual(bits(expectedDb));
    expect(bits(gw)).toEqual(bits(expectedDw));
    expect(bits(gb)).toEqual(bits(expectedDb));

    await tf.setBackend('cpu');
    const cpu = tf.tidy(() => {
      const [xt, wt, bt, upt] = [tf.tensor2d(x, [c.rows, c.features]), tf.tensor2d(w, [c.features, c.outputs]), tf.tensor1d(bias), tf.tensor2d(up, [c.rows, c.outputs])];
      const layer = (ww: Tensor2D, bb: Tensor1D) => {
        const pre = tf.add(tf.matMul(xt, ww), bb) as Tensor2D;
        return c.relu ? tf.relu(pre) : pre;
      };
      const [gw, gb] = tf.grads((ww, bb) => tf.sum(tf.mul(layer(ww as Tensor2D, bb as Tensor1D), upt)))([wt, bt]);
      return [layer(wt, bt), gw!, gb!].map((t) => t.dataSync() as Float32Array);
    });
    await tf.setBackend('wasm');
    expect(worstGap(y, cpu[0]!)).toBeLessThan(1e-4);
    expect(worstGap(dw, cpu[1]!)).toBeLessThan(1e-4);
    expect(worstGap(db, cpu[2]!)).toBeLessThan(1e-4);
  });

  it('runs only on wasm, and only for outputs a multiple of 16', async () => {
    await tf.setBackend('wasm');
    expect(canUseSparseDense(tf, 512)).toBe(true);
    expect(canUseSparseDense(tf, 100)).toBe(false);
    await tf.setBackend('cpu');
    expect(canUseSparseDense(tf, 512)).toBe(false);
    await tf.setBackend('wasm');
  });

  // An image MLP reads its first layer through the op: each row's logits are the same batched or
  // alone, training's forward equals inference's, the gradients match cpu's dense layers, and a
  // gradient by input through the inference pass (exact Jacobians) still flows.
  it('an image MLP: logits per row independent of the batch, training = inference, gradients near cpu, input gradients flow', async () => {
    const input = { kind: 'image' as const, height: 4, width: 4, channels: 3, background: [-0.75, -0.5, -1] };
    const rows = 6;
    const xValues = imageRows(rows, 48, input.background, 21);
    const spec = parseModelSpec({ arch: 'mlp', hidden: [32, 16] });
    const on = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = buildModel(tf, spec, input, 4, 5);
      const variables = model.parameters.filter((p) => p.trainable).map((p) => p.variable);
      const out = tf.tidy(() => {
        const x = tf.tensor4d(xValues, [rows, 4, 4, 3]);
        const logits = model.predictLogits(x).dataSync() as Float32Array;
        const alone = Array.from({ length: rows }, (_, r) => model.predictLogits(tf.slice(x, [r, 0, 0, 0], [1, 4, 4, 3])).dataSync() as Float32Array);
        const training = model.forward(x, { training: true, dropoutSeed: 1 }).dataSync() as Float32Array;
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(x, { training: true, dropoutSeed: 1 }))), variables);
        const inputGrad = tf.grad((xs) => tf.sum(model.predictLogits(xs)))(x).dataSync() as Float32Array;
        return { logits, alone, training, grads: variables.map((v) => grads[v.name]!.dataSync() as Float32Array), inputGrad };
      });
      model.dispose();
      return out;
    };
    const [cpu, wasm] = [await on('cpu'), await on('wasm')];
    wasm.alone.forEach((row, r) => expect(bits(row)).toEqual(bits(wasm.logits.slice(r * 4, r * 4 + 4))));
    expect(bits(wasm.training)).toEqual(bits(wasm.logits));
    expect(worstGap(wasm.logits, cpu.logits)).toBeLessThan(1e-4);
    cpu.grads.forEach((g, i) => expect(worstGap(wasm.grads[i]!, g)).toBeLessThan(1e-4));
    expect(worstGap(wasm.inputGrad, cpu.inputGrad)).toBeLessThan(1e-4);
  });
});
