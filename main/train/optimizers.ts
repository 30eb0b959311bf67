// SGD (with optional heavy-ball momentum) and Adam over our own variables, with their state as
// Float32Arrays so a checkpoint resumes a run exactly. Written here rather than tf.train's so the
// learning rate can change per epoch and weight decay can skip biases and norms.
//
// Weight decay is the coupled L2 form (PyTorch's `weight_decay`): g ← g + λ·w for weight
// matrices, conv kernels and embeddings, the same as adding (λ/2)·‖w‖² to the loss. For Adam this
// is Adam with L2, not AdamW's decoupled decay.
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { OptimizerSpec } from '../../shared/experimentSpec.js';
import { ADAM_STEP, type AdamStepAttrs } from './adamStep.js';
import type { Tf } from './backend.js';
import { readTensor } from './tensorValues.js';

export interface OptimizerState {
  kind: 'sgd' | 'adam';
  /** updates taken so far (Adam's bias correction needs it) */
  step: number;
  /** per-variable slots in a fixed order: SGD momentum buffers, or Adam's m then v per variable */
  slots: Float32Array[];
}

export interface OptimizedVariable {
  variable: Variable;
  decay: boolean;
}

export interface Optimizer {
  /** one update with `grads[i]` for `variables[i]`; a missing gradient leaves its variable as is */
  apply(grads: readonly (Tensor | undefined)[], learningRate: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
  dispose(): void;
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/**
 * `fused` (the default) lets Adam update each variable in one kernel (adamStep.ts) where the
 * backend has it, with the numbers of the op-by-op update; tests turn it off to compare the two.
 */
export function createOptimizer(tf: Tf, spec: OptimizerSpec, variables: readonly OptimizedVariable[], options: { fused?: boolean } = {}): Optimizer {
  const momentum = spec.kind === 'sgd' ? (spec.momentum ?? 0) : 0;
  const slotsPerVariable = spec.kind === 'adam' ? 2 : momentum > 0 ? 1 : 0;
  const slots: Variable[] = tf.tidy(() =>
    variables.flatMap(({ variable }) => Array.from({ length: slotsPerVariable }, () => tf.variable(tf.zerosLike(variable), false))),
  );
  let step = 0;
  const fused = options.fused !== false && tf.getKernel(ADAM_STEP, tf.getBackend()) !== undefined;

  const withDecay = (grad: Tensor, entry: OptimizedVariable): Tensor =>
    spec.weightDecay > 0 && entry.decay ? tf.add(grad, tf.mul(entry.variable, spec.weightDecay)) : grad;

  return {
    apply(grads, learningRate) {
      step++;
      tf.tidy(() => {
        // Adam's bias corrections are scalars: fold them into the step size.
        const correction1 = 1 - ADAM_BETA1 ** step;
        const correction2 = 1 - ADAM_BETA2 ** step;
        variables.forEach((entry, i) => {
          const raw = grads[i];
          if (!raw) return;
          const { variable } = entry;
          if (spec.kind === 'adam' && fused) {
            const m = slots[2 * i] as Variable;
            const v = slots[2 * i + 1] as Variable;
            const attrs: AdamStepAttrs = { decay: spec.weightDecay > 0 && entry.decay ? spec.weightDecay : 0, beta1: ADAM_BETA1, beta2: ADAM_BETA2, correction2, epsilon: ADAM_EPSILON, stepSize: learningRate / correction1 };
            const [w2, m2, v2] = tf.engine().runKernel(ADAM_STEP, { variable, grad: raw, m, v }, attrs as never) as Tensor[];
            m.assign(m2 as Tensor);
            v.assign(v2 as Tensor);
            variable.assign(w2 as Tensor);
            return;
          }
          const grad = withDecay(raw, entry);
          if (spec.kind === 'adam') {
            const m = slots[2 * i] as Variable;
            const v = slots[2 * i + 1] as Variable;
            m.assign(tf.add(tf.mul(m, ADAM_BETA1), tf.mul(grad, 1 - ADAM_BETA1)));
            v.assign(tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(grad), 1 - ADAM_BETA2)));
            const denominator = tf.add(tf.sqrt(tf.div(v, correction2)), ADAM_EPSILON);
            variable.assign(tf.sub(variable, tf.mul(tf.div(m, denominator), learningRate / correction1)));
          } else if (momentum > 0) {
            const buffer = slots[i] as Variable;
            buffer.assign(tf.add(tf.mul(buffer, momentum), grad));
            variable.assign(tf.sub(variable, tf.mul(buffer, learningRate)));
          } else {
            variable.assign(tf.sub(variable, tf.mul(grad, learningRate)));
          }
        });
      });
    },
    getState() {
      return { kind: spec.kind, step, slots: slots.map((s) => readTensor(tf, s)) };
    },
    setState(state) {
      if (state.kind !== spec.kind || state.slots.length !== slots.length) {
        throw new Error(`optimizer state for ${state.kind} with ${state.slots.length} slots does not fit ${spec.kind} with ${slots.length}`);
      }
      tf.tidy(() => slots.forEach((slot, i) => slot.assign(tf.tensor(state.slots[i] as Float32Array, slot.shape, 'float32'))));
      step = state.step;
    },
    dispose() {
      for (const slot of slots) slot.dispose();
    },
  };
}
