// The one contract: every call the renderer can make, with zod schemas for its arguments
// and result, and every event pushed to it. IPC, HTTP, the preload and the renderer client
// are all derived from this table; adding a call means adding a row here and its service.
import { z } from 'zod';
import {
  DatasetSummary,
  ExampleDetail,
  ExampleRow,
  Id,
  ImportOptions,
  ImportResult,
  SplitName,
  TaskId,
} from './domain.js';
import {
  BinaryPayload,
  CartographyMapArgs,
  ClassDeviationHeatmap,
  ClassDeviationHeatmapArgs,
  DeviationReport,
  EigenLabArgs,
  EigenLabResult,
  ExamplePage,
  ExampleTrajectory,
  ExampleTrajectoryArgs,
  FlipEvents,
  FlipEventsArgs,
  GradientView,
  GradientViewArgs,
  MeasureHistogram,
  MeasureHistogramArgs,
  QueryExamplesArgs,
  ReportArgs,
  ScatterArgs,
  ThreeWayConfusion,
  ThreeWayConfusionArgs,
} from './analytics.js';
import {
  AddToCuratedSetArgs,
  CreateCuratedSetArgs,
  CuratedSetMemberPage,
  CuratedSetOfExample,
  CuratedSetSummary,
  ExportCuratedSetArgs,
  ExportResult,
  ListCuratedSetMembersArgs,
  ListCuratedSetsArgs,
  RemoveFromCuratedSetArgs,
  SetCuratedNoteArgs,
  SetIdArgs,
  UpdateCuratedSetArgs,
} from './curatedSets.js';
import { TrainingManifestArgs, TrainingManifestResult } from './trainingManifest.js';
import { TrainingPreview, TrainingPreviewArgs } from './trainingPreview.js';
import { Findings, FindingsArgs, SeriesReport, SeriesReportArgs } from './findings.js';
import { ExperimentSpec, MAX_SEEDS } from './experimentSpec.js';
import { checkMechanismArgs, MechanismDatasetFields } from './mechanisms.js';
import { EpochMetric, ExperimentSummary, RunSummary, TrainingBackends } from './runs.js';
import { CompletePathArgs, CompletePathResult, MenuCommand, PickPathArgs, PickPathResult, ThemeChoice } from './desktop.js';

const TrainingBackendChoice = z.enum(TrainingBackends);

function call<A extends z.ZodType, R extends z.ZodType>(args: A, result: R) {
  return { args, result };
}

export const contract = {
  appInfo: call(
    z.object({}).strict(),
    z.object({
      version: z.string(),
      databasePath: z.string(),
      transport: z.enum(['ipc', 'http']),
      /** the compute backend of the training worker, once one has started */
      backend: z.string().nullable(),
      /** true in the desktop app: pickPath opens native dialogs */
      nativeDialogs: z.boolean(),
      /** runtime versions for About (node always; electron and chrome in the desktop app) */
      versions: z.record(z.string(), z.string()),
    }),
  ),
  /** a native file or folder dialog in the desktop app; web mode answers path: null */
  pickPath: call(PickPathArgs, PickPathResult),
  /** folders and files under what has been typed, from the server's (or this machine's) file system */
  completePath: call(CompletePathArgs, CompletePathResult),
  /** the theme the user chose; the desktop app makes native menus and dialogs follow it */
  setTheme: call(z.object({ theme: ThemeChoice }).strict(), z.object({ theme: ThemeChoice })),
  listDatasets: call(z.object({}).strict(), z.array(DatasetSummary)),
  getDataset: call(z.object({ datasetId: Id }).strict(), DatasetSummary),
  /** the new dataset, and the files the import skipped (a count and the first few, with reasons) */
  importDataset: call(
    ImportOptions.extend({ taskId: TaskId.optional() }).strict(),
    ImportResult,
  ),
  /** a mechanism ("dominoes") dataset from imported image datasets (shared/mechanisms.ts); progress kind 'import' */
  buildMechanismDataset: call(
    MechanismDatasetFields.extend({ taskId: TaskId.optional() }).strict().superRefine(checkMechanismArgs),
    DatasetSummary,
  ),
  deleteDataset: call(z.object({ datasetId: Id }).strict(), z.object({ deleted: z.boolean() })),
  /** an experiment with its runs and every probability they recorded; refused while it trains or while a replicate's students use its teacher */
  deleteExperiment: call(z.object({ experimentId: Id }).strict(), z.object({ deleted: z.boolean() })),
  /** re-points a dataset stored by reference at the folder its files moved to, once a sample of them hashes the same there */
  relocateDataset: call(
    z.object({ datasetId: Id, root: z.string().min(1).max(4096) }).strict(),
    z.object({ dataset: DatasetSummary, checked: z.number().int().nonnegative() }),
  ),
  /** confusable class groups of a dataset (disjoint lists of class indices; [] for none) */
  setClassGroups: call(
    z.object({ datasetId: Id, groups: z.array(z.array(z.number().int().nonnegative()).min(1).max(1000)).max(100) }).strict(),
    DatasetSummary,
  ),
  listExamples: call(
    z
      .object({
        datasetId: Id,
        split: SplitName.optional(),
        label: z.number().int().nonnegative().optional(),
        noisyOnly: z.boolean().optional(),
        offset: z.number().int().nonnegative().default(0),
        limit: z.number().int().positive().max(1000).default(200),
      })
      .strict(),
    z.object({ total: z.number().int().nonnegative(), items: z.array(ExampleRow) }),
  ),
  getExample: call(z.object({ exampleId: Id }).strict(), ExampleDetail),
  cancelTask: call(z.object({ taskId: TaskId }).strict(), z.object({ cancelled: z.boolean() })),
  listExperiments: call(z.object({}).strict(), z.array(ExperimentSummary)),
  getExperiment: call(z.object({ experimentId: Id }).strict(), ExperimentSummary),
  /** validates the experiment, records it and its runs, and queues them on the training worker */
  startExperiment: call(
    z.object({ spec: ExperimentSpec, backend: TrainingBackendChoice.optional() }).strict(),
    ExperimentSummary,
  ),
  /** the papers' set on a dataset: teacher + one-hot, KD τ=1, KD τ=4, late KD, early KD, self-distillation */
  startPaperPreset: call(
    z
      .object({
        datasetId: Id,
        epochs: z.number().int().min(1).max(1000).optional(),
        /** seed replicates, each with its own teacher (ExperimentSpec.seeds); the answer is the first */
        seeds: z.number().int().min(1).max(MAX_SEEDS).optional(),
        backend: TrainingBackendChoice.optional(),
      })
      .strict(),
    ExperimentSummary,
  ),
  /** issue 16's one-click question on any dataset: the findings preset (docs/findings.md) as seed replicates; the answer is the first */
  startFindingsPreset: call(
    z
      .object({
        datasetId: Id,
        epochs: z.number().int().min(2).max(1000).optional(),
        seeds: z.number().int().min(1).max(MAX_SEEDS).optional(),
        backend: TrainingBackendChoice.optional(),
      })
      .strict(),
    ExperimentSummary,
  ),
  /** SPEC experiment 8 on a mechanism dataset: two experiments (teacher on train, on train-student), KD/Jacobian/contrastive students on both */
  startMechanismPreset: call(
    z
      .object({
        datasetId: Id,
        epochs: z.number().int().min(1).max(1000).optional(),
        backend: TrainingBackendChoice.optional(),
      })
      .strict(),
    z.array(ExperimentSummary),
  ),
  runMetrics: call(z.object({ runId: Id }).strict(), z.array(EpochMetric)),
  cancelTraining: call(z.object({ experimentId: Id.optional() }).strict(), z.object({ cancelled: z.boolean() })),
  resumeRun: call(z.object({ runId: Id }).strict(), RunSummary),
  /** SPEC M1–M7 of every student against its teacher, per split (docs/metrics.md) */
  deviationReport: call(ReportArgs, DeviationReport),
  /** the explorer's filtered, sorted page of analysed examples with the total count */
  queryExamples: call(QueryExamplesArgs, ExamplePage),
  /** one example: every run's probabilities at every recorded epoch */
  exampleTrajectory: call(ExampleTrajectoryArgs, ExampleTrajectory),
  /** P1's points as a binary frame (shared/binaryFrame.ts; meta: ScatterMeta) */
  deviationScatter: call(ScatterArgs, BinaryPayload),
  /** experiment 7: logit gradients by teacher-confidence quartile and confusable group */
  gradientView: call(GradientViewArgs, GradientView),
  /** per run and epoch: top-class changes and correctness flips, and around each loss switch */
  flipEvents: call(FlipEventsArgs, FlipEvents),
  /** counts[label][teacher top][student top], flat (the explorer's `confusion` clause opens a cell) */
  threeWayConfusion: call(ThreeWayConfusionArgs, ThreeWayConfusion),
  /** the analysed student's cartography map as a binary frame (shared/binaryFrame.ts; meta: CartographyMapMeta) */
  cartographyMap: call(CartographyMapArgs, BinaryPayload),
  /** per training label × student epoch: mean KL(teacher ‖ student) and mean b − a */
  classDeviationHeatmap: call(ClassDeviationHeatmapArgs, ClassDeviationHeatmap),
  /** one per-example measure's range and histogram over the examples a filter passes (the explorer's range row) */
  measureHistogram: call(MeasureHistogramArgs, MeasureHistogram),
  /** issue 16: each SPEC experiment's claim tested on this experiment and its seed replicates (docs/findings.md) */
  findings: call(FindingsArgs, Findings),
  /** the deviation report across the experiment's seed replicates: mean and t-interval of every number */
  seriesReport: call(SeriesReportArgs, SeriesReport),
  /** V4/M8/P3: the linear distillation lab */
  eigenLab: call(EigenLabArgs, EigenLabResult),
  /** curated example sets (shared/curatedSets.ts): named lists of one dataset's examples with notes */
  listCuratedSets: call(ListCuratedSetsArgs, z.array(CuratedSetSummary)),
  /** members from exampleIds and/or every example passing fromFilter, in one transaction */
  createCuratedSet: call(CreateCuratedSetArgs, CuratedSetSummary),
  updateCuratedSet: call(UpdateCuratedSetArgs, CuratedSetSummary),
  deleteCuratedSet: call(SetIdArgs, z.object({ deleted: z.boolean() })),
  addToCuratedSet: call(AddToCuratedSetArgs, CuratedSetSummary),
  removeFromCuratedSet: call(RemoveFromCuratedSetArgs, CuratedSetSummary),
  /** updated: false when the note already read so; NOT_FOUND when the example is not a member */
  setCuratedNote: call(SetCuratedNoteArgs, z.object({ updated: z.boolean() })),
  listCuratedSetMembers: call(ListCuratedSetMembersArgs, CuratedSetMemberPage),
  curatedSetsOfExample: call(z.object({ exampleId: Id }).strict(), z.array(CuratedSetOfExample)),
  /** CSV, JSONL or ZIP (manifest.csv + PNGs) with each run's probabilities; docs/database.md */
  exportCuratedSet: call(ExportCuratedSetArgs, ExportResult),
  /** per-example weights or a curriculum for the next run, from explorer filters (shared/trainingManifest.ts) */
  exportTrainingManifest: call(TrainingManifestArgs, TrainingManifestResult),
  /** the import form's preview: the first few images of a folder as training would see them (S×S) beside their thumbnails; nothing is written */
  previewTrainingImages: call(TrainingPreviewArgs, TrainingPreview),
} as const;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallArgs<K extends CallName> = z.input<Contract[K]['args']>;
export type ParsedArgs<K extends CallName> = z.output<Contract[K]['args']>;
export type CallResult<K extends CallName> = z.output<Contract[K]['result']>;

export const callNames = Object.keys(contract) as CallName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}

/** Events pushed from the app to every window (IPC) or browser (server-sent events). */
export const AppEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    taskId: TaskId,
    kind: z.enum(['import', 'train', 'export']),
    stage: z.string(),
    done: z.number(),
    total: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  z.object({
    type: z.literal('taskFinished'),
    taskId: TaskId,
    kind: z.enum(['import', 'train', 'export']),
    ok: z.boolean(),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal('datasetsChanged') }),
  z.object({
    type: z.literal('trainProgress'),
    experimentId: Id,
    runId: Id,
    runName: z.string(),
    epoch: z.number().int().nonnegative(),
    epochs: z.number().int().positive(),
    batch: z.number().int().nonnegative(),
    batches: z.number().int().nonnegative(),
    loss: z.number().nullable(),
    examplesPerSecond: z.number().nullable(),
    /** seconds left for the whole queue of this experiment */
    etaSeconds: z.number().nullable(),
  }),
  /** a run changed status or finished an epoch: lists and curves should refresh */
  z.object({ type: z.literal('runsChanged'), experimentId: Id, runId: Id.optional() }),
  z.object({ type: z.literal('backendChanged'), backend: z.string() }),
  /** a curated set of this dataset was created, changed or deleted */
  z.object({ type: z.literal('curatedSetsChanged'), datasetId: Id }),
  /** the application menu (desktop app) asks the window to do something */
  z.object({ type: z.literal('command'), command: MenuCommand }),
]);
export type AppEvent = z.infer<typeof AppEvent>;

/** The Electron app protocol (disobey://app/...) serves the renderer and example images; web mode serves the same paths over HTTP. */
export const MEDIA_PROTOCOL = 'disobey';
export function exampleImagePath(exampleId: number): string {
  return `/media/example/${exampleId}.png`;
}
/** The image training sees for an example, as PNG: a referenced example's training tensor (for a panorama only its centred square), never its thumbnail. */
export function exampleTrainingImagePath(exampleId: number): string {
  return `/media/example/${exampleId}/training.png`;
}
/** A referenced example's original file, byte for byte (datasets stored by reference only). */
export function exampleOriginalPath(exampleId: number): string {
  return `/api/example/${exampleId}/original`;
}

/** IPC channel names derived from the contract; the preload exposes nothing else. */
export const ipcChannel = (name: CallName) => `disobey:call:${name}`;
export const IPC_EVENT_CHANNEL = 'disobey:event';

/** Header, query parameter and cookie that carry web mode's per-launch token. */
export const TOKEN_HEADER = 'x-disobey-token';
export const TOKEN_QUERY = 'token';
export const TOKEN_COOKIE = 'disobey_token';
