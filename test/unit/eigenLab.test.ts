// The linear distillation lab (SPEC.md V4, M8, experiment 6): the eigen solver, GD against the
// discrete closed form, the early-stopped teacher's exaggerated eigen-bias, and the converged-teacher null.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../shared/seededRandom.js';
import {
  createGaussian,
  generateEigenLabData,
  gramMatrix,
  progressAtMatchedTop,
  runEigenLab,
  symmetricEigen,
  type EigenLabSettings,
  type EigenTrajectory,
} from '../../shared/eigenLab.js';

function maxAbsDiff(a: EigenTrajectory, b: EigenTrajectory): number {
  expect(a.c.length).toBe(b.c.length);
  let worst = 0;
  a.c.forEach((row, r) => {
    const other = b.c[r]!;
    row.forEach((v, k) => {
      const w = other[k]!;
      if (Number.isNaN(v) && Number.isNaN(w)) return;
      worst = Math.max(worst, Math.abs(v - w));
    });
  });
  return worst;
}

function checkDecomposition(K: Float64Array, n: number): { reconstruction: number; orthonormality: number } {
  const { values, vectors } = symmetricEigen(K, n);
  for (let k = 1; k < n; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
  let scale = 0;
  for (const v of K) scale = Math.max(scale, Math.abs(v));
  let reconstruction = 0;
  let orthonormality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let g = 0;
      for (let k = 0; k < n; k++) {
        s += values[k]! * vectors[k]![i]! * vectors[k]![j]!;
        g += vectors[i]![k]! * vectors[j]![k]!;
      }
      reconstruction = Math.max(reconstruction, Math.abs(K[i * n + j]! - s) / scale);
      orthonormality = Math.max(orthonormality, Math.abs(g - (i === j ? 1 : 0)));
    }
  }
  return { reconstruction, orthonormality };
}

const experiment6: EigenLabSettings = {
  n: 50,
  p: 200,
  scales: { kind: 'geomspace', from: 3, to: 0.05 },
  stepSize: 'auto',
  teacherSteps: 300,
  studentSteps: 300,
  seed: 6,
};

describe('symmetricEigen', () => {
  it('reconstructs a random symmetric matrix with orthonormal eigenvectors', () => {
    const n = 40;
    const gauss = createGaussian(createRandom(1));
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = gauss();
        A[i * n + j] = v;
        A[j * n + i] = v;
      }
    }
    const { reconstruction, orthonormality } = checkDecomposition(A, n);
    expect(reconstruction).toBeLessThan(1e-12);
    expect(orthonormality).toBeLessThan(1e-12);
  });

  it('reconstructs a rank-deficient K = X Xᵀ (n > p) and finds its zero eigenvalues', () => {
    const data = generateEigenLabData({ n: 30, p: 10, scales: { kind: 'geomspace', from: 2, to: 0.1 }, seed: 3 });
    const K = gramMatrix(data.X, 30, 10);
    const { reconstruction, orthonormality } = checkDecomposition(K, 30);
    expect(reconstruction).toBeLessThan(1e-12);
    expect(orthonormality).toBeLessThan(1e-12);
    const { values } = symmetricEigen(K, 30);
    expect(values[9]!).toBeGreaterThan(1e-3);
    expect(Math.abs(values[10]!) / values[0]!).toBeLessThan(1e-12);
  });

  it('handles diagonal, 1×1 and repeated-eigenvalue matrices', () => {
    expect(Array.from(symmetricEigen([3, 0, 0, 0, 1, 0, 0, 0, 2], 3).values)).toEqual([3, 2, 1]);
    expect(Array.from(symmetricEigen([5], 1).values)).toEqual([5]);
    const identity = symmetricEigen([1, 0, 0, 1], 2);
    expect(Array.from(identity.values)).toEqual([1, 1]);
  });

  it('decomposes a 200×200 K in well under a second', () => {
    const data = generateEigenLabData({ n: 200, p: 300, scales: { kind: 'geomspace', from: 3, to: 0.05 }, seed: 4 });
    const K = gramMatrix(data.X, 200, 300);
    const start = performance.now();
    symmetricEigen(K, 200);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeLessThan(1000);
    const { reconstruction, orthonormality } = checkDecomposition(K, 200);
    expect(reconstruction).toBeLessThan(1e-11);
    expect(orthonormality).toBeLessThan(1e-11);
  });
});

describe('runEigenLab', () => {
  it('simulated GD matches the discrete closed form of SPEC V4 within 1e-8', () => {
    const result = runEigenLab({ ...experiment6, n: 30, p: 60, noise: 0.5, teacherSteps: 80, studentSteps: 150, record: 7 });
    expect(result.steps[0]).toBe(0);
    expect(result.steps[result.steps.length - 1]).toBe(150);
    expect(result.stepSize).toBeCloseTo(0.1 / result.eigenvalues[0]!, 15);
    expect(maxAbsDiff(result.teacher, result.closedForm.teacher)).toBeLessThan(1e-8);
    expect(maxAbsDiff(result.student, result.closedForm.student)).toBeLessThan(1e-8);
  });

  it('matches the closed form on a rank-deficient K (n > p) too', () => {
    const result = runEigenLab({ n: 40, p: 15, scales: { kind: 'geomspace', from: 2, to: 0.2 }, noise: 0.3, stepSize: 'auto', teacherSteps: 50, studentSteps: 60, seed: 9 });
    expect(maxAbsDiff(result.teacher, result.closedForm.teacher)).toBeLessThan(1e-8);
    expect(maxAbsDiff(result.student, result.closedForm.student)).toBeLessThan(1e-8);
  });

  it('SPEC experiment 6: at equal top-direction progress 0.9 the student lags the teacher on c_45', () => {
    const result = runEigenLab(experiment6);
    expect(maxAbsDiff(result.student, result.closedForm.student)).toBeLessThan(1e-8);
    // j is 1-based as in SPEC: c_45 is the 45th-largest eigendirection (array index 44).
    const simulated = progressAtMatchedTop(result, 45, 0.9);
    const closed = progressAtMatchedTop(result, 45, 0.9, 'closedForm');
    const teacher = simulated.teacher!.cj;
    const student = simulated.student!.cj;
    console.info(
      `experiment 6: c_45 teacher ${teacher.toFixed(4)} vs student ${student.toFixed(4)} ` +
        `(steps ${simulated.teacher!.step.toFixed(2)} / ${simulated.student!.step.toFixed(2)}; λ_1 ${result.eigenvalues[0]!.toFixed(1)}, λ_45 ${result.eigenvalues[44]!.toFixed(2)})`,
    );
    expect(Number.isFinite(teacher)).toBe(true);
    expect(Number.isFinite(student)).toBe(true);
    expect(student).toBeLessThan(teacher);
    expect(closed.teacher!.cj).toBeCloseTo(teacher, 8);
    expect(closed.student!.cj).toBeCloseTo(student, 8);
  });

  it('an unstopped (converged) teacher gives a student curve identical to the teacher curve', () => {
    const result = runEigenLab({ ...experiment6, teacherSteps: null });
    expect(result.teacherSteps).toBe(Infinity);
    expect(maxAbsDiff(result.teacher, result.student)).toBeLessThan(1e-6);
    expect(maxAbsDiff(result.closedForm.teacher, result.closedForm.student)).toBeLessThan(1e-12);
    const matched = progressAtMatchedTop(result, 45);
    expect(Math.abs(matched.teacher!.cj - matched.student!.cj)).toBeLessThan(1e-6);
  });

  it('a teacher run by GD until (1 − ηλ_min)^T̃ < 1e-12 gives the same student as the analytic limit', () => {
    const base: EigenLabSettings = { n: 12, p: 30, scales: { kind: 'geomspace', from: 2, to: 0.5 }, stepSize: 'auto', teacherSteps: null, studentSteps: 100, seed: 2 };
    const limit = runEigenLab(base);
    const lambdaMin = limit.eigenvalues[limit.eigenvalues.length - 1]!;
    const T = Math.ceil(Math.log(1e-12) / Math.log(1 - limit.stepSize * lambdaMin));
    expect(T).toBeLessThan(200_000);
    const finite = runEigenLab({ ...base, teacherSteps: T });
    expect(maxAbsDiff(finite.student, limit.student)).toBeLessThan(1e-6);
    expect(maxAbsDiff(finite.teacher, finite.student)).toBeLessThan(1e-6);
  });

  it('is deterministic for a seed and rejects bad settings', () => {
    const a = runEigenLab({ ...experiment6, n: 10, p: 20, studentSteps: 5 });
    const b = runEigenLab({ ...experiment6, n: 10, p: 20, studentSteps: 5 });
    expect(Array.from(a.eigenvalues)).toEqual(Array.from(b.eigenvalues));
    expect(() => runEigenLab({ ...experiment6, n: 0 })).toThrow(/n must be/);
    expect(() => runEigenLab({ ...experiment6, teacherSteps: 2.5 })).toThrow(/teacherSteps/);
    expect(() => runEigenLab({ ...experiment6, stepSize: 1 })).toThrow(/diverges/);
    expect(() => progressAtMatchedTop(a, 11)).toThrow(/j must be/);
  });
});
