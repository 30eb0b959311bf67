// Faster gradient kernels for the plain-JavaScript cpu backend, the last-resort fall-back: its own
// Conv2DBackpropFilter took ~11 s per CNN layer and batch (128×28×28), which made a conv epoch
// last half an hour; patches + one matMul per chunk of images take ~0.2 s. Its MaxPoolGrad
// (~0.4 s a layer) gives way to the tight loop the wasm backend uses.
import type * as tfjs from '@tensorflow/tfjs-core';
import type { DataId, DataType, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { routeMaxPoolGradient, writeTransposedPatches, type Conv2DBackpropFilterAttrs, type ConvInfo, type MaxPoolGradAttrs } from './gradientLoops.js';

type Tf = typeof tfjs;

/** The slice of tfjs-backend-cpu's MathBackendCPU used here. */
interface CpuBackend {
  readSync(dataId: DataId): unknown;
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
  disposeIntermediateTensorInfo(info: TensorInfo): void;
}
type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap };

/** At most this many floats of patches at once (16 MB); bigger batches go in chunks of images. */
const MAX_PATCH_FLOATS = 4_000_000;
const OURS = Symbol('disobey.cpuGradient');
const replaced = new Map<string, KernelFunc>();

/** `maxPatchFloats` bounds the patch buffer; tests lower it to exercise the chunking. */
export function makeCpuConv2DBackpropFilter(tf: Tf, maxPatchFloats = MAX_PATCH_FLOATS): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on cpu supports NHWC only');
    const info: ConvInfo = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad as never, dimRoundingMode);
    const cpu = backend as CpuBackend;
    const matMul = tf.getKernel('BatchMatMul', 'cpu')?.kernelFunc;
    if (!matMul) throw new Error('cpu backend without BatchMatMul');
    const taps = info.filterHeight * info.filterWidth * info.inChannels;
    const perImage = info.outHeight * info.outWidth;
    const co = info.outChannels;
    const chunk = Math.max(1, Math.floor(maxPatchFloats / (taps * perImage)));
    const xs = cpu.readSync(x.dataId) as Float32Array;
    const dys = cpu.readSync(dy.dataId) as Float32Array;
    const total = new Float32Array(taps * co);
    const patches = new Float32Array(taps * Math.min(chunk, info.batchSize) * perImage);
    for (let start = 0; start < info.batchSize; start += chunk) {
      const end = Math.min(start + chunk, info.batchSize);
      const columns = (end - start) * perImage;
      writeTransposedPatches(patches, xs, info, start, end);
      const a = cpu.makeTensorInfo([1, taps, columns], 'float32', patches.subarray(0, taps * columns));
      const b = cpu.makeTensorInfo([1, columns, co], 'float32', dys.subarray(start * perImage * co, end * perImage * co));
      const part = matMul({ inputs: { a, b }, backend: backend as never, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
      const values = cpu.readSync(part.dataId) as Float32Array;
      for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) + (values[i] as number);
      for (const info of [a, b, part]) cpu.disposeIntermediateTensorInfo(info);
    }
    return cpu.makeTensorInfo(filterShape, 'float32', total);
  };
  return kernel as unknown as KernelFunc;
}

function makeCpuMaxPoolGrad(tf: Tf): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
    const info: ConvInfo = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const cpu = backend as CpuBackend;
    const dx = new Float32Array(input.shape.reduce((a, b) => a * b, 1));
    routeMaxPoolGradient(dx, cpu.readSync(input.dataId) as Float32Array, cpu.readSync(dy.dataId) as Float32Array, info);
    return cpu.makeTensorInfo(input.shape, 'float32', dx);
  };
  return kernel as unknown as KernelFunc;
}

/** The cpu backend's own kernel that `kernelName` replaced, for tests comparing the two. */
export function replacedCpuKernel(kernelName: string): KernelFunc | undefined {
  return replaced.get(kernelName);
}

/** Swaps in the faster cpu kernels; safe to call repeatedly. */
export function registerCpuGradientKernels(tf: Tf): void {
  const replacements: [string, () => KernelFunc][] = [
    ['Conv2DBackpropFilter', () => makeCpuConv2DBackpropFilter(tf)],
    ['MaxPoolGrad', () => makeCpuMaxPoolGrad(tf)],
  ];
  for (const [kernelName, make] of replacements) {
    const existing = tf.getKernel(kernelName, 'cpu');
    if (existing && (existing.kernelFunc as unknown as Record<symbol, boolean>)[OURS]) continue;
    const kernelFunc = make();
    (kernelFunc as unknown as Record<symbol, boolean>)[OURS] = true;
    if (existing) {
      replaced.set(kernelName, existing.kernelFunc);
      tf.unregisterKernel(kernelName, 'cpu');
    }
    tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
  }
}
