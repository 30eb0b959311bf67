// Experiment specs: what is refused and with which message, the defaults filled in, the loss in
// force at each epoch (SPEC.md V3) and the paper preset's line-up.
import { describe, expect, it } from 'vitest';
import {
  ModelArchs,
  lossAtEpoch,
  paperPreset,
  parseExperimentSpec,
  parseModelSpec,
  parseRunSpec,
  type RunSpecInput,
} from '../../shared/experimentSpec.js';
import { refusal, runSpecInput } from '../helpers/specs.js';

const baseRun: RunSpecInput = runSpecInput({ optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 } });

describe('run specs', () => {
  it('fills in the defaults: constant rate, one-hot from epoch 0, no weight decay, KD α = 1, τ = 1 with τ²', () => {
    const run = parseRunSpec(baseRun);
    expect(run.lrSchedule).toEqual({ kind: 'constant' });
    expect(run.phases).toEqual([{ from: 0, loss: { kind: 'onehot' } }]);
    expect(run.optimizer.weightDecay).toBe(0);
    const kd = parseRunSpec({ ...baseRun, phases: [{ from: 0, loss: { kind: 'kd' } }] });
    expect(kd.phases[0]?.loss).toEqual({ kind: 'kd', alpha: 1, tau: 1, tauSquared: true });
  });

  it('refuses τ ≤ 0 with "tau must be > 0" and names the field', () => {
    for (const tau of [0, -1]) {
      const err = refusal(() => parseRunSpec({ ...baseRun, phases: [{ from: 0, loss: { kind: 'kd', tau } }] }));
      expect(err.code).toBe('SPEC_ERROR');
      expect(err.message).toContain('tau must be > 0');
      expect(err.place.field).toBe('phases.0.loss.tau');
    }
  });

  it('lists every problem at once, the first five and how many more, and names the first field', () => {
    const two = refusal(() => parseRunSpec({ ...baseRun, epochs: 0, phases: [{ from: 0, loss: { kind: 'kd', tau: 0 } }] }));
    expect(two.message).toBe('run spec: epochs: epochs must be ≥ 1; phases.0.loss.tau: tau must be > 0');
    expect(two.place.field).toBe('epochs');
    const losses = Array.from({ length: 7 }, (_, i) => ({ from: i, loss: { kind: 'kd' as const, tau: -1 } }));
    const seven = refusal(() => parseRunSpec({ ...baseRun, epochs: 10, phases: losses }));
    expect(seven.message.split('; ').slice(0, 5)).toEqual(['run spec: phases.0.loss.tau: tau must be > 0', ...[1, 2, 3, 4].map((i) => `phases.${i}.loss.tau: tau must be > 0`)]);
    expect(seven.message).toMatch(/; and 2 more$/);
  });

  it('refuses 0 epochs with "epochs must be ≥ 1"', () => {
    const err = refusal(() => parseRunSpec({ ...baseRun, epochs: 0 }));
    expect(err.message).toContain('epochs must be ≥ 1');
    expect(err.place.field).toBe('epochs');
  });

  it('refuses an unknown arch with a message listing every known arch', () => {
    const err = refusal(() => parseRunSpec({ ...baseRun, model: { arch: 'vit' } }));
    expect(err.message).toContain('unknown model arch "vit"');
    for (const arch of ModelArchs) expect(err.message).toContain(arch);
    expect(err.place.field).toBe('model.arch');
  });

  it('refuses loss phases that do not start at 0, do not increase, or start past the last epoch', () => {
    const kd = { kind: 'kd' as const };
    expect(refusal(() => parseRunSpec({ ...baseRun, phases: [{ from: 1, loss: kd }] })).message).toContain('must start at epoch 0');
    expect(
      refusal(() => parseRunSpec({ ...baseRun, phases: [{ from: 0, loss: kd }, { from: 2, loss: kd }, { from: 2, loss: kd }] })).message,
    ).toContain('strictly increasing');
    expect(refusal(() => parseRunSpec({ ...baseRun, phases: [{ from: 0, loss: kd }, { from: 4, loss: kd }] })).message).toContain(
      'only epochs 0–3',
    );
  });

  it('refuses momentum on Adam and a transformer whose width does not split into its heads', () => {
    expect(refusal(() => parseRunSpec({ ...baseRun, optimizer: { kind: 'adam', lr: 0.001, momentum: 0.9 } })).message).toContain('momentum');
    expect(refusal(() => parseModelSpec({ arch: 'transformer', dim: 30, heads: 4 })).message).toContain('multiple of heads');
  });

  it('gives every arch its documented defaults', () => {
    expect(parseModelSpec({ arch: 'cnn' })).toEqual({ arch: 'cnn', filters: [16, 32] });
    expect(parseModelSpec({ arch: 'resnet' })).toEqual({ arch: 'resnet', blocks: [1, 1], width: 16 });
    expect(parseModelSpec({ arch: 'bow-mlp' })).toEqual({ arch: 'bow-mlp', vocabSize: 5000, tfidf: true, hidden: [256] });
    expect(parseModelSpec({ arch: 'transformer' })).toEqual({ arch: 'transformer', vocabSize: 5000, dim: 64, heads: 2, layers: 1, maxLen: 128 });
  });
});

describe('lossAtEpoch (SPEC.md V3)', () => {
  const phases = parseRunSpec({
    ...baseRun,
    epochs: 6,
    phases: [
      { from: 0, loss: { kind: 'onehot' } },
      { from: 2, loss: { kind: 'kd', tau: 4 } },
      { from: 5, loss: { kind: 'onehot' } },
    ],
  }).phases;

  it('is the loss of the last phase started by that epoch', () => {
    expect([0, 1, 2, 3, 4, 5].map((e) => lossAtEpoch(phases, e).kind)).toEqual(['onehot', 'onehot', 'kd', 'kd', 'kd', 'onehot']);
  });
});

describe('experiment specs', () => {
  const teacher = { ...baseRun, name: 'teacher' };

  it('accepts a teacher to train or a finished run to reuse', () => {
    const students = [{ ...baseRun, phases: [{ from: 0, loss: { kind: 'kd' } }] }];
    expect(parseExperimentSpec({ name: 'e', datasetId: 1, teacher, students }).students).toHaveLength(1);
    expect(parseExperimentSpec({ name: 'e', datasetId: 1, teacher: { reuseRunId: 3 }, students }).teacher).toEqual({ reuseRunId: 3 });
  });

  it('names the field of a teacher that is neither kind, from the kind it came closest to', () => {
    const phases = refusal(() => parseExperimentSpec({ name: 'e', datasetId: 1, teacher: { ...teacher, phases: 5 }, students: [baseRun] }));
    expect(phases.message).toBe('experiment spec: teacher.phases: Invalid input: expected array, received number');
    expect(phases.place.field).toBe('teacher.phases');
    const reuse = refusal(() => parseExperimentSpec({ name: 'e', datasetId: 1, teacher: { reuseRunId: 'three' }, students: [baseRun] }));
    expect(reuse.message).toBe('experiment spec: teacher.reuseRunId: Invalid input: expected number, received string');
  });

  it('refuses a teacher with a kd phase: it has no teacher of its own', () => {
    const err = refusal(() =>
      parseExperimentSpec({ name: 'e', datasetId: 1, teacher: { ...teacher, phases: [{ from: 0, loss: { kind: 'kd' } }] }, students: [baseRun] }),
    );
    expect(err.message).toContain('a kd phase needs a teacher');
  });

  it('refuses a self-distilled student with another model than the teacher', () => {
    const err = refusal(() =>
      parseExperimentSpec({ name: 'e', datasetId: 1, teacher, students: [{ ...baseRun, model: { arch: 'softmax' }, selfDistill: true }] }),
    );
    expect(err.message).toContain('self-distilled');
  });

  it('refuses a missing dataset id', () => {
    expect(refusal(() => parseExperimentSpec({ name: 'e', datasetId: 0, teacher, students: [baseRun] })).place.field).toBe('datasetId');
  });
});

describe('paperPreset', () => {
  const base = { model: { arch: 'mlp' as const, hidden: [256] }, optimizer: { kind: 'sgd' as const, lr: 0.1 }, batchSize: 100, seed: 1 };

  it('lines up one-hot, KD τ=1, KD τ=4, late KD, early KD and self-distillation, switching at round(epochs/2)', () => {
    const { teacher, students } = paperPreset(9, { ...base, studentModel: { arch: 'softmax' } });
    expect(teacher.phases).toEqual([{ from: 0, loss: { kind: 'onehot' } }]);
    expect(students.map((s) => s.name)).toEqual([
      'one-hot',
      'KD τ=1',
      'KD τ=4',
      'late KD (one-hot → KD at 5)',
      'early KD (KD → one-hot at 5)',
      'self-distillation',
    ]);
    const kinds = (i: number) => [0, 4, 5, 8].map((e) => lossAtEpoch(students[i]!.phases, e).kind);
    expect(kinds(0)).toEqual(['onehot', 'onehot', 'onehot', 'onehot']);
    expect(lossAtEpoch(students[2]!.phases, 0)).toMatchObject({ kind: 'kd', tau: 4 });
    expect(kinds(3)).toEqual(['onehot', 'onehot', 'kd', 'kd']);
    expect(kinds(4)).toEqual(['kd', 'kd', 'onehot', 'onehot']);
    const self = students[5]!;
    expect(self.selfDistill).toBe(true);
    expect(self.model).toEqual(teacher.model);
    expect(students[1]!.model).toEqual({ arch: 'softmax' });
  });

  it('builds a valid experiment spec', () => {
    const { teacher, students } = paperPreset(10, base);
    expect(parseExperimentSpec({ name: 'paper', datasetId: 1, teacher, students }).students).toHaveLength(6);
  });
});
