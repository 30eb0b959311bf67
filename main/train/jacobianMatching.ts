// SPEC.md V5, Jacobian matching (after Srinivas & Fleuret 2018), in the form every backend can
// train: tfjs has no second derivative through max pooling (MaxPoolGrad has no gradient), so
// instead of J = ∂z/∂x itself the loss matches directional derivatives J·u along a few random unit
// input directions u, each estimated by central differences of forward passes (docs/losses.md).
import type { Scalar, Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import type { Tf } from './backend.js';
import { temperedKlDivergence } from './losses.js';
import { randomStream } from './seedStreams.js';

export interface JacobianSettings {
  /** KD temperature of the KL term */
  tau: number;
  tauSquared: boolean;
  /** weight of the Jacobian term; 1 − β goes to the KL term */
  beta: number;
  /** with more classes than this, only the teacher's top classes enter the Jacobian */
  topClasses: number;
}

/** Keeps norms and square roots differentiable at 0 (a student whose logits ignore the input). */
const NORM_FLOOR = 1e-12;

/**
 * `count` directions over `inputSize` values, row-major [count, inputSize]: standard normal draws
 * (Box–Muller on the seeded stream, so the same on every backend) scaled to unit length.
 */
export function randomUnitDirections(count: number, inputSize: number, seed: number): Float32Array {
  const random = randomStream(seed);
  const out = new Float32Array(count * inputSize);
  for (let k = 0; k < count; k++) {
    let squares = 0;
    for (let d = 0; d < inputSize; d++) {
      const v = random.normal();
      out[k * inputSize + d] = v;
      squares += v * v;
    }
    const scale = 1 / Math.sqrt(Math.max(squares, Number.MIN_VALUE));
    for (let d = 0; d < inputSize; d++) out[k * inputSize + d] = (out[k * inputSize + d] as number) * scale;
  }
  return out;
}

/**
 * D[i, c, k] = (z(x_i + h·u_k) − z(x_i − h·u_k))_c / 2h ≈ (J_i u_k)_c, shape [B, C, K]: one
 * forward pass of `logitsOf` over the 2·K·B shifted examples. `directions` is [K, input size].
 * Exact for a model linear between x − hu and x + hu (a ReLU net away from its kinks).
 */
export function directionalDerivatives(tf: Tf, logitsOf: (x: Tensor) => Tensor2D, x: Tensor, directions: Tensor2D, h: number): Tensor3D {
  return tf.tidy(() => {
    const batch = x.shape[0] ?? 0;
    const inputSize = x.size / Math.max(batch, 1);
    const count = directions.shape[0];
    const flat = tf.reshape(x, [1, batch, inputSize]);
    const shift = tf.mul(tf.reshape(directions, [count, 1, inputSize]), h);
    const shifted = tf.concat([tf.add(flat, shift), tf.sub(flat, shift)], 0);
    const logits = logitsOf(tf.reshape(shifted, [2 * count * batch, ...x.shape.slice(1)]));
    const classes = logits.shape[1];
    const [plus, minus] = tf.split(tf.reshape(logits, [2, count, batch, classes]), 2, 0) as [Tensor, Tensor];
    const derivative = tf.div(tf.sub(plus, minus), 2 * h); // [1, K, B, C]
    return tf.transpose(tf.reshape(derivative, [count, batch, classes]), [1, 2, 0]) as Tensor3D;
  });
}

/**
 * The exact Jacobian ∂z/∂x, [B, C, input size], by one first-order gradient per class (examples
 * do not interact in `logitsOf`, so the gradient of Σ_i z_c(x_i) by x_i is row i's). For tests
 * and measurements: training uses directionalDerivatives.
 */
export function exactJacobian(tf: Tf, logitsOf: (x: Tensor) => Tensor2D, x: Tensor): Tensor3D {
  return tf.tidy(() => {
    const batch = x.shape[0] ?? 0;
    const classes = tf.tidy(() => logitsOf(x).shape[1]);
    const rows: Tensor[] = [];
    for (let c = 0; c < classes; c++) {
      const grad = tf.grad((input: Tensor) => tf.sum(tf.slice(logitsOf(input), [0, c], [batch, 1])))(x);
      rows.push(tf.reshape(grad, [batch, 1, x.size / Math.max(batch, 1)]));
    }
    return tf.concat(rows, 1) as Tensor3D;
  });
}

/**
 * mean_i ‖Ĵ^T_i − Ĵ^S_i‖₂ with Ĵ = J / ‖J‖₂ per example (Frobenius norms over classes × the last
 * axis, which holds input values or directions). With more than `topClasses` classes, the rows
 * outside the teacher's top `topClasses` logits are zeroed on both sides first.
 */
export function jacobianDistance(tf: Tf, studentJ: Tensor3D, teacherJ: Tensor3D, teacherLogits: Tensor2D, topClasses: number): Scalar {
  return tf.tidy(() => {
    const classes = teacherLogits.shape[1];
    let s: Tensor = studentJ;
    let t: Tensor = teacherJ;
    if (classes > topClasses) {
      const top = tf.topk(teacherLogits, topClasses).indices;
      const keep = tf.expandDims(tf.sum(tf.oneHot(top, classes), 1), 2);
      s = tf.mul(s, keep);
      t = tf.mul(t, keep);
    }
    const unit = (j: Tensor) => tf.div(j, tf.sqrt(tf.add(tf.sum(tf.square(j), [1, 2], true), NORM_FLOOR)));
    const gap = tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(unit(t), unit(s))), [1, 2]), NORM_FLOOR));
    return tf.mean(gap) as Scalar;
  });
}

/** SPEC.md V5: (1 − β)·[τ²]·KL(σ(z_T/τ) ‖ σ(z_S/τ)) + β·jacobianDistance, batch means. */
export function jacobianMatchingLoss(
  tf: Tf,
  studentLogits: Tensor2D,
  teacherLogits: Tensor2D,
  studentJ: Tensor3D,
  teacherJ: Tensor3D,
  settings: JacobianSettings,
): Scalar {
  const { tau, tauSquared, beta, topClasses } = settings;
  if (!(tau > 0)) throw new RangeError(`tau must be > 0, got ${tau}`);
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`beta must be in [0, 1], got ${beta}`);
  return tf.tidy(() => {
    const kl = tf.mul(temperedKlDivergence(tf, teacherLogits, studentLogits, tau), (1 - beta) * (tauSquared ? tau * tau : 1));
    return tf.add(kl, tf.mul(jacobianDistance(tf, studentJ, teacherJ, teacherLogits, topClasses), beta)) as Scalar;
  });
}
