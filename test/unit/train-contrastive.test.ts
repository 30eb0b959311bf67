// SPEC.md V6 contrastive distillation: L_crd and the total loss against a hand computation on a
// 3-example batch, trainable projection heads that learn, and heads kept through a checkpoint so
// a resumed run ends where an uninterrupted one does — on cpu and wasm.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../main/train/checkpoint.js';
import { contrastiveDistillationLoss, contrastiveTerm, createProjectionHeads } from '../../main/train/contrastiveDistillation.js';
import type { ModelInput } from '../../main/train/models.js';
import { predictFeatures, predictProbabilities, trainRun, type TrainRunOptions } from '../../main/train/trainer.js';
import { parseRunSpec, type RunSpecInput } from '../../shared/experimentSpec.js';
import { gaussianMixture } from '../helpers/gaussianMixture.js';
import { runSpecInput } from '../helpers/specs.js';

const DIM = 8;
const CLASSES = 4;
const INPUT: ModelInput = { kind: 'image', height: 1, width: DIM, channels: 1 };

// Unit embeddings of a 3-example batch in 2-D; labels 0, 1, 0.
const E_S = [[1, 0], [0, 1], [1, 0]];
const E_T = [[1, 0], [0, 1], [0, 1]];
const LABELS = [0, 1, 0];
const TAU_C = 0.5;
const EPS = 0.97;

/** −(1/B)[Σ_pos log(s/(s+ε)) + Σ_neg log(ε/(s+ε))] straight from SPEC.md V6, in plain numbers. */
function handCrd(positive: (i: number, j: number) => boolean): number {
  let sum = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const s = Math.exp((E_S[i]![0]! * E_T[j]![0]! + E_S[i]![1]! * E_T[j]![1]!) / TAU_C);
      sum += positive(i, j) ? Math.log(s / (s + EPS)) : Math.log(EPS / (s + EPS));
    }
  }
  return -sum / 3;
}

describe.each(['cpu', 'wasm'] as const)('contrastive distillation on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend(backend)).tf;
  });
  const scalar = (t: InstanceType<Tf['Tensor']>) => {
    const v = t.dataSync()[0] as number;
    t.dispose();
    return v;
  };

  it('L_crd matches the hand computation for label and instance positives', () => {
    const eS = tf.tensor2d(E_S) as Tensor2D;
    const eT = tf.tensor2d(E_T) as Tensor2D;
    const y = tf.tensor1d(LABELS, 'int32') as Tensor1D;
    const label = handCrd((i, j) => LABELS[i] === LABELS[j]);
    const instance = handCrd((i, j) => i === j);
    expect(label).not.toBeCloseTo(instance, 2);
    expect(scalar(contrastiveTerm(tf, eS, eT, y, { tauC: TAU_C, eps: EPS, positives: 'label' }))).toBeCloseTo(label, 5);
    expect(scalar(contrastiveTerm(tf, eS, eT, y, { tauC: TAU_C, eps: EPS, positives: 'instance' }))).toBeCloseTo(instance, 5);
    tf.dispose([eS, eT, y]);
  });

  it('the total is (1 − β)·KL + β·L_crd of the L2-normalised projections', () => {
    // Identity heads on features that are positive multiples of the embeddings above.
    const heads = { student: tf.variable(tf.eye(2)), teacher: tf.variable(tf.eye(2)) };
    const inputs = {
      studentFeatures: tf.tensor2d([[2, 0], [0, 3], [0.5, 0]]) as Tensor2D,
      teacherFeatures: tf.tensor2d([[4, 0], [0, 1], [0, 7]]) as Tensor2D,
      // Teacher 1 says (3/4, 1/4) to a uniform student: KL = ¾ln(3/2) + ¼ln(1/2); the others agree.
      studentLogits: tf.tensor2d([[0, 0], [1, 0], [0, 2]]) as Tensor2D,
      teacherLogits: tf.tensor2d([[Math.log(3), 0], [1, 0], [0, 2]]) as Tensor2D,
      labels: tf.tensor1d(LABELS, 'int32') as Tensor1D,
    };
    const kl = (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5)) / 3;
    const settings = { tau: 1, tauSquared: true, beta: 0.25, tauC: TAU_C, eps: EPS, positives: 'label' as const };
    expect(scalar(contrastiveDistillationLoss(tf, inputs, heads, settings))).toBeCloseTo(0.75 * kl + 0.25 * handCrd((i, j) => LABELS[i] === LABELS[j]), 5);
    tf.dispose([heads.student, heads.teacher, ...Object.values(inputs)]);
  });

  describe('in training', () => {
    const data = gaussianMixture(300, 2, DIM, CLASSES);
    let teacherLogits: Float32Array;
    let teacherFeatures: { dim: number; rows: Float32Array };
    beforeAll(async () => {
      const spec = parseRunSpec({ name: 't', model: { arch: 'mlp', hidden: [24] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 32, epochs: 3, seed: 1 });
      const teacher = await trainRun({ tf, spec, data: { train: data }, numClasses: CLASSES, input: INPUT });
      teacherLogits = predictProbabilities(tf, teacher.model, data.x, data.n).logits;
      const f = predictFeatures(tf, teacher.model, data.x, data.n);
      teacherFeatures = { dim: f.dim, rows: f.features };
      teacher.model.dispose();
    });
    const student = (overrides: Partial<RunSpecInput> = {}) =>
      parseRunSpec(
        runSpecInput({
          name: 's',
          model: { arch: 'mlp', hidden: [16] },
          optimizer: { kind: 'adam', lr: 0.01 },
          seed: 9,
          phases: [{ from: 0, loss: { kind: 'kd' } }, { from: 1, loss: { kind: 'contrastive', beta: 0.5, dim: 8 } }],
          ...overrides,
        }),
      );
    const options = (extra: Partial<TrainRunOptions> = {}): TrainRunOptions => ({
      tf,
      spec: student(),
      data: { train: data },
      numClasses: CLASSES,
      input: INPUT,
      teacherLogits,
      teacherFeatures,
      ...extra,
    });

    it('both projection heads receive gradients and change; they are untouched while KD is in force', async () => {
      expect(teacherFeatures.dim).toBe(24);
      const initial = createProjectionHeads(tf, 16, 24, 8, 9);
      const start = [initial.student, initial.teacher].map((h) => Float32Array.from(h.dataSync() as Float32Array));
      tf.dispose([initial.student, initial.teacher]);
      const headsAfter: Float32Array[][] = [];
      const before = tf.memory().numTensors;
      const result = await trainRun(options({ onEpochEnd: (_e, _w, info) => void headsAfter.push(info.heads) }));
      result.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(result.heads.map((h) => h.length)).toEqual([16 * 8, 24 * 8]);
      expect(headsAfter[0]).toEqual(start); // epoch 0 is plain KD
      const moved = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
      expect(moved(result.heads[0]!, start[0]!)).toBeGreaterThan(1e-3);
      expect(moved(result.heads[1]!, start[1]!)).toBeGreaterThan(1e-3);
    });

    it('keeps the heads through a checkpoint: resumed at epoch 2 from the encoded epoch-1 checkpoint, it ends as an uninterrupted run', async () => {
      const saved = new Map<number, Buffer>();
      const whole = await trainRun(
        options({ onEpochEnd: (epoch, weights, info) => void saved.set(epoch, encodeCheckpoint({ weights, optimizer: info.optimizerState, heads: info.heads })) }),
      );
      whole.model.dispose();
      const checkpoint: Checkpoint = decodeCheckpoint(saved.get(1)!);
      expect(checkpoint.heads?.map((h) => h.length)).toEqual([16 * 8, 24 * 8]);
      const resumed = await trainRun(options({ startEpoch: 2, initialWeights: checkpoint.weights, initialOptimizerState: checkpoint.optimizer, initialHeads: checkpoint.heads }));
      resumed.model.dispose();
      expect(resumed.weights).toEqual(whole.weights);
      expect(resumed.heads).toEqual(whole.heads);
      // A checkpoint without heads (any other run) still decodes, with none.
      expect(decodeCheckpoint(encodeCheckpoint({ weights: whole.weights, optimizer: whole.optimizerState })).heads).toEqual([]);
    });

    it('refuses a contrastive phase without teacher features', async () => {
      await expect(trainRun(options({ teacherFeatures: undefined }))).rejects.toThrow(/epoch 1 is contrastive but no teacher features/);
    });
  });
});
