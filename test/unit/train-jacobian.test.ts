// SPEC.md V5 Jacobian matching, as trained (directional derivatives by central differences, see
// docs/losses.md): the directional form against the exact Jacobian, the loss against a hand
// computation, and a student whose Jacobian moves toward its teacher's — on cpu and wasm.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { directionalDerivatives, exactJacobian, jacobianDistance, jacobianMatchingLoss, randomUnitDirections } from '../../main/train/jacobianMatching.js';
import { buildModel, type ClassifierModel, type ModelInput } from '../../main/train/models.js';
import { predictProbabilities, trainRun } from '../../main/train/trainer.js';
import { parseModelSpec, parseRunSpec, type RunSpecInput } from '../../shared/experimentSpec.js';
import { gaussianMixture } from '../helpers/gaussianMixture.js';

const DIM = 8;
const CLASSES = 4;
const INPUT: ModelInput = { kind: 'image', height: 1, width: DIM, channels: 1 };
const LN2 = Math.log(2);

const runSpec = (overrides: Partial<RunSpecInput>) =>
  parseRunSpec({ name: 'r', model: { arch: 'mlp', hidden: [32] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 32, epochs: 8, seed: 3, ...overrides });

describe.each(['cpu', 'wasm'] as const)('Jacobian matching on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend(backend)).tf;
  });

  const logitsOf = (model: ClassifierModel) => (x: Tensor) => model.predictLogits(x);

  it('central differences along unit directions equal J·u of the exact Jacobian (tiny ReLU MLP)', () => {
    const model = buildModel(tf, parseModelSpec({ arch: 'mlp', hidden: [6] }), INPUT, 3, 11);
    const data = gaussianMixture(5, 4, DIM, CLASSES);
    const directions = randomUnitDirections(3, DIM, 99);
    const [fd, exact] = tf.tidy(() => {
      const x = tf.tensor(data.x, [5, 1, DIM, 1]);
      const u = tf.tensor2d(directions, [3, DIM]);
      const d = directionalDerivatives(tf, logitsOf(model), x, u, 1e-2);
      const jU = tf.matMul(tf.reshape(exactJacobian(tf, logitsOf(model), x), [5 * 3, DIM]), u, false, true);
      return [d.arraySync() as number[][][], (tf.reshape(jU, [5, 3, 3]) as Tensor3D).arraySync() as number[][][]];
    });
    expect(fd.length).toBe(5);
    fd.flat(2).forEach((v, i) => expect(Math.abs(v - (exact.flat(2)[i] as number))).toBeLessThan(2e-3));
    // Directions are unit vectors, drawn the same way on every backend.
    for (let k = 0; k < 3; k++) expect(Math.hypot(...directions.subarray(k * DIM, (k + 1) * DIM))).toBeCloseTo(1, 5);
    model.dispose();
  });

  it('the loss is (1 − β)·KL + β·mean ‖Ĵ^T − Ĵ^S‖, worked by hand; topClasses keeps the teacher’s top rows only', () => {
    // KL: the 2-example batch of train-losses.test.ts, mean ½ln(9/8)/2.
    const student = tf.tensor2d([[0, 0, 0], [0, LN2, 0]]);
    const teacher = tf.tensor2d([[LN2, 0, 0], [0, LN2, 0]]);
    // Example 1: Ĵ^T = (0.6, 0.8, 0), Ĵ^S = (1, 0, 0) → gap √0.8. Example 2: (0, 1, 0) against (0, −1, 0) → gap 2.
    const jT = tf.tensor3d([[[3], [4], [0]], [[0], [2], [0]]]);
    const jS = tf.tensor3d([[[1], [0], [0]], [[0], [-5], [0]]]);
    const kl = Math.log(9 / 8) / 4;
    const value = (topClasses: number, beta: number) => {
      const t = jacobianMatchingLoss(tf, student as Tensor2D, teacher as Tensor2D, jS, jT, { tau: 1, tauSquared: true, beta, topClasses });
      const v = t.dataSync()[0] as number;
      t.dispose();
      return v;
    };
    expect(value(20, 0.25)).toBeCloseTo(0.75 * kl + 0.25 * ((Math.sqrt(0.8) + 2) / 2), 5);
    // Top-1 class: example 1 keeps row 0 only (both (1, 0, 0): gap 0), example 2 row 1 (gap 2).
    expect(value(1, 0.25)).toBeCloseTo(0.75 * kl + 0.25 * 1, 5);
    const distance = jacobianDistance(tf, jS, jT, teacher as Tensor2D, 20);
    expect(distance.dataSync()[0]).toBeCloseTo((Math.sqrt(0.8) + 2) / 2, 5);
    tf.dispose([student, teacher, jT, jS, distance]);
  });

  it('a student trained with β = 0.5 moves its Jacobian toward the teacher’s, closer than plain KD gets', async () => {
    const data = gaussianMixture(600, 2, DIM, CLASSES);
    const heldOut = gaussianMixture(64, 5, DIM, CLASSES);
    const teacherRun = await trainRun({ tf, spec: runSpec({ name: 'teacher', model: { arch: 'mlp', hidden: [64] }, seed: 1 }), data: { train: data }, numClasses: CLASSES, input: INPUT });
    const teacher = teacherRun.model;
    const teacherLogits = predictProbabilities(tf, teacher, data.x, data.n).logits;
    const distanceTo = (student: ClassifierModel) =>
      tf.tidy(() => {
        const x = tf.tensor(heldOut.x, [heldOut.n, 1, DIM, 1]);
        const jT = exactJacobian(tf, logitsOf(teacher), x);
        return jacobianDistance(tf, exactJacobian(tf, logitsOf(student), x), jT, teacher.predictLogits(x), CLASSES).dataSync()[0] as number;
      });
    const studentModel = { arch: 'mlp' as const, hidden: [32] };
    const initial = buildModel(tf, parseModelSpec(studentModel), INPUT, CLASSES, 3);
    const before = distanceTo(initial);
    initial.dispose();
    const train = async (loss: RunSpecInput['phases']) => {
      const r = await trainRun({ tf, spec: runSpec({ model: studentModel, phases: loss }), data: { train: data }, numClasses: CLASSES, input: INPUT, teacherLogits, teacherModel: teacher });
      const d = distanceTo(r.model);
      r.model.dispose();
      return { distance: d, losses: r.epochs.map((e) => e.meanLoss) };
    };
    const matched = await train([{ from: 0, loss: { kind: 'jacobian', beta: 0.5, directions: 4 } }]);
    const plain = await train([{ from: 0, loss: { kind: 'kd' } }]);
    teacher.dispose();
    expect(matched.distance).toBeLessThan(0.8 * before);
    expect(matched.distance).toBeLessThan(plain.distance);
    expect(matched.losses.at(-1)).toBeLessThan(matched.losses[0] as number);
  });

  it('refuses a jacobian phase without a teacher model before training anything', async () => {
    const data = gaussianMixture(40, 1, DIM, CLASSES);
    const spec = runSpec({ phases: [{ from: 0, loss: { kind: 'jacobian' } }] });
    const before = tf.memory().numTensors;
    await expect(trainRun({ tf, spec, data: { train: data }, numClasses: CLASSES, input: INPUT, teacherLogits: new Float32Array(40 * CLASSES) })).rejects.toThrow(
      /epoch 0 matches Jacobians but no teacher model/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
