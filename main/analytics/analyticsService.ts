// The analytics calls of the contract: the deviation report, filtered example pages, the binary
// scatter, the dynamics (flips, confusion, cartography map, class heatmap), the gradient view and
// the eigen lab. Analysis frames are kept in one frame cache (frameCache.ts) keyed by the analysed
// pair and every run's recorded epochs, so a frame is rebuilt only when training moved on.
import type { ParsedArgs } from '../../shared/contract.js';
import type {
  AnalysedExample,
  AnalysisScope,
  ClassDeviationHeatmap,
  ExampleFilter,
  DeviationReport,
  EigenLabResult,
  ExamplePage,
  ExampleTrajectory,
  FlipEvents,
  GradientView,
  MeasureHistogram,
  ScatterMeta,
  SplitDeviation,
  ThreeWayConfusion,
} from '../../shared/analytics.js';
import { eigenLabAnswer, EXAMPLE_MEASURES, splitNotes, THREE_WAY_MAX_CLASSES, topKNotes, UNDERFIT_DEFAULT_QUANTILE, type ExampleMeasure } from '../../shared/analytics.js';
import { encodeBinaryFrame } from '../../shared/binaryFrame.js';
import { exaggerationSlope } from '../../shared/deviationMetrics.js';
import { runEigenLabSliced } from '../../shared/eigenLab.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { recordedEpochsKey, type ExperimentSummary, type RunSummary } from '../../shared/runs.js';
import type { HistoryRow } from '../store/matrixChunks.js';
import type { Store } from '../store/store.js';
import type { Findings, FindingsArgs, SeriesReport } from '../../shared/findings.js';
import { seriesReport } from './seriesReport.js';
import { compareSplits } from '../../shared/domain.js';
import { analysedPair, buildAnalysisFrame, resolvePair, type AnalysisFrame, type LabelProbSums, type LabelProbSumStore } from './analysisFrame.js';
import { createFrameCache } from './frameCache.js';
import { createMatrixViews } from './frameBasis.js';
import { LruCache } from '../../shared/lruCache.js';
import { createDatasetColumnsCache, splitIndexOf } from './datasetColumns.js';
import { createBootstrapPool } from '../workers/bootstrapPool.js';
import { cartographyMap, classDeviationHeatmap } from './cartography.js';
import { orNull, rowsOfSplit, slopeColumns, slopeColumnSteps, splitDeviation, splitDeviationSteps, teacherTrainAccuracy } from './deviationReport.js';
import { columnOrder, filterRows, lowConfidenceRows, sortedPage } from './exampleQuery.js';
import { flipEvents } from './flipEvents.js';
import { measureHistogram } from './measureHistogram.js';
import { gradientView } from './gradientView.js';
import { computeFindings } from './findings.js';
import { createPredictionMatrices } from './predictionMatrices.js';
import { createForegroundGate } from '../services/foregroundGate.js';

/**
 * Running p(label) sums kept across frames (frameTrajectories.ts), 16 bytes per example and run:
 * a million-example experiment of sixteen runs.
 */
const LABEL_PROB_SUM_BYTES = 256 * 1024 * 1024;

/** What picks a report's pairs: the experiment, the epoch, one split or all, the class φ is read at. */
type ReportScope = Pick<ParsedArgs<'deviationReport'>, 'experimentId' | 'epoch' | 'split' | 'classChoice'>;

export function createAnalyticsService(store: Store, options: { frameCacheBytes?: number; /** frames from this many rows are warmed after their first page (tests set fewer) */ prewarmMinRows?: number } = {}) {
  const runs = { ...store.experiments, ...store.runs };
  const matrices = createPredictionMatrices(store.predictions);
  const matrixStore = store.predictions;
  const datasets = createDatasetColumnsCache(store);
  const datasetQueries = store.datasets;
  const frames = createFrameCache(options.frameCacheBytes);
  const matrixViews = createMatrixViews();
  // The long work below (a report's steps, the findings', a frame's warming) takes its turns
  // through the gate, behind the quick calls in flight (foregroundGate.ts).
  const gate = createForegroundGate();
  // By run, under its experiment and the experiment's creation time: ids of a deleted
  // experiment's runs may come back. Each run keeps its furthest sums.
  const labelProbSums = new LruCache<string, LabelProbSums>({ maxBytes: LABEL_PROB_SUM_BYTES, sizeOf: (s) => s.sum.byteLength + s.sumSq.byteLength });
  function labelProbSumsOf(experiment: { id: number; createdAt: string }): LabelProbSumStore {
    const key = (runId: number) => `${experiment.id}|${experiment.createdAt}|${runId}`;
    return {
      latest: (runId) => labelProbSums.get(key(runId)),
      keep: (runId, sums) => {
        if ((labelProbSums.peek(key(runId))?.epoch ?? 0) < sums.epoch) labelProbSums.set(key(runId), sums);
      },
    };
  }

  /**
   * One example's probabilities at every recorded epoch of the experiment's runs and of a teacher
   * it reuses from another experiment, from the chunk holding the example in each run-epoch.
   */
  function exampleHistory(exampleId: number, experimentRuns: readonly RunSummary[]): HistoryRow[] {
    const own = new Set(experimentRuns.map((r) => r.id));
    const reused = new Set(experimentRuns.flatMap((r) => (r.teacherRunId !== null && !own.has(r.teacherRunId) ? [r.teacherRunId] : [])));
    return matrixStore.readHistory(exampleId, [...experimentRuns, ...[...reused].map((id) => runs.runSummary(id))]);
  }

  /** The experiment and its seed replicates, in seed order (the experiment alone without seeds). */
  function replicatesOf(experimentId: number): ExperimentSummary[] {
    return runs.seriesOf(experimentId).map((r) => runs.getExperiment(r.experimentId));
  }

  /**
   * Every run's recorded epochs in the experiment and its seed replicates: what frames and cached
   * results are keyed by (a replicate recording an epoch changes misfitSeeds).
   */
  const recordedStamp = (replicates: readonly ExperimentSummary[]): string => recordedEpochsKey(replicates.flatMap((e) => e.runs));

  function sourcesFor(experimentId: number) {
    const replicates = replicatesOf(experimentId);
    const experiment = replicates.find((e) => e.id === experimentId)!;
    // The other seed replicates of its series (misfitSeeds reads their students), on the same dataset.
    const seedReplicateRuns = replicates.filter((e) => e.id !== experimentId && e.datasetId === experiment.datasetId).map((e) => e.runs);
    return {
      experiment,
      stamp: recordedStamp(replicates),
      dataset: datasets.get(experiment.datasetId),
      matrices,
      experimentRuns: experiment.runs,
      seedReplicateRuns,
      runSummary: (runId: number) => runs.runSummary(runId),
      exampleHistory: (exampleId: number) => exampleHistory(exampleId, experiment.runs),
      labelProbSums: labelProbSumsOf(experiment),
      matrixViews,
    };
  }

  function frameFor(scope: AnalysisScope): AnalysisFrame {
    const sources = sourcesFor(scope.experimentId);
    const pair = resolvePair(scope, sources);
    const pairKey = `${pair.student.id}@${pair.studentEpoch}|${pair.teacher.id}@${pair.teacherEpoch}|${scope.classChoice}`;
    return frames.frame(scope.experimentId, pairKey, sources.stamp, () => buildAnalysisFrame({ ...scope, studentRunId: pair.student.id, epoch: pair.studentEpoch }, sources));
  }

  function curatedSetMembers(frame: AnalysisFrame) {
    return (setId: number): Set<number> => {
      const datasetId = store.curatedSets.datasetOf(setId);
      if (datasetId === undefined) throw new NotFoundError(`no curated set with id ${setId}`);
      if (datasetId !== frame.dataset.datasetId) throw new ValidationError(`curated set ${setId} belongs to dataset ${datasetId}, not ${frame.dataset.datasetId}`, { field: 'curatedSet' });
      return new Set(store.curatedSets.memberIds(setId));
    };
  }

  /** The students a report covers (every recorded student with a teacher) and its splits. */
  function reportPlan(args: ReportScope) {
    const sources = sourcesFor(args.experimentId);
    const students = sources.experimentRuns.filter((r) => r.role === 'student' && r.teacherRunId !== null && r.epochsDone > 0);
    if (args.split !== undefined) splitIndexOf(sources.dataset, args.split);
    const splits = args.split !== undefined ? [args.split] : [...sources.dataset.splitNames].sort(compareSplits);
    // At the epoch each student had when the report was asked for, should training record one meanwhile.
    const frameOf = (student: (typeof students)[number]) => frameFor({ experimentId: args.experimentId, studentRunId: student.id, epoch: args.epoch ?? student.epochsDone, classChoice: args.classChoice });
    return { sources, students, splits, frameOf };
  }

  /**
   * A report's numbers without β's bootstrap intervals (left [null, null], `bootstrap` 0).
   * Remembered apart from the resampling's arguments, so the report with intervals, the findings
   * and the report across seeds compute them once. Each student's columns, then each split's
   * numbers, one a turn of the event loop, so the calls that arrive meanwhile (the explorer's
   * next scatter) are answered in between.
   */
  function pointReport(args: ReportScope & { bins: number; hardFraction: number }): Promise<DeviationReport> {
    const key = { experimentId: args.experimentId, epoch: args.epoch, split: args.split, classChoice: args.classChoice, bins: args.bins, hardFraction: args.hardFraction };
    return remembered('pointReport', key, args.experimentId, () => whileBusy(async () => {
      const { sources, students, splits, frameOf } = reportPlan(args);
      const analysed: { frame: AnalysisFrame; deviations: SplitDeviation[] }[] = [];
      for (const student of students) {
        const frame = frameOf(student);
        for (const step of splitDeviationSteps(frame)) {
          await gate.turn();
          step();
        }
        const deviations: SplitDeviation[] = [];
        for (const split of splits) {
          await gate.turn();
          const deviation = splitDeviation(frame, split, args).deviation;
          // A split the pair did not both record (runs ingested from a train-only log) has no numbers: it is left out, and the notes say so.
          if (deviation.n > 0 || args.split !== undefined) deviations.push(deviation);
        }
        analysed.push({ frame, deviations });
      }
      return {
        experimentId: args.experimentId,
        datasetId: sources.experiment.datasetId,
        classChoice: args.classChoice,
        bootstrap: 0,
        notes: [...topKNotes(sources.experimentRuns), ...splitNotes(sources.experimentRuns, sources.dataset.splitNames)],
        students: analysed.map(({ frame, deviations }) => ({
          studentRunId: frame.student.runId,
          studentName: frame.student.name,
          studentEpoch: frame.student.epoch,
          teacherRunId: frame.teacher.runId,
          teacherName: frame.teacher.name,
          teacherEpoch: frame.teacher.epoch,
          // SPEC M4: a teacher that fits its training labels is a known confounder; flag it.
          teacherInterpolates: teacherTrainAccuracy(frame) >= 0.99,
          splits: deviations,
        })),
      };
    }));
  }

  /** The key of a report's β intervals: a Map from `studentRunId|split` to the interval. */
  const intervalsKey = (args: ReportScope & { bootstrap: number; seed: number }) => ({
    experimentId: args.experimentId,
    epoch: args.epoch,
    split: args.split,
    classChoice: args.classChoice,
    bootstrap: args.bootstrap,
    seed: args.seed,
  });

  /**
   * β's bootstrap intervals of every student and split of a report, fitted together on the
   * bootstrap threads (students of one teacher share each resample's draws). Remembered, so the
   * findings' interval of a single seed is the report's when the arguments agree.
   */
  function betaIntervals(args: ReportScope & { bootstrap: number; seed: number }): Promise<Map<string, [number | null, number | null]>> {
    return remembered('betaIntervals', intervalsKey(args), args.experimentId, async () => {
      const { students, splits, frameOf } = reportPlan(args);
      const keys: string[] = [];
      const columns: { a: Float64Array; b: Float64Array }[] = [];
      // Last student first: the point numbers, computed next in the students' order, then find
      // the first students' frames the most recently used in the frame cache.
      for (const student of [...students].reverse()) {
        const frame = frameOf(student);
        // φ's columns one a turn, as the point numbers' (a scatter asked for meanwhile goes first).
        for (const step of slopeColumnSteps(frame)) {
          await gate.turn();
          step();
        }
        for (const split of splits) {
          keys.push(`${frame.student.runId}|${split}`);
          columns.push(slopeColumns(frame, split));
        }
      }
      const pool = createBootstrapPool();
      try {
        const cis = await pool.intervals(columns, args.bootstrap, args.seed);
        return new Map(cis.map((ci, j): [string, [number | null, number | null]] => [keys[j]!, [orNull(ci[0]), orNull(ci[1])]]));
      } finally {
        await pool.close();
      }
    });
  }

  /** The report a caller waits for: the warming stands aside meanwhile. */
  const report = (args: ParsedArgs<'deviationReport'>) => whileBusy(() => reportNow(args));

  async function reportNow(args: ParsedArgs<'deviationReport'>): Promise<DeviationReport> {
    // The intervals' columns are gathered first, so the threads resample while this thread
    // computes the rest of the report.
    const intervals = args.bootstrap > 0 ? betaIntervals(args) : undefined;
    // Settle the intervals (they may fail) before the point numbers' error, if any, goes up.
    let point: DeviationReport;
    try {
      point = await pointReport(args);
    } catch (err) {
      await intervals?.catch(() => undefined);
      throw err;
    }
    if (!intervals) return point;
    const cis = await intervals;
    return {
      ...point,
      bootstrap: args.bootstrap,
      students: point.students.map((s) => ({ ...s, splits: s.splits.map((d) => ({ ...d, betaCi95: cis.get(`${s.studentRunId}|${d.split}`) ?? [null, null] })) })),
    };
  }

  /**
   * Issue 16's findings over an experiment's seed replicates: each replicate's report without β
   * intervals (over seeds the interval is a t-interval), β's bootstrap only for a single seed.
   */
  const findings = (args: FindingsArgs) => whileBusy(() => findingsNow(args));

  async function findingsNow(args: FindingsArgs): Promise<Findings> {
    const series = runs.seriesOf(args.experimentId);
    const experiment = runs.getExperiment(args.experimentId);
    const dataset = datasets.get(experiment.datasetId);
    const pairFrame = (experimentId: number, studentRunId: number) => frameFor({ experimentId, studentRunId, classChoice: 'teacher-top' });
    return computeFindings(
      {
        series,
        experiment: (id) => runs.getExperiment(id),
        // the header's name: getDataset's per-split counts scan every example (3 s at 1.3M)
        dataset: { id: experiment.datasetId, name: datasetQueries.header(experiment.datasetId)?.name ?? datasetQueries.getDataset(experiment.datasetId).name, splitNames: dataset.splitNames, classGroups: dataset.classGroups },
        report: replicateReport,
        betaInterval: async (experimentId, studentRunId, split, bootstrap, seed) => {
          // The report's own interval when the report was asked for with the same resampling.
          const reported = rememberedValue<Promise<Map<string, [number | null, number | null]>>>('betaIntervals', intervalsKey({ experimentId, classChoice: 'teacher-top', bootstrap, seed }), experimentId);
          const known = (await reported?.catch(() => undefined))?.get(`${studentRunId}|${split}`);
          if (known) return known;
          const columns = slopeColumns(pairFrame(experimentId, studentRunId), split);
          const pool = createBootstrapPool();
          try {
            const ci = await pool.interval(columns.a, columns.b, bootstrap, seed);
            return [orNull(ci[0]), orNull(ci[1])];
          } finally {
            await pool.close();
          }
        },
        gradient: (experimentId, studentRunId, split) => {
          const frame = pairFrame(experimentId, studentRunId);
          return gradientView(frame, split, frame.dataset.classGroups);
        },
        epochMetrics: (runId) => runs.epochMetrics(runId),
        teacherRows: (experimentId, studentRunId, split) => {
          const frame = pairFrame(experimentId, studentRunId);
          const rows = rowsOfSplit(frame, split);
          return {
            rows: rows.length,
            numClasses: frame.numClasses,
            row: (r, scratch) => frame.teacherProbs.row(rows[r]!, scratch),
            label: (r) => frame.dataset.label[rows[r]!]!,
            trainLabel: (r) => frame.dataset.trainLabel[rows[r]!]!,
          };
        },
      },
      args,
    );
  }

  /**
   * One replicate's report as the findings and the report across seeds read it: every split, no β
   * bootstrap (over seeds the interval is a t-interval). Remembered, so the Findings and Compare
   * pages of one series compute each replicate's report once.
   */
  function replicateReport(experimentId: number): Promise<DeviationReport> {
    return pointReport({ experimentId, classChoice: 'teacher-top', bins: 10, hardFraction: 0.25 });
  }

  /** Every replicate's report, aggregated per student and split. */
  async function seriesReportOf(args: { experimentId: number }): Promise<SeriesReport> {
    const replicates = [];
    for (const { experimentId, seed } of runs.seriesOf(args.experimentId)) replicates.push({ experimentId, seed, report: await replicateReport(experimentId) });
    return seriesReport(replicates);
  }

  function analysedExample(frame: AnalysisFrame, row: number): AnalysedExample {
    const { dataset } = frame;
    return {
      id: dataset.ids[row]!,
      split: dataset.splitNames[dataset.split[row]!]!,
      index: dataset.index[row]!,
      label: dataset.label[row]!,
      trainLabel: dataset.trainLabel[row]!,
      confidenceClass: frame.confidenceClass[row]!,
      snippet: dataset.snippet(row),
      measures: Object.fromEntries(EXAMPLE_MEASURES.map((m) => [m, orNull(frame.measureAt(m, row))])) as AnalysedExample['measures'],
      runs: frame.runs.map((run) => {
        const top = frame.topClass(run.runId)[row]!;
        const [mean, std] = frame.labelProbStats(run.runId, row);
        const labelProb = frame.runProbs(run.runId).prob(row, dataset.trainLabel[row]!);
        return { runId: run.runId, topClass: top, correct: top === dataset.trainLabel[row], labelProb: orNull(labelProb), labelProbMean: orNull(mean), labelProbStd: orNull(std) };
      }),
    };
  }

  // After a large frame's first page, the columns most filters, sorts and pages need are built in
  // idle turns of the event loop, one column per turn, so a request waits for one column at most.
  // At a million examples a column is 0.1–0.3 s (the dynamics, reading every epoch, ~1 s): built
  // on demand, the first filter of each kind took up to 1.2 s; built while the user reads the
  // first page, it answers as a repeat does.
  const warmed = new WeakSet<AnalysisFrame>();
  // A report or the findings is waited for; the warming is not yet. While one is at work the
  // warming stands aside: at a million examples its pass over every epoch took every other turn
  // of a report's, on a core the bootstrap threads need too.
  let busy = 0;
  let idleAgain: () => void = () => {};
  let becameIdle: Promise<void> = Promise.resolve();
  async function whileBusy<T>(work: () => Promise<T>): Promise<T> {
    if (busy++ === 0) becameIdle = new Promise((resolve) => (idleAgain = resolve));
    try {
      return await work();
    } finally {
      if (--busy === 0) idleAgain();
    }
  }
  const PREWARM_MIN_ROWS = options.prewarmMinRows ?? 200_000;
  let warming: Promise<void> = Promise.resolve();
  // Only the frame asked for last is warmed: a user who went on to another student (the explorer
  // at a million points, three students in a row) would otherwise wait behind the columns of the
  // frames left, one at a time. A frame left stops at its next step, and warms again when asked.
  let warmingFor: AnalysisFrame | null = null;
  const WARM_MEASURES: ExampleMeasure[] = ['teacherProb', 'studentProb', 'teacherPhi', 'studentPhi', 'deviation', 'kl', 'tv'];
  function prewarm(frame: AnalysisFrame): void {
    // Below a few hundred thousand rows a column costs a few ms on demand, and warming every frame
    // a busy server sees (each epoch of a training run makes new ones) would only add work.
    if (frame.dataset.ids.length < PREWARM_MIN_ROWS) return;
    warmingFor = frame;
    if (warmed.has(frame)) return;
    warmed.add(frame);
    const steps: (() => unknown)[] = [
      ...WARM_MEASURES.map((m) => () => frame.measure(m)),
      ...frame.runs.map((r) => () => frame.topClass(r.runId)),
      // A page's rows read each run's p(label) history and the student's dynamics: built as
      // columns here, a first page no longer reads ~2,000 single rows (~0.3 s at a million).
      ...frame.buildSteps(),
      () => lowConfidenceRows(frame, frame.measure('teacherPhi'), UNDERFIT_DEFAULT_QUANTILE),
      ...(['deviation', 'kl'] as const).flatMap((column) => [false, true].map((descending) => () => columnOrder(frame, column, descending))),
    ];
    warming = warming.then(async () => {
      // A step returning false has more to do (a pass over epochs, one epoch per turn).
      for (const step of steps) {
        do {
          await gate.turn();
          // A report or the findings at work goes first, and its answer goes out before the next step.
          while (busy > 0) {
            await becameIdle;
            await gate.turn();
          }
          if (warmingFor !== frame) return void warmed.delete(frame);
        } while (step() === false);
      }
    });
  }

  // Results asked for again while nothing they read changed: the Compare page reopened, the same
  // student's scatter after a filter was cleared. Keyed by the call's arguments and the
  // experiment's recorded epochs; a report of five runs costs ~0.75 s, a scatter tens of ms, and
  // under 20 readers the report alone took half the server's time (bench/loadBench.ts).
  const results = new LruCache<string, unknown>({ maxEntries: 24 });
  const rememberedKey = (call: string, args: unknown, experimentId: number) => `${call}|${recordedStamp(replicatesOf(experimentId))}|${JSON.stringify(args)}`;

  /** A result `remembered` keeps for these arguments, if it still does. */
  function rememberedValue<T>(call: string, args: unknown, experimentId: number): T | undefined {
    return results.get(rememberedKey(call, args, experimentId)) as T | undefined;
  }

  function remembered<T>(call: string, args: unknown, experimentId: number, compute: () => T): T {
    const key = rememberedKey(call, args, experimentId);
    if (results.has(key)) return results.get(key) as T;
    const value = compute();
    results.set(key, value);
    // A failed computation (a rejected promise) is not kept.
    if (value instanceof Promise) value.catch(() => results.delete(key));
    return value;
  }

  function queryExamples(args: ParsedArgs<'queryExamples'>): ExamplePage {
    const frame = frameFor(args);
    const rows = filterRows(frame, args.filter, { curatedSetMembers: curatedSetMembers(frame) });
    const page = sortedPage(frame, rows, args.sort.column, args.sort.descending, args.offset, args.limit);
    prewarm(frame);
    return {
      total: rows.length,
      studentRunId: frame.student.runId,
      teacherRunId: frame.teacher.runId,
      seedReplicates: frame.seedReplicates,
      runs: frame.runs,
      items: Array.from(page, (row) => analysedExample(frame, row)),
    };
  }

  /** Every example passing a filter, in id order, with all measures (columns are built once). */
  function* allExamples(scope: AnalysisScope, filter: ExampleFilter): Generator<AnalysedExample> {
    const frame = frameFor(scope);
    for (const m of EXAMPLE_MEASURES) frame.measure(m);
    for (const run of frame.runs) frame.topClass(run.runId);
    for (const row of filterRows(frame, filter, { curatedSetMembers: curatedSetMembers(frame) })) yield analysedExample(frame, row);
  }

  /** Ids of every example passing a filter, in id order: what a curated set saved from the explorer holds. */
  function filteredIds(scope: AnalysisScope, filter: ExampleFilter): Int32Array {
    const frame = frameFor(scope);
    const rows = filterRows(frame, filter, { curatedSetMembers: curatedSetMembers(frame) });
    return Int32Array.from(rows, (row) => frame.dataset.ids[row]!);
  }

  function scatter(args: ParsedArgs<'deviationScatter'>): Uint8Array<ArrayBuffer> {
    const frame = frameFor(args);
    const rows = filterRows(frame, { ...(args.filter ?? {}), ...(args.split !== undefined ? { split: args.split } : {}) }, { curatedSetMembers: curatedSetMembers(frame) });
    const a = frame.measure('teacherPhi');
    const b = frame.measure('studentPhi');
    const teacherTop = frame.topClass(frame.teacher.runId);
    const studentTop = frame.topClass(frame.student.runId);
    const n = rows.length;
    // classes in a byte where they fit, ids delta-coded: 12 bytes a point instead of 18
    const Classes = frame.numClasses <= 256 ? Uint8Array : Uint16Array;
    const columns = { id: new Int32Array(n), a: new Float32Array(n), b: new Float32Array(n), label: new Classes(n), teacherTop: new Classes(n), studentTop: new Classes(n) };
    const fitA = new Float64Array(n);
    const fitB = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const i = rows[r]!;
      columns.id[r] = frame.dataset.ids[i]!;
      columns.a[r] = fitA[r] = a[i]!;
      columns.b[r] = fitB[r] = b[i]!;
      columns.label[r] = frame.dataset.trainLabel[i]!;
      columns.teacherTop[r] = teacherTop[i]!;
      columns.studentTop[r] = studentTop[i]!;
    }
    const fit = exaggerationSlope(fitA, fitB, { bootstrap: 0 });
    const meta: ScatterMeta = {
      ...analysedPair(frame),
      n: rows.length,
      beta: orNull(fit.beta),
      intercept: orNull(fit.intercept),
      classNames: frame.dataset.classNames,
      classGroups: frame.dataset.classGroups,
    };
    return encodeBinaryFrame(meta, columns, { deltaCoded: ['id'] });
  }

  /** counts[(label · C + teacherTop) · C + studentTop] of the analysed pair over the examples both recorded. */
  function threeWayConfusion(args: ParsedArgs<'threeWayConfusion'>): ThreeWayConfusion {
    const frame = frameFor({ ...args, classChoice: 'teacher-top' });
    const { dataset, numClasses: C } = frame;
    const si = args.split !== undefined ? splitIndexOf(dataset, args.split) : -1;
    const teacherTop = frame.topClass(frame.teacher.runId);
    const studentTop = frame.topClass(frame.student.runId);
    const label = args.label ?? null;
    if (label === null && C > THREE_WAY_MAX_CLASSES) {
      throw new ValidationError(`the three-way confusion of ${C} classes has ${C}³ cells; ask for one label's slice (label 0 … ${C - 1})`, { field: 'label' });
    }
    if (label !== null && label >= C) throw new ValidationError(`label ${label} is not a class of this dataset (0 … ${C - 1})`, { field: 'label' });
    const counts = new Array<number>(label === null ? C * C * C : C * C).fill(0);
    let n = 0;
    for (let i = 0; i < dataset.ids.length; i++) {
      if (si >= 0 && dataset.split[i] !== si) continue;
      if (!frame.teacherProbs.recorded(i) || !frame.studentProbs.recorded(i)) continue;
      const y = dataset.trainLabel[i]!;
      if (label !== null && y !== label) continue;
      counts[((label === null ? y * C : 0) + teacherTop[i]!) * C + studentTop[i]!]! += 1;
      n++;
    }
    return {
      ...analysedPair(frame),
      split: args.split ?? null,
      numClasses: C,
      label,
      n,
      counts,
    };
  }

  /** Every run of the experiment on one example, epoch by epoch (the detail panel's bars and curves). */
  function exampleTrajectory({ experimentId, exampleId }: ParsedArgs<'exampleTrajectory'>): ExampleTrajectory {
    const sources = sourcesFor(experimentId);
    const dataset = sources.dataset;
    const row = dataset.rowOf(exampleId);
    if (row === undefined) throw new NotFoundError(`example ${exampleId} is not in dataset ${dataset.datasetId} of experiment ${experimentId}`);
    const byRun = new Map<number, { epochs: number[]; probs: number[][] }>();
    for (const h of sources.exampleHistory(exampleId)) {
      let entry = byRun.get(h.runId);
      if (!entry) byRun.set(h.runId, (entry = { epochs: [], probs: [] }));
      entry.epochs.push(h.epoch);
      entry.probs.push(Array.from(h.probs));
    }
    return {
      exampleId,
      label: dataset.label[row]!,
      trainLabel: dataset.trainLabel[row]!,
      classNames: dataset.classNames,
      runs: sources.experimentRuns.map((r) => ({
        runId: r.id,
        name: r.name,
        role: r.role,
        teacherRunId: r.teacherRunId,
        ...(byRun.get(r.id) ?? { epochs: [], probs: [] }),
      })),
    };
  }

  const handlers = {
    deviationReport: (args: ParsedArgs<'deviationReport'>) => remembered('deviationReport', args, args.experimentId, () => report(args)),
    queryExamples,
    exampleTrajectory,
    // remembered's stamp covers every replicate of the series
    findings: (args: FindingsArgs) => remembered('findings', args, args.experimentId, () => findings(args)),
    seriesReport: seriesReportOf,
    // A filter naming a curated set depends on its members, which change without a new epoch.
    deviationScatter: (args: ParsedArgs<'deviationScatter'>) => (args.filter?.curatedSet ? scatter(args) : remembered('deviationScatter', args, args.experimentId, () => scatter(args))),
    flipEvents: (args: ParsedArgs<'flipEvents'>): FlipEvents => flipEvents(args, sourcesFor(args.experimentId)),
    threeWayConfusion,
    cartographyMap: (args: ParsedArgs<'cartographyMap'>): Uint8Array<ArrayBuffer> => {
      const frame = frameFor(args);
      return cartographyMap(frame, args, { curatedSetMembers: curatedSetMembers(frame) });
    },
    classDeviationHeatmap: (args: ParsedArgs<'classDeviationHeatmap'>): ClassDeviationHeatmap => classDeviationHeatmap(frameFor(args), args),
    // A filter naming a curated set depends on its members, which change without a new epoch.
    measureHistogram: (args: ParsedArgs<'measureHistogram'>): MeasureHistogram => {
      const histogram = (): MeasureHistogram => {
        const frame = frameFor(args);
        const rows = filterRows(frame, args.filter ?? {}, { curatedSetMembers: curatedSetMembers(frame) });
        return measureHistogram(args.measure, frame.measure(args.measure), rows, args.bins);
      };
      return args.filter?.curatedSet ? histogram() : remembered('measureHistogram', args, args.experimentId, histogram);
    },
    gradientView: (args: ParsedArgs<'gradientView'>): GradientView => {
      const frame = frameFor(args);
      return gradientView(frame, args.split, args.groups ?? frame.dataset.classGroups);
    },
    // Seconds of computing at its limits: in slices, so other calls are answered meanwhile.
    eigenLab: async (args: ParsedArgs<'eigenLab'>): Promise<EigenLabResult> => eigenLabAnswer(await runEigenLabSliced({ ...args, teacherSteps: args.teacherSteps }, gate.turn)),
  };

  /** The calls that step through the gate: they never hold it themselves. */
  const LONG_CALLS: ReadonlySet<string> = new Set<keyof typeof handlers>(['deviationReport', 'findings', 'seriesReport', 'eigenLab']);

  return {
    allExamples,
    filteredIds,
    handlers,
    /**
     * Marks a quick call (every analytics call but the long ones that step through the gate;
     * null: a grid image) in flight until the function returned is called; null for any other call.
     */
    foreground: (name: string | null): (() => void) | null => (name === null || (Object.hasOwn(handlers, name) && !LONG_CALLS.has(name)) ? gate.enter() : null),
    /** A step of other long work on this event loop (an export) behind the quick calls in flight, as the long calls step. */
    turn: (): Promise<void> => gate.turn(),
    /** Settles when the columns scheduled after first pages are built (benchmarks wait for it). */
    idle: (): Promise<void> => warming,
    /** How many analysis frames are kept, and the bytes they hold (tests and benchmarks). */
    frameCache: () => frames.stats(),
    /** Forget cached frames and matrices (after a dataset or experiment is deleted). */
    clear(): void {
      results.clear();
      frames.clear();
      labelProbSums.clear();
      matrixViews.clear();
      matrices.clear();
      matrixStore.clearCache();
      datasets.clear();
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
