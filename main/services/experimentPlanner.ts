// Turns a validated experiment spec into database rows (experiment, teacher run, student runs),
// refusing what cannot run before anything is written: unknown dataset, a model for the wrong
// kind of data, a reused teacher that is unfinished or from another dataset.
import type Database from 'better-sqlite3';
import { DomainError } from '../../shared/errors.js';
import { mechanismPreset, paperPreset, parseExperimentSpec, TextArchs, type ExperimentSpec, type ModelSpecInput } from '../../shared/experimentSpec.js';
import { createRunQueries } from '../store/runQueries.js';

export function planExperiment(db: Database.Database, input: unknown): { experimentId: number; spec: ExperimentSpec } {
  const spec = parseExperimentSpec(input);
  const dataset = db.prepare('SELECT kind FROM datasets WHERE id = ?').get(spec.datasetId) as { kind: 'image' | 'text' } | undefined;
  if (!dataset) throw new DomainError('SPEC_ERROR', `experiment spec: datasetId: no dataset with id ${spec.datasetId}`, { field: 'datasetId' });
  const runs = createRunQueries(db);
  const checkModel = (model: { arch: string }, where: string) => {
    const isText = TextArchs.includes(model.arch as (typeof TextArchs)[number]);
    if (isText !== (dataset.kind === 'text')) {
      throw new DomainError('SPEC_ERROR', `experiment spec: ${where}.model: the ${model.arch} model needs ${isText ? 'text' : 'image'} data, dataset ${spec.datasetId} holds ${dataset.kind}s`, { field: `${where}.model` });
    }
  };
  if ('model' in spec.teacher) checkModel(spec.teacher.model, 'teacher');
  else {
    const reused = runs.getRun(spec.teacher.reuseRunId);
    if (reused.role !== 'teacher' || reused.status !== 'done') throw new DomainError('SPEC_ERROR', `experiment spec: teacher.reuseRunId: run ${reused.id} is not a finished teacher (role ${reused.role}, status ${reused.status})`, { field: 'teacher.reuseRunId' });
    if (reused.datasetId !== spec.datasetId) throw new DomainError('SPEC_ERROR', `experiment spec: teacher.reuseRunId: run ${reused.id} was trained on dataset ${reused.datasetId}, not ${spec.datasetId}`, { field: 'teacher.reuseRunId' });
  }
  spec.students.forEach((s, i) => checkModel(s.model, `students.${i}`));
  const splits = new Set(db.prepare('SELECT DISTINCT split FROM examples WHERE dataset_id = ?').pluck().all(spec.datasetId) as string[]);
  const checkSplit = (trainSplit: string | undefined, where: string) => {
    if (trainSplit !== undefined && !splits.has(trainSplit)) {
      throw new DomainError('SPEC_ERROR', `experiment spec: ${where}.trainSplit: dataset ${spec.datasetId} has no split "${trainSplit}" (it has ${[...splits].join(', ')})`, { field: `${where}.trainSplit` });
    }
  };
  if ('model' in spec.teacher) checkSplit(spec.teacher.trainSplit, 'teacher');
  spec.students.forEach((s, i) => checkSplit(s.trainSplit, `students.${i}`));

  const experimentId = db.transaction(() => {
    const id = runs.createExperiment(spec.datasetId, spec.name, spec);
    const teacherRunId = 'model' in spec.teacher ? runs.createRun({ experimentId: id, role: 'teacher', name: spec.teacher.name, teacherRunId: null, spec: spec.teacher }) : spec.teacher.reuseRunId;
    for (const student of spec.students) runs.createRun({ experimentId: id, role: 'student', name: student.name, teacherRunId, spec: student });
    return id;
  })();
  return { experimentId, spec };
}

/** Default models for the paper preset: a wider teacher, a narrower student, per kind of data. */
export function paperPresetSpec(db: Database.Database, datasetId: number, epochs = 10): ExperimentSpec {
  const dataset = db.prepare('SELECT name, kind FROM datasets WHERE id = ?').get(datasetId) as { name: string; kind: 'image' | 'text' } | undefined;
  if (!dataset) throw new DomainError('SPEC_ERROR', `no dataset with id ${datasetId}`, { field: 'datasetId' });
  const [model, studentModel]: [ModelSpecInput, ModelSpecInput] =
    dataset.kind === 'image'
      ? [{ arch: 'mlp', hidden: [256] }, { arch: 'mlp', hidden: [32] }]
      : [{ arch: 'bow-mlp', hidden: [128] }, { arch: 'bow-mlp', hidden: [16] }];
  const { teacher, students } = paperPreset(epochs, { model, studentModel, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 128, seed: 1 });
  return parseExperimentSpec({ name: `paper preset on ${dataset.name}`, datasetId, teacher, students });
}

/**
 * SPEC experiment 8 on a mechanism dataset: one experiment per teacher split (train, then
 * train-student), students with KD, Jacobian and contrastive losses on both splits.
 */
export function mechanismPresetSpecs(db: Database.Database, datasetId: number, epochs = 10): ExperimentSpec[] {
  const dataset = db.prepare('SELECT name, kind FROM datasets WHERE id = ?').get(datasetId) as { name: string; kind: 'image' | 'text' } | undefined;
  if (!dataset) throw new DomainError('SPEC_ERROR', `no dataset with id ${datasetId}`, { field: 'datasetId' });
  if (dataset.kind !== 'image') throw new DomainError('SPEC_ERROR', `the mechanisms preset needs an image dataset built by disobey mechanisms; "${dataset.name}" holds texts`, { field: 'datasetId' });
  const splits = new Set(db.prepare('SELECT DISTINCT split FROM examples WHERE dataset_id = ?').pluck().all(datasetId) as string[]);
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
