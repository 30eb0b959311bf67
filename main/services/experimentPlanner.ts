// Turns a validated experiment spec into database rows (experiment, teacher run, student runs),
// refusing what cannot run before anything is written: unknown dataset, a model for the wrong
// kind of data or too large for its input, a reused teacher that is unfinished or from another dataset.
import { randomBytes } from 'node:crypto';
import { DomainError } from '../../shared/errors.js';
import {
  FINDINGS_PRESET,
  findingsPreset,
  mechanismPreset,
  modelSizeProblem,
  paperPreset,
  parseExperimentSpec,
  seedLabels,
  seedReplicateSpec,
  TextArchs,
  type ExperimentSpec,
  type ModelInputSize,
  type ModelSpec,
  type ModelSpecInput,
} from '../../shared/experimentSpec.js';
import type { NewExperiment, Store } from '../store/store.js';
import { refuseWithoutTrainingImages } from '../train/trainingData.js';

export interface PlannedExperiment {
  /** the experiment planned, or a seeded spec's first replicate */
  experimentId: number;
  /** every experiment planned: the one, or each seed replicate in seed order */
  experimentIds: number[];
  spec: ExperimentSpec;
}

/**
 * Plans a spec as one experiment, or with `seeds` as one experiment per seed label, all of one
 * series and in one transaction. A per-seed teacher is a teacher run per replicate; a shared one
 * is trained in the first replicate, and the later replicates' students name it as their teacher
 * (their stored spec says `teacher: {reuseRunId}`, as a reused teacher's does).
 */
export function planExperiment(store: Store, input: unknown): PlannedExperiment {
  const spec = parseExperimentSpec(input);
  const dataset = store.datasets.header(spec.datasetId);
  if (!dataset) throw new DomainError('SPEC_ERROR', `experiment spec: datasetId: no dataset with id ${spec.datasetId}`, { field: 'datasetId' });
  refuseWithoutTrainingImages(dataset, spec.datasetId); // before a run is queued, not by each run failing
  // A model's size depends on the dataset's image shape and classes, known only here (MODEL_LIMITS).
  const inputSize: ModelInputSize = dataset.kind === 'image' ? { kind: 'image', height: dataset.height ?? 0, width: dataset.width ?? 0, channels: dataset.channels ?? 0 } : { kind: 'text' };
  const checkModel = (model: ModelSpec, where: string) => {
    const isText = TextArchs.includes(model.arch);
    if (isText !== (dataset.kind === 'text')) {
      throw new DomainError('SPEC_ERROR', `experiment spec: ${where}.model: the ${model.arch} model needs ${isText ? 'text' : 'image'} data, dataset ${spec.datasetId} holds ${dataset.kind}s`, { field: `${where}.model` });
    }
    const tooLarge = modelSizeProblem(model, inputSize, dataset.classNames.length);
    if (tooLarge) throw new DomainError('SPEC_ERROR', `experiment spec: ${where}.model: ${tooLarge}`, { field: `${where}.model` });
  };
  if ('model' in spec.teacher) checkModel(spec.teacher.model, 'teacher');
  else {
    const reused = store.runs.getRun(spec.teacher.reuseRunId);
    if (reused.role !== 'teacher' || reused.status !== 'done') throw new DomainError('SPEC_ERROR', `experiment spec: teacher.reuseRunId: run ${reused.id} is not a finished teacher (role ${reused.role}, status ${reused.status})`, { field: 'teacher.reuseRunId' });
    if (reused.datasetId !== spec.datasetId) throw new DomainError('SPEC_ERROR', `experiment spec: teacher.reuseRunId: run ${reused.id} was trained on dataset ${reused.datasetId}, not ${spec.datasetId}`, { field: 'teacher.reuseRunId' });
  }
  spec.students.forEach((s, i) => checkModel(s.model, `students.${i}`));
  const splits = new Set(store.datasets.splitsOf(spec.datasetId));
  const checkSplit = (trainSplit: string | undefined, where: string) => {
    if (trainSplit !== undefined && !splits.has(trainSplit)) {
      throw new DomainError('SPEC_ERROR', `experiment spec: ${where}.trainSplit: dataset ${spec.datasetId} has no split "${trainSplit}" (it has ${[...splits].join(', ')})`, { field: `${where}.trainSplit` });
    }
  };
  if ('model' in spec.teacher) checkSplit(spec.teacher.trainSplit, 'teacher');
  spec.students.forEach((s, i) => checkSplit(s.trainSplit, `students.${i}`));

  /** One experiment with its runs; `shareFirst` when its students distil from the first replicate's teacher. */
  const planOne = (one: ExperimentSpec, shareFirst: boolean): NewExperiment => ({
    datasetId: one.datasetId,
    name: one.name,
    spec: one,
    teacher: shareFirst ? 'first' : 'model' in one.teacher ? { name: one.teacher.name, spec: one.teacher } : { reuseRunId: one.teacher.reuseRunId },
    students: one.students.map((student) => ({ name: student.name, spec: student })),
  });
  const labels = seedLabels(spec.seeds);
  const series = randomBytes(8).toString('hex');
  const experimentIds = store.createExperiments(
    labels === null
      ? [planOne(spec, false)]
      : labels.map((label, i) => ({ ...planOne(seedReplicateSpec(spec, label), i > 0 && spec.seedTeacher === 'shared'), series: { series, seed: label } })),
  );
  return { experimentId: experimentIds[0]!, experimentIds, spec };
}

/** Default models for the paper preset: a wider teacher, a narrower student, per kind of data. */
export function paperPresetSpec(store: Store, datasetId: number, epochs = 10, seeds?: number): ExperimentSpec {
  const dataset = store.datasets.header(datasetId);
  if (!dataset) throw new DomainError('SPEC_ERROR', `no dataset with id ${datasetId}`, { field: 'datasetId' });
  const [model, studentModel]: [ModelSpecInput, ModelSpecInput] =
    dataset.kind === 'image'
      ? [{ arch: 'mlp', hidden: [256] }, { arch: 'mlp', hidden: [32] }]
      : [{ arch: 'bow-mlp', hidden: [128] }, { arch: 'bow-mlp', hidden: [16] }];
  const { teacher, students } = paperPreset(epochs, { model, studentModel, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 128, seed: 1 });
  return parseExperimentSpec({ name: `paper preset on ${dataset.name}`, datasetId, teacher, students, ...(seeds !== undefined ? { seeds } : {}) });
}

/**
 * The findings preset (docs/findings.md): a teacher and its four self-distilled students
 * (one-hot, KD, both switches) as `seeds` replicates of the students, all distilled from one
 * shared teacher (seed 101) by default — SPEC.md's Fashion-MNIST regime for experiments 3–5
 * (MLP 784-512-10, Adam 1e-3, batch 128). With `seedTeacher: 'per-seed'` each replicate trains
 * its own teacher (seeds 101, 102, …). Text datasets get a bag-of-words MLP of the same width.
 */
export function findingsPresetSpec(store: Store, datasetId: number, options: { epochs?: number; seeds?: number; hidden?: number; seedTeacher?: 'shared' | 'per-seed' } = {}): ExperimentSpec {
  const { epochs = FINDINGS_PRESET.epochs, seeds = FINDINGS_PRESET.seeds, hidden = FINDINGS_PRESET.hidden, seedTeacher = FINDINGS_PRESET.seedTeacher } = options;
  const dataset = store.datasets.header(datasetId);
  if (!dataset) throw new DomainError('SPEC_ERROR', `no dataset with id ${datasetId}`, { field: 'datasetId' });
  const model: ModelSpecInput = dataset.kind === 'image' ? { arch: 'mlp', hidden: [hidden] } : { arch: 'bow-mlp', hidden: [hidden] };
  const { teacher, students } = findingsPreset(epochs, { model, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 128, seed: 1, teacherSeed: 101 });
  return parseExperimentSpec({ name: `findings preset on ${dataset.name}`, datasetId, teacher, students, seeds, ...(seeds > 1 ? { seedTeacher } : {}) });
}

/**
 * SPEC experiment 8 on a mechanism dataset: one experiment per teacher split (train, then
 * train-student), students with KD, Jacobian and contrastive losses on both splits.
 */
export function mechanismPresetSpecs(store: Store, datasetId: number, epochs = 10): ExperimentSpec[] {
  const dataset = store.datasets.header(datasetId);
  if (!dataset) throw new DomainError('SPEC_ERROR', `no dataset with id ${datasetId}`, { field: 'datasetId' });
  if (dataset.kind !== 'image') throw new DomainError('SPEC_ERROR', `the mechanisms preset needs an image dataset built by disobey mechanisms; "${dataset.name}" holds texts`, { field: 'datasetId' });
  const splits = new Set(store.datasets.splitsOf(datasetId));
  if (!splits.has('train') || !splits.has('train-student')) {
    throw new DomainError('SPEC_ERROR', `the mechanisms preset trains on the splits train and train-student of a mechanism dataset (disobey mechanisms); "${dataset.name}" has ${[...splits].join(', ')}`, { field: 'datasetId' });
  }
  const line = mechanismPreset(epochs, {
    model: { arch: 'mlp', hidden: [256] },
    studentModel: { arch: 'mlp', hidden: [64] },
    optimizer: { kind: 'adam', lr: 0.001 },
    batchSize: 128,
    seed: 1,
    teacherSplits: ['train', 'train-student'],
    studentSplits: ['train', 'train-student'],
  });
  return line.map((e) => parseExperimentSpec({ name: `mechanisms: ${e.name} (${dataset.name})`, datasetId, teacher: e.teacher, students: e.students }));
}
