// The small CNN's block — 3×3 convolution (stride 1, same padding) + bias → relu → 2×2 max pool —
// as one op with its own gradient, for training on wasm. Under a gradient tape tfjs runs a fused
// convolution unfused (Conv2D, Add, Relu) and differentiates each piece: the backward pass was
// MaxPoolGrad, Step, Cast, Multiply and a bias Sum over the block's largest tensors, about a third
// of a CNN step. Here the forward is one kernel (CONV_RELU_POOL: convolution, bias, relu and pool
// in one pass of our SIMD module where the layer fits it, else XNNPACK's fused convolution and a
// max pool), and the backward one kernel too (CONV_RELU_POOL_GRAD: from the pooled gradient
// straight to the convolution's gradients where the layer fits our module, else the relu → pool
// routing loop before the convolution's two gradient kernels).
import type { GradSaveFunc, Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import type { Tf } from './backend.js';
import { CONV_RELU_POOL, CONV_RELU_POOL_GRAD } from './wasmGradients.js';

/** Whether the fused block can run: on wasm, with the gradient kernel registered. */
export function canFuseConvReluPool(tf: Tf): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(CONV_RELU_POOL, 'wasm') !== undefined && tf.getKernel(CONV_RELU_POOL_GRAD, 'wasm') !== undefined;
}

/**
 * maxPool(relu(conv(x, w) + b), 2, 2, 'valid'). `inputNeedsGradient` false (the first layer,
 * reading the images) leaves x out of the gradient: its input gradient is a whole convolution
 * nothing would read.
 */
export function convReluPool(tf: Tf, x: Tensor4D, w: Tensor4D, b: Tensor1D, inputNeedsGradient: boolean): Tensor4D {
  const engine = tf.engine();
  // The op's inputs are what its gradient is taken for: x only where it is wanted.
  const inputs: Tensor[] = inputNeedsGradient ? [x, w, b] : [w, b];
  return tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const save = args.pop() as GradSaveFunc;
    const [input, filter, bias] = (inputNeedsGradient ? args : [x, ...args]) as [Tensor4D, Tensor4D, Tensor1D];
    const [r, pooled] = engine.runKernel(CONV_RELU_POOL, { x: input, filter, bias }, {}) as [Tensor4D, Tensor4D];
    save([input, filter, r]);
    return {
      value: pooled,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [savedX, savedW, savedR] = saved as [Tensor4D, Tensor4D, Tensor4D];
        return engine.runKernel(CONV_RELU_POOL_GRAD, { dy, r: savedR, x: savedX, filter: savedW }, { needDx: inputNeedsGradient } as never) as Tensor[];
      },
    };
  })(...inputs) as Tensor4D;
}

/** The block's forward alone, for inference (recording, predictions): the same kernel, r dropped at once. */
export function convReluPoolInference(tf: Tf, x: Tensor4D, w: Tensor4D, b: Tensor1D): Tensor4D {
  const [r, pooled] = tf.engine().runKernel(CONV_RELU_POOL, { x, filter: w, bias: b }, {}) as [Tensor4D, Tensor4D];
  r.dispose();
  return pooled;
}
