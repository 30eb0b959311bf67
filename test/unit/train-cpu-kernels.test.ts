// The cpu backend's replacement gradient kernels must agree with the kernels they replaced:
// filter gradients with chunked batches, strides, padding and channels; max-pool gradients.
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { makeCpuConv2DBackpropFilter, replacedCpuKernel } from '../../main/train/cpuGradients.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await selectBackend('cpu')).tf;
});

function randomTensor(shape: number[], seed: number) {
  let s = seed;
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  return tf.tensor(values, shape);
}

describe('cpu Conv2DBackpropFilter by patches', () => {
  it.each([
    [[2, 8, 8, 3], [3, 3], 4, 1, 'same', 1e9],
    [[3, 9, 7, 2], [3, 3], 5, 2, 'valid', 1e9],
    [[4, 7, 7, 6], [2, 3], 3, 1, 'valid', 200], // one image per chunk
    [[5, 6, 6, 4], [3, 3], 2, 2, 'same', 700], // two images per chunk, the last one alone
  ] as const)('x %j k %j → %i channels, stride %i, %s, patch budget %i', (xShape, k, co, stride, pad, budget) => {
    const original = replacedCpuKernel('Conv2DBackpropFilter');
    expect(original).toBeDefined();
    const backend = tf.backend();
    const x = randomTensor([...xShape], 1);
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], [k[0], k[1], xShape[3], co], stride, 1, pad);
    const dy = randomTensor(info.outShape, 2);
    const args = { inputs: { x, dy }, backend, attrs: { strides: stride, pad, dataFormat: 'NHWC', filterShape: [k[0], k[1], xShape[3], co] } };
    const ours = makeCpuConv2DBackpropFilter(tf, budget)(args as never) as { dataId: object; shape: number[] };
    const theirs = original!(args as never) as { dataId: object; shape: number[] };
    expect(ours.shape).toEqual(theirs.shape);
    const [a, b] = [ours, theirs].map((t) => backend.readSync(t.dataId) as Float32Array);
    a!.forEach((v, i) => expect(Math.abs(v - b![i]!)).toBeLessThan(1e-4));
  });
});

describe('cpu MaxPoolGrad by loop', () => {
  it.each([
    ['2×2 stride 2', [2, 8, 8, 3], 2, 2, 'valid'],
    ['2×2 stride 2, odd size', [1, 7, 7, 3], 2, 2, 'valid'],
    ['3×3 stride 2, same', [2, 7, 7, 2], 3, 2, 'same'],
  ] as const)('%s', (_label, shape, size, stride, pad) => {
    const original = replacedCpuKernel('MaxPoolGrad');
    expect(original).toBeDefined();
    const backend = tf.backend();
    // ReLU-like input: ties at 0 must go to the first position of the window.
    const input = tf.relu(randomTensor([...shape], 3)) as Tensor4D;
    const output = tf.maxPool(input, size, stride, pad);
    const dy = randomTensor(output.shape, 4);
    const args = { inputs: { dy, input, output }, backend, attrs: { filterSize: size, strides: stride, pad } };
    const ours = tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, args.attrs as never) as unknown as { dataSync(): Float32Array };
    const theirs = original!(args as never) as { dataId: object };
    expect(Array.from(ours.dataSync())).toEqual(Array.from(backend.readSync(theirs.dataId) as Float32Array));
  });
});
