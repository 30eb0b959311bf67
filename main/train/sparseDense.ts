// The first dense layer of an image MLP on wasm, computed from the pixels that are not background.
// Normalised images hold one value wherever the raw pixel was 0 (the channel's background, b_k for
// feature k); half of Fashion-MNIST's pixels are 0. So with x′ = x − b, exactly 0 there:
//   y = act(b·W + Σ_k x′_k·W[k] + bias)      and, through relu's gate g = dy ⊙ [y > 0],
//   dW[k] = b_k·Σ_r g_r + Σ_r x′_rk·g_r,     dbias = Σ_r g_r,
// where each sum runs over the nonzero x′ alone: half the multiplications of the dense layer's
// forward and weight gradient, the two products an MLP step spends most of its time in. Both are
// one SIMD module (wasm/sparseRows.wat): rows made of listed rows of a matrix packed in panels of
// 16 columns. Every sum adds in a fixed order (the base term b·W or b_k·Σg first, then the terms
// by feature or by row), so the numbers are the same on every machine and any number of threads,
// and one row's output depends on that row alone; they differ from tfjs's dense kernel (which
// sums x·W in its own order) by rounding only. The op takes no gradient for x (it reads data): a
// gradient through an inference pass (exact Jacobians) keeps tfjs's ops, as models.ts arranges.
import type { GradSaveFunc, NamedAttrMap, Tensor, Tensor1D, Tensor2D, TensorInfo } from '@tensorflow/tfjs-core';
import type { Tf } from './backend.js';
import { WASM_BASE64 as SPARSE_ROWS_WASM } from './wasm/sparseRowsWasm.js';
import { ownExport, WasmKernelScope, type KernelArgs, type WasmBackend } from './wasmHeap.js';

/** Our own kernel: inputs { x, w, bias }, output act(x·w + bias) computed as above. */
export const SPARSE_DENSE = 'DisobeySparseDense';
/** Our own kernel: inputs { x, dy, y }, outputs [dw, dbias]. */
export const SPARSE_DENSE_GRAD = 'DisobeySparseDenseGrad';

export interface SparseDenseAttrs {
  /** per channel, the normalised value of a 0 pixel; feature k (NHWC flattened) has channel k mod C */
  background: number[];
  relu: boolean;
}

/** Columns of a panel: a layer's outputs must be a multiple. */
const PANEL = 16;
/** Bytes of one panel row (16 float32). */
const PANEL_ROW_BYTES = PANEL * 4;

type PackFn = (src: number, rows: number, n: number, dst: number, panelRows: number, gate: number) => void;
type CombineFn = (start: number, terms: number, rows: number, m: number, panelBytes: number, n: number, out: number, bias: number, relu: number) => void;
type RowTermsFn = (x: number, rows: number, features: number, bases: number, baseTerm: number, start: number, terms: number) => number;
type ColumnTermsFn = (x: number, rows: number, features: number, bases: number, baseTerm: number, start: number, terms: number, cursor: number) => number;

interface SparseRows {
  pack: PackFn;
  combine: CombineFn;
  rowTerms: RowTermsFn;
  columnTerms: ColumnTermsFn;
}

function moduleExports(backend: WasmBackend): SparseRows | null {
  const [pack, combine, rowTerms, columnTerms] = ['pack', 'combine', 'rowTerms', 'columnTerms'].map((name) => ownExport(backend, SPARSE_ROWS_WASM, name));
  return pack && combine && rowTerms && columnTerms ? ({ pack, combine, rowTerms, columnTerms } as SparseRows) : null;
}

/** Whether a first layer with this many outputs runs here: on wasm with our kernels and SIMD. */
export function canUseSparseDense(tf: Tf, outputs: number): boolean {
  if (outputs % PANEL !== 0 || tf.getBackend() !== 'wasm') return false;
  if (!tf.getKernel(SPARSE_DENSE, 'wasm') || !tf.getKernel(SPARSE_DENSE_GRAD, 'wasm')) return false;
  return moduleExports(tf.backend() as unknown as WasmBackend) !== null;
}

/** Feature k's background as float32, for `features` features. */
export function featureBases(background: readonly number[], features: number): Float32Array {
  const bases = new Float32Array(features);
  if (background.length > 0) for (let k = 0; k < features; k++) bases[k] = background[k % background.length] as number;
  return bases;
}

/** A flat scratch buffer of at least one element, so that even an empty one has an address. */
function scratch(scope: WasmKernelScope, length: number, dtype: 'float32' | 'int32'): TensorInfo {
  return scope.scratch([Math.max(length, 1)], dtype);
}

/**
 * Copies a row of n floats into row `row` of every panel (a row past what pack filled: the base
 * term's b·W, or Σ_r g_r).
 */
function putPanelRow(packed: Float32Array, panelRows: number, row: number, values: Float32Array): void {
  for (let p = 0; p * PANEL < values.length; p++) packed.set(values.subarray(p * PANEL, (p + 1) * PANEL), (p * panelRows + row) * PANEL);
}

/** act(x·w + bias) for x [B, K], w [K, N], as the header says. */
export function makeSparseDenseKernel(tf: Tf): (args: KernelArgs) => TensorInfo {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, w, bias } = inputs as { x: TensorInfo; w: TensorInfo; bias: TensorInfo };
    const { background, relu } = attrs as unknown as SparseDenseAttrs;
    const wasm = backend as WasmBackend;
    const kernels = moduleExports(wasm);
    const [rows = 0, features = 0] = x.shape;
    const outputs = w.shape[1] ?? 0;
    if (!kernels || outputs % PANEL !== 0 || w.shape[0] !== features) throw new Error(`${SPARSE_DENSE}: cannot run x ${x.shape} · w ${w.shape}`);
    const bases = featureBases(background, features);
    const hasBase = bases.some((v) => v !== 0);
    const panelRows = features + 1;
    const scope = new WasmKernelScope(tf, wasm);
    const packedInfo = scratch(scope, (outputs / PANEL) * panelRows * PANEL, 'float32');
    const baseRowInfo = scratch(scope, outputs, 'float32');
    const startInfo = scratch(scope, rows + 1, 'int32');
    // every row's terms (a base term and one per feature at most), one slot of slack, or b·W's
    const termsInfo = scratch(scope, 2 * Math.max(rows * panelRows + 1, features), 'int32');
    const basesInfo = scratch(scope, features, 'float32');
    const out = wasm.makeOutput([rows, outputs], 'float32');
    try {
      // Views after every allocation: growing the wasm heap detaches older views.
      const [xv, wv, bv, ov, packed, baseRow, basesView] = [x, w, bias, out, packedInfo, baseRowInfo, basesInfo].map((t) => wasm.typedArrayFromHeap(t) as Float32Array) as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const [start, terms] = [startInfo, termsInfo].map((t) => wasm.typedArrayFromHeap(t) as Int32Array) as [Int32Array, Int32Array];
      const values = new Float32Array(terms.buffer, terms.byteOffset, terms.length);
      basesView.set(bases);
      kernels.pack(wv.byteOffset, features, outputs, packed.byteOffset, panelRows, 0);
      const panelBytes = panelRows * PANEL_ROW_BYTES;
      if (hasBase) {
        // b·W: one row whose terms are the bases, into the panels' last row
        let t = 0;
        for (let k = 0; k < features; k++) {
          if (bases[k] === 0) continue;
          terms[2 * t] = k * PANEL_ROW_BYTES;
          values[2 * t + 1] = bases[k] as number;
          t++;
        }
        [start[0], start[1]] = [0, t];
        kernels.combine(start.byteOffset, terms.byteOffset, 1, packed.byteOffset, panelBytes, outputs, baseRow.byteOffset, 0, 0);
        putPanelRow(packed, panelRows, features, baseRow);
      }
      kernels.rowTerms(xv.byteOffset, rows, features, basesView.byteOffset, hasBase ? features * PANEL_ROW_BYTES : -1, start.byteOffset, terms.byteOffset);
      kernels.combine(start.byteOffset, terms.byteOffset, rows, packed.byteOffset, panelBytes, outputs, ov.byteOffset, bv.byteOffset, relu ? 1 : 0);
    } finally {
      scope.finish(out);
    }
    return out;
  };
}

/** [dW, dbias] from dy [B, N], with relu's gate read from the saved output y. */
export function makeSparseDenseGradKernel(tf: Tf): (args: KernelArgs) => TensorInfo[] {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { x, dy, y } = inputs as { x: TensorInfo; dy: TensorInfo; y: TensorInfo };
    const { background, relu } = attrs as unknown as SparseDenseAttrs;
    const wasm = backend as WasmBackend;
    const kernels = moduleExports(wasm);
    const [rows = 0, features = 0] = x.shape;
    const outputs = dy.shape[1] ?? 0;
    if (!kernels || outputs % PANEL !== 0 || dy.shape[0] !== rows) throw new Error(`${SPARSE_DENSE_GRAD}: cannot run x ${x.shape}, dy ${dy.shape}`);
    const bases = featureBases(background, features);
    const panelRows = rows + 1;
    const scope = new WasmKernelScope(tf, wasm);
    const packedInfo = scratch(scope, (outputs / PANEL) * panelRows * PANEL, 'float32');
    const startInfo = scratch(scope, Math.max(features, 1) + 1, 'int32');
    // every list's terms (a base term and one per row at most) and one slot of slack, or Σ_r g_r's
    const termsInfo = scratch(scope, 2 * Math.max(rows * features + features + 1, rows), 'int32');
    const basesInfo = scratch(scope, features, 'float32');
    const cursorInfo = scratch(scope, features, 'int32');
    const dw = wasm.makeOutput([features, outputs], 'float32');
    const db = wasm.makeOutput([outputs], 'float32');
    try {
      // Views after every allocation: growing the wasm heap detaches older views.
      const [xv, dyv, yv, dwv, dbv, packed, basesView] = [x, dy, y, dw, db, packedInfo, basesInfo].map((t) => wasm.typedArrayFromHeap(t) as Float32Array) as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const [start, terms, cursor] = [startInfo, termsInfo, cursorInfo].map((t) => wasm.typedArrayFromHeap(t) as Int32Array) as [Int32Array, Int32Array, Int32Array];
      const values = new Float32Array(terms.buffer, terms.byteOffset, terms.length);
      basesView.set(bases);
      kernels.pack(dyv.byteOffset, rows, outputs, packed.byteOffset, panelRows, relu ? yv.byteOffset : 0);
      const panelBytes = panelRows * PANEL_ROW_BYTES;
      // dbias = Σ_r g_r, row by row; it is also the panels' last row, the base terms' partner
      for (let r = 0; r < rows; r++) {
        terms[2 * r] = r * PANEL_ROW_BYTES;
        values[2 * r + 1] = 1;
      }
      [start[0], start[1]] = [0, rows];
      kernels.combine(start.byteOffset, terms.byteOffset, 1, packed.byteOffset, panelBytes, outputs, dbv.byteOffset, 0, 0);
      putPanelRow(packed, panelRows, rows, dbv);
      // dW row k: its base term, then the rows whose x differs from the base, in row order
      kernels.columnTerms(xv.byteOffset, rows, features, basesView.byteOffset, rows * PANEL_ROW_BYTES, start.byteOffset, terms.byteOffset, cursor.byteOffset);
      kernels.combine(start.byteOffset, terms.byteOffset, features, packed.byteOffset, panelBytes, outputs, dwv.byteOffset, 0, 0);
    } finally {
      scope.finish(dw);
    }
    return [dw, db];
  };
}

/**
 * act(x·w + b) for training: an op whose gradient is taken for w and b (x, the data, gets none).
 */
export function sparseDense(tf: Tf, x: Tensor2D, w: Tensor2D, b: Tensor1D, attrs: SparseDenseAttrs): Tensor2D {
  const engine = tf.engine();
  return tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const save = args.pop() as GradSaveFunc;
    const [weights, bias] = args as [Tensor2D, Tensor1D];
    const y = engine.runKernel(SPARSE_DENSE, { x, w: weights, bias }, attrs as unknown as NamedAttrMap) as Tensor2D;
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [savedX, savedY] = saved as [Tensor2D, Tensor2D];
        return engine.runKernel(SPARSE_DENSE_GRAD, { x: savedX, dy, y: savedY }, attrs as unknown as NamedAttrMap) as Tensor[];
      },
    };
  })(w, b) as Tensor2D;
}

/** The same forward for inference (recording, predictions): the kernel alone. */
export function sparseDenseInference(tf: Tf, x: Tensor2D, w: Tensor2D, b: Tensor1D, attrs: SparseDenseAttrs): Tensor2D {
  return tf.engine().runKernel(SPARSE_DENSE, { x, w, bias: b }, attrs as unknown as NamedAttrMap) as Tensor2D;
}
