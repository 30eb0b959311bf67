// The analytics part of the contract (SPEC.md M1–M8, experiment 7): the deviation report, the
// structured example filters, the scatter, the gradient view and the eigen lab. Filters are data,
// never SQL: the main process turns them into typed-array scans and parameterized queries.
import { z } from 'zod';
import { Id, SplitName } from './domain.js';
import type { EigenLabResult as EigenLabRun } from './eigenLab.js';
import { exampleIdSetBitsProblem, exampleIdSetExtentProblem } from './exampleIdSet.js';

export const ClassChoice = z.enum(['teacher-top', 'label']);
export type ClassChoice = z.infer<typeof ClassChoice>;

/** A number that may be undefined mathematically (an empty bin, a constant a): NaN travels as null. */
const Num = z.number().nullable();
const ClassIndex = z.number().int().nonnegative().max(100_000);

/**
 * Which pair is analysed: a student (default the experiment's first student with a recorded
 * epoch) at `epoch` (default its last recorded one) against its teacher at the teacher's last
 * recorded epoch — the predictions the student was distilled from.
 */
export const AnalysisScope = z.object({
  experimentId: Id,
  studentRunId: Id.optional(),
  epoch: z.number().int().positive().max(1_000_000).optional(),
  classChoice: ClassChoice.default('teacher-top'),
});
export type AnalysisScope = z.output<typeof AnalysisScope>;

export const DeltaBin = z.object({ centre: Num, delta: Num, count: z.number().int().nonnegative(), lo: Num, hi: Num });

export const SplitDeviation = z.object({
  split: SplitName,
  n: z.number().int().nonnegative(),
  beta: Num,
  intercept: Num,
  betaCi95: z.tuple([Num, Num]),
  bins: z.array(DeltaBin),
  /** SPEC M3: Δ of the lowest bin < 0 and below Δ of the top bin */
  underfits: z.boolean(),
  hardPointFitRate: Num,
  teacherAccuracy: Num,
  studentAccuracy: Num,
  /** accuracy on the clean labels, where label noise changed some training labels */
  teacherCleanAccuracy: Num,
  studentCleanAccuracy: Num,
  meanKl: Num,
  fidelity: Num,
});
export type SplitDeviation = z.infer<typeof SplitDeviation>;

export const StudentDeviation = z.object({
  studentRunId: Id,
  studentName: z.string(),
  studentEpoch: z.number().int().positive(),
  teacherRunId: Id,
  teacherName: z.string(),
  teacherEpoch: z.number().int().positive(),
  /** the teacher's train accuracy ≥ 0.99: SPEC M4's known confounder */
  teacherInterpolates: z.boolean(),
  splits: z.array(SplitDeviation),
});
export type StudentDeviation = z.infer<typeof StudentDeviation>;

export const ReportArgs = z
  .object({
    experimentId: Id,
    epoch: z.number().int().positive().max(1_000_000).optional(),
    split: SplitName.optional(),
    classChoice: ClassChoice.default('teacher-top'),
    bootstrap: z.number().int().min(0).max(10_000).default(1000),
    bins: z.number().int().min(2).max(100).default(10),
    /** the teacher's lowest-confidence share for the hard-point fit rate */
    hardFraction: z.number().gt(0).max(1).default(0.25),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();

export const DeviationReport = z.object({
  experimentId: Id,
  datasetId: Id,
  classChoice: ClassChoice,
  bootstrap: z.number().int(),
  students: z.array(StudentDeviation),
  /** what the numbers cannot say exactly, e.g. for runs stored with top-k storage (topKNote) */
  notes: z.array(z.string()),
});
export type DeviationReport = z.infer<typeof DeviationReport>;

/** Per-example numbers of the analysed pair; every one can be filtered by range and sorted on. */
export const ExampleMeasure = z.enum([
  'teacherProb', // p^T_k, k per classChoice
  'studentProb', // p^S_k
  'teacherPhi', // a = φ(p^T_k)
  'studentPhi', // b = φ(p^S_k)
  'deviation', // b − a
  'kl', // KL(p^T ‖ p^S)
  'teacherMargin',
  'studentMargin',
  'teacherEntropy',
  'studentEntropy',
  'teacherLabelProb',
  'studentLabelProb',
  'teacherLabelProbMean', // across epochs 1..teacher epoch
  'teacherLabelProbStd',
  'studentLabelProbMean', // across epochs 1..student epoch
  'studentLabelProbStd',
  'gradNormOnehot', // ‖p^S − e_y‖
  'gradNormKd', // ‖p^S − p^T‖
  'gradCosOnehot', // cosine to the class-mean one-hot gradient (same split and label)
  'gradCosKd',
  'tv', // ½ Σ_c |p^T_c − p^S_c|
  'top1Disagree', // 1 when the teacher's and the student's top classes differ, else 0
  'studentTopRankInTeacher', // 1-based rank of the student's top class in the teacher's probabilities
  'klMean', // KL(p^T ‖ p^S_e) over the student's epochs e = 1..epoch read, the teacher at its last epoch
  'klStd',
  'deviationMean', // b_e − a over the same epochs, at the frame's φ class k
  'deviationStd',
  'flips', // top-class changes of the student between consecutive epochs 1..epoch read
  'misfitSeeds', // seed replicates whose student of this name predicts another class than the training label (k of ExamplePage.seedReplicates)
]);
export type ExampleMeasure = z.infer<typeof ExampleMeasure>;
export const EXAMPLE_MEASURES = ExampleMeasure.options;

export const SortColumn = z.union([ExampleMeasure, z.enum(['id', 'label'])]);
export type SortColumn = z.infer<typeof SortColumn>;

/**
 * Dataset-cartography regions of the analysed student's epochs 1..E against the teacher at its
 * last epoch (docs/metrics.md): KL_e = KL(p^T ‖ p^S_e); "close" means KL_e ≤ klThreshold.
 * never-matches: no epoch close. forgets: close at some epoch before E, not at E. tracks: close at
 * E with mean KL ≤ klThreshold and KL std ≤ klStdThreshold. overtakes: the student right at E
 * (top class = training label) where the teacher is wrong.
 */
export const CartographyRegion = z.enum(['never-matches', 'forgets', 'overtakes', 'tracks']);
export type CartographyRegion = z.infer<typeof CartographyRegion>;
export const REGION_DEFAULTS = { klThreshold: 0.1, klStdThreshold: 0.05 } as const;
export const RegionClause = z
  .object({
    kind: CartographyRegion,
    klThreshold: z.number().nonnegative().max(1000).default(REGION_DEFAULTS.klThreshold),
    klStdThreshold: z.number().nonnegative().max(1000).default(REGION_DEFAULTS.klStdThreshold),
  })
  .strict();

const Range = z
  .object({ measure: ExampleMeasure, min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max');

/** the underfit clause's default share of least teacher-confident examples per split */
export const UNDERFIT_DEFAULT_QUANTILE = 0.25;

export const ExampleFilter = z
  .object({
    split: SplitName.optional(),
    /** label (the given training label) in these classes */
    labels: z.array(ClassIndex).min(1).max(1000).optional(),
    /** a run's top class in these classes */
    predicted: z.object({ runId: Id, classes: z.array(ClassIndex).min(1).max(1000) }).strict().optional(),
    ranges: z.array(Range).max(32).optional(),
    /** the student below the teacher by more than δ (b − a < −δ) on the teacher's lowest-confidence share of its split */
    underfit: z.object({ delta: z.number().nonnegative().max(100), quantile: z.number().gt(0).max(1).default(UNDERFIT_DEFAULT_QUANTILE) }).strict().optional(),
    /** each listed run right (top class = given label) or wrong, e.g. teacher right and student wrong */
    correctness: z.array(z.object({ runId: Id, correct: z.boolean() }).strict()).min(1).max(32).optional(),
    /** two runs whose top classes differ */
    disagree: z.object({ runA: Id, runB: Id }).strict().optional(),
    /** case-insensitive substring of the example's text (text datasets) */
    textContains: z.string().min(1).max(500).optional(),
    curatedSet: z.object({ setId: Id, member: z.boolean().default(true) }).strict().optional(),
    /** only examples whose training label was flipped by label noise (true) or not (false) */
    noisy: z.boolean().optional(),
    /** only these examples (a brushed selection) */
    exampleIds: z.array(Id).min(1).max(1_000_000).optional(),
    /** only these examples, a large brushed selection as a bit set (shared/exampleIdSet.ts): bit k of `bits` (base64) is example id first + k */
    exampleIdSet: z
      .object({
        first: Id,
        bits: z
          .string()
          .min(4)
          .max(12_000_000)
          .superRefine((bits, ctx) => {
            const problem = exampleIdSetBitsProblem(bits);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
      })
      .strict()
      .superRefine((set, ctx) => {
        const problem = exampleIdSetExtentProblem(set);
        if (problem) ctx.addIssue({ code: 'custom', path: ['bits'], message: problem });
      })
      .optional(),
    /** a cartography region of the analysed student (RegionClause) */
    region: RegionClause.optional(),
    /** one cell of the three-way confusion: training label, the teacher's and the analysed student's top class (both recorded) */
    confusion: z.object({ label: ClassIndex, teacherTop: ClassIndex, studentTop: ClassIndex }).strict().optional(),
  })
  .strict();
export type ExampleFilter = z.output<typeof ExampleFilter>;

/**
 * One measure's distribution over the analysed pair's examples that pass a filter (the explorer's
 * range row: its observed range and a histogram to drag bounds on).
 */
export const MeasureHistogramArgs = AnalysisScope.extend({
  measure: ExampleMeasure,
  filter: ExampleFilter.optional(),
  bins: z.number().int().min(1).max(200).default(30),
}).strict();
export const MeasureHistogram = z.object({
  measure: ExampleMeasure,
  /** examples whose measure is defined: the ones the bins count */
  n: z.number().int().nonnegative(),
  /** examples passing the filter whose measure is undefined (NaN): no range passes them */
  missing: z.number().int().nonnegative(),
  /** the smallest and largest defined value; null when n = 0 */
  min: Num,
  max: Num,
  /** equal-width edges from min to max (one bin when min = max, none when n = 0); bin j holds edges[j] ≤ v < edges[j + 1], the last bin v = max too */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
});
export type MeasureHistogram = z.infer<typeof MeasureHistogram>;

export const QueryExamplesArgs = AnalysisScope.extend({
  filter: ExampleFilter.default({}),
  sort: z.object({ column: SortColumn, descending: z.boolean().default(false) }).strict().default({ column: 'id', descending: false }),
  offset: z.number().int().nonnegative().max(100_000_000).default(0),
  limit: z.number().int().positive().max(1000).default(100),
}).strict();

export const RunAtEpoch = z.object({
  runId: Id,
  name: z.string(),
  role: z.enum(['teacher', 'student']),
  epoch: z.number().int().positive(),
});

export const RunOutcome = z.object({
  runId: Id,
  topClass: z.number().int().nonnegative(),
  correct: z.boolean(),
  labelProb: Num,
  labelProbMean: Num,
  labelProbStd: Num,
});

export const AnalysedExample = z.object({
  id: Id,
  split: SplitName,
  index: z.number().int().nonnegative(),
  label: z.number().int().nonnegative(),
  /** the label training saw (differs from `label` where label noise flipped it) */
  trainLabel: z.number().int().nonnegative(),
  /** k of φ: the teacher's top class or the training label */
  confidenceClass: z.number().int().nonnegative(),
  snippet: z.string().nullable(),
  measures: z.record(ExampleMeasure, Num),
  runs: z.array(RunOutcome),
});
export type AnalysedExample = z.infer<typeof AnalysedExample>;

export const ExamplePage = z.object({
  total: z.number().int().nonnegative(),
  studentRunId: Id,
  teacherRunId: Id,
  /** N of the misfitSeeds measure: the series' replicates with this student recorded (1 without seeds) */
  seedReplicates: z.number().int().positive(),
  runs: z.array(RunAtEpoch),
  items: z.array(AnalysedExample),
});
export type ExamplePage = z.infer<typeof ExamplePage>;

export const ExampleTrajectoryArgs = z.object({ experimentId: Id, exampleId: Id }).strict();

/** One example through training: every run's full probability vector at each recorded epoch. */
export const ExampleTrajectory = z.object({
  exampleId: Id,
  label: z.number().int().nonnegative(),
  trainLabel: z.number().int().nonnegative(),
  classNames: z.array(z.string()),
  runs: z.array(
    z.object({
      runId: Id,
      name: z.string(),
      role: z.enum(['teacher', 'student']),
      teacherRunId: Id.nullable(),
      epochs: z.array(z.number().int().positive()),
      /** probs[e][c]: class c after epochs[e] */
      probs: z.array(z.array(z.number())),
    }),
  ),
});
export type ExampleTrajectory = z.infer<typeof ExampleTrajectory>;

export const FlipEventsArgs = z
  .object({
    experimentId: Id,
    /** default every run of the experiment with a recorded epoch, in id order */
    runIds: z.array(Id).min(1).max(100).optional(),
    split: SplitName.optional(),
    /** epochs after a loss switch compared with the last epoch before it */
    window: z.number().int().positive().max(1000).default(1),
  })
  .strict();

const Count = z.number().int().nonnegative();
/** Examples whose top class changed between two epochs, and whose correctness (top = training label) flipped. */
export const FlipCounts = z.object({ changed: Count, rightToWrong: Count, wrongToRight: Count });

export const FlipEvents = z.object({
  experimentId: Id,
  split: SplitName.nullable(),
  runs: z.array(
    z.object({
      runId: Id,
      name: z.string(),
      role: z.enum(['teacher', 'student']),
      /** examples compared (recorded at every epoch, in the split) */
      n: Count,
      /** epochs 2..epochsDone: each against the epoch before */
      epochs: z.array(FlipCounts.extend({ epoch: z.number().int().positive() })),
      /** each loss phase after the first: epoch `before` (the last under the old loss) against `after` */
      switches: z.array(
        z.object({
          /** epochs done when the new loss takes over (the phase's 0-based `from`) */
          epoch: z.number().int().positive(),
          loss: z.string(),
          before: z.number().int().positive(),
          after: z.number().int().positive(),
          /** null until the run has recorded epoch `after` */
          counts: FlipCounts.nullable(),
        }),
      ),
    }),
  ),
});
export type FlipEvents = z.infer<typeof FlipEvents>;

export const ThreeWayConfusionArgs = z
  .object({
    experimentId: Id,
    studentRunId: Id.optional(),
    epoch: z.number().int().positive().max(1_000_000).optional(),
    split: SplitName.optional(),
    /** only this label's teacher × student slice (C² cells); required above THREE_WAY_MAX_CLASSES classes */
    label: z.number().int().nonnegative().max(1_000_000).optional(),
  })
  .strict();

/** Above this many classes the whole label × teacher × student cube (C³ cells) is not sent: ask for one label's slice. */
export const THREE_WAY_MAX_CLASSES = 100;

/**
 * Which pair a result describes: the analysed student and its teacher, each at the epoch read
 * (main/analytics/analysisFrame.ts analysedPair builds it from a frame).
 */
export const AnalysedPair = z.object({
  studentRunId: Id,
  teacherRunId: Id,
  studentEpoch: z.number().int().positive(),
  teacherEpoch: z.number().int().positive(),
});
export type AnalysedPair = z.infer<typeof AnalysedPair>;

/**
 * counts[(label · C + teacherTop) · C + studentTop] over the examples both runs recorded; with a
 * `label`, only that label's slice: counts[teacherTop · C + studentTop] (n counts that label's examples).
 */
export const ThreeWayConfusion = AnalysedPair.extend({
  split: SplitName.nullable(),
  numClasses: z.number().int().positive(),
  label: z.number().int().nonnegative().nullable(),
  n: Count,
  counts: z.array(Count),
});
export type ThreeWayConfusion = z.infer<typeof ThreeWayConfusion>;

/** The cartography map's axes: mean × std over the student's epochs of KL_e, or of d_e = b_e − a. */
export const CartographyAxes = z.enum(['kl', 'deviation']);
export type CartographyAxes = z.infer<typeof CartographyAxes>;

export const CartographyMapArgs = AnalysisScope.extend({
  split: SplitName.optional(),
  axes: CartographyAxes.default('kl'),
}).strict();

/** Bit of each region in the map's `regions` column: 1 << CARTOGRAPHY_REGIONS.indexOf(region). */
export const CARTOGRAPHY_REGIONS = CartographyRegion.options;

/**
 * Meta of the cartography map frame (docs/metrics.md). Columns, one row per example of the split
 * with finite measures, in id order: id (i32); x, y (f32): klMean, klStd (axes 'kl') or
 * deviationMean, deviationStd (axes 'deviation'); regions (u8): a bit per CARTOGRAPHY_REGIONS entry
 * the example is in, at the default thresholds.
 */
export interface CartographyMapMeta extends AnalysedPair {
  split: string | null;
  axes: CartographyAxes;
  /** the measures plotted as x and y (ExampleMeasure names: the explorer's range filters) */
  xMeasure: ExampleMeasure;
  yMeasure: ExampleMeasure;
  n: number;
  /** examples of the split left out: some epoch (or the teacher) lacks them */
  missing: number;
  klThreshold: number;
  klStdThreshold: number;
  /** examples in each region (overtakes may overlap the others) and in none */
  counts: Record<CartographyRegion | 'other', number>;
}

export const ClassDeviationHeatmapArgs = AnalysisScope.extend({ split: SplitName.optional() }).strict();

/**
 * Per training label and student epoch e = 1..E (E the epoch read), over the examples of the split
 * both the teacher (last epoch) and the student at e recorded: the mean KL_e = KL(p^T ‖ p^S_e) and
 * the mean d_e = φ(p^S_e,k) − a at the frame's class k. Rows are labels, columns epochs.
 */
export const ClassDeviationHeatmap = AnalysedPair.extend({
  split: SplitName.nullable(),
  classChoice: ClassChoice,
  epochs: z.array(z.number().int().positive()),
  /** counts[label][e − 1]: the examples averaged */
  counts: z.array(z.array(Count)),
  /** null where no example was counted */
  kl: z.array(z.array(Num)),
  deviation: z.array(z.array(Num)),
});
export type ClassDeviationHeatmap = z.infer<typeof ClassDeviationHeatmap>;

export const ScatterArgs = AnalysisScope.extend({ split: SplitName.optional(), filter: ExampleFilter.optional() }).strict();

/** Meta of the scatter frame; its columns: id (i32), a and b (f32), label, teacherTop, studentTop (u16). */
export interface ScatterMeta extends AnalysedPair {
  n: number;
  beta: number | null;
  intercept: number | null;
  classNames: string[];
  classGroups: number[][];
}

/** A bytes payload (shared/binaryFrame.ts): IPC clones it, HTTP sends application/octet-stream. */
export const BinaryPayload = z.instanceof(Uint8Array);

export const GradientViewArgs = AnalysisScope.extend({
  split: SplitName.default('train'),
  /** confusable class groups; default the dataset's own (Fashion-MNIST: tops and shoes) */
  groups: z.array(z.array(ClassIndex).min(1).max(1000)).max(100).optional(),
}).strict();

export const GradientAggregate = z.object({
  name: z.string(),
  n: z.number().int().nonnegative(),
  normOnehot: Num,
  normKd: Num,
  cosOnehot: Num,
  cosKd: Num,
});
export type GradientAggregate = z.infer<typeof GradientAggregate>;

export const GradientView = z.object({
  studentRunId: Id,
  teacherRunId: Id,
  split: SplitName,
  /** by the teacher's confidence a, lowest quartile first */
  quartiles: z.array(GradientAggregate),
  /** each confusable group, then the classes in none */
  groups: z.array(GradientAggregate),
  all: GradientAggregate,
});
export type GradientView = z.infer<typeof GradientView>;

/**
 * What one eigenLab call may cost. Each of the four curves holds recorded steps × n values, about
 * 20 bytes of JSON apiece: 50,000 keep an answer near 4 MB. The work, in multiply-adds (a few
 * nanoseconds each), keeps a call to a few seconds of computing, which the server runs in slices.
 */
export const EIGEN_LAB_LIMITS = { recordedValues: 50_000, work: 6e8 } as const;

/** The arguments that size a call (EigenLabArgs, parsed). */
export interface EigenLabSize {
  n: number;
  p: number;
  teacherSteps: number | null;
  studentSteps: number;
  record: number;
}

/** Steps 0, record, 2·record, … up to studentSteps, and studentSteps itself (shared/eigenLab.ts). */
export function eigenLabRecordedSteps(a: Pick<EigenLabSize, 'studentSteps' | 'record'>): number {
  return Math.ceil(a.studentSteps / a.record) + 1;
}

/** Values in each of the answer's four curves: recorded steps × n. */
export function eigenLabRecordedValues(a: Pick<EigenLabSize, 'n' | 'studentSteps' | 'record'>): number {
  return eigenLabRecordedSteps(a) * a.n;
}

/**
 * shared/eigenLab.ts's multiply-adds, as measured: drawing X (a Gaussian costs some 80), K = X Xᵀ
 * (n²p/2), its eigendecomposition (about 4n³), GD (2np a step, teacher and student, plus about
 * 100 for the step's own bookkeeping) and each recorded step's X w and projections (np + n², both models).
 */
export function eigenLabWork(a: EigenLabSize): number {
  const { n, p, studentSteps } = a;
  const teacherRun = a.teacherSteps === null ? studentSteps : Math.max(a.teacherSteps, studentSteps);
  return 80 * n * p + (n * n * p) / 2 + 4 * n ** 3 + (2 * n * p + 100) * (teacherRun + studentSteps) + 2 * eigenLabRecordedSteps(a) * (n * p + n * n);
}

export const EigenLabArgs = z
  .object({
    n: z.number().int().min(2).max(400).default(50),
    p: z.number().int().min(1).max(4000).default(200),
    scales: z.object({ kind: z.literal('geomspace'), from: z.number().positive().max(1e6), to: z.number().positive().max(1e6) }).strict().default({ kind: 'geomspace', from: 3, to: 0.05 }),
    noise: z.number().nonnegative().max(1e3).default(0),
    stepSize: z.union([z.number().positive().max(1e6), z.literal('auto')]).default('auto'),
    /** the teacher's stopping step T̃; null = trained to convergence */
    teacherSteps: z.number().int().nonnegative().max(1_000_000).nullable().default(300),
    studentSteps: z.number().int().min(1).max(1_000_000).default(3000),
    record: z.number().int().min(1).max(1_000_000).default(10),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict()
  // Refused before any work: the answer's size and the computing time (EIGEN_LAB_LIMITS).
  .superRefine((a, ctx) => {
    const values = eigenLabRecordedValues(a);
    if (values > EIGEN_LAB_LIMITS.recordedValues) {
      const rows = Math.floor(EIGEN_LAB_LIMITS.recordedValues / a.n);
      const fewest = rows >= 2 ? `record every ${Math.ceil(a.studentSteps / (rows - 1)).toLocaleString('en-US')} steps or more` : 'lower n';
      ctx.addIssue({
        code: 'custom',
        path: ['record'],
        message: `${eigenLabRecordedSteps(a).toLocaleString('en-US')} recorded steps × n = ${values.toLocaleString('en-US')} values per curve, more than the ${EIGEN_LAB_LIMITS.recordedValues.toLocaleString('en-US')} one answer holds: ${fewest}`,
      });
    }
    const work = eigenLabWork(a);
    if (work > EIGEN_LAB_LIMITS.work) {
      ctx.addIssue({ code: 'custom', message: `too large for one call: n, p and the steps cost about ${work.toExponential(1)} multiply-adds (limit ${EIGEN_LAB_LIMITS.work.toExponential(0)})` });
    }
  });


export const EigenLabResult = z.object({
  eigenvalues: z.array(z.number()),
  stepSize: z.number(),
  /** null: the converged teacher */
  teacherSteps: z.number().nullable(),
  steps: z.array(z.number()),
  /** c[r][k] = c_{k+1}(steps[r]); null where ⟨u_k, y⟩ is too small to divide by */
  teacher: z.array(z.array(Num)),
  student: z.array(z.array(Num)),
  closedFormTeacher: z.array(z.array(Num)),
  closedFormStudent: z.array(z.array(Num)),
});
export type EigenLabResult = z.infer<typeof EigenLabResult>;

/** A lab run (shared/eigenLab.ts) as the contract sends it: arrays, and null for NaN and for the converged teacher's steps. */
export function eigenLabAnswer(run: EigenLabRun): EigenLabResult {
  const rows = (c: Float64Array[]) => c.map((row) => Array.from(row, (v) => (Number.isFinite(v) ? v : null)));
  return {
    eigenvalues: Array.from(run.eigenvalues),
    stepSize: run.stepSize,
    teacherSteps: Number.isFinite(run.teacherSteps) ? run.teacherSteps : null,
    steps: run.steps,
    teacher: rows(run.teacher.c),
    student: rows(run.student.c),
    closedFormTeacher: rows(run.closedForm.teacher.c),
    closedFormStudent: rows(run.closedForm.student.c),
  };
}

/** k of a run ingested with top-k storage (its spec's external.topK), else null. */
export function topKOf(spec: unknown): number | null {
  const k = (spec as { external?: { topK?: unknown } } | null)?.external?.topK;
  return typeof k === 'number' ? k : null;
}

/**
 * What the analytics can and cannot compute for a run that stored only its k largest
 * probabilities and p(label) per example (docs/ingest.md, "Many classes"); the app completes each
 * row by spreading the unknown mass evenly over the unknown classes.
 */
export function topKNote(runName: string, k: number): string {
  return (
    `${runName} stored its top ${k} probabilities and p(label) only: p(label), top classes, correctness, accuracy, fidelity, ` +
    `top-1 disagreement, flips and the three-way confusion${k >= 2 ? ', margins' : ''} are exact; KL, total variation, entropy, ` +
    `${k < 2 ? 'margins, ' : ''}φ and rank of a class outside its top ${k} (and so Δ, β and the cartography) are estimates, its unknown mass spread evenly`
  );
}

/** One topKNote for each run of an experiment stored top-k only. */
export function topKNotes(runs: readonly { name: string; spec: unknown }[]): string[] {
  return runs.flatMap((r) => {
    const k = topKOf(r.spec);
    return k === null ? [] : [topKNote(r.name, k)];
  });
}

/** A number of the report that is an estimate where a run of the pair is stored top-k (besides the per-example measures). */
export type EstimatedNumber = ExampleMeasure | 'meanKl' | 'beta' | 'bins';

/**
 * Which numbers of a student–teacher pair are estimates (docs/metrics.md, "Top-k runs"), given the
 * k each stored (null: every probability) and the class φ is read at: KL and TV need every class
 * of both; entropy every class of its run, the margin its second value (k = 1); φ is exact at a
 * known class — the label, and the teacher's own top class — so the student's φ (and Δ, β, the
 * bins) is an estimate only at the teacher's top class; the rank in a top-k teacher beyond k.
 */
export function topKEstimates(teacherK: number | null, studentK: number | null, classChoice: 'teacher-top' | 'label'): Set<EstimatedNumber> {
  const out = new Set<EstimatedNumber>();
  const add = (when: boolean, ...names: EstimatedNumber[]) => {
    if (when) for (const n of names) out.add(n);
  };
  add(teacherK !== null || studentK !== null, 'kl', 'tv', 'klMean', 'klStd', 'gradNormKd', 'gradCosKd', 'meanKl');
  add(studentK !== null && classChoice === 'teacher-top', 'studentProb', 'studentPhi', 'deviation', 'deviationMean', 'deviationStd', 'beta', 'bins');
  add(studentK !== null, 'studentEntropy', 'gradNormOnehot', 'gradCosOnehot');
  add(teacherK !== null, 'teacherEntropy', 'studentTopRankInTeacher');
  add(teacherK === 1, 'teacherMargin');
  add(studentK === 1, 'studentMargin');
  return out;
}

/** topKEstimates of a student run and its teacher among `runs` (an experiment's), from their specs. */
export function pairEstimates(runs: readonly { id: number; spec: unknown; teacherRunId: number | null }[], studentRunId: number | undefined, classChoice: 'teacher-top' | 'label'): Set<EstimatedNumber> {
  const student = runs.find((r) => r.id === studentRunId);
  const teacher = runs.find((r) => r.id === student?.teacherRunId);
  return student ? topKEstimates(teacher ? topKOf(teacher.spec) : null, topKOf(student.spec), classChoice) : new Set();
}

/** The splits a run ingested from elsewhere recorded where it left some out (its spec's external.splits), else null: every split. */
export function recordedSplitsOf(spec: unknown): string[] | null {
  const splits = (spec as { external?: { splits?: unknown } } | null)?.external?.splits;
  return Array.isArray(splits) && splits.every((s) => typeof s === 'string') ? (splits as string[]) : null;
}

/**
 * One note per set of runs that recorded only some splits (a log of the training split alone,
 * docs/ingest.md): which splits they recorded and, given the dataset's splits, which they left
 * out. The analytics cover the splits both runs of a pair recorded.
 */
export function splitNotes(runs: readonly { name: string; spec: unknown }[], datasetSplits?: readonly string[]): string[] {
  const bySplits = new Map<string, { names: string[]; splits: string[] }>();
  for (const r of runs) {
    const splits = recordedSplitsOf(r.spec);
    if (!splits) continue;
    const key = JSON.stringify(splits);
    const entry = bySplits.get(key) ?? { names: [], splits };
    entry.names.push(r.name);
    bySplits.set(key, entry);
  }
  return [...bySplits.values()].map(({ names, splits }) => {
    const left = (datasetSplits ?? []).filter((s) => !splits.includes(s));
    const who = names.length === 1 ? `${names[0]} recorded` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} recorded`;
    return `${who} predictions for ${splits.length === 1 ? 'the split' : 'the splits'} ${splits.join(', ')} only${left.length ? ` (no ${left.join(', ')})` : ''}: the numbers cover the splits both runs of a pair recorded`;
  });
}
