// Stride-1 convolutions on wasm by SIMD modules of our own, reading and writing tfjs's tensors in
// place, where they beat XNNPACK's routes (128-bit SIMD without fused multiply-add: about
// 34 GFLOP/s a core on the Xeon of docs/scale.md, which XNNPACK's forward convolution reaches too):
// - the filter gradient (wasm/convFilterGrad.wat): a tile of 4 input × 8 output channels of sums
//   in registers over each image's pixels, where the route it replaces transposed both operands
//   and repacked a 14×14 "filter" on every call, at half that speed;
// - the CNN block's forward (wasm/convReluPool.wat): convolution, bias, relu and 2×2 max pool in
//   one pass, a pool window's four pixels side by side, so the pool needs no second pass;
// - the block's backward from its pooled gradient (wasm/poolConvGrad.wat): zero but at one pixel
//   per window and channel, so each routed value adds its share of dW and dx around that pixel
//   alone, a quarter of the dense passes' multiplications.
// A plain forward convolution and input gradient written like the filter gradient ran no faster
// than XNNPACK's, so those stay tfjs's. Every sum adds in a fixed order: a run's numbers are the
// same on every machine. Each function returns null where a layer does not fit its module (or the
// runtime lacks wasm SIMD), and the caller takes tfjs's route.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { ConvInfo } from './gradientLoops.js';
import { WASM_BASE64 as CONV_FILTER_GRAD_WASM } from './wasm/convFilterGradWasm.js';
import { WASM_BASE64 as CONV_RELU_POOL_WASM } from './wasm/convReluPoolWasm.js';
import { WASM_BASE64 as POOL_CONV_GRAD_WASM } from './wasm/poolConvGradWasm.js';
import { ownExport, type WasmKernelScope } from './wasmHeap.js';

type ConvReluPoolFn = (
  x: number, w: number, bias: number, r: number, pooled: number, batch: number, xImage: number, xRow: number, xPixel: number,
  t: number, oh: number, ow: number, co: number, kh: number,
) => void;
type PoolConvGradFn = (
  g: number, r: number, x: number, wt: number, dx: number, dwt: number, db: number,
  batch: number, oh: number, ow: number, co: number, ci: number, kh: number, kw: number, needDx: number,
) => void;
type FilterGradFn = (
  x: number, dy: number, dw: number, batch: number, h: number, w: number, xImage: number, xRow: number, xPixel: number,
  ci: number, oh: number, ow: number, co: number, kh: number, kw: number, top: number, left: number,
) => void;
/** Output channels of a tile: a layer's must be a multiple. */
const CHANNEL_TILE = 8;

/**
 * x [B,H,W,C] copied into a zeroed [B,ph,pw,C] at (top, left), the part that fits, plus `slack`
 * floats after it; owned by the scope. Returns its byte address (a growing heap keeps addresses,
 * though it detaches views).
 */
function paddedCopy(scope: WasmKernelScope, x: TensorInfo, ph: number, pw: number, top: number, left: number, slack: number): number {
  const [batch = 0, h = 0, w = 0, c = 0] = x.shape;
  const padded = scope.scratch([batch * ph * pw * c + slack]);
  // Views after the allocation: growing the wasm heap detaches older views.
  const out = scope.backend.typedArrayFromHeap(padded) as Float32Array;
  const from = scope.backend.typedArrayFromHeap(x) as Float32Array;
  out.fill(0);
  const rows = Math.min(h, ph - top);
  const columns = Math.min(w, pw - left) * c;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      const at = ((b * h + r) * w) * c;
      out.set(from.subarray(at, at + columns), ((b * ph + top + r) * pw + left) * c);
    }
  }
  return out.byteOffset;
}

/**
 * dW of a stride-1, undilated convolution with output channels a multiple of 8; null for any
 * other layer, or where the module cannot run, and the caller takes another route. Input channels
 * a multiple of 4 are read in place. Other counts (a first layer's 1–3) read a zero-padded copy
 * of x in which every tap of every output pixel lies inside: a kernel row's KW·Ci taps are then
 * consecutive floats, read as if they were the channels of one pixel (rounded up to the tile's 4;
 * the extra rows of dW are dropped).
 */
export function directFilterGrad(scope: WasmKernelScope, x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo | null {
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;
  if (!stride1 || co % CHANNEL_TILE !== 0 || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const filterGrad = ownExport<FilterGradFn>(scope.backend, CONV_FILTER_GRAD_WASM, 'filterGrad');
  if (!filterGrad) return null;
  const { backend } = scope;
  const address = (t: TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  if (ci % 4 === 0) {
    const dw = backend.makeOutput([kh, kw, ci, co], 'float32');
    backend.typedArrayFromHeap(dw).fill(0);
    filterGrad(address(x), address(dy), address(dw), batchSize, h, w, h * w * ci * 4, w * ci * 4, ci * 4, ci, oh, ow, co, kh, kw, padInfo.top, padInfo.left);
    return scope.finish(dw);
  }
  // `tile` floats of a kernel row's taps, plus slack so the last pixel's rounded-up tile stays inside.
  const ph = Math.max(oh + kh - 1, padInfo.top + h);
  const pw = Math.max(ow + kw - 1, padInfo.left + w);
  const tile = Math.ceil((kw * ci) / 4) * 4;
  const rows = scope.scratch([kh, tile, co]);
  const xAt = paddedCopy(scope, x, ph, pw, padInfo.top, padInfo.left, tile);
  backend.typedArrayFromHeap(rows).fill(0);
  filterGrad(xAt, address(dy), address(rows), batchSize, ph, pw, ph * pw * ci * 4, pw * ci * 4, ci * 4, tile, oh, ow, co, kh, 1, 0, 0);
  // Rows kw·ci … tile − 1 of each kernel row are the slack's sums: dropped.
  const dw = backend.makeOutput([kh, kw, ci, co], 'float32');
  const dwView = backend.typedArrayFromHeap(dw) as Float32Array;
  const sums = backend.typedArrayFromHeap(rows) as Float32Array;
  for (let i = 0; i < kh; i++) dwView.set(sums.subarray(i * tile * co, (i * tile + kw * ci) * co), i * kw * ci * co);
  return scope.finish(dw);
}

/**
 * The CNN block's forward (convReluPool.ts) in one module call (wasm/convReluPool.wat): r =
 * relu(conv(x, filter) + bias) and its 2×2 max pool, each pool window's four pixels computed side
 * by side, so the pool costs no second pass over r. x is copied zero-padded so every window lies
 * inside. Null unless the convolution is stride 1 and undilated, its output channels a multiple
 * of 8 and its output height and width even.
 */
export function directConvReluPool(scope: WasmKernelScope, x: TensorInfo, filter: TensorInfo, bias: TensorInfo, info: ConvInfo): [TensorInfo, TensorInfo] | null {
  const { batchSize, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;
  const float32 = x.dtype === 'float32' && filter.dtype === 'float32' && bias.dtype === 'float32';
  if (!stride1 || co % CHANNEL_TILE !== 0 || oh % 2 !== 0 || ow % 2 !== 0 || !float32) return null;
  const forward = ownExport<ConvReluPoolFn>(scope.backend, CONV_RELU_POOL_WASM, 'forward');
  if (!forward) return null;
  const ph = oh + kh - 1;
  const pw = ow + kw - 1;
  const r = scope.backend.makeOutput([batchSize, oh, ow, co], 'float32');
  const pooled = scope.backend.makeOutput([batchSize, oh / 2, ow / 2, co], 'float32');
  const xAt = paddedCopy(scope, x, ph, pw, padInfo.top, padInfo.left, 0);
  const address = (t: TensorInfo) => scope.backend.typedArrayFromHeap(t).byteOffset;
  forward(xAt, address(filter), address(bias), address(r), address(pooled), batchSize, ph * pw * ci * 4, pw * ci * 4, ci * 4, kw * ci, oh, ow, co, kh);
  scope.finish(r);
  return [r, pooled];
}

/**
 * The block's whole backward from its pooled gradient g (wasm/poolConvGrad.wat): [dx (or null
 * when the input needs none), dW, db]. The gradient the pool hands the convolution is zero but at
 * each window's routed pixel, so each routed value adds its share of dW and dx around that pixel
 * alone: a quarter of the dense passes' multiplications. Null unless the convolution is stride 1
 * and undilated, its input channels a multiple of 4 and its output height and width even.
 */
export function poolConvGrad(scope: WasmKernelScope, g: TensorInfo, r: TensorInfo, x: TensorInfo, filter: TensorInfo, info: ConvInfo, needDx: boolean): [TensorInfo | null, TensorInfo, TensorInfo] | null {
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;
  const float32 = [g, r, x, filter].every((t) => t.dtype === 'float32');
  const covered = oh + kh - 1 >= padInfo.top + h && ow + kw - 1 >= padInfo.left + w; // every input pixel inside the padded copy
  if (!stride1 || ci % 4 !== 0 || oh % 2 !== 0 || ow % 2 !== 0 || !covered || !float32) return null;
  const backward = ownExport<PoolConvGradFn>(scope.backend, POOL_CONV_GRAD_WASM, 'backward');
  if (!backward) return null;
  const { backend } = scope;
  const ph = oh + kh - 1;
  const pw = ow + kw - 1;
  const taps = kh * kw;
  const dw = backend.makeOutput([kh, kw, ci, co], 'float32');
  const db = backend.makeOutput([co], 'float32');
  const dx = needDx ? backend.makeOutput([batchSize, h, w, ci], 'float32') : null;
  const [wt, dwt] = [scope.scratch([taps, co, ci]), scope.scratch([co, taps, ci])];
  const dxPadded = needDx ? scope.scratch([batchSize * ph * pw * ci]) : null;
  const xAt = paddedCopy(scope, x, ph, pw, padInfo.top, padInfo.left, 0);
  // Views after every allocation: growing the wasm heap detaches older views.
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const [filterView, wtView] = [view(filter), view(wt)];
  // wt[tap, o, c] = filter[tap, c, o]
  for (let tap = 0; tap < taps; tap++) {
    for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) wtView[(tap * co + o) * ci + c] = filterView[(tap * ci + c) * co + o]!;
  }
  for (const t of [dwt, db, dxPadded]) if (t) view(t).fill(0);
  const address = (t: TensorInfo | null) => (t ? view(t).byteOffset : 0);
  backward(address(g), address(r), xAt, address(wt), address(dxPadded), address(dwt), address(db), batchSize, oh, ow, co, ci, kh, kw, needDx ? 1 : 0);
  // dW[tap, c, o] = dwt[o, tap, c]; dx: the padded gradient's image part.
  const [dwView, dwtView] = [view(dw), view(dwt)];
  for (let o = 0; o < co; o++) {
    for (let tap = 0; tap < taps; tap++) for (let c = 0; c < ci; c++) dwView[(tap * ci + c) * co + o] = dwtView[(o * taps + tap) * ci + c]!;
  }
  if (dx && dxPadded) {
    const [dxView, paddedView] = [view(dx), view(dxPadded)];
    for (let b = 0; b < batchSize; b++) {
      for (let row = 0; row < h; row++) {
        const from = ((b * ph + padInfo.top + row) * pw + padInfo.left) * ci;
        dxView.set(paddedView.subarray(from, from + w * ci), (b * h + row) * w * ci);
      }
    }
  }
  scope.finish(dw);
  return [dx, dw, db];
}
