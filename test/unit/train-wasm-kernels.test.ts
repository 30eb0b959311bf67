// The gradient kernels added to (or replaced on) the wasm backend must agree with the cpu
// backend's reference kernels on random inputs: several shapes, strides 1 and 2, same/valid.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import fs from 'node:fs';
import path from 'node:path';
import type { Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { canFuseConvReluPool, convReluPool } from '../../main/train/convReluPool.js';
import { WASM_GRADIENT_KERNELS } from '../../main/train/wasmGradients.js';
import { exactJacobian } from '../../main/train/jacobianMatching.js';
import { buildModel } from '../../main/train/models.js';
import { parseModelSpec } from '../../shared/experimentSpec.js';
import { randomValues } from '../helpers/kernelValues.js';

let tf: Tf;

beforeAll(async () => {
  tf = (await selectBackend('wasm')).tf;
});

/** Runs one kernel on `backend` from plain arrays and returns its output as plain data. */
async function runOn(
  backend: 'cpu' | 'wasm',
  kernelName: string,
  inputs: Record<string, { values: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
    const out = tf.engine().runKernel(kernelName, tensors as never, attrs as never) as unknown as InstanceType<Tf['Tensor']>;
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

function expectClose(actual: { shape: number[]; values: Float32Array }, expected: { shape: number[]; values: Float32Array }): void {
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    worst = Math.max(worst, Math.abs((actual.values[i] as number) - (expected.values[i] as number)));
  }
  expect(worst).toBeLessThan(1e-4);
}

const f32 = (values: Float32Array, shape: number[]) => ({ values, shape, dtype: 'float32' as const });

interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number;
  pad: 'same' | 'valid';
}
// Up to 3 input channels the filter gradient writes patches; from 4 it goes through a convolution,
// or our SIMD module where the stride is 1 and the channels fit its tile.
const convCases: ConvCase[] = [
  { x: [2, 8, 8, 3], k: [3, 3], co: 4, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], k: [3, 3], co: 4, stride: 1, pad: 'valid' },
  { x: [3, 9, 7, 2], k: [3, 3], co: 5, stride: 2, pad: 'same' },
  { x: [3, 9, 7, 2], k: [3, 3], co: 5, stride: 2, pad: 'valid' },
  { x: [1, 6, 6, 4], k: [1, 1], co: 3, stride: 2, pad: 'same' },
  { x: [2, 10, 10, 1], k: [5, 5], co: 2, stride: 1, pad: 'same' },
  { x: [4, 7, 7, 8], k: [2, 3], co: 6, stride: 1, pad: 'valid' },
  // Widening layers with stride 1: the filter gradient correlates dy with x (x as the filter).
  { x: [2, 8, 8, 4], k: [3, 3], co: 8, stride: 1, pad: 'same' },
  { x: [3, 9, 7, 5], k: [2, 3], co: 7, stride: 1, pad: 'valid' },
  { x: [2, 6, 6, 4], k: [5, 5], co: 6, stride: 1, pad: 'same' },
  // Stride 1 with input channels a multiple of 4 and output channels of 8: our SIMD module
  // (several tiles of each, even and odd kernels, padding on one side only, a kernel wider than the image).
  { x: [2, 8, 8, 4], k: [3, 3], co: 16, stride: 1, pad: 'same' },
  { x: [3, 7, 9, 8], k: [2, 3], co: 16, stride: 1, pad: 'valid' },
  { x: [2, 5, 6, 12], k: [2, 2], co: 8, stride: 1, pad: 'same' },
  { x: [1, 3, 4, 4], k: [5, 5], co: 24, stride: 1, pad: 'same' },
  { x: [2, 14, 14, 16], k: [3, 3], co: 32, stride: 1, pad: 'same' },
  // Input channels not a multiple of 4, output channels of 8: the module reads a zero-padded copy,
  // a kernel row's taps as the tile's channels (3 rounded up to 4, 9 to 12, 18 to 20).
  { x: [2, 28, 28, 1], k: [3, 3], co: 16, stride: 1, pad: 'same' },
  { x: [3, 7, 9, 3], k: [2, 3], co: 8, stride: 1, pad: 'valid' },
  { x: [2, 6, 5, 2], k: [5, 5], co: 8, stride: 1, pad: 'same' },
  { x: [1, 4, 4, 3], k: [4, 4], co: 16, stride: 1, pad: 'same' },
  { x: [2, 6, 6, 6], k: [3, 3], co: 8, stride: 1, pad: 'same' },
  // Stride 2 with those channels takes the convolution route.
  { x: [2, 9, 9, 8], k: [3, 3], co: 8, stride: 2, pad: 'same' },
];

function convOutShape(c: ConvCase): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.co], c.stride, 1, c.pad);
  return info.outShape;
}

describe('wasm gradient kernels match the cpu backend', () => {
  it('replaces or adds exactly the kernels it names', () => {
    for (const name of WASM_GRADIENT_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it.each(convCases.map((c) => [`${c.x.join('×')} k${c.k.join('×')} s${c.stride} ${c.pad}`, c] as const))(
    'Conv2DBackpropFilter %s',
    async (_label, c) => {
      const outShape = convOutShape(c);
      const inputs = {
        x: f32(randomValues(c.x.reduce((a, b) => a * b), 1), c.x),
        dy: f32(randomValues(outShape.reduce((a, b) => a * b), 2), outShape),
      };
      const attrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], c.x[3], c.co] };
      expectClose(await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs), await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs));
    },
  );

  it.each(convCases.map((c) => [`${c.x.join('×')} k${c.k.join('×')} s${c.stride} ${c.pad}`, c] as const))(
    'Conv2DBackpropInput %s',
    async (_label, c) => {
      const outShape = convOutShape(c);
      const filterShape = [c.k[0], c.k[1], c.x[3], c.co];
      const inputs = {
        dy: f32(randomValues(outShape.reduce((a, b) => a * b), 3), outShape),
        filter: f32(randomValues(filterShape.reduce((a, b) => a * b), 4), filterShape),
      };
      const attrs = { inputShape: c.x, strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC' };
      expectClose(await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs), await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs));
    },
  );

  it.each([
    ['2×2 stride 2 (fast path)', [2, 8, 8, 3], 2, 2, 'valid'],
    ['3×3 stride 3 (fast path)', [1, 9, 6, 2], 3, 3, 'valid'],
    ['2×2 stride 2 odd size (fast path, remainder)', [1, 7, 7, 3], 2, 2, 'valid'],
    ['3×3 stride 2 same (loop)', [2, 7, 7, 2], 3, 2, 'same'],
    ['2×2 stride 1 valid (loop)', [2, 5, 6, 3], 2, 1, 'valid'],
  ] as const)('MaxPoolGrad %s', async (_label, shape, size, stride, pad) => {
    const x = randomValues(shape.reduce((a: number, b: number) => a * b, 1), 5);
    // Ties (as after a ReLU) must go to the first maximum of the window, like the cpu backend.
    for (let i = 0; i < x.length; i += 3) x[i] = 0;
    for (let i = 0; i < x.length; i++) if ((x[i] as number) < 0) x[i] = 0;
    await tf.setBackend('cpu');
    const pooled = tf.tidy(() => tf.maxPool(tf.tensor4d(x, [...shape]), size, stride, pad));
    const output = f32(pooled.dataSync() as Float32Array, pooled.shape);
    pooled.dispose();
    const inputs = { dy: f32(randomValues(output.values.length, 6), output.shape), input: f32(x, [...shape]), output };
    const attrs = { filterSize: size, strides: stride, pad };
    expectClose(await runOn('wasm', 'MaxPoolGrad', inputs, attrs), await runOn('cpu', 'MaxPoolGrad', inputs, attrs));
  });

  it.each([
    ['rows of a matrix', [6, 4], [6], 5, [0, 2, 2, 4, 0, 1]],
    ['with out-of-range ids dropped', [5, 3], [5], 4, [3, -1, 3, 7, 0]],
  ] as const)('UnsortedSegmentSum %s', async (_label, xShape, idShape, numSegments, ids) => {
    const inputs = {
      x: f32(randomValues(xShape.reduce((a: number, b: number) => a * b, 1), 7), [...xShape]),
      segmentIds: { values: Int32Array.from(ids), shape: [...idShape], dtype: 'int32' as const },
    };
    const attrs = { numSegments };
    const expected = await runOn('cpu', 'UnsortedSegmentSum', inputs, attrs);
    expectClose(await runOn('wasm', 'UnsortedSegmentSum', inputs, attrs), expected);
  });

  it.each([
    ['plain', [1, 5, 7], [1, 7, 3], false, false],
    ['transposeA', [1, 7, 5], [1, 7, 3], true, false],
    ['transposeB', [1, 5, 7], [1, 3, 7], false, true],
    ['both', [1, 7, 5], [1, 3, 7], true, true],
    ['both, batch of 2', [2, 7, 5], [2, 3, 7], true, true],
    ['both, rank 2', [7, 5], [3, 7], true, true],
  ] as const)('BatchMatMul %s', async (_label, aShape, bShape, transposeA, transposeB) => {
    const a = f32(randomValues(aShape.reduce((x: number, y: number) => x * y, 1), 11), [...aShape]);
    const b = f32(randomValues(bShape.reduce((x: number, y: number) => x * y, 1), 12), [...bShape]);
    const attrs = { transposeA, transposeB };
    expectClose(await runOn('wasm', 'BatchMatMul', { a, b }, attrs), await runOn('cpu', 'BatchMatMul', { a, b }, attrs));
  });

  // tf.fused.matMul always hands the kernel rank-3 operands; wasm's own _FusedMatMul drops the
  // bias when the batch is > 1 (a tfjs 4.22 bug our models avoid: dense layers use batch 1).
  it.each([
    ['plain', [1, 5, 7], [1, 7, 3], false, false],
    ['transposeA', [1, 7, 5], [1, 7, 3], true, false],
    ['transposeB', [1, 5, 7], [1, 3, 7], false, true],
  ] as const)('_FusedMatMul with bias and ReLU, %s', async (_label, aShape, bShape, transposeA, transposeB) => {
    const a = f32(randomValues(aShape.reduce((x: number, y: number) => x * y, 1), 11), [...aShape]);
    const b = f32(randomValues(bShape.reduce((x: number, y: number) => x * y, 1), 12), [...bShape]);
    const outCols = transposeB ? bShape[1] : bShape[2];
    const bias = f32(randomValues(outCols, 13), [outCols]);
    const attrs = { transposeA, transposeB, activation: 'relu', leakyreluAlpha: 0 };
    expectClose(await runOn('wasm', '_FusedMatMul', { a, b, bias }, attrs), await runOn('cpu', '_FusedMatMul', { a, b, bias }, attrs));
  });

  it.each([
    ['leading axes of a conv gradient (loop)', [16, 32, 32, 8], [0, 1, 2], false],
    ['leading axes, keepDims (loop)', [300, 250], [0], true],
    ['a trailing axis (original kernel)', [40, 30], [1], false],
    ['a small tensor (original kernel)', [6, 5, 4], [0, 1], false],
  ] as const)('Sum over %s', async (_label, shape, axis, keepDims) => {
    const x = f32(randomValues(shape.reduce((a: number, b: number) => a * b, 1), 14), [...shape]);
    const attrs = { axis: [...axis], keepDims };
    expectClose(await runOn('wasm', 'Sum', { x }, attrs), await runOn('cpu', 'Sum', { x }, attrs));
  });

  it('Identity shares the buffer and the copy survives disposing the original', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.engine().runKernel('Identity', { x }) as unknown as InstanceType<Tf['Tensor']>;
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains through conv, pool and gather on wasm without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor4d(randomValues(3 * 3 * 2 * 4, 8), [3, 3, 2, 4])));
    const e = tf.tidy(() => tf.variable(tf.tensor2d(randomValues(10 * 4, 9), [10, 4])));
    const grads = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const x = tf.tensor4d(randomValues(2 * 6 * 6 * 2, 10), [2, 6, 6, 2]);
        const conv = tf.maxPool(tf.relu(tf.conv2d(x, w as never, 1, 'same')), 2, 2, 'valid');
        const emb = tf.gather(e, tf.tensor1d([1, 3, 3, 9], 'int32'));
        return tf.add(tf.sum(conv), tf.sum(tf.square(emb))) as never;
      });
      return [tf.keep(grads[w.name]!), tf.keep(grads[e.name]!)];
    });
    expect(grads[0]!.shape).toEqual([3, 3, 2, 4]);
    const embGrad = grads[1]!.arraySync() as number[][];
    // Row 3 was gathered twice, so its gradient is 2·(2·e₃); unused rows get zero.
    const e3 = (e.arraySync() as number[][])[3]!;
    embGrad[3]!.forEach((g, j) => expect(g).toBeCloseTo(4 * e3[j]!, 5));
    expect(embGrad[0]).toEqual([0, 0, 0, 0]);
    for (const t of [...grads, w, e]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  // The CNN block's fused op (convReluPool.ts) against the plain composition on the cpu backend:
  // the value and every gradient, through the SIMD module (channels a multiple of 4) and the JS
  // loop (others), even and odd sizes, and windows whose values tie. The forward runs in our module
  // where the output channels are a multiple of 8 and the size even, else XNNPACK + a max pool.
  // The backward starts from the pooled gradient in our module where the input channels are a
  // multiple of 4 and the size even, else the relu → pool routing and two gradient kernels.
  const blockCases: { x: [number, number, number, number]; co: number; tie?: boolean }[] = [
    { x: [2, 8, 8, 3], co: 8 },
    { x: [2, 28, 28, 1], co: 16 },
    { x: [2, 14, 14, 16], co: 32 },
    { x: [1, 4, 6, 2], co: 16, tie: true },
    // Input channels a multiple of 4 and an even size: the backward from the pooled gradient in one module pass.
    { x: [2, 6, 8, 4], co: 5 },
    { x: [3, 8, 6, 12], co: 16 },
    { x: [2, 4, 4, 8], co: 3, tie: true },
    { x: [1, 6, 4, 20], co: 8 },
    { x: [2, 8, 8, 3], co: 4 },
    { x: [2, 7, 9, 2], co: 8 },
    { x: [3, 6, 6, 1], co: 6 },
    { x: [1, 5, 7, 4], co: 5 },
    { x: [2, 4, 4, 2], co: 4, tie: true },
  ];
  for (const [i, bc] of blockCases.entries()) {
    it(`convReluPool ${bc.x.join('×')} → ${bc.co} channels${bc.tie ? ', every window tied' : ''}: value and gradients match the composition on cpu`, async () => {
      const [, h, w, ci] = bc.x;
      const xValues = randomValues(bc.x.reduce((a, b) => a * b, 1), 40 + i);
      // Tied: a zero filter and a positive bias make every relu output equal.
      const wValues = bc.tie ? new Float32Array(9 * ci * bc.co) : randomValues(9 * ci * bc.co, 50 + i);
      const bValues = bc.tie ? new Float32Array(bc.co).fill(0.25) : randomValues(bc.co, 60 + i);
      const upstream = randomValues(bc.x[0] * Math.floor(h / 2) * Math.floor(w / 2) * bc.co, 70 + i);
      const run = async (backend: 'cpu' | 'wasm', inputNeedsGradient: boolean) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const x = tf.tensor4d(xValues, bc.x);
          const filter = tf.tensor4d(wValues, [3, 3, ci, bc.co]);
          const bias = tf.tensor1d(bValues);
          const up = tf.tensor4d(upstream, [bc.x[0], Math.floor(h / 2), Math.floor(w / 2), bc.co]);
          const block = (xx: Tensor4D, ww: Tensor4D, bb: Tensor1D) =>
            backend === 'wasm' ? convReluPool(tf, xx, ww, bb, inputNeedsGradient) : (tf.maxPool(tf.relu(tf.add(tf.conv2d(xx, ww, 1, 'same'), bb)) as Tensor4D, 2, 2, 'valid') as Tensor4D);
          const value = block(x, filter, bias);
          const grads = inputNeedsGradient
            ? tf.grads((xx, ww, bb) => tf.sum(tf.mul(block(xx as Tensor4D, ww as Tensor4D, bb as Tensor1D), up)))([x, filter, bias])
            : [undefined, ...tf.grads((ww, bb) => tf.sum(tf.mul(block(x, ww as Tensor4D, bb as Tensor1D), up)))([filter, bias])];
          const plain = (t: InstanceType<Tf['Tensor']> | undefined) => (t ? { shape: t.shape, values: t.dataSync() as Float32Array } : undefined);
          return { value: plain(value)!, grads: grads.map(plain) };
        });
      };
      for (const inputNeedsGradient of [true, false]) {
        const expected = await run('cpu', true);
        const actual = await run('wasm', inputNeedsGradient);
        expectClose(actual.value, expected.value);
        if (inputNeedsGradient) expectClose(actual.grads[0]!, expected.grads[0]!);
        else expect(actual.grads[0]).toBeUndefined();
        expectClose(actual.grads[1]!, expected.grads[1]!);
        expectClose(actual.grads[2]!, expected.grads[2]!);
      }
      expect(canFuseConvReluPool(tf)).toBe(true);
      await tf.setBackend('cpu');
      expect(canFuseConvReluPool(tf)).toBe(false);
    });
  }

  // Inference on wasm runs each CNN block as the bare kernel, but a gradient taken through the
  // inference pass (exact Jacobians, Jacobian matching's loss) must still flow: there tfjs's ops run.
  it('a CNN inference pass: the bare kernel without a tape, and gradients through it by input and by weight match cpu', async () => {
    const input = { kind: 'image' as const, height: 8, width: 8, channels: 1 };
    const xValues = randomValues(3 * 64, 70);
    const on = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = buildModel(tf, parseModelSpec({ arch: 'cnn', filters: [8, 16] }), input, 4, 5);
      const variables = model.parameters.filter((p) => p.trainable).map((p) => p.variable);
      const out = tf.tidy(() => {
        const x = tf.tensor4d(xValues, [3, 8, 8, 1]);
        const logits = model.predictLogits(x);
        const jacobian = exactJacobian(tf, (xs) => model.predictLogits(xs), x);
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.predictLogits(x))), variables);
        const values = (t: InstanceType<Tf['Tensor']>) => ({ shape: t.shape, values: t.dataSync() as Float32Array });
        return { logits: values(logits), jacobian: values(jacobian), grads: variables.map((v) => values(grads[v.name]!)) };
      });
      model.dispose();
      return out;
    };
    const [cpu, wasm] = [await on('cpu'), await on('wasm')];
    expectClose(wasm.logits, cpu.logits);
    expectClose(wasm.jacobian, cpu.jacobian);
    cpu.grads.forEach((g, i) => expectClose(wasm.grads[i]!, g));
  });

  it('embeds each SIMD module compiled from its .wat source (main/train/wasm, shared/wasm)', async () => {
    const { compiledModuleSource, generatedPath, watFiles } = await import('../../scripts/compile-wasm.mjs');
    const wats = watFiles();
    expect(wats.map((wat) => path.basename(wat)).sort()).toEqual(['adamStep.wat', 'bootstrapSums.wat', 'convFilterGrad.wat', 'convReluPool.wat', 'poolConvGrad.wat', 'reluPoolGrad.wat', 'sparseRows.wat']);
    for (const wat of wats) expect(fs.readFileSync(generatedPath(wat), 'utf8'), wat).toBe(await compiledModuleSource(wat));
  });
});
