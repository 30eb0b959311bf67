// Gradient kernels the tfjs wasm backend lacks (Conv2DBackpropFilter, UnsortedSegmentSum), has
// only as slow or wrong scalar loops (Conv2DBackpropInput, MaxPoolGrad) or runs slowly for the
// transposed operands, reductions and saved tensors gradients need (BatchMatMul, Sum, Identity),
// and our own: the CNN block's forward and backward and the relu → pool routing
// (convReluPool.ts, directConv.ts), an image MLP's first layer from its non-background pixels
// (sparseDense.ts), and Adam's update (adamStep.ts).
import type * as tfjs from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ADAM_STEP, makeAdamStepKernel } from './adamStep.js';
import { makeSparseDenseGradKernel, makeSparseDenseKernel, SPARSE_DENSE, SPARSE_DENSE_GRAD } from './sparseDense.js';
import { directConvReluPool, directFilterGrad, poolConvGrad } from './directConv.js';
import { WASM_BASE64 as RELU_POOL_WASM } from './wasm/reluPoolGradWasm.js';
import { ownExport, runWasmKernel, WasmKernelScope, type KernelArgs, type WasmBackend, type WasmKernel } from './wasmHeap.js';
import { maskReluGradient, routeMaxPoolGradient, writeTransposedPatches, type Conv2DBackpropFilterAttrs, type ConvInfo, type MaxPoolGradAttrs } from './gradientLoops.js';

type Tf = typeof tfjs;

/** Our own kernel (no tfjs kernel has this name): relu → 2×2 max pool backward, with the bias gradient. */
export const RELU_POOL_GRAD = 'DisobeyReluPoolGrad';
/** Our own kernel: the block's forward, 3×3 same convolution + bias → relu → 2×2 max pool; outputs [r, pooled]. */
export const CONV_RELU_POOL = 'DisobeyConvReluPool';
/** Our own kernel: the block's backward from the pooled gradient; outputs [dx, dW, db], or [dW, db] without needDx. */
export const CONV_RELU_POOL_GRAD = 'DisobeyConvReluPoolGrad';

/** Marks our kernel functions so registering twice (several runs, tests) is a no-op. */
const OURS = Symbol('disobey.wasmGradient');

function assertChannelsLast(kernelName: string, dataFormat: unknown): void {
  if (dataFormat === 'NCHW' || dataFormat === 'channelsFirst') {
    throw new Error(`${kernelName} on wasm supports NHWC only`);
  }
}

/**
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh − top, ow·s + kw − left, ci] · dy[b,oh,ow,co].
 * Stride 1 with output channels a multiple of 8 (most layers of most CNNs) goes to our SIMD
 * module (directFilterGrad); the routes after it serve the rest. Read with the batch as the
 * channel axis this is itself a convolution: input xᵀ [Ci,H,W,B] with filter dyᵀ [OH,OW,B,Co],
 * dilated by the forward stride, gives [Ci,KH,KW,Co] in one XNNPACK call; when the layer widens
 * (Ci < Co, stride 1) the roles swap so that x, the smaller operand, is the filter XNNPACK
 * repacks (dy correlated with x gives dW flipped in space). Building im2col patches from strided
 * slices + Concat and one matMul was 5–10× slower (wasm's Concat copies element by element on
 * the last axis); for 1–3 input channels the patches are instead written directly
 * (fewChannelFilterGrad), which beats the convolution.
 */
function makeConv2DBackpropFilter(tf: Tf): WasmKernel {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    assertChannelsLast('Conv2DBackpropFilter', dataFormat);
    const info: ConvInfo = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad as never,
      dimRoundingMode,
    );
    const direct = directFilterGrad(new WasmKernelScope(tf, backend as WasmBackend), x, dy, info);
    if (direct) return direct;
    const patchFloats = info.filterHeight * info.filterWidth * info.inChannels * info.batchSize * info.outHeight * info.outWidth;
    if (info.inChannels <= FEW_INPUT_CHANNELS && patchFloats <= MAX_PATCH_FLOATS) {
      return fewChannelFilterGrad(new WasmKernelScope(tf, backend as WasmBackend), x, dy, info);
    }
    const scope = new WasmKernelScope(tf, backend as WasmBackend);
    const [, inH = 0, inW = 0] = x.shape;
    const { top, left } = info.padInfo;
    // XNNPACK repacks the filter operand on every call, so the smaller of x and dy should be it.
    const dyPadTop = info.filterHeight - 1 - top;
    const dyPadLeft = info.filterWidth - 1 - left;
    const dyPadBottom = inH - info.outHeight + top;
    const dyPadRight = inW - info.outWidth + left;
    const xAsFilter =
      info.strideHeight === 1 && info.strideWidth === 1 && info.inChannels < info.outChannels && Math.min(dyPadTop, dyPadLeft, dyPadBottom, dyPadRight) >= 0;
    if (xAsFilter) {
      // dW flipped and transposed = correlation of dyᵀ [Co,OH,OW,B] (padded) with xᵀ [H,W,B,Ci].
      const dyT = scope.run('Transpose', { x: dy }, { perm: [3, 1, 2, 0] });
      const xT = scope.run('Transpose', { x }, { perm: [1, 2, 0, 3] });
      const pad = [[0, 0], [dyPadTop, dyPadBottom], [dyPadLeft, dyPadRight], [0, 0]];
      const flippedT = scope.run('Conv2D', { x: dyT, filter: xT }, { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' });
      const unflipped = scope.run('Reverse', { x: flippedT }, { dims: [1, 2] });
      return scope.finish(scope.run('Transpose', { x: unflipped }, { perm: [1, 2, 3, 0] }));
    }
    // Pad so every row/column the forward pass read exists (extra bottom/right for 'ceil' rounding);
    // the convolution pads for us, which saves a PadV2 pass over x.
    const bottom = Math.max(info.padInfo.bottom, (info.outHeight - 1) * info.strideHeight + info.filterHeight - inH - top, 0);
    const right = Math.max(info.padInfo.right, (info.outWidth - 1) * info.strideWidth + info.filterWidth - inW - left, 0);
    const xT = scope.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
    const dyT = scope.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    let grad = scope.run(
      'Conv2D',
      { x: xT, filter: dyT },
      { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dilations: [info.strideHeight, info.strideWidth], dataFormat: 'NHWC' },
    );
    if (grad.shape[1] !== info.filterHeight || grad.shape[2] !== info.filterWidth) {
      // Rows the forward pass never reached (valid padding with a remainder) come out extra.
      grad = scope.run('Slice', { x: grad }, { begin: [0, 0, 0, 0], size: [info.inChannels, info.filterHeight, info.filterWidth, info.outChannels] });
    }
    return scope.finish(scope.run('Transpose', { x: grad }, { perm: [1, 2, 0, 3] }));
  };
}

/** Up to this many input channels (grey or RGB images) the first layer's patches are built in JS… */
const FEW_INPUT_CHANNELS = 3;
/** …as long as they fit in 64 MB of wasm heap (large images take the convolution route). */
const MAX_PATCH_FLOATS = 16_000_000;

/**
 * The first conv layer reads 1–3 channels, where the convolution route above spends ~20 ms on
 * re-laying out a large dy to compute a tiny [KH·KW·Ci, Co] result (this takes ~11 ms for a
 * 128×28×28×1 batch). Here the patch matrix
 * Pᵀ [KH·KW·Ci, N] (N = batch·OH·OW; zeros where the window hangs over the padding) is written
 * straight into wasm's heap, and dW = Pᵀ·dy is one matMul with dy in its natural [N, Co] layout.
 */
function fewChannelFilterGrad(scope: WasmKernelScope, x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo {
  const { batchSize, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, inChannels: ci } = info;
  const n = batchSize * oh * ow;
  const patches = scope.scratch([1, kh * kw * ci, n]);
  // Views after every allocation: growing the wasm heap detaches older views.
  writeTransposedPatches(scope.backend.typedArrayFromHeap(patches) as Float32Array, scope.backend.typedArrayFromHeap(x), info, 0, batchSize);
  const dyRows = scope.run('Reshape', { x: dy }, { shape: [1, n, info.outChannels] });
  const grad = scope.run('BatchMatMul', { a: patches, b: dyRows }, { transposeA: false, transposeB: false });
  return scope.finish(scope.run('Reshape', { x: grad }, { shape: [kh, kw, ci, info.outChannels] }));
}

/**
 * dx = dy padded by (K − 1 − pad) (the convolution pads) and correlated with the filter flipped
 * in space and with in/out channels swapped: one XNNPACK Conv2D instead of wasm's scalar loop
 * (about 10× faster on CNN-sized inputs). Stride > 1 or padding wider than the filter keeps the original kernel.
 */
function makeConv2DBackpropInput(tf: Tf, original: KernelFunc): WasmKernel {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
      inputShape: [number, number, number, number];
      strides: [number, number] | number;
      pad: 'same' | 'valid' | number | number[][];
      dataFormat: string;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    assertChannelsLast('Conv2DBackpropInput', dataFormat);
    const info: ConvInfo = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad as never,
      dimRoundingMode,
    );
    const [, inH, inW] = inputShape;
    const padTop = info.filterHeight - 1 - info.padInfo.top;
    const padLeft = info.filterWidth - 1 - info.padInfo.left;
    const padBottom = inH + info.filterHeight - 1 - info.outHeight - padTop;
    const padRight = inW + info.filterWidth - 1 - info.outWidth - padLeft;
    if (info.strideHeight !== 1 || info.strideWidth !== 1 || Math.min(padTop, padLeft, padBottom, padRight) < 0) {
      return original(args as never) as TensorInfo;
    }
    const scope = new WasmKernelScope(tf, backend as WasmBackend);
    const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = scope.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    const dyPadding = [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]];
    return scope.finish(scope.run('Conv2D', { x: dy, filter: swapped }, { strides: [1, 1], pad: dyPadding, dilations: [1, 1], dataFormat: 'NHWC' }));
  };
}

/**
 * out[segmentIds[i], …] += x[i, …]; ids outside [0, numSegments) are dropped (TensorFlow's rule).
 * The gradient of gather (embeddings). One pass over x is the least work there is, so a plain
 * loop over wasm's heap is as fast as any composition of kernels would be.
 */
function makeUnsortedSegmentSum(): WasmKernel {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    const wasm = backend as WasmBackend;
    const idShapeSize = segmentIds.shape.reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
    const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
    const target = wasm.typedArrayFromHeap(out);
    target.fill(0);
    const values = wasm.typedArrayFromHeap(x);
    const ids = wasm.typedArrayFromHeap(segmentIds);
    for (let i = 0; i < idShapeSize; i++) {
      const segment = ids[i] as number;
      if (segment < 0 || segment >= numSegments) continue;
      const from = i * inner;
      const to = segment * inner;
      for (let j = 0; j < inner; j++) target[to + j] = (target[to + j] as number) + (values[from + j] as number);
    }
    return out;
  };
}

/**
 * dx routes each dy to the first maximum of its window (the cpu backend's rule). wasm's own
 * MaxPoolGrad gives wrong values in tfjs-backend-wasm 4.22 whenever the input has more than one
 * channel and a size the stride does not divide (found by test/unit/train-wasm-kernels.test.ts),
 * so it is replaced. The work is one read per input element; a loop over wasm's heap
 * (gradientLoops.ts) does it faster than composed kernels, whose broadcasting comparisons are
 * slow on wasm (a 2×2 pool over 128×28×28×16: about 11 ms against 160 ms for Equal/Cumsum).
 */
function makeMaxPoolGrad(tf: Tf): WasmKernel {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
    const info: ConvInfo = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const wasm = backend as WasmBackend;
    const out = wasm.makeOutput(input.shape, 'float32');
    // Views after the allocation: growing the wasm heap detaches older views.
    routeMaxPoolGradient(wasm.typedArrayFromHeap(out) as Float32Array, wasm.typedArrayFromHeap(input), wasm.typedArrayFromHeap(dy), info);
    return out;
  };
}

/**
 * The gradient of convReluPool's relu → 2×2 pool (main/train/convReluPool.ts): the convolution's
 * output gradient and its bias gradient from one pass over the relu output. Which of a window's
 * four values is its maximum is a coin toss on real activations, so a JS loop spends two thirds
 * of its time on mispredicted branches (9 ms for 128×28×28×16); a small SIMD module of our own
 * (wasm/reluPoolGrad.wat, on tfjs's memory) selects with masks instead. Channel counts that are
 * not a multiple of 4, and runtimes without wasm SIMD, route in JS and mask after.
 */
function makeReluPoolGrad(tf: Tf): (args: KernelArgs) => TensorInfo[] {
  return ({ inputs, backend }: KernelArgs) => {
    const { dy, r } = inputs as { dy: TensorInfo; r: TensorInfo };
    const wasm = backend as WasmBackend;
    const shape = r.shape as [number, number, number, number];
    const [batch, h, w, c] = shape;
    const dConv = wasm.makeOutput(shape, 'float32');
    const dBias = wasm.makeOutput([c], 'float32');
    // Views after both allocations: growing the wasm heap detaches older views.
    const [rView, dyView, dConvView, dBiasView] = [r, dy, dConv, dBias].map((t) => wasm.typedArrayFromHeap(t) as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const simd = c % 4 === 0 ? reluPoolSimd(wasm) : null;
    if (simd) {
      // The module writes every element a window covers; odd sizes leave a row or column.
      if (h % 2 !== 0 || w % 2 !== 0) dConvView.fill(0);
      dBiasView.fill(0);
      simd(rView.byteOffset, dyView.byteOffset, dConvView.byteOffset, dBiasView.byteOffset, batch, h, w, c);
    } else {
      const totals = new Float64Array(c);
      routeMaxPoolGradient(dConvView, rView, dyView, tf.backend_util.computePool2DInfo(shape, 2, 2, 1, 'valid'));
      maskReluGradient(dConvView, totals, rView, c);
      dBiasView.set(totals);
    }
    return [dConv, dBias];
  };
}

const BLOCK_CONV_ATTRS = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] } as const;

/**
 * The block's forward (convReluPool.ts): our module (directConv.ts) where it runs the layer,
 * else XNNPACK's fused convolution and tfjs's max pool. Either way r, the relu output the
 * backward pass reads, comes out beside the pooled output.
 */
function makeConvReluPool(tf: Tf): (args: KernelArgs) => TensorInfo[] {
  return ({ inputs, backend }: KernelArgs) => {
    const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias: TensorInfo };
    const info: ConvInfo = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], 1, 1, 'same');
    const direct = directConvReluPool(new WasmKernelScope(tf, backend as WasmBackend), x, filter, bias, info);
    if (direct) return direct;
    const r = runWasmKernel(tf, backend, 'FusedConv2D', { x, filter, bias }, { ...BLOCK_CONV_ATTRS, activation: 'relu' }) as TensorInfo;
    return [r, runWasmKernel(tf, backend, 'MaxPool', { x: r }, { filterSize: 2, strides: 2, pad: 'valid' }) as TensorInfo];
  };
}

/**
 * The block's backward (convReluPool.ts): from the pooled gradient straight to the convolution's
 * gradients by our module where the layer fits it (directConv.ts poolConvGrad), else the relu →
 * pool routing (RELU_POOL_GRAD) and the convolution's two gradient kernels.
 */
function makeConvReluPoolGrad(tf: Tf): (args: KernelArgs) => TensorInfo[] {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, r, x, filter } = inputs as { dy: TensorInfo; r: TensorInfo; x: TensorInfo; filter: TensorInfo };
    const { needDx } = attrs as unknown as { needDx: boolean };
    const info: ConvInfo = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], 1, 1, 'same');
    const direct = poolConvGrad(new WasmKernelScope(tf, backend as WasmBackend), dy, r, x, filter, info, needDx);
    if (direct) return direct.filter((t): t is TensorInfo => t !== null);
    const [dConv, db] = runWasmKernel(tf, backend, RELU_POOL_GRAD, { dy, r }) as [TensorInfo, TensorInfo];
    const dw = runWasmKernel(tf, backend, 'Conv2DBackpropFilter', { x, dy: dConv }, { ...BLOCK_CONV_ATTRS, filterShape: filter.shape }) as TensorInfo;
    const dx = needDx ? (runWasmKernel(tf, backend, 'Conv2DBackpropInput', { dy: dConv, filter }, { ...BLOCK_CONV_ATTRS, inputShape: x.shape }) as TensorInfo) : null;
    (backend as WasmBackend).disposeData(dConv.dataId);
    return dx ? [dx, dw, db] : [dw, db];
  };
}

type ReluPoolRoute = (r: number, g: number, dConv: number, dBias: number, batch: number, h: number, w: number, c: number) => void;

/** The SIMD routing function instantiated on the backend's memory (null where it cannot run). */
function reluPoolSimd(backend: WasmBackend): ReluPoolRoute | null {
  return ownExport<ReluPoolRoute>(backend, RELU_POOL_WASM, 'route');
}

/**
 * wasm's matMul with transposeA or transposeB is 10–15× slower than without (its XNNPACK path
 * wants both operands in natural layout), and every dense-layer gradient asks for one of them.
 * Transposing the operand explicitly first is cheap by comparison.
 */
function makeUntransposedMatMul(tf: Tf, original: KernelFunc): WasmKernel {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return original(args as never) as TensorInfo;
    const scope = new WasmKernelScope(tf, backend as WasmBackend);
    const swapLast = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
      return scope.run('Transpose', { x: t }, { perm });
    };
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const result = original({
      inputs: { ...inputs, a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    } as never) as TensorInfo;
    return scope.finish(result);
  };
}

/**
 * Bias gradients sum dy over every axis but the last (batch, rows, columns). wasm's Sum first
 * transposes the reduced axes to the end, which costs more than the sum itself; one pass over
 * the heap with float64 accumulators is 2–3× faster on conv-sized inputs (and more precise).
 * Small sums, other axes and int32 keep the original kernel.
 */
function makeLeadingAxesSum(tf: Tf, original: KernelFunc): WasmKernel {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const { axis, keepDims } = (attrs ?? {}) as { axis?: number | number[]; keepDims?: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis ?? [], x.shape as number[]).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (!leading || x.dtype !== 'float32' || size < LOOP_SUM_MIN_SIZE) return original(args as never) as TensorInfo;
    const wasm = backend as WasmBackend;
    const kept = x.shape.slice(axes.length);
    const rest = kept.reduce((a, b) => a * b, 1);
    const rows = size / rest;
    const totals = new Float64Array(rest);
    const values = wasm.typedArrayFromHeap(x);
    for (let row = 0, at = 0; row < rows; row++, at += rest) {
      for (let j = 0; j < rest; j++) totals[j] = (totals[j] as number) + (values[at + j] as number);
    }
    const out = wasm.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    wasm.typedArrayFromHeap(out).set(totals);
    return out;
  };
}
/** Below this many elements wasm's own Sum is as fast (measured: 128×128 takes 0.1 ms either way). */
const LOOP_SUM_MIN_SIZE = 65_536;

/**
 * Tensors are immutable, so saving one for the backward pass needs no copy; wasm's Identity
 * copies anyway (about 4 ms a CNN step). Sharing the buffer with a reference, as the cpu
 * backend and wasm's own Reshape do, is enough.
 */
function makeSharingIdentity(original: KernelFunc): WasmKernel {
  return (args: KernelArgs) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return original(args as never) as TensorInfo;
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/** Kernel names this module adds to or replaces on the wasm backend. */
export const WASM_GRADIENT_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'UnsortedSegmentSum', 'MaxPoolGrad', 'BatchMatMul', '_FusedMatMul', 'Sum', 'Identity', RELU_POOL_GRAD, CONV_RELU_POOL, CONV_RELU_POOL_GRAD, SPARSE_DENSE, SPARSE_DENSE_GRAD, ADAM_STEP] as const;

function isOurs(kernelFunc: KernelFunc | undefined): boolean {
  return kernelFunc !== undefined && (kernelFunc as unknown as Record<symbol, boolean>)[OURS] === true;
}

function install(tf: Tf, kernelName: string, make: (original: KernelFunc | undefined) => WasmKernel | ((args: KernelArgs) => TensorInfo[])): void {
  const existing = tf.getKernel(kernelName, 'wasm');
  if (isOurs(existing?.kernelFunc)) return;
  const kernelFunc = make(existing?.kernelFunc) as unknown as KernelFunc;
  (kernelFunc as unknown as Record<symbol, boolean>)[OURS] = true;
  if (existing) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

/** Adds the missing gradient kernels to wasm and swaps in the fast ones; safe to call repeatedly. */
export function registerWasmGradientKernels(tf: Tf): void {
  install(tf, 'Conv2DBackpropFilter', () => makeConv2DBackpropFilter(tf));
  install(tf, 'UnsortedSegmentSum', () => makeUnsortedSegmentSum());
  install(tf, 'Conv2DBackpropInput', (original) => {
    if (!original) throw new Error('wasm backend without Conv2DBackpropInput');
    return makeConv2DBackpropInput(tf, original);
  });
  install(tf, 'MaxPoolGrad', () => makeMaxPoolGrad(tf));
  install(tf, RELU_POOL_GRAD, () => makeReluPoolGrad(tf));
  install(tf, CONV_RELU_POOL, () => makeConvReluPool(tf));
  install(tf, CONV_RELU_POOL_GRAD, () => makeConvReluPoolGrad(tf));
  install(tf, SPARSE_DENSE, () => makeSparseDenseKernel(tf));
  install(tf, SPARSE_DENSE_GRAD, () => makeSparseDenseGradKernel(tf));
  install(tf, ADAM_STEP, () => makeAdamStepKernel());
  install(tf, 'Sum', (original) => {
    if (!original) throw new Error('wasm backend without Sum');
    return makeLeadingAxesSum(tf, original);
  });
  install(tf, 'Identity', (original) => {
    if (!original) throw new Error('wasm backend without Identity');
    return makeSharingIdentity(original);
  });
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    install(tf, kernelName, (original) => {
      if (!original) throw new Error(`wasm backend without ${kernelName}`);
      return makeUntransposedMatMul(tf, original);
    });
  }
}
