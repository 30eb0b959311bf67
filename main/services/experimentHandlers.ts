// The contract's experiment and training calls: plan an experiment, hand it to the training
// worker, relay the worker's progress as app events, cancel and resume.
import { CancelledError, DomainError } from '../../shared/errors.js';
import type { ExperimentSummary } from '../../shared/runs.js';
import type { Store } from '../store/store.js';
import type { BackendKind } from '../train/backend.js';
import type { EventBus } from './eventBus.js';
import { mechanismPresetSpecs, paperPresetSpec, planExperiment, findingsPresetSpec } from './experimentPlanner.js';
import { WorkerExitedError, type StartWorkerProcess } from '../workers/launcher.js';
import { createTrainerPool } from '../workers/trainerPool.js';
import { terminalText } from '../terminalText.js';

const RESUMABLE = new Set(['interrupted', 'cancelled', 'failed']);

export function createExperimentHandlers(store: Store, databasePath: string, events: EventBus, launchTrainWorker?: StartWorkerProcess) {
  const { runs, experiments } = store;
  let backend: string | null = null;
  // Runs left 'running' by a process that is gone (the app was killed) are interrupted.
  runs.reconcileInterrupted();

  const trainer = createTrainerPool({
    onProgress(m) {
      if (m.type === 'backend') {
        if (backend !== m.name) events.emit({ type: 'backendChanged', backend: m.name });
        backend = m.name;
      } else if (m.type === 'progress') events.emit({ type: 'trainProgress', ...m.progress });
      else events.emit({ type: 'runsChanged', experimentId: m.experimentId, runId: m.runId });
    },
    // A run's failure is recorded on the run; a job's own (the database locked or unreadable) is said here.
    onJobEnded(experimentId, error) {
      if (error && !(error instanceof CancelledError) && !(error instanceof WorkerExitedError)) console.error(terminalText(`disobey: training experiment ${experimentId}: ${error.message}`));
      events.emit({ type: 'runsChanged', experimentId });
    },
    onExit() {
      for (const runId of runs.reconcileInterrupted()) {
        events.emit({ type: 'runsChanged', experimentId: runs.getRun(runId).experimentId, runId });
      }
    },
  }, launchTrainWorker);

  /** Plans a spec and queues every experiment it made (each seed replicate); answers with the first. */
  function start(spec: unknown, backendChoice: BackendKind | undefined): ExperimentSummary {
    const { experimentId, experimentIds } = planExperiment(store, spec);
    // Workers take jobs in order, so a shared teacher (in the first replicate) trains first.
    for (const id of experimentIds) {
      trainer.train({ databasePath, experimentId: id, backend: backendChoice });
      events.emit({ type: 'runsChanged', experimentId: id });
    }
    return experiments.getExperiment(experimentId);
  }

  return {
    backend: () => backend,
    handlers: {
      listExperiments: () => experiments.listExperiments(),
      getExperiment: ({ experimentId }: { experimentId: number }) => experiments.getExperiment(experimentId),
      startExperiment: ({ spec, backend: b }: { spec: unknown; backend?: BackendKind }) => start(spec, b),
      startPaperPreset: ({ datasetId, epochs, seeds, backend: b }: { datasetId: number; epochs?: number; seeds?: number; backend?: BackendKind }) =>
        start(paperPresetSpec(store, datasetId, epochs, seeds), b),
      startFindingsPreset: ({ datasetId, epochs, seeds, backend: b }: { datasetId: number; epochs?: number; seeds?: number; backend?: BackendKind }) =>
        start(findingsPresetSpec(store, datasetId, { epochs, seeds }), b),
      startMechanismPreset: ({ datasetId, epochs, backend: b }: { datasetId: number; epochs?: number; backend?: BackendKind }) =>
        mechanismPresetSpecs(store, datasetId, epochs).map((spec) => start(spec, b)),
      runMetrics: ({ runId }: { runId: number }) => {
        runs.getRun(runId);
        return runs.epochMetrics(runId);
      },
      cancelTraining: ({ experimentId }: { experimentId?: number }) => {
        if (experimentId !== undefined) experiments.getExperiment(experimentId); // NOT_FOUND for an id that names none
        return { cancelled: trainer.cancel(experimentId) };
      },
      resumeRun: ({ runId }: { runId: number }) => {
        runs.reconcileInterrupted();
        const run = runs.getRun(runId);
        if (!RESUMABLE.has(run.status)) throw new DomainError('CONFLICT', `run ${runId} is ${run.status}; only interrupted, cancelled or failed runs resume`);
        trainer.train({ databasePath, experimentId: run.experimentId, runIds: [runId] });
        return runs.runSummary(runId);
      },
    },
    dispose: () => trainer.dispose(),
  };
}
