// The new-experiment form: its text fields turned into an experiment spec and checked with the
// shared ExperimentSpec schema, every problem reported as (field path → message) so the view
// can put each message next to its field. Students share the teacher's optimiser, learning-
// rate schedule, batch size, epochs and seed (as in the paper's line-up); they differ in model
// and loss.
import type { DatasetKind } from '../../shared/domain.js';
import {
  ExperimentSpec,
  ModelArchs,
  paperPreset,
  TextArchs,
  type ExperimentSpecInput,
  type LossPhase,
  type LossSpec,
  type LrScheduleSpec,
  type ModelArch,
  type ModelSpec,
  type ModelSpecInput,
  type SeedTeacher,
  type StudentSpec,
} from '../../shared/experimentSpec.js';
import { TrainingBackends } from '../../shared/runs.js';
import { fieldIssues } from '../../shared/zodIssues.js';

export const BACKEND_CHOICES = ['auto', ...TrainingBackends] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export const LR_SCHEDULES = ['constant', 'cosine', 'step'] as const;
export const LOSS_KINDS = ['onehot', 'kd', 'jacobian', 'contrastive'] as const;

export interface ModelForm {
  arch: ModelArch;
  /** mlp and bow-mlp: hidden layer sizes, comma separated (empty: no hidden layer) */
  hidden: string;
  /** cnn: filters per conv block, comma separated */
  filters: string;
}

export interface LossForm {
  kind: (typeof LOSS_KINDS)[number];
  alpha: string;
  tau: string;
  tauSquared: boolean;
  /** jacobian and contrastive: the weight of their term against KD (SPEC V5, V6) */
  beta: string;
  /** contrastive: same-label pairs or the same example as positives */
  positives: 'label' | 'instance';
}

export interface StudentForm {
  /** stable identity for list rendering; not part of the spec */
  key: number;
  name: string;
  model: ModelForm;
  /** use the teacher's model (self-distillation); `model` is then ignored */
  selfDistill: boolean;
  loss: LossForm;
  /** a second loss phase from `switchEpoch` (0-based) on */
  switchOn: boolean;
  switchEpoch: string;
  secondLoss: LossForm;
}

export interface TeacherForm {
  model: ModelForm;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: string;
  momentum: string;
  weightDecay: string;
  lrSchedule: (typeof LR_SCHEDULES)[number];
  stepEvery: string;
  gamma: string;
  batchSize: string;
  epochs: string;
  seed: string;
}

export interface ExperimentForm {
  datasetId: number | null;
  name: string;
  teacher: TeacherForm;
  students: StudentForm[];
  backend: BackendChoice;
  /** seed replicates (ExperimentSpec.seeds): blank or 1 plans one experiment, N ≥ 2 one per seed 1…N */
  seeds: string;
  /** with N ≥ 2 seeds: a teacher per replicate, or replicate 1's teacher for every replicate's students */
  seedTeacher: SeedTeacher;
}

/** A problem with the form: `path` is the spec's field path, dotted ('' for the whole spec). */
export interface FormIssue {
  path: string;
  message: string;
}

export interface BuiltSpec {
  spec: ExperimentSpecInput;
  issues: FormIssue[];
  ok: boolean;
}

const IMAGE_ARCHS: readonly ModelArch[] = ModelArchs.filter((a) => !TextArchs.includes(a));

/** The model architectures that fit a kind of data (all of them when the kind is unknown). */
export function archsFor(kind: DatasetKind | null | undefined): readonly ModelArch[] {
  if (kind === 'text') return TextArchs;
  if (kind === 'image') return IMAGE_ARCHS;
  return ModelArchs;
}

export function defaultModelForm(kind: DatasetKind | null | undefined): ModelForm {
  return kind === 'text' ? { arch: 'bow-mlp', hidden: '128', filters: '16, 32' } : { arch: 'mlp', hidden: '256', filters: '16, 32' };
}

/** SPEC's default β of each loss that adds a term to KD */
export const DEFAULT_BETA = { jacobian: '0.15', contrastive: '0.03' } as const;

export function kdLossForm(tau = '1'): LossForm {
  return { kind: 'kd', alpha: '1', tau, tauSquared: true, beta: DEFAULT_BETA.jacobian, positives: 'label' };
}
export function oneHotLossForm(): LossForm {
  return { ...kdLossForm(), kind: 'onehot' };
}

export function defaultExperimentForm(datasetId: number | null = null, kind: DatasetKind | null = null): ExperimentForm {
  return {
    datasetId,
    name: '',
    teacher: {
      model: defaultModelForm(kind),
      optimizer: 'adam',
      lr: '0.001',
      momentum: '',
      weightDecay: '0',
      lrSchedule: 'constant',
      stepEvery: '5',
      gamma: '0.5',
      batchSize: '128',
      epochs: '10',
      seed: '1',
    },
    students: [],
    backend: 'auto',
    seeds: '1',
    seedTeacher: 'per-seed',
  };
}

let nextKey = 1;
function newKey(): number {
  return nextKey++;
}

/** Comma-separated whole numbers; null when one of them is not a positive whole number. */
export function parseIntList(text: string): number[] | null {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const values = parts.map(Number);
  return values.every((n) => Number.isInteger(n) && n > 0) ? values : null;
}

type Path = (string | number)[];
const dotted = (path: readonly PropertyKey[]) => path.map(String).join('.');

class IssueList {
  readonly items: FormIssue[] = [];
  add(path: Path | string, message: string): void {
    this.items.push({ path: typeof path === 'string' ? path : dotted(path), message });
  }
  /** a required number; NaN (and an issue) when blank or not a number */
  number(text: string, path: Path, what: string): number {
    const t = text.trim();
    if (t === '') {
      this.add(path, `enter ${what}`);
      return Number.NaN;
    }
    const n = Number(t);
    if (!Number.isFinite(n)) {
      this.add(path, `${what} must be a number`);
      return Number.NaN;
    }
    return n;
  }
  /** an optional number: undefined when blank */
  optionalNumber(text: string, path: Path, what: string): number | undefined {
    return text.trim() === '' ? undefined : this.number(text, path, what);
  }
}

/** The model spec a form's model fields describe. */
function modelFromForm(m: ModelForm, path: Path, issues: IssueList): ModelSpecInput {
  const list = (text: string, key: string, what: string) => {
    const values = parseIntList(text);
    if (values === null) {
      issues.add([...path, key], `${what} are whole numbers above 0, separated by commas`);
      return [Number.NaN];
    }
    return values;
  };
  switch (m.arch) {
    case 'mlp':
      return { arch: 'mlp', hidden: list(m.hidden, 'hidden', 'hidden sizes') };
    case 'bow-mlp':
      return { arch: 'bow-mlp', hidden: list(m.hidden, 'hidden', 'hidden sizes') };
    case 'cnn':
      return { arch: 'cnn', filters: list(m.filters, 'filters', 'filter counts') };
    default:
      return { arch: m.arch } as ModelSpecInput;
  }
}

function lossFromForm(l: LossForm, path: Path, issues: IssueList): LossSpec {
  if (l.kind === 'onehot') return { kind: 'onehot' };
  const tau = () => issues.number(l.tau, [...path, 'tau'], 'τ');
  const beta = () => issues.number(l.beta, [...path, 'beta'], 'β');
  // the remaining settings keep the schema's defaults (docs/losses.md)
  if (l.kind === 'jacobian') return { kind: 'jacobian', tau: tau(), tauSquared: l.tauSquared, beta: beta(), topClasses: 20, directions: 2, fdStep: 0.05 };
  if (l.kind === 'contrastive') return { kind: 'contrastive', tau: tau(), tauSquared: l.tauSquared, beta: beta(), tauC: 0.1, eps: 0.97, dim: 128, positives: l.positives };
  return {
    kind: 'kd',
    alpha: issues.number(l.alpha, [...path, 'alpha'], 'α'),
    tau: issues.number(l.tau, [...path, 'tau'], 'τ'),
    tauSquared: l.tauSquared,
  };
}

/** The teacher's settings that students share, as spec fields. */
function sharedFields(t: TeacherForm, issues: IssueList) {
  const lr = issues.number(t.lr, ['teacher', 'optimizer', 'lr'], 'a learning rate');
  const weightDecay = issues.optionalNumber(t.weightDecay, ['teacher', 'optimizer', 'weightDecay'], 'weight decay');
  const momentum = t.optimizer === 'sgd' ? issues.optionalNumber(t.momentum, ['teacher', 'optimizer', 'momentum'], 'momentum') : undefined;
  const optimizer = {
    kind: t.optimizer,
    lr,
    ...(momentum !== undefined ? { momentum } : {}),
    ...(weightDecay !== undefined ? { weightDecay } : {}),
  };
  const lrSchedule: LrScheduleSpec =
    t.lrSchedule === 'step'
      ? {
          kind: 'step',
          stepEvery: issues.number(t.stepEvery, ['teacher', 'lrSchedule', 'stepEvery'], 'a step interval'),
          gamma: issues.number(t.gamma, ['teacher', 'lrSchedule', 'gamma'], 'a decay factor'),
        }
      : { kind: t.lrSchedule };
  return {
    optimizer,
    lrSchedule,
    batchSize: issues.number(t.batchSize, ['teacher', 'batchSize'], 'a batch size'),
    epochs: issues.number(t.epochs, ['teacher', 'epochs'], 'a number of epochs'),
    seed: issues.number(t.seed, ['teacher', 'seed'], 'a seed'),
  };
}

const SHARED_KEYS = new Set(['optimizer', 'lrSchedule', 'batchSize', 'epochs', 'seed']);
const PHASE_FROM = /^(teacher|students\.\d+)\.phases\.\d+\.from$/;

function kindMismatch(arch: ModelArch, kind: DatasetKind): string | null {
  const isText = TextArchs.includes(arch);
  if (isText === (kind === 'text')) return null;
  return `the ${arch} model needs ${isText ? 'text' : 'image'} data; this dataset holds ${kind === 'text' ? 'texts' : 'images'}`;
}

/**
 * The spec the form describes and every problem with it: the form's own (blank or non-numeric
 * fields, a model for the wrong kind of data) and the shared schema's. Problems the students
 * inherit from the teacher's shared settings are reported once, at the teacher's field.
 */
export function buildExperimentSpec(form: ExperimentForm, datasetKind: DatasetKind | null = null): BuiltSpec {
  const issues = new IssueList();
  if (form.datasetId === null) issues.add(['datasetId'], 'choose a dataset');
  if (form.name.trim() === '') issues.add(['name'], 'enter a name for the experiment');
  const shared = sharedFields(form.teacher, issues);
  const teacherModel = modelFromForm(form.teacher.model, ['teacher', 'model'], issues);
  if (datasetKind) {
    const wrong = kindMismatch(form.teacher.model.arch, datasetKind);
    if (wrong) issues.add(['teacher', 'model', 'arch'], wrong);
  }
  if (form.students.length === 0) issues.add(['students'], 'add at least one student');

  const students = form.students.map((s, i) => {
    const path: Path = ['students', i];
    if (s.name.trim() === '') issues.add([...path, 'name'], 'enter a name for the student');
    let model: ModelSpecInput;
    if (s.selfDistill) model = modelFromForm(form.teacher.model, ['teacher', 'model'], new IssueList());
    else {
      model = modelFromForm(s.model, [...path, 'model'], issues);
      const wrong = datasetKind ? kindMismatch(s.model.arch, datasetKind) : null;
      if (wrong) issues.add([...path, 'model', 'arch'], wrong);
    }
    const phases: LossPhase[] = [{ from: 0, loss: lossFromForm(s.loss, [...path, 'phases', 0, 'loss'], issues) }];
    if (s.switchOn) {
      phases.push({
        from: issues.number(s.switchEpoch, [...path, 'phases', 1, 'from'], 'the switch epoch'),
        loss: lossFromForm(s.secondLoss, [...path, 'phases', 1, 'loss'], issues),
      });
    }
    return { name: s.name, model, ...shared, phases, ...(s.selfDistill ? { selfDistill: true } : {}) };
  });

  const seeds = form.seeds.trim() === '' ? 1 : issues.number(form.seeds, ['seeds'], 'a number of seeds');
  const spec: ExperimentSpecInput = {
    name: form.name,
    datasetId: form.datasetId ?? 0,
    teacher: { name: 'teacher', model: teacherModel, ...shared },
    students,
    // one seed is the plain experiment; the schema refuses what is not a count in 1–20
    ...(seeds !== 1 ? { seeds, seedTeacher: form.seedTeacher } : {}),
  };

  const own = issues.items;
  const flagged = new Set(own.map((i) => i.path));
  const epochsValid = Number.isInteger(shared.epochs) && shared.epochs >= 1;
  const result = ExperimentSpec.safeParse(spec);
  const fromSchema: FormIssue[] = [];
  if (!result.success) {
    for (const issue of fieldIssues(result.error, 'fitting')) {
      let path = issue.path.map(String);
      // a student's copy of a shared teacher setting, or a self-distilled student's copy of the teacher's model
      if (path[0] === 'students' && path.length >= 3) {
        const student = form.students[Number(path[1])];
        if (SHARED_KEYS.has(path[2]!) || (student?.selfDistill && path[2] === 'model')) path = ['teacher', ...path.slice(2)];
      }
      const key = path.join('.');
      if ([...flagged].some((f) => key === f || key.startsWith(`${f}.`))) continue; // the form already said why
      // with no valid epoch count, "phase starts after the last epoch" says nothing new
      if (!epochsValid && PHASE_FROM.test(key)) continue;
      fromSchema.push({ path: key, message: issue.message });
    }
  }
  const seen = new Set<string>();
  const all = [...own, ...fromSchema].filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { spec, issues: all, ok: all.length === 0 };
}

/** A narrower model of the same kind, for students distilled from a wider teacher. */
export function smallerModel(model: ModelForm): ModelForm {
  const shrink = (text: string, by: number, min: number) => {
    const values = parseIntList(text);
    return values ? values.map((v) => Math.max(min, Math.round(v / by))).join(', ') : text;
  };
  if (model.arch === 'mlp' || model.arch === 'bow-mlp') return { ...model, hidden: shrink(model.hidden, 8, 8) };
  if (model.arch === 'cnn') return { ...model, filters: shrink(model.filters, 2, 4) };
  return { ...model };
}

function modelFormFromSpec(model: ModelSpec, fallback: ModelForm): ModelForm {
  const form: ModelForm = { ...fallback, arch: model.arch };
  if ('hidden' in model) form.hidden = model.hidden.join(', ');
  if ('filters' in model) form.filters = model.filters.join(', ');
  return form;
}

function lossFormFromSpec(loss: LossSpec): LossForm {
  const base = kdLossForm();
  if (loss.kind === 'kd') return { ...base, alpha: String(loss.alpha), tau: String(loss.tau), tauSquared: loss.tauSquared };
  if (loss.kind === 'jacobian') return { ...base, kind: 'jacobian', tau: String(loss.tau), tauSquared: loss.tauSquared, beta: String(loss.beta) };
  if (loss.kind === 'contrastive') return { ...base, kind: 'contrastive', tau: String(loss.tau), tauSquared: loss.tauSquared, beta: String(loss.beta), positives: loss.positives };
  return oneHotLossForm();
}

/** A form student from a student spec (phases beyond the second are not representable and dropped). */
export function studentFormFromSpec(spec: StudentSpec, fallbackModel: ModelForm): StudentForm {
  const [first, second] = spec.phases;
  return {
    key: newKey(),
    name: spec.name,
    model: modelFormFromSpec(spec.model, fallbackModel),
    selfDistill: spec.selfDistill === true,
    loss: first ? lossFormFromSpec(first.loss) : oneHotLossForm(),
    switchOn: second !== undefined,
    switchEpoch: second ? String(second.from) : '',
    secondLoss: second ? lossFormFromSpec(second.loss) : oneHotLossForm(),
  };
}

/** A custom student: a narrower copy of the teacher's model, plain KD at τ = 1. */
export function newStudentForm(form: ExperimentForm): StudentForm {
  const taken = new Set(form.students.map((s) => s.name));
  let n = form.students.length + 1;
  while (taken.has(`student ${n}`)) n++;
  const epochs = Number(form.teacher.epochs);
  return {
    key: newKey(),
    name: `student ${n}`,
    model: smallerModel(form.teacher.model),
    selfDistill: false,
    loss: kdLossForm(),
    switchOn: false,
    switchEpoch: Number.isInteger(epochs) && epochs >= 2 ? String(Math.round(epochs / 2)) : '1',
    secondLoss: oneHotLossForm(),
  };
}

/**
 * The paper's six students (one-hot, KD τ=1, KD τ=4, late KD, early KD, self-distillation) for
 * the teacher's current settings, with a narrower student model; students whose names are
 * already in the form are left out. Fails with a message while the teacher's settings are invalid.
 */
export function presetStudents(form: ExperimentForm): { ok: true; students: StudentForm[] } | { ok: false; error: string } {
  const issues = new IssueList();
  const shared = sharedFields(form.teacher, issues);
  const model = modelFromForm(form.teacher.model, ['teacher', 'model'], issues);
  const small = smallerModel(form.teacher.model);
  const studentModel = modelFromForm(small, ['teacher', 'model'], issues);
  const first = issues.items[0];
  if (first) return { ok: false, error: `fix the teacher’s settings first (${first.path}: ${first.message})` };
  try {
    const preset = paperPreset(shared.epochs, {
      model,
      studentModel,
      optimizer: shared.optimizer,
      batchSize: shared.batchSize,
      seed: shared.seed,
      lrSchedule: shared.lrSchedule,
    });
    const taken = new Set(form.students.map((s) => s.name));
    const students = preset.students.filter((s) => !taken.has(s.name)).map((s) => studentFormFromSpec(s, small));
    return { ok: true, students };
  } catch (err) {
    return { ok: false, error: `fix the teacher’s settings first (${(err as Error).message})` };
  }
}

/** Every field key the form shows errors at, for the form as it is now (conditional fields included only when shown). */
export function formFieldKeys(form: ExperimentForm): string[] {
  const keys = ['datasetId', 'name', 'seeds', 'seedTeacher', 'teacher', 'students'];
  const modelKeys = (prefix: string, m: ModelForm) => {
    keys.push(`${prefix}.model`);
    if (m.arch === 'mlp' || m.arch === 'bow-mlp') keys.push(`${prefix}.model.hidden`);
    if (m.arch === 'cnn') keys.push(`${prefix}.model.filters`);
  };
  const t = form.teacher;
  modelKeys('teacher', t.model);
  keys.push('teacher.optimizer', 'teacher.optimizer.lr', 'teacher.optimizer.weightDecay', 'teacher.lrSchedule');
  if (t.optimizer === 'sgd') keys.push('teacher.optimizer.momentum');
  if (t.lrSchedule === 'step') keys.push('teacher.lrSchedule.stepEvery', 'teacher.lrSchedule.gamma');
  keys.push('teacher.batchSize', 'teacher.epochs', 'teacher.seed');
  const lossKeys = (prefix: string, l: LossForm) => {
    keys.push(`${prefix}.loss`);
    if (l.kind === 'kd') keys.push(`${prefix}.loss.alpha`, `${prefix}.loss.tau`);
    if (l.kind === 'jacobian' || l.kind === 'contrastive') keys.push(`${prefix}.loss.tau`, `${prefix}.loss.beta`);
  };
  form.students.forEach((s, i) => {
    const p = `students.${i}`;
    keys.push(p, `${p}.name`, `${p}.phases`);
    if (!s.selfDistill) modelKeys(p, s.model);
    lossKeys(`${p}.phases.0`, s.loss);
    if (s.switchOn) {
      keys.push(`${p}.phases.1.from`);
      lossKeys(`${p}.phases.1`, s.secondLoss);
    }
  });
  return keys;
}

/** Each issue filed under the longest field key that is its path or a prefix of it; the rest under ''. */
export function assignIssues(issues: readonly FormIssue[], fieldKeys: readonly string[]): Map<string, string[]> {
  const keys = [...new Set(fieldKeys)].sort((a, b) => b.length - a.length);
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const key = keys.find((k) => issue.path === k || issue.path.startsWith(`${k}.`)) ?? '';
    const list = out.get(key) ?? [];
    list.push(issue.message);
    out.set(key, list);
  }
  return out;
}

const FIELD_LABELS: Record<string, string> = {
  datasetId: 'dataset',
  name: 'name',
  model: 'model',
  arch: 'architecture',
  hidden: 'hidden sizes',
  filters: 'filters',
  optimizer: 'optimizer',
  lr: 'learning rate',
  momentum: 'momentum',
  weightDecay: 'weight decay',
  lrSchedule: 'LR schedule',
  stepEvery: 'step every',
  gamma: 'γ',
  batchSize: 'batch size',
  epochs: 'epochs',
  seed: 'seed',
  phases: 'loss',
  from: 'switch epoch',
  loss: 'loss',
  alpha: 'α',
  tau: 'τ',
  students: 'students',
  teacher: 'teacher',
  seeds: 'seeds',
  seedTeacher: 'teacher per seed',
};

/** A readable label for an issue's path: "student 2 “KD τ=4” · loss · τ". */
export function describePath(path: string, form: ExperimentForm): string {
  if (path === '') return 'experiment';
  const parts = path.split('.');
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === 'students' && i + 1 < parts.length && /^\d+$/.test(parts[i + 1]!)) {
      const n = Number(parts[i + 1]);
      const name = form.students[n]?.name.trim();
      words.push(`student ${n + 1}${name ? ` “${name}”` : ''}`);
      i++;
    } else if (part === 'phases' && i + 1 < parts.length && /^\d+$/.test(parts[i + 1]!)) {
      words.push(parts[i + 1] === '0' ? 'loss' : `phase ${Number(parts[i + 1]) + 1}`);
      i++;
      if (parts[i + 1] === 'loss') i++;
    } else if (!/^\d+$/.test(part)) {
      words.push(FIELD_LABELS[part] ?? part);
    }
  }
  return words.join(' · ');
}
