// Backend-independent loops behind the replacement gradient kernels (wasmGradients.ts,
// cpuGradients.ts): the transposed im2col matrix that turns a filter gradient into one matMul,
// and max-pool gradient routing. They read and write plain typed arrays (a backend's buffers).
import type * as tfjs from '@tensorflow/tfjs-core';

export type ConvInfo = ReturnType<typeof tfjs.backend_util.computeConv2DInfo>;

/**
 * Writes Pᵀ for images [batchStart, batchEnd) into `out` ([KH·KW·Ci, (batchEnd − batchStart)·OH·OW],
 * row-major); taps that fall on the padding are written as 0. `x` is the NHWC input.
 */
export function writeTransposedPatches(
  out: Float32Array,
  x: ArrayLike<number>,
  info: ConvInfo,
  batchStart: number,
  batchEnd: number,
): void {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const columns = (batchEnd - batchStart) * oh * ow;
  out.fill(0, 0, kh * kw * ci * columns);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const colOffset = j * dw - left;
      // Output columns whose input column q·sw + colOffset lies inside the image.
      const q0 = Math.max(0, Math.ceil(-colOffset / sw));
      const q1 = Math.min(ow, Math.floor((w - 1 - colOffset) / sw) + 1);
      for (let c = 0; c < ci; c++) {
        const rowBase = ((i * kw + j) * ci + c) * columns;
        for (let b = batchStart; b < batchEnd; b++) {
          for (let r = 0; r < oh; r++) {
            const inRow = r * sh + i * dh - top;
            if (inRow < 0 || inRow >= h) continue;
            const from = ((b * h + inRow) * w + colOffset) * ci + c;
            const to = rowBase + ((b - batchStart) * oh + r) * ow;
            const step = sw * ci;
            for (let q = q0; q < q1; q++) out[to + q] = x[from + q * step] as number;
          }
        }
      }
    }
  }
}

/** The attributes tfjs passes to Conv2DBackpropFilter, as both backends' replacements read them. */
export interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number | number[][];
  dataFormat: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dx for a max pool: each dy goes to the first maximum of its window in row-major order (the
 * cpu backend's rule, ties included); windows hanging over the padding look at the image part.
 */
export function routeMaxPoolGradient(dx: Float32Array, x: ArrayLike<number>, g: ArrayLike<number>, info: ConvInfo): void {
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  dx.fill(0);
  if (info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 && info.padInfo.top === 0 && info.padInfo.left === 0) {
    // The CNN's pool, unrolled: the same first-maximum rule, a third of the loop overhead.
    const rowStep = w * c;
    let gradAt = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let r = 0; r < oh; r++) {
        for (let q = 0; q < ow; q++) {
          const topLeft = ((b * h + 2 * r) * w + 2 * q) * c;
          for (let ch = 0; ch < c; ch++, gradAt++) {
            const a0 = topLeft + ch;
            const a1 = a0 + c;
            const a2 = a0 + rowStep;
            const a3 = a2 + c;
            let best = Number.NEGATIVE_INFINITY;
            let bestAt = -1;
            const v0 = x[a0] as number;
            if (v0 > best) {
              best = v0;
              bestAt = a0;
            }
            const v1 = x[a1] as number;
            if (v1 > best) {
              best = v1;
              bestAt = a1;
            }
            const v2 = x[a2] as number;
            if (v2 > best) {
              best = v2;
              bestAt = a2;
            }
            if ((x[a3] as number) > best) bestAt = a3;
            if (bestAt >= 0) dx[bestAt] = (dx[bestAt] as number) + (g[gradAt] as number);
          }
        }
      }
    }
    return;
  }
  let gradAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const imageBase = b * h * w * c;
    for (let r = 0; r < oh; r++) {
      const rowStart = r * info.strideHeight - info.padInfo.top;
      const i0 = Math.max(0, rowStart);
      const i1 = Math.min(h, rowStart + info.filterHeight);
      for (let q = 0; q < ow; q++) {
        const colStart = q * info.strideWidth - info.padInfo.left;
        const j0 = Math.max(0, colStart);
        const j1 = Math.min(w, colStart + info.filterWidth);
        for (let ch = 0; ch < c; ch++, gradAt++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestAt = -1;
          for (let i = i0; i < i1; i++) {
            let at = imageBase + (i * w + j0) * c + ch;
            for (let j = j0; j < j1; j++, at += c) {
              const v = x[at] as number;
              if (v > best) {
                best = v;
                bestAt = at;
              }
            }
          }
          if (bestAt >= 0) dx[bestAt] = (dx[bestAt] as number) + (g[gradAt] as number);
        }
      }
    }
  }
}

/**
 * After a max pool's gradient is routed (routeMaxPoolGradient) over a relu's output `r`, the relu's
 * own gradient: zero where it did not let the value through (r = 0, NaN). What is left, summed
 * per channel, is the bias gradient of the convolution below.
 */
export function maskReluGradient(dConv: Float32Array, dBias: Float64Array, r: ArrayLike<number>, channels: number): void {
  dBias.fill(0);
  for (let i = 0, ch = 0; i < dConv.length; i++, ch = ch + 1 === channels ? 0 : ch + 1) {
    if (!((r[i] as number) > 0)) dConv[i] = 0;
    else dBias[ch] = (dBias[ch] as number) + (dConv[i] as number);
  }
}
