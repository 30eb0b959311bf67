// Which probabilities an export carries: every run of one experiment (default the newest on the
// set's dataset with recorded epochs) at one epoch, or its last where it has fewer; each run's
// whole matrix is read once (prediction_matrices, rebuilt from predictions when missing).
import { ValidationError } from '../../shared/errors.js';
import type { PredictionMatrices, ProbabilityMatrix } from '../analytics/predictionMatrices.js';
import type { ExperimentRepository } from '../store/store.js';

export interface ExportRun {
  runId: number;
  name: string;
  role: 'teacher' | 'student';
  /** the epoch whose probabilities are exported */
  epoch: number;
  /** the run as named in column headers: its name, or name#id where two runs share a name */
  columnName: string;
  matrix: ProbabilityMatrix;
}

export interface ExportRunChoice {
  datasetId: number;
  experimentId?: number | undefined;
  epoch?: number | undefined;
  /** the newest experiment on the dataset with a recorded epoch, else null */
  newestExperiment: () => number | null;
}

export function chooseExportRuns(experiments: Pick<ExperimentRepository, 'getExperiment'>, matrices: PredictionMatrices, choice: ExportRunChoice): ExportRun[] {
  const experimentId = choice.experimentId ?? choice.newestExperiment();
  if (experimentId === null) {
    if (choice.epoch !== undefined) {
      throw new ValidationError(`an epoch needs an experiment, but dataset ${choice.datasetId} has no experiment with recorded epochs`, { field: 'epoch' });
    }
    return [];
  }
  const experiment = experiments.getExperiment(experimentId);
  if (experiment.datasetId !== choice.datasetId) {
    throw new ValidationError(`experiment ${experimentId} is on dataset ${experiment.datasetId}, not on the set's dataset ${choice.datasetId}`, { field: 'experimentId' });
  }
  const recorded = experiment.runs.filter((r) => r.epochsDone > 0);
  if (recorded.length === 0) throw new ValidationError(`experiment ${experimentId} has no recorded epochs yet`, { field: 'experimentId' });
  const most = Math.max(...recorded.map((r) => r.epochsDone));
  if (choice.epoch !== undefined && choice.epoch > most) {
    throw new ValidationError(`experiment ${experimentId} has at most ${most} recorded epochs; epoch ${choice.epoch} is not one of them`, { field: 'epoch' });
  }
  const nameCount = new Map<string, number>();
  for (const r of recorded) nameCount.set(r.name, (nameCount.get(r.name) ?? 0) + 1);
  return recorded.map((r) => {
    const epoch = Math.min(choice.epoch ?? r.epochsDone, r.epochsDone);
    return {
      runId: r.id,
      name: r.name,
      role: r.role,
      epoch,
      columnName: nameCount.get(r.name)! > 1 ? `${r.name}#${r.id}` : r.name,
      matrix: matrices.get(r.id, epoch),
    };
  });
}

/** Probabilities of ascending example ids from one matrix; null where the example has none. */
export function probabilityCursor(matrix: ProbabilityMatrix): (exampleId: number) => Float32Array | null {
  const { exampleIds, probs, numClasses } = matrix;
  let row = 0;
  return (exampleId) => {
    if (row > 0 && exampleIds[row - 1]! > exampleId) row = 0;
    while (row < exampleIds.length && exampleIds[row]! < exampleId) row++;
    if (row >= exampleIds.length || exampleIds[row] !== exampleId) return null;
    return probs.subarray(row * numClasses, (row + 1) * numClasses);
  };
}
