// SPEC.md V6, contrastive representation distillation (paper 2's code variant, with Tian et al.'s
// instance positives as an option): both models' penultimate features go through a trainable
// linear head per model and L2 normalisation, and in-batch student/teacher pairs are pushed
// together (positives) or apart (negatives). The heads are trained by the student's optimiser.
import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Tf } from './backend.js';
import { temperedKlDivergence } from './losses.js';
import { randomStream, SeedPurpose } from './seedStreams.js';

export interface ContrastiveSettings {
  tau: number;
  tauSquared: boolean;
  /** weight of L_crd; 1 − β goes to the KL term */
  beta: number;
  /** s_ij = exp(e^S_i·e^T_j / τ_c) */
  tauC: number;
  eps: number;
  positives: 'label' | 'instance';
}

/** The two projection heads W (features × dim, no bias), student's first. */
export interface ProjectionHeads {
  student: Variable;
  teacher: Variable;
}

const NORM_FLOOR = 1e-12;

/**
 * Glorot-uniform heads drawn from the run seed (stream SeedPurpose.projectionHeads, 0 for the
 * student's head, 1 for the teacher's), so a run's heads are the same on every backend.
 */
export function createProjectionHeads(tf: Tf, studentDim: number, teacherDim: number, dim: number, seed: number): ProjectionHeads {
  const make = (inputs: number, which: number) => {
    const random = randomStream(seed, SeedPurpose.projectionHeads, which);
    const limit = Math.sqrt(6 / (inputs + dim));
    const values = Float32Array.from({ length: inputs * dim }, () => (2 * random.next() - 1) * limit);
    return tf.tidy(() => tf.variable(tf.tensor2d(values, [inputs, dim]), true));
  };
  return { student: make(studentDim, 0), teacher: make(teacherDim, 1) };
}

/** e = (f·W) / ‖f·W‖₂ per row. */
export function projectAndNormalise(tf: Tf, features: Tensor2D, head: Tensor2D): Tensor2D {
  return tf.tidy(() => {
    const e = tf.matMul(features, head);
    return tf.div(e, tf.sqrt(tf.add(tf.sum(tf.square(e), 1, true), NORM_FLOOR))) as Tensor2D;
  });
}

/** log(1 + eᵗ) without overflow, from ops every backend has. */
function softplus(tf: Tf, t: Tensor): Tensor {
  return tf.add(tf.relu(t), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(t))))));
}

/**
 * L_crd = −(1/B)[Σ_pos log(s/(s + ε)) + Σ_neg log(ε/(s + ε))] over all B×B pairs (i student,
 * j teacher) of unit embeddings. With a = e^S_i·e^T_j/τ_c: log(s/(s + ε)) = −softplus(log ε − a)
 * and log(ε/(s + ε)) = −softplus(a − log ε), which stay finite for any a.
 */
export function contrastiveTerm(
  tf: Tf,
  studentEmbedding: Tensor2D,
  teacherEmbedding: Tensor2D,
  labels: Tensor1D,
  settings: Pick<ContrastiveSettings, 'tauC' | 'eps' | 'positives'>,
): Scalar {
  const { tauC, eps, positives } = settings;
  if (!(tauC > 0)) throw new RangeError(`tauC must be > 0, got ${tauC}`);
  if (!(eps > 0)) throw new RangeError(`eps must be > 0, got ${eps}`);
  return tf.tidy(() => {
    const batch = studentEmbedding.shape[0];
    const a = tf.div(tf.matMul(studentEmbedding, teacherEmbedding, false, true), tauC);
    const logEps = Math.log(eps);
    const positive =
      positives === 'instance'
        ? tf.eye(batch)
        : tf.cast(tf.equal(tf.reshape(tf.cast(labels, 'int32'), [batch, 1]), tf.reshape(tf.cast(labels, 'int32'), [1, batch])), 'float32');
    const pulled = tf.mul(positive, softplus(tf, tf.sub(logEps, a)));
    const pushed = tf.mul(tf.sub(1, positive), softplus(tf, tf.sub(a, logEps)));
    return tf.div(tf.sum(tf.add(pulled, pushed)), batch) as Scalar;
  });
}

/** SPEC.md V6: (1 − β)·[τ²]·KL(σ(z_T/τ) ‖ σ(z_S/τ)) + β·L_crd(L2norm(W_S f_S), L2norm(W_T f_T)). */
export function contrastiveDistillationLoss(
  tf: Tf,
  inputs: { studentLogits: Tensor2D; teacherLogits: Tensor2D; studentFeatures: Tensor2D; teacherFeatures: Tensor2D; labels: Tensor1D },
  heads: ProjectionHeads,
  settings: ContrastiveSettings,
): Scalar {
  const { tau, tauSquared, beta } = settings;
  if (!(tau > 0)) throw new RangeError(`tau must be > 0, got ${tau}`);
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`beta must be in [0, 1], got ${beta}`);
  return tf.tidy(() => {
    const kl = tf.mul(temperedKlDivergence(tf, inputs.teacherLogits, inputs.studentLogits, tau), (1 - beta) * (tauSquared ? tau * tau : 1));
    const eS = projectAndNormalise(tf, inputs.studentFeatures, heads.student as unknown as Tensor2D);
    const eT = projectAndNormalise(tf, inputs.teacherFeatures, heads.teacher as unknown as Tensor2D);
    return tf.add(kl, tf.mul(contrastiveTerm(tf, eS, eT, inputs.labels, settings), beta)) as Scalar;
  });
}
