// SPEC.md V1/V2 losses against values worked out by hand for a 2-example, 3-class batch, on the
// cpu and wasm backends.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { distillationLoss, oneHotCrossEntropy, temperedKlDivergence } from '../../main/train/losses.js';

const LN2 = Math.log(2);

// Example 1: student logits [0, 0, 0] → p = (1/3, 1/3, 1/3), label 0 → CE = ln 3.
// Example 2: student logits [0, ln 2, 0] → p = (1/4, 1/2, 1/4), label 1 → CE = ln 2.
const student = [
  [0, 0, 0],
  [0, LN2, 0],
];
const labels = [0, 1];
// Teacher 1: [ln 2, 0, 0] → q = (1/2, 1/4, 1/4); KL(q‖p) = ½ln(3/2) + 2·¼ln(3/4) = ½ln(9/8).
// Teacher 2 equals student 2, so its KL is 0.
const teacher = [
  [LN2, 0, 0],
  [0, LN2, 0],
];
const CE_MEAN = (Math.log(3) + Math.log(2)) / 2; // = ln 6 / 2
const KL_MEAN_TAU1 = (0.5 * Math.log(9 / 8) + 0) / 2;
// At τ = 2 teacher 1 becomes [ln2/2, 0, 0] → q ∝ (√2, 1, 1) against the uniform student:
// KL = Σ q_c ln(3 q_c); example 2 still matches exactly (both ∝ (1, √2, 1)).
const Q_TAU2 = [Math.SQRT2, 1, 1].map((v) => v / (Math.SQRT2 + 2));
const KL_MEAN_TAU2 = Q_TAU2.reduce((sum, q) => sum + q * Math.log(3 * q), 0) / 2;

describe.each(['cpu', 'wasm'] as const)('losses on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend(backend)).tf;
  });

  const value = (f: () => InstanceType<Tf['Tensor']>) => {
    const t = f();
    const v = t.dataSync()[0] as number;
    t.dispose();
    return v;
  };
  const tensors = () => ({
    s: tf.tensor2d(student),
    t: tf.tensor2d(teacher),
    y: tf.tensor1d(labels, 'int32'),
  });

  it('cross-entropy on one-hot labels is the batch mean of −log p_y (ln 6 / 2 here)', () => {
    const { s, y } = tensors();
    expect(value(() => oneHotCrossEntropy(tf, s, y))).toBeCloseTo(CE_MEAN, 6);
  });

  it('KD with α = 1, τ = 1 is the mean KL(teacher ‖ student): ½ln(9/8) / 2', () => {
    const { s, t, y } = tensors();
    expect(value(() => distillationLoss(tf, s, t, y, { alpha: 1, tau: 1, tauSquared: true }))).toBeCloseTo(KL_MEAN_TAU1, 6);
  });

  it('KD at τ = 2 softens both sides and multiplies by τ² only when asked', () => {
    const { s, t, y } = tensors();
    expect(value(() => distillationLoss(tf, s, t, y, { alpha: 1, tau: 2, tauSquared: true }))).toBeCloseTo(4 * KL_MEAN_TAU2, 6);
    expect(value(() => distillationLoss(tf, s, t, y, { alpha: 1, tau: 2, tauSquared: false }))).toBeCloseTo(KL_MEAN_TAU2, 6);
  });

  it('KD with α = 0.5 mixes the two terms: ½·CE + ½·KL', () => {
    const { s, t, y } = tensors();
    expect(value(() => distillationLoss(tf, s, t, y, { alpha: 0.5, tau: 1, tauSquared: true }))).toBeCloseTo(0.5 * CE_MEAN + 0.5 * KL_MEAN_TAU1, 6);
  });

  it('KD with α = 0 equals the one-hot loss exactly, whatever the teacher says', () => {
    const { s, y } = tensors();
    const wildTeacher = tf.tensor2d([
      [9, -3, 1],
      [-7, 2, 5],
    ]);
    const kd = value(() => distillationLoss(tf, s, wildTeacher, y, { alpha: 0, tau: 3, tauSquared: true }));
    expect(kd).toBe(value(() => oneHotCrossEntropy(tf, s, y)));
  });

  it('the KL of identical logits is 0 at any temperature', () => {
    const z = tf.tensor2d([
      [3, -1, 0.5],
      [10, 10, -20],
    ]);
    for (const tau of [0.5, 1, 4, 30]) expect(Math.abs(value(() => temperedKlDivergence(tf, z, z, tau)))).toBeLessThan(1e-6);
  });

  it('stays finite for extreme logits (log-softmax, not log of softmax)', () => {
    const s = tf.tensor2d([[1000, -1000, 0]]);
    const t = tf.tensor2d([[-1000, 1000, 0]]);
    const y = tf.tensor1d([1], 'int32');
    expect(value(() => oneHotCrossEntropy(tf, s, y))).toBeCloseTo(2000, 2);
    expect(Number.isFinite(value(() => distillationLoss(tf, s, t, y, { alpha: 1, tau: 1, tauSquared: true })))).toBe(true);
  });

  it('refuses τ ≤ 0 and α outside [0, 1]', () => {
    const { s, t, y } = tensors();
    expect(() => distillationLoss(tf, s, t, y, { alpha: 1, tau: 0, tauSquared: true })).toThrow('tau must be > 0');
    expect(() => distillationLoss(tf, s, t, y, { alpha: 1.5, tau: 1, tauSquared: true })).toThrow('alpha must be in [0, 1]');
  });
});
