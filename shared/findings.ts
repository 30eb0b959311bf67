// The findings contract (issue 16, docs/findings.md): each claim of SPEC experiments 1–8 that an
// experiment (and its seed replicates) can test, as a statistic with its interval, the SPEC
// threshold it is held to, a status and the reason in words derived from the same numbers.
import { z } from 'zod';
import { ExampleFilter } from './analytics.js';
import { Id, SplitName } from './domain.js';

export const FINDING_IDS = ['exp1', 'exp2', 'exp3', 'exp4', 'exp5', 'exp6', 'exp7', 'exp8'] as const;
export const FindingId = z.enum(FINDING_IDS);
export type FindingId = z.infer<typeof FindingId>;

export const FindingStatus = z.enum(['reproduced', 'not-reproduced', 'not-applicable']);
export type FindingStatus = z.infer<typeof FindingStatus>;

const Num = z.number().nullable();

/** What a claim's statistic is compared with: `statistic op value` reproduces it. */
export const FindingThreshold = z.object({
  op: z.enum(['>=', '>', '<=', '<']),
  value: z.number(),
  /** the threshold in words, e.g. "≥ +1 point, and the 95% interval above 0" */
  text: z.string(),
});
export type FindingThreshold = z.infer<typeof FindingThreshold>;

/**
 * One seed's (or one split's) contribution to a claim. `value` is in the claim's unit. exp4:
 * kdRunId/onehotRunId with value = KD − one-hot test accuracy on clean labels (points); exp5:
 * switchRunId with the recovered share.
 */
export const FindingEvidence = z
  .object({
    seed: z.number().int().nullable(),
    /** null for the linear lab (exp6), which does not read the experiment */
    experimentId: Id.nullable(),
    value: Num,
    /** what the value is of, e.g. "seed 2", "test split", "cf-easy-random" */
    label: z.string(),
    split: SplitName.optional(),
    runId: Id.optional(),
    teacherRunId: Id.optional(),
    kdRunId: Id.optional(),
    onehotRunId: Id.optional(),
    switchRunId: Id.optional(),
  })
  .strict();
export type FindingEvidence = z.infer<typeof FindingEvidence>;

/** The examples behind a claim: the explorer opened on this pair with this filter. */
export const FindingExplore = z
  .object({
    experimentId: Id,
    studentRunId: Id,
    filter: ExampleFilter,
    /** what the filter selects, for the link's text */
    label: z.string(),
  })
  .strict();
export type FindingExplore = z.infer<typeof FindingExplore>;

export const FindingClaim = z
  .object({
    id: FindingId,
    title: z.string(),
    /** the claim in plain words */
    claim: z.string(),
    /** SPEC.md / the paper the claim comes from */
    source: z.string(),
    status: FindingStatus,
    /** the number the status is decided on (null when not applicable or undefined) */
    statistic: Num,
    /** what `statistic` is, e.g. "KD − one-hot test accuracy, mean over seeds" */
    statisticName: z.string(),
    unit: z.enum(['points', 'share', 'ratio', 'slope', 'logit', 'absolute']),
    /** 95% interval of the statistic over seeds (t or bootstrap, named in `intervalMethod`); null with one seed */
    interval: z.tuple([z.number(), z.number()]).nullable(),
    intervalMethod: z.string().nullable(),
    /** the claim's threshold, kept when the claim is not applicable: the bar that could not be applied; null only for a claim with none */
    threshold: FindingThreshold.nullable(),
    /** why the status is what it is, derived from the numbers above */
    reason: z.string(),
    evidence: z.array(FindingEvidence),
    explore: z.array(FindingExplore),
    /**
     * The claim does not test this experiment's data: a check of the measures themselves (exp1)
     * or the linear lab (exp6). The tally counts these apart from the claims tested on the data.
     */
    dataIndependent: z.boolean().default(false),
    /** the values the statistic can take where they are bounded (a difference of two cosines: [−2, 2]); the interval is clipped to it */
    domain: z.tuple([z.number(), z.number()]).nullable().default(null),
    /** what one evidence entry is, for the chart's legend ("each check"); absent: inferred from the entries */
    evidenceName: z.string().optional(),
  })
  .strict();
export type FindingClaim = z.infer<typeof FindingClaim>;

export const DiagnosticKind = z.enum([
  'not-converged',
  'teacher-interpolates',
  'in-sample',
  'underfit-flag-vs-delta',
  'label-noise',
  'few-seeds',
  'top-k',
  'unfinished',
  'splits',
]);

/** A warning that prevents a misreading of the claims (issue 16 item 4). */
export const FindingDiagnostic = z
  .object({
    kind: DiagnosticKind,
    experimentId: Id,
    runId: Id.nullable(),
    message: z.string(),
  })
  .strict();
export type FindingDiagnostic = z.infer<typeof FindingDiagnostic>;

export const FindingsArgs = z
  .object({
    experimentId: Id,
    /** bootstrap resamples for the intervals that are bootstrapped (β, shares over seeds) */
    bootstrap: z.number().int().min(0).max(10_000).default(1000),
    seed: z.number().int().nonnegative().max(0xffff_ffff).default(0),
  })
  .strict();
export type FindingsArgs = z.output<typeof FindingsArgs>;

export const Findings = z
  .object({
    /** the experiment asked for and its seed replicates, in seed order */
    experimentIds: z.array(Id),
    seeds: z.array(z.number().int()),
    datasetId: Id,
    datasetName: z.string(),
    /** "does it pay to disobey?" in one sentence, from the exp4 and exp3 numbers */
    answer: z.string(),
    claims: z.array(FindingClaim),
    diagnostics: z.array(FindingDiagnostic),
  })
  .strict();
export type Findings = z.infer<typeof Findings>;

/** A metric over seed replicates: mean, Student-t 95% interval (null below two seeds) and the per-seed values. */
export const SeedAggregate = z
  .object({
    n: z.number().int().nonnegative(),
    mean: Num,
    interval: z.tuple([z.number(), z.number()]).nullable(),
    values: z.array(Num),
  })
  .strict();
export type SeedAggregate = z.infer<typeof SeedAggregate>;

/** The deviation report's numbers that are averaged over seeds (SplitDeviation's, by name). */
export const SEED_METRICS = ['teacherAccuracy', 'studentAccuracy', 'teacherCleanAccuracy', 'studentCleanAccuracy', 'fidelity', 'meanKl', 'beta', 'deltaLowest', 'deltaTop', 'hardPointFitRate'] as const;
export type SeedMetric = (typeof SEED_METRICS)[number];

/** The values a measure can take: shares in [0, 1], KL ≥ 0; β and Δ (differences of φ) are unbounded. */
export type MeasureDomain = readonly [number, number];
const SHARE: MeasureDomain = [0, 1];
const UNBOUNDED: MeasureDomain = [-Infinity, Infinity];
export const SEED_METRIC_DOMAINS: Record<SeedMetric, MeasureDomain> = {
  teacherAccuracy: SHARE,
  studentAccuracy: SHARE,
  teacherCleanAccuracy: SHARE,
  studentCleanAccuracy: SHARE,
  fidelity: SHARE,
  meanKl: [0, Infinity],
  beta: UNBOUNDED,
  deltaLowest: UNBOUNDED,
  deltaTop: UNBOUNDED,
  hardPointFitRate: SHARE,
};

/**
 * A 95% interval cut to the values its measure can take. With few seeds a t-interval (mean ±
 * t·sd/√n) can reach past them (a fidelity above 100%); the true value lies inside the domain, so
 * cutting keeps the coverage. The one rule for the series report, the findings, the CLI and the app.
 */
export function clipInterval(interval: readonly [number, number], domain: MeasureDomain = UNBOUNDED): [number, number] {
  const cut = (x: number) => Math.min(domain[1], Math.max(domain[0], x));
  return [cut(interval[0]), cut(interval[1])];
}

/** Whether clipping changed the interval (it reached past the measure's range). */
export function wasClipped(interval: readonly [number, number], domain: MeasureDomain): boolean {
  return interval[0] < domain[0] || interval[1] > domain[1];
}

export const SeriesReportArgs = z.object({ experimentId: Id }).strict();

/**
 * The deviation report across an experiment's seed replicates (issue 16): each student, matched
 * by name across replicates, per split, every SEED_METRICS number as a SeedAggregate.
 */
export const SeriesReport = z
  .object({
    experimentIds: z.array(Id),
    seeds: z.array(z.number().int().nullable()),
    students: z.array(
      z
        .object({
          name: z.string(),
          /** the student's run in each replicate (null where the replicate lacks it) */
          runIds: z.array(Id.nullable()),
          splits: z.array(z.object({ split: SplitName, metrics: z.record(z.enum(SEED_METRICS), SeedAggregate) }).strict()),
        })
        .strict(),
    ),
  })
  .strict();
export type SeriesReport = z.infer<typeof SeriesReport>;
