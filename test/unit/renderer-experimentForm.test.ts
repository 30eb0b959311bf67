import { describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../shared/experimentSpec.js';
import {
  archsFor,
  assignIssues,
  buildExperimentSpec,
  defaultExperimentForm,
  describePath,
  formFieldKeys,
  kdLossForm,
  newStudentForm,
  parseIntList,
  presetStudents,
  smallerModel,
  type ExperimentForm,
  type StudentForm,
} from '../../renderer/src/experimentForm.js';

function validForm(): ExperimentForm {
  const form = defaultExperimentForm(3, 'image');
  form.name = 'my experiment';
  form.teacher.epochs = '4';
  form.students.push(newStudentForm(form));
  return form;
}

const paths = (form: ExperimentForm, kind: 'image' | 'text' | null = 'image') => buildExperimentSpec(form, kind).issues.map((i) => i.path);

describe('buildExperimentSpec', () => {
  it('builds Jacobian and contrastive phases with their β, and refuses a β out of range by field', () => {
    const form = validForm();
    const student = form.students[0]!;
    student.loss = { ...kdLossForm('2'), kind: 'jacobian', beta: '0.3' };
    student.switchOn = true;
    student.switchEpoch = '2';
    student.secondLoss = { ...kdLossForm(), kind: 'contrastive', beta: '0.05', positives: 'instance' };
    const built = buildExperimentSpec(form, 'image');
    expect(built.issues).toEqual([]);
    const phases = (built.spec as { students: { phases: unknown[] }[] }).students[0]!.phases;
    expect(phases).toEqual([
      { from: 0, loss: { kind: 'jacobian', tau: 2, tauSquared: true, beta: 0.3, topClasses: 20, directions: 2, fdStep: 0.05 } },
      { from: 2, loss: { kind: 'contrastive', tau: 1, tauSquared: true, beta: 0.05, tauC: 0.1, eps: 0.97, dim: 128, positives: 'instance' } },
    ]);
    expect(ExperimentSpec.safeParse(built.spec).success).toBe(true);
    student.loss.beta = '0.9';
    expect(paths(form)).toContain('students.0.phases.0.loss.beta');
  });

  it('turns a valid form into a spec the shared schema accepts', () => {
    const form = validForm();
    form.teacher.model.hidden = '256, 128';
    form.teacher.weightDecay = '0.0005';
    const student = form.students[0]!;
    student.model.hidden = '32';
    student.loss = { ...kdLossForm(), alpha: '0.5', tau: '4', tauSquared: false };
    student.switchOn = true;
    student.switchEpoch = '2';
    const built = buildExperimentSpec(form, 'image');
    expect(built.issues).toEqual([]);
    expect(built.ok).toBe(true);
    expect(built.spec).toEqual({
      name: 'my experiment',
      datasetId: 3,
      teacher: {
        name: 'teacher',
        model: { arch: 'mlp', hidden: [256, 128] },
        optimizer: { kind: 'adam', lr: 0.001, weightDecay: 0.0005 },
        lrSchedule: { kind: 'constant' },
        batchSize: 128,
        epochs: 4,
        seed: 1,
      },
      students: [
        {
          name: 'student 1',
          model: { arch: 'mlp', hidden: [32] },
          optimizer: { kind: 'adam', lr: 0.001, weightDecay: 0.0005 },
          lrSchedule: { kind: 'constant' },
          batchSize: 128,
          epochs: 4,
          seed: 1,
          phases: [
            { from: 0, loss: { kind: 'kd', alpha: 0.5, tau: 4, tauSquared: false } },
            { from: 2, loss: { kind: 'onehot' } },
          ],
        },
      ],
    });
    expect(ExperimentSpec.safeParse(built.spec).success).toBe(true);
  });

  it('maps SGD momentum, step schedules, cnn filters and self-distillation', () => {
    const form = validForm();
    form.teacher.model = { arch: 'cnn', hidden: '', filters: '8, 16' };
    form.teacher.optimizer = 'sgd';
    form.teacher.lr = '0.1';
    form.teacher.momentum = '0.9';
    form.teacher.lrSchedule = 'step';
    form.teacher.stepEvery = '2';
    form.teacher.gamma = '0.5';
    form.students[0]!.selfDistill = true;
    form.students[0]!.model = { arch: 'softmax', hidden: '', filters: '' };
    const built = buildExperimentSpec(form, 'image');
    expect(built.issues).toEqual([]);
    const teacher = built.spec.teacher as { model: unknown; optimizer: unknown; lrSchedule: unknown };
    expect(teacher.model).toEqual({ arch: 'cnn', filters: [8, 16] });
    expect(teacher.optimizer).toEqual({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 });
    expect(teacher.lrSchedule).toEqual({ kind: 'step', stepEvery: 2, gamma: 0.5 });
    // a self-distilled student takes the teacher's model, whatever its own fields say
    expect(built.spec.students[0]!.model).toEqual({ arch: 'cnn', filters: [8, 16] });
    expect(built.spec.students[0]!.selfDistill).toBe(true);
  });

  it.each([
    ['reports τ = 0 at the τ field of that student and phase', (form: ExperimentForm) => void form.students.push({ ...newStudentForm(form), loss: kdLossForm('0') }), 'students.1.phases.0.loss.tau', 'tau must be > 0'],
    ['reports epochs 0 once, at the teacher’s epochs field', (form: ExperimentForm) => void (form.teacher.epochs = '0'), 'teacher.epochs', 'epochs must be ≥ 1'],
    ['asks for at least one student', (form: ExperimentForm) => void (form.students = []), 'students', 'add at least one student'],
  ])('%s', (_name, change, path, message) => {
    const form = validForm();
    change(form);
    const built = buildExperimentSpec(form, 'image');
    expect(built.ok).toBe(false);
    expect(built.issues).toEqual([{ path, message }]);
  });

  it('explains blank and non-numeric fields at their own paths', () => {
    const form = validForm();
    form.teacher.lr = '';
    form.teacher.batchSize = 'many';
    form.teacher.model.hidden = '256, x';
    form.students[0]!.switchOn = true;
    form.students[0]!.switchEpoch = '';
    form.datasetId = null;
    form.name = ' ';
    expect(paths(form).sort()).toEqual(
      ['datasetId', 'name', 'students.0.phases.1.from', 'teacher.batchSize', 'teacher.model.hidden', 'teacher.optimizer.lr'].sort(),
    );
  });

  it('reports schema rules at the fields they concern', () => {
    const form = validForm();
    form.teacher.epochs = '3';
    const s = form.students[0]!;
    s.switchOn = true;
    s.switchEpoch = '3';
    s.loss.alpha = '2';
    form.students.push({ ...newStudentForm(form), name: s.name });
    expect(paths(form).sort()).toEqual(['students.0.phases.0.loss.alpha', 'students.0.phases.1.from', 'students.1.name'].sort());
  });

  it('refuses a model for the other kind of data', () => {
    const form = validForm();
    const built = buildExperimentSpec(form, 'text');
    expect(built.issues.map((i) => i.path)).toEqual(['teacher.model.arch', 'students.0.model.arch']);
    expect(built.issues[0]!.message).toMatch(/needs image data/);
  });

  it('offers only the archs that fit the data', () => {
    expect(archsFor('text')).toEqual(['bow-mlp', 'embedding-bag', 'transformer']);
    expect(archsFor('image')).toEqual(['softmax', 'mlp', 'cnn', 'resnet']);
    expect(defaultExperimentForm(1, 'text').teacher.model.arch).toBe('bow-mlp');
  });
});

describe('presetStudents', () => {
  it('adds the paper’s six students, valid with the teacher’s settings', () => {
    const form = validForm();
    form.students = [];
    form.teacher.epochs = '6';
    const result = presetStudents(form);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const names = result.students.map((s) => s.name);
    expect(names).toEqual(['one-hot', 'KD τ=1', 'KD τ=4', 'late KD (one-hot → KD at 3)', 'early KD (KD → one-hot at 3)', 'self-distillation']);
    const late = result.students[3]!;
    expect(late).toMatchObject({ switchOn: true, switchEpoch: '3', loss: { kind: 'onehot' }, secondLoss: { kind: 'kd', tau: '1' } });
    expect(result.students[0]!.model.hidden).toBe('32');
    expect(result.students[5]!.selfDistill).toBe(true);
    form.students.push(...result.students);
    const built = buildExperimentSpec(form, 'image');
    expect(built.issues).toEqual([]);
    // adding again adds nobody twice
    const again = presetStudents(form);
    expect(again.ok && again.students.length).toBe(0);
  });

  it('waits for valid teacher settings', () => {
    const form = validForm();
    form.teacher.epochs = '0';
    const result = presetStudents(form);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/teacher/);
  });
});

describe('form helpers', () => {
  it('parses comma lists of positive whole numbers', () => {
    expect(parseIntList(' 256, 128 ,,')).toEqual([256, 128]);
    expect(parseIntList('')).toEqual([]);
    expect(parseIntList('1.5')).toBeNull();
    expect(parseIntList('0')).toBeNull();
  });

  it('shrinks models for students', () => {
    expect(smallerModel({ arch: 'mlp', hidden: '256', filters: '' }).hidden).toBe('32');
    expect(smallerModel({ arch: 'cnn', hidden: '', filters: '16, 32' }).filters).toBe('8, 16');
    expect(smallerModel({ arch: 'mlp', hidden: '16', filters: '' }).hidden).toBe('8');
  });

  it('files each issue under its field, longest key first', () => {
    const form = validForm();
    form.students[0]!.loss.tau = '0';
    form.teacher.model.hidden = 'x';
    const built = buildExperimentSpec(form, 'image');
    const byField = assignIssues([...built.issues, { path: 'teacher.model.dim', message: 'odd' }, { path: 'elsewhere', message: 'hm' }], formFieldKeys(form));
    expect(byField.get('students.0.phases.0.loss.tau')).toEqual(['tau must be > 0']);
    expect(byField.get('teacher.model.hidden')).toHaveLength(1);
    expect(byField.get('teacher.model')).toEqual(['odd']);
    expect(byField.get('')).toEqual(['hm']);
  });

  it('shows the τ field only for KD losses', () => {
    const form = validForm();
    const s: StudentForm = form.students[0]!;
    expect(formFieldKeys(form)).toContain('students.0.phases.0.loss.tau');
    s.loss.kind = 'onehot';
    expect(formFieldKeys(form)).not.toContain('students.0.phases.0.loss.tau');
  });

  it('labels paths for people', () => {
    const form = validForm();
    expect(describePath('students.0.phases.0.loss.tau', form)).toBe('student 1 “student 1” · loss · τ');
    expect(describePath('students.0.phases.1.from', form)).toBe('student 1 “student 1” · phase 2 · switch epoch');
    expect(describePath('teacher.optimizer.lr', form)).toBe('teacher · optimizer · learning rate');
    expect(describePath('', form)).toBe('experiment');
  });
});

describe('the form\'s seeds', () => {
  it('plans one experiment with one seed (or none typed) and N seed replicates with the teacher choice for N ≥ 2', () => {
    const form = validForm();
    expect(form.seeds).toBe('1');
    expect('seeds' in buildExperimentSpec(form, 'image').spec).toBe(false);
    form.seeds = ' ';
    expect('seeds' in buildExperimentSpec(form, 'image').spec).toBe(false);
    form.seeds = '3';
    form.seedTeacher = 'shared';
    const built = buildExperimentSpec(form, 'image');
    expect(built.issues).toEqual([]);
    expect(built.spec).toMatchObject({ seeds: 3, seedTeacher: 'shared' });
    expect(ExperimentSpec.safeParse(built.spec).success).toBe(true);
  });

  it('reports a bad seed count once, at the seeds field', () => {
    const form = validForm();
    form.seeds = 'many';
    expect(buildExperimentSpec(form, 'image').issues).toEqual([{ path: 'seeds', message: 'a number of seeds must be a number' }]);
    form.seeds = '21';
    const issues = buildExperimentSpec(form, 'image').issues;
    expect(issues.map((i) => i.path)).toEqual(['seeds']);
    expect(issues[0]!.message).toMatch(/1–20/);
    expect(assignIssues(issues, formFieldKeys(form)).get('seeds')).toHaveLength(1);
    expect(describePath('seeds', form)).toBe('seeds');
  });
});
