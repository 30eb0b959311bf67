// Adam's update of one variable as one wasm kernel (ours: ADAM_STEP) instead of about fifteen
// tfjs ops, each a pass over the variable plus the engine's bookkeeping: for a 784-512-10 MLP
// that was ~2.5 ms of a ~12 ms step. The kernel does the float32 operations of the op-by-op
// update (optimizers.ts) in the same order, without fused multiply-add, so its numbers are those
// of the ops, bit for bit (test/unit/train-optim.test.ts): in a SIMD module of our own
// (wasm/adamStep.wat), or where the runtime lacks wasm SIMD in the JS loop below, rounding to
// float32 after every operation as the module does.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { WASM_BASE64 as ADAM_STEP_WASM } from './wasm/adamStepWasm.js';
import { ownExport, type KernelArgs, type WasmBackend } from './wasmHeap.js';

/** Our own kernel's name: inputs { variable, grad, m, v }, outputs [variable′, m′, v′]. */
export const ADAM_STEP = 'DisobeyAdamStep';

/** The update's constants, each used as the float32 nearest it (as tfjs's scalar operands are). */
export interface AdamStepAttrs {
  /** the L2 weight decay added to the gradient (λ·w), or 0 for none */
  decay: number;
  beta1: number;
  beta2: number;
  /** 1 − β2^step */
  correction2: number;
  epsilon: number;
  /** learning rate ÷ (1 − β1^step) */
  stepSize: number;
}

type AdamFn = (
  w: number, g: number, m: number, v: number, outW: number, outM: number, outV: number, n: number,
  hasDecay: number, decay: number, b1: number, ob1: number, b2: number, ob2: number, c2: number, eps: number, stepSize: number,
) => void;

/** The update in JS, rounding to float32 after every operation: the module's numbers. */
export function adamStepLoop(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: { w: Float32Array; m: Float32Array; v: Float32Array }, attrs: AdamStepAttrs): void {
  const f = Math.fround;
  const [decay, b1, ob1, b2, ob2, c2, eps, stepSize] = [attrs.decay, attrs.beta1, 1 - attrs.beta1, attrs.beta2, 1 - attrs.beta2, attrs.correction2, attrs.epsilon, attrs.stepSize].map(f) as number[] as [number, number, number, number, number, number, number, number];
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]!;
    const gi = attrs.decay !== 0 ? f(g[i]! + f(wi * decay)) : g[i]!;
    const mi = f(f(m[i]! * b1) + f(gi * ob1));
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * ob2));
    out.m[i] = mi;
    out.v[i] = vi;
    out.w[i] = f(wi - f(f(mi / f(f(Math.sqrt(f(vi / c2))) + eps)) * stepSize));
  }
}

/** The ADAM_STEP kernel for the wasm backend: the module on tfjs's memory, or the JS loop. */
export function makeAdamStepKernel(): (args: KernelArgs) => TensorInfo[] {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { variable, grad, m, v } = inputs as { variable: TensorInfo; grad: TensorInfo; m: TensorInfo; v: TensorInfo };
    const a = attrs as unknown as AdamStepAttrs;
    const wasm = backend as WasmBackend;
    const outs = [variable, m, v].map((t) => wasm.makeOutput(t.shape, 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
    // Views after every allocation: growing the wasm heap detaches older views.
    const [wv, gv, mv, vv, ow, om, ov] = [variable, grad, m, v, ...outs].map((t) => wasm.typedArrayFromHeap(t) as Float32Array) as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const adam = ownExport<AdamFn>(wasm, ADAM_STEP_WASM, 'adam');
    if (adam) {
      const [b1, b2] = [a.beta1, a.beta2];
      adam(wv.byteOffset, gv.byteOffset, mv.byteOffset, vv.byteOffset, ow.byteOffset, om.byteOffset, ov.byteOffset, wv.length, a.decay !== 0 ? 1 : 0, a.decay, b1, 1 - b1, b2, 1 - b2, a.correction2, a.epsilon, a.stepSize);
    } else {
      adamStepLoop(wv, gv, mv, vv, { w: ow, m: om, v: ov }, a);
    }
    return outs;
  };
}
