// The training losses of SPEC.md V1 (cross-entropy on one-hot labels) and V2 (knowledge
// distillation), as batch means over logits, computed with log-softmax for stability.
import type { Tensor1D, Tensor2D, Scalar } from '@tensorflow/tfjs-core';
import type { Tf } from './backend.js';

export interface DistillationSettings {
  /** weight of the teacher term; 1 − alpha goes to the one-hot term */
  alpha: number;
  /** softmax temperature for both teacher and student in the KL term */
  tau: number;
  /** multiply the KL term by τ² (Hinton et al.; paper 2's code leaves it out) */
  tauSquared: boolean;
}

/** SPEC.md V1: mean over the batch of −log σ(z)_y. `labels` are int32 class indices. */
export function oneHotCrossEntropy(tf: Tf, logits: Tensor2D, labels: Tensor1D): Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[1] ?? 0;
    const logProbabilities = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(tf.oneHot(tf.cast(labels, 'int32'), classes), logProbabilities), 1);
    return tf.neg(tf.mean(picked)) as Scalar;
  });
}

/** Mean over the batch of KL(σ(t/τ) ‖ σ(s/τ)) = Σ_c p_c (log p_c − log q_c). */
export function temperedKlDivergence(tf: Tf, teacherLogits: Tensor2D, studentLogits: Tensor2D, tau: number): Scalar {
  return tf.tidy(() => {
    const teacherLog = tf.logSoftmax(tf.div(teacherLogits, tau));
    const studentLog = tf.logSoftmax(tf.div(studentLogits, tau));
    return tf.mean(tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), 1)) as Scalar;
  });
}

/**
 * SPEC.md V2: (1 − α)·CE(y, σ(z_S)) + α·[τ²]·KL(σ(z_T/τ) ‖ σ(z_S/τ)), batch mean. α = 0 returns
 * the one-hot loss itself (not a sum with a zero term), α = 1 skips the labels.
 */
export function distillationLoss(
  tf: Tf,
  studentLogits: Tensor2D,
  teacherLogits: Tensor2D,
  labels: Tensor1D,
  settings: DistillationSettings,
): Scalar {
  const { alpha, tau, tauSquared } = settings;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  if (!(tau > 0)) throw new RangeError(`tau must be > 0, got ${tau}`);
  if (alpha === 0) return oneHotCrossEntropy(tf, studentLogits, labels);
  return tf.tidy(() => {
    const kl = temperedKlDivergence(tf, teacherLogits, studentLogits, tau);
    const teacherTerm = tf.mul(kl, alpha * (tauSquared ? tau * tau : 1));
    if (alpha === 1) return teacherTerm as Scalar;
    return tf.add(tf.mul(oneHotCrossEntropy(tf, studentLogits, labels), 1 - alpha), teacherTerm) as Scalar;
  });
}
