// The jacobian (SPEC.md V5) and contrastive (V6) loss kinds in experiment specs: their defaults,
// the ranges refused with a message naming the field, and the models they cannot train.
import { describe, expect, it } from 'vitest';
import { hasPenultimateLayer, parseExperimentSpec, parseModelSpec, parseRunSpec, type RunSpecInput } from '../../shared/experimentSpec.js';
import { refusal, runSpecInput } from '../helpers/specs.js';

const baseRun: RunSpecInput = runSpecInput();
const teacher = { ...baseRun, name: 'teacher' };

const experiment = (studentOverrides: Partial<RunSpecInput> & { selfDistill?: boolean }, teacherOverrides: Partial<RunSpecInput> = {}) =>
  parseExperimentSpec({ name: 'e', datasetId: 1, teacher: { ...teacher, ...teacherOverrides }, students: [{ ...baseRun, ...studentOverrides }] });

describe('jacobian and contrastive loss specs', () => {
  it('fill in the documented defaults', () => {
    const run = parseRunSpec({ ...baseRun, phases: [{ from: 0, loss: { kind: 'jacobian' } }, { from: 2, loss: { kind: 'contrastive' } }] });
    expect(run.phases[0]!.loss).toEqual({ kind: 'jacobian', tau: 1, tauSquared: true, beta: 0.15, topClasses: 20, directions: 2, fdStep: 0.05 });
    expect(run.phases[1]!.loss).toEqual({ kind: 'contrastive', tau: 1, tauSquared: true, beta: 0.03, tauC: 0.1, eps: 0.97, dim: 128, positives: 'label' });
  });

  it('combine with the other kinds in a schedule (one-hot, then KD, then jacobian)', () => {
    const run = parseRunSpec({
      ...baseRun,
      phases: [{ from: 0, loss: { kind: 'onehot' } }, { from: 1, loss: { kind: 'kd', tau: 4 } }, { from: 2, loss: { kind: 'jacobian', beta: 0.5 } }],
    });
    expect(run.phases.map((p) => p.loss.kind)).toEqual(['onehot', 'kd', 'jacobian']);
  });

  it.each([
    [{ kind: 'jacobian', beta: 0.9 }, 'phases.0.loss.beta: beta must be in [0.01, 0.8]'],
    [{ kind: 'jacobian', beta: 0.001 }, 'phases.0.loss.beta: beta must be in [0.01, 0.8]'],
    [{ kind: 'jacobian', tau: 0 }, 'phases.0.loss.tau: tau must be > 0'],
    [{ kind: 'jacobian', topClasses: 0 }, 'phases.0.loss.topClasses: topClasses must be ≥ 1'],
    [{ kind: 'jacobian', directions: 17 }, 'phases.0.loss.directions: directions must be in 1–16'],
    [{ kind: 'jacobian', fdStep: 0 }, 'phases.0.loss.fdStep: fdStep must be in (0, 1]'],
    [{ kind: 'contrastive', beta: 0 }, 'phases.0.loss.beta: beta must be in (0, 1]'],
    [{ kind: 'contrastive', tauC: 0 }, 'phases.0.loss.tauC: tauC must be > 0'],
    [{ kind: 'contrastive', eps: -1 }, 'phases.0.loss.eps: eps must be > 0'],
    [{ kind: 'contrastive', dim: 0 }, 'phases.0.loss.dim: dim must be in 1–4096'],
  ])('refuses %j with "%s"', (loss, message) => {
    const err = refusal(() => parseRunSpec({ ...baseRun, phases: [{ from: 0, loss }] }));
    expect(err.message).toBe(`run spec: ${message}`);
  });

  it('refuses unknown positives and unknown fields', () => {
    expect(refusal(() => parseRunSpec({ ...baseRun, phases: [{ from: 0, loss: { kind: 'contrastive', positives: 'class' } }] })).message).toContain('phases.0.loss.positives');
    expect(refusal(() => parseRunSpec({ ...baseRun, phases: [{ from: 0, loss: { kind: 'jacobian', alpha: 1 } }] })).message).toContain('alpha');
  });

  it('refuses a teacher with a jacobian or contrastive phase: it has no teacher of its own', () => {
    for (const kind of ['jacobian', 'contrastive'] as const) {
      const err = refusal(() => experiment({}, { phases: [{ from: 0, loss: { kind } }] }));
      expect(err.message).toContain(`a ${kind} phase needs a teacher`);
    }
  });

  it('refuses contrastive distillation into or from a model without a penultimate layer, naming the side', () => {
    const contrastive = { phases: [{ from: 0, loss: { kind: 'contrastive' as const } }] };
    const student = refusal(() => experiment({ ...contrastive, model: { arch: 'softmax' } }));
    expect(student.message).toContain("the student's softmax model has no hidden layer");
    expect(student.place).toMatchObject({ field: 'students.0.phases.0.loss' });
    const fromTeacher = refusal(() => experiment(contrastive, { model: { arch: 'mlp', hidden: [] } }));
    expect(fromTeacher.message).toContain("the teacher's mlp model has no hidden layer");
    expect(experiment(contrastive, { model: { arch: 'cnn', filters: [8] } }).students[0]!.phases[0]!.loss.kind).toBe('contrastive');
  });

  it('refuses Jacobian matching for text models: token ids have no derivative', () => {
    const err = refusal(() => experiment({ model: { arch: 'embedding-bag' }, phases: [{ from: 0, loss: { kind: 'jacobian' } }] }));
    expect(err.message).toContain("the student's embedding-bag model reads token ids");
  });

  it('refuses contrastive phases of one run with different head widths', () => {
    const err = refusal(() =>
      experiment({ phases: [{ from: 0, loss: { kind: 'contrastive', dim: 64 } }, { from: 2, loss: { kind: 'contrastive', dim: 32 } }] }),
    );
    expect(err.message).toContain('dim 32 differs from phase 0');
  });

  it('knows which archs have a penultimate layer', () => {
    const has = (m: unknown) => hasPenultimateLayer(parseModelSpec(m));
    expect([has({ arch: 'softmax' }), has({ arch: 'mlp', hidden: [] }), has({ arch: 'mlp' }), has({ arch: 'cnn' }), has({ arch: 'resnet' })]).toEqual([false, false, true, true, true]);
    expect([has({ arch: 'bow-mlp', hidden: [] }), has({ arch: 'embedding-bag' }), has({ arch: 'transformer' })]).toEqual([false, true, true]);
  });
});
