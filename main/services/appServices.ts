// The services behind the contract: one object with a handler per call, plus `dispatch`,
// which every transport (IPC, HTTP, tests) goes through so validation happens in one place.
import fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { contract, isCallName, type CallName, type CallResult, type ParsedArgs } from '../../shared/contract.js';
import type { SkippedFiles } from '../../shared/domain.js';
import { ValidationError } from '../../shared/errors.js';
import { describeZodError } from '../../shared/zodIssues.js';
import { createProgressTracker } from '../../shared/progress.js';
import { appVersion } from '../paths.js';
import { databaseError, type Store } from '../store/store.js';
import { buildMechanismDataset } from '../data/mechanismDataset.js';
import { createAnalyticsService } from '../analytics/analyticsService.js';
import { writeTrainingManifest } from '../export/trainingManifest.js';
import { previewTrainingImages } from '../data/trainingPreview.js';
import { createCuratedSetHandlers } from './curatedSets.js';
import { createEventBus } from './eventBus.js';
import { exampleImage, exampleImagePng, exampleTrainingImage } from './exampleImages.js';
import { readExampleOriginal, relocateDataset } from './exampleOriginals.js';
import { createExperimentHandlers } from './experimentHandlers.js';
import { createTaskRegistry } from './taskRegistry.js';
import { completePath } from './pathCompletion.js';
import { runWorkerJob, type StartWorkerProcess } from '../workers/launcher.js';
import { stagingFileFor } from '../store/imageSourceQueries.js';
import type { PickPathArgs, ThemeChoice } from '../../shared/desktop.js';

export type Transport = 'ipc' | 'http';

export interface AppServicesOptions {
  store: Store;
  databasePath: string;
  /** how training workers start; Node's fork unless the desktop shell passes its own */
  launchTrainWorker?: StartWorkerProcess;
  /** what only the desktop shell can do; web mode and tests have none */
  desktop?: DesktopHooks;
}

/** The Electron shell's answers to the calls that need a window: dialogs, the native theme. */
export interface DesktopHooks {
  pickPath(args: PickPathArgs): Promise<string | null>;
  setTheme(theme: ThemeChoice): void;
  /** electron, chrome, … for About */
  versions: Record<string, string>;
}

type Handlers = { [K in CallName]: (args: ParsedArgs<K>, transport: Transport) => Promise<CallResult<K>> | CallResult<K> };

export function createAppServices({ store, databasePath, launchTrainWorker, desktop }: AppServicesOptions) {
  const { datasets, examples } = store;
  const imageSources = store.imageSources;
  const events = createEventBus();
  const tasks = createTaskRegistry();
  const experiments = createExperimentHandlers(store, databasePath, events, launchTrainWorker);
  const analytics = createAnalyticsService(store);
  const curatedSets = createCuratedSetHandlers(store, { events, tasks, filteredIds: analytics.filteredIds, turn: analytics.turn });

  /**
   * A task that writes a new dataset (an import, a mechanism build): progress and the finish as
   * events under the client's task id, cancellable, the dataset lists told when it lands.
   */
  async function datasetTask(
    requestedId: string | undefined,
    work: (report: (stage: string, done: number, total: number) => void, signal: AbortSignal) => Promise<number>,
  ) {
    const task = tasks.start(requestedId);
    const tracker = createProgressTracker();
    try {
      const datasetId = await work((stage, done, total) => events.emit({ type: 'progress', taskId: task.taskId, kind: 'import', ...tracker.update(stage, done, total) }), task.signal);
      events.emit({ type: 'taskFinished', taskId: task.taskId, kind: 'import', ok: true });
      events.emit({ type: 'datasetsChanged' });
      return datasets.getDataset(datasetId);
    } catch (err) {
      events.emit({ type: 'taskFinished', taskId: task.taskId, kind: 'import', ok: false, error: (err as Error).message });
      throw err;
    } finally {
      task.finish();
    }
  }

  const handlers: Handlers = {
    appInfo: (_args, transport) => ({
      version: appVersion(),
      databasePath,
      transport,
      backend: experiments.backend(),
      nativeDialogs: desktop !== undefined,
      versions: { node: process.versions.node, ...desktop?.versions },
    }),
    pickPath: async (args) => ({ path: desktop ? await desktop.pickPath(args) : null }),
    completePath: ({ prefix, foldersOnly }) => completePath(prefix, foldersOnly),
    setTheme: ({ theme }) => {
      desktop?.setTheme(theme);
      return { theme };
    },
    listDatasets: () => datasets.listDatasets(),
    getDataset: ({ datasetId }) => datasets.getDataset(datasetId),
    importDataset: async ({ taskId, ...options }) => {
      let skipped: SkippedFiles = { count: 0, examples: [] };
      const dataset = await datasetTask(taskId, async (report, signal) => {
        // A cancel ends the worker where it is: its staging file is removed here once it has exited.
        const stagingFile = stagingFileFor(databasePath);
        const outcome = await runWorkerJob(
          'import',
          { databasePath, options, stagingFile },
          { onProgress: (p) => report(p.stage, p.done, p.total), signal, afterExit: () => fs.rmSync(stagingFile, { force: true }) },
        );
        skipped = outcome.skipped;
        return outcome.datasetId;
      });
      return { ...dataset, skipped };
    },
    buildMechanismDataset: ({ taskId, ...args }) =>
      datasetTask(taskId, (report, signal) => buildMechanismDataset(store, args, { report, signal })),
    deleteDataset: ({ datasetId }) => {
      const deleted = datasets.deleteDataset(datasetId);
      analytics.clear();
      if (deleted) events.emit({ type: 'datasetsChanged' });
      if (deleted) events.emit({ type: 'curatedSetsChanged', datasetId }); // its sets went with it
      return { deleted };
    },
    deleteExperiment: ({ experimentId }) => {
      const deleted = store.experiments.deleteIdleExperiment(experimentId);
      if (deleted) {
        analytics.clear();
        events.emit({ type: 'runsChanged', experimentId });
      }
      return { deleted };
    },
    relocateDataset: async ({ datasetId, root }) => {
      datasets.requireDataset(datasetId);
      const { checked } = await relocateDataset(imageSources, datasetId, root);
      events.emit({ type: 'datasetsChanged' });
      return { dataset: datasets.getDataset(datasetId), checked };
    },
    setClassGroups: ({ datasetId, groups }) => {
      const dataset = datasets.setClassGroups(datasetId, groups);
      analytics.clear(); // frames hold the dataset's groups
      events.emit({ type: 'datasetsChanged' });
      return dataset;
    },
    listExamples: (args) => {
      datasets.getDataset(args.datasetId); // a clear NOT_FOUND beats an empty page
      return examples.listExamples(args);
    },
    getExample: ({ exampleId }) => examples.getExample(exampleId),
    cancelTask: ({ taskId }) => ({ cancelled: tasks.cancel(taskId) }),
    ...experiments.handlers,
    ...analytics.handlers,
    ...curatedSets.handlers,
    exportTrainingManifest: (args) => writeTrainingManifest({ store, filteredIds: analytics.filteredIds }, args),
    previewTrainingImages: (args) => previewTrainingImages(args),
  };

  /** Validates the name and arguments against the contract, runs the call, checks the result. */
  async function dispatch(name: unknown, rawArgs: unknown, transport: Transport): Promise<unknown> {
    if (!isCallName(name)) throw new ValidationError(`unknown call ${JSON.stringify(String(name).slice(0, 80))}`);
    const spec = contract[name];
    const parsed = spec.args.safeParse(rawArgs ?? {});
    if (!parsed.success) throw new ValidationError(`invalid arguments for ${name}: ${describeZodError(parsed.error)}`);
    const handler = handlers[name] as (args: unknown, t: Transport) => unknown;
    let result: unknown;
    const leave = analytics.foreground(name);
    try {
      // The explorer asks for a student's scatter and the grid's first page together: the page
      // waits one turn, so the scatter sent with it (the chart the user is waiting for) is
      // answered first. At a million examples a fresh frame's first page takes 0.5–2 s.
      if (name === 'queryExamples') await nextTurn();
      result = await handler(parsed.data, transport);
    } catch (err) {
      throw databaseError(err, databasePath); // locked, read-only, full: BUSY or READ_ONLY naming the file, never INTERNAL
    } finally {
      leave?.();
    }
    return spec.result.parse(result);
  }

  return {
    dispatch,
    /**
     * Web mode holds a quick call (a call's name; null: a grid image) in flight from its request's
     * arrival to its answer's last byte (a 12 MB scatter drains over several turns); null for a
     * call that is not a quick one.
     */
    foreground: (name: string | null) => analytics.foreground(name),
    events,
    exampleImagePng: (exampleId: number) => exampleImagePng(examples, exampleId),
    /** the grid's image: a referenced example's stored thumbnail, else its pixels as PNG */
    exampleImage: (exampleId: number) => exampleImage(examples, imageSources, exampleId),
    /** the image training sees, as PNG (GET /media/example/<id>/training.png, the app protocol); NOT_FOUND without stored pixels */
    exampleTrainingImage: (exampleId: number) => exampleTrainingImage(examples, exampleId),
    /** a referenced example's original file, byte for byte (GET /api/example/<id>/original, the app protocol) */
    exampleOriginal: (exampleId: number) => readExampleOriginal(imageSources, exampleId),
    /** web mode's download of a set's export (GET /api/download/set) */
    exportToTemporaryFile: curatedSets.exportToTemporaryFile,
    dispose(): void {
      tasks.cancelAll();
      experiments.dispose();
      analytics.clear(); // a closed session the services process keeps holds no frames
    },
  };
}

export type AppServices = ReturnType<typeof createAppServices>;
