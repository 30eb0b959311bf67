// The findings' words and numbers on a small series whose numbers are set by hand (the QA run on a
// noisy 4-class image set, two seeds, one shared teacher): experiment 2's sentence written from β
// and Δ, intervals clipped to what a measure can take (in the findings, the CLI's table and the
// app's, by one rule), thresholds kept on not-applicable claims, the data-independent checks
// counted apart, the memorised-noise warning, exp7's per-seed and mean numbers, exp1's legend.
import { describe, expect, it } from 'vitest';
import type { DeviationReport, GradientView, SplitDeviation, StudentDeviation } from '../../shared/analytics.js';
import { clipInterval, FindingClaim, SEED_METRIC_DOMAINS, SEED_METRICS, type Findings, type SeedAggregate, type SeriesReport } from '../../shared/findings.js';
import { reproducedSummary, tallyClaims, tallySentence } from '../../shared/findingsText.js';
import type { ExperimentSummary, RunSummary } from '../../shared/runs.js';
import { computeFindings, confidenceByBin, flippedLabelFit, type FindingsSources, type TeacherRows } from '../../main/analytics/findings.js';
import { formatFindings } from '../../main/cli/findingsCommand.js';
import { formatSeriesReport } from '../../main/cli/reportCommand.js';
import { evidenceSeriesName, findingChartOption } from '../../renderer/src/charts/findings.js';
import { seriesTableRows } from '../../renderer/src/seriesReportTable.js';

const CLASSES = 4;
const ROWS = 40;
/** train rows 0–11 have their label flipped to the next class; the teacher predicts the flipped label on 0–10 */
const FLIPPED = 12;
const FITS_FLIPPED = 11;

function run(id: number, experimentId: number, role: 'teacher' | 'student', name: string, loss?: string): RunSummary {
  return {
    id,
    experimentId,
    role,
    name,
    teacherRunId: role === 'student' ? 1 : null,
    spec: loss ? { phases: [{ from: 0, loss: { kind: loss } }], selfDistill: true, seed: 1 } : { seed: 101 },
    status: 'done',
    backend: 'cpu',
    epochs: 4,
    epochsDone: 4,
    trainAccuracy: null,
    testAccuracy: null,
    seconds: 1,
    error: null,
  };
}

function split(name: string, over: Partial<SplitDeviation>): SplitDeviation {
  return {
    split: name,
    n: ROWS,
    beta: 0.8,
    intercept: 0,
    betaCi95: [null, null],
    bins: [],
    underfits: false,
    hardPointFitRate: 0.8,
    teacherAccuracy: 0.9,
    studentAccuracy: 0.9,
    teacherCleanAccuracy: null,
    studentCleanAccuracy: null,
    meanKl: 0.1,
    fidelity: 0.9,
    ...over,
  };
}

const bins = (low: number, top: number) => [
  { centre: -1, delta: low, count: 4, lo: -2, hi: 0 },
  { centre: 0, delta: (low + top) / 2, count: 4, lo: 0, hi: 1 },
  { centre: 2, delta: top, count: 4, lo: 1, hi: 3 },
];

interface SeedNumbers {
  beta: number;
  deltaLow: number;
  deltaTop: number;
  cosKd: number;
  kdTest: number;
}

/** QA's numbers: β 0.77/0.79 on test, Δ lowest −0.50/−0.34, top −1.46/−1.52; KD's cosine −0.037/0.212 against one-hot's 0.936. */
const QA: SeedNumbers[] = [
  { beta: 0.77, deltaLow: -0.5, deltaTop: -1.46, cosKd: -0.037, kdTest: 0.89 },
  { beta: 0.79, deltaLow: -0.34, deltaTop: -1.52, cosKd: 0.212, kdTest: 0.88 },
];

function sources(perSeed: SeedNumbers[] = QA): FindingsSources {
  const experimentIds = perSeed.map((_, i) => i + 1);
  // student run ids: KD 10 + experiment, one-hot 20 + experiment; the teacher (run 1) lives in experiment 1
  const experiment = (id: number): ExperimentSummary => ({
    id,
    datasetId: 1,
    name: `seed ${id}`,
    createdAt: '2026-12-01',
    series: 'qa',
    seed: id,
    runs: [...(id === 1 ? [run(1, 1, 'teacher', 'teacher')] : []), run(10 + id, id, 'student', 'KD τ=1', 'kd'), run(20 + id, id, 'student', 'one-hot', 'onehot')],
  });
  const student = (id: number, runId: number, name: string, s: SeedNumbers, test: number): StudentDeviation => ({
    studentRunId: runId,
    studentName: name,
    studentEpoch: 4,
    teacherRunId: 1,
    teacherName: 'teacher',
    teacherEpoch: 4,
    teacherInterpolates: false,
    splits: [
      split('train', { teacherAccuracy: 0.988, teacherCleanAccuracy: 0.817, studentAccuracy: 0.97, studentCleanAccuracy: 0.82, bins: bins(-0.01, -1.3) }),
      split('test', { beta: s.beta, bins: bins(s.deltaLow, s.deltaTop), teacherAccuracy: 0.904, studentAccuracy: test }),
    ],
  });
  const report = (id: number): Promise<DeviationReport> => {
    const s = perSeed[id - 1]!;
    return Promise.resolve({ experimentId: id, datasetId: 1, classChoice: 'teacher-top', bootstrap: 0, students: [student(id, 10 + id, 'KD τ=1', s, s.kdTest), student(id, 20 + id, 'one-hot', s, 0.91)], notes: [] });
  };
  const gradient = (experimentId: number, studentRunId: number, splitName: string): GradientView => {
    const q = { name: 'lowest quarter', n: 10, normOnehot: 1, normKd: 1, cosOnehot: 0.936, cosKd: perSeed[experimentId - 1]!.cosKd };
    return { studentRunId, teacherRunId: 1, split: splitName, quartiles: [q], groups: [], all: q };
  };
  const teacherRows = (_e: number, _s: number, splitName: string): TeacherRows => {
    const train = splitName === 'train';
    const truth = (r: number) => r % CLASSES;
    const given = (r: number) => (train && r < FLIPPED ? (r + 1) % CLASSES : truth(r));
    const predicted = (r: number) => (train && r < FITS_FLIPPED ? given(r) : truth(r));
    return {
      rows: ROWS,
      numClasses: CLASSES,
      row(r, scratch) {
        const p = 0.4 + (0.5 * r) / ROWS;
        scratch.fill((1 - p) / (CLASSES - 1));
        scratch[predicted(r)] = p;
        return scratch;
      },
      label: truth,
      trainLabel: given,
    };
  };
  return {
    series: experimentIds.map((experimentId) => ({ experimentId, seed: experimentId })),
    experiment,
    dataset: { id: 1, name: 'synthetic textures', splitNames: ['train', 'test'], classGroups: [] },
    report,
    betaInterval: () => Promise.resolve([null, null]),
    gradient,
    epochMetrics: () => [],
    teacherRows,
  };
}

const ARGS = { experimentId: 1, bootstrap: 100, seed: 0 };
const byId = (f: Findings, id: FindingClaim['id']) => f.claims.find((c) => c.id === id)!;

describe('experiment 2’s sentence, from β and Δ of the lowest and top bins', () => {
  it('a flatter student less confident than its teacher at both ends says so, with both Δs', async () => {
    const two = byId(await computeFindings(sources(), ARGS), 'exp2');
    expect(two.status).toBe('not-reproduced');
    expect(two.reason).toContain(
      'flatter than the diagonal — the student is less confident than its teacher where the teacher is sure (Δ of the top bin −1.49) and also where it is unsure (Δ of the lowest bin −0.42; both means over 2 seeds).',
    );
    // the fixed sentence contradicted these numbers (the student is not "not as unsure" where its teacher is unsure)
    expect(two.reason).not.toMatch(/not as unsure/);
  });

  it('a flatter student above its teacher where it is unsure says "but more confident"', async () => {
    const two = byId(await computeFindings(sources(QA.map((s) => ({ ...s, deltaLow: 0.6 }))), ARGS), 'exp2');
    expect(two.reason).toContain('flatter than the diagonal — the student is less confident than its teacher where the teacher is sure (Δ of the top bin −1.49) but more confident than its teacher where it is unsure (Δ of the lowest bin 0.60;');
  });

  it('a steeper student: the exaggeration read from the same Δs', async () => {
    const steep = QA.map((s) => ({ ...s, beta: s.beta + 0.6, deltaLow: -0.8, deltaTop: 0.4 }));
    // β 1.37 and 1.39: the t-interval over two seeds stays above 1
    const two = byId(await computeFindings(sources(steep), ARGS), 'exp2');
    expect(two.status).toBe('reproduced');
    expect(two.reason).toContain('steeper than the diagonal, so the student exaggerates: the student is more confident than its teacher where the teacher is sure (Δ of the top bin 0.40) but less confident than its teacher where it is unsure (Δ of the lowest bin −0.80; both means over 2 seeds).');
    expect(confidenceByBin(0.2, 0.9, 1)).toBe('the student is more confident than its teacher where the teacher is sure (Δ of the top bin 0.90) and also where it is unsure (Δ of the lowest bin 0.20)');
  });
});

describe('intervals within the values a measure can take', () => {
  it('exp7’s difference of two cosines: the t-interval is clipped to [−2, 2], said so, and the chart’s axis stays inside', async () => {
    const seven = byId(await computeFindings(sources(), ARGS), 'exp7');
    const diffs = QA.map((s) => s.cosKd - 0.936);
    const mean = (diffs[0]! + diffs[1]!) / 2;
    expect(seven.statistic!).toBeCloseTo(mean, 12);
    // unclipped: mean − 12.71 · sd/√2 ≈ −2.42, a value no difference of cosines takes
    expect(seven.domain).toEqual([-2, 2]);
    expect(seven.interval![0]).toBe(-2);
    expect(seven.interval![1]).toBeLessThan(2);
    expect(seven.intervalMethod).toBe('Student t over 2 seeds, clipped to [−2, 2]');
    const y = findingChartOption(seven)!.yAxis as { min: number; max: number };
    expect(y.min).toBeGreaterThanOrEqual(-2);
    expect(y.max).toBeLessThanOrEqual(2);
  });

  it('one clipping rule for the CLI’s table across seeds and the app’s: fidelity, accuracy, KL', () => {
    const aggregate = (mean: number, interval: [number, number]): SeedAggregate => ({ n: 2, mean, interval, values: [mean, mean] });
    const metrics = Object.fromEntries(SEED_METRICS.map((m) => [m, aggregate(0.5, [0.4, 0.6])])) as Record<(typeof SEED_METRICS)[number], SeedAggregate>;
    // the QA table's numbers, as the t-interval made them before clipping
    metrics.studentAccuracy = aggregate(0.899, [0.687, 1.111]);
    // no label noise on test: the accuracy column is the given labels'
    metrics.teacherCleanAccuracy = { n: 0, mean: null, interval: null, values: [null, null] };
    metrics.studentCleanAccuracy = metrics.teacherCleanAccuracy;
    metrics.fidelity = aggregate(0.987, [0.945, 1.029]);
    metrics.meanKl = aggregate(0.0619, [-0.0379, 0.1616]);
    metrics.beta = aggregate(0.594, [-0.053, 1.24]);
    const series: SeriesReport = { experimentIds: [1, 2], seeds: [1, 2], students: [{ name: 'KD τ=1', runIds: [3, 7], splits: [{ split: 'test', metrics }] }] };
    const text = formatSeriesReport(series);
    expect(text).toContain('89.9% [68.7%, 100.0%]');
    expect(text).toContain('98.7% [94.5%, 100.0%]');
    expect(text).toContain('0.0619 [0.0000, 0.1616]');
    // β is unbounded: its interval stays as made
    expect(text).toContain('0.594 [-0.053, 1.240]');
    expect(text).not.toMatch(/10[1-9]\.\d%|11\d\.\d%|\[-0\.0379/);
    const cells = seriesTableRows(series)[0]!.cells;
    expect(cells.fidelity.interval).toBe('[94.5%, 100.0%]');
    expect(cells.accuracy.interval).toBe('[68.7%, 100.0%]');
    expect(cells.kl.interval).toBe('[0.0000, 0.1616]');
    expect(clipInterval([-0.2, 1.3], SEED_METRIC_DOMAINS.hardPointFitRate)).toEqual([0, 1]);
    expect(clipInterval([-3, 4], SEED_METRIC_DOMAINS.deltaLowest)).toEqual([-3, 4]);
  });
});

describe('thresholds of claims that cannot be tested', () => {
  it('exp5 and exp8 keep their thresholds when not applicable, and the CLI prints them as not applied', async () => {
    const findings = await computeFindings(sources(), ARGS);
    const five = byId(findings, 'exp5');
    expect(five.status).toBe('not-applicable');
    expect(five.threshold).toEqual({ op: '>=', value: 0.5, text: '≥ 50% of KD’s gain' });
    const eight = byId(findings, 'exp8');
    expect(eight.status).toBe('not-applicable');
    expect(eight.threshold).toMatchObject({ op: '<', value: 0 });
    const text = formatFindings(findings);
    expect(text).toContain('      threshold ≥ 50% of KD’s gain (not applied: the claim cannot be tested here)');
    expect(text).toContain('      threshold lower KL than plain KD (not applied: the claim cannot be tested here)');
  });
});

describe('the tally', () => {
  it('counts the checks independent of the data apart: none of the claims on the data reproduced', async () => {
    const findings = await computeFindings(sources(), ARGS);
    expect(findings.claims.filter((c) => c.dataIndependent).map((c) => c.id)).toEqual(['exp1', 'exp6']);
    const tally = tallyClaims(findings.claims);
    expect(tally).toMatchObject({ total: 6, reproduced: 0 });
    expect(tallySentence(tally)).toBe(
      `On this experiment’s data: 0 of 6 claims reproduced, ${tally.notReproduced} not reproduced, ${tally.notApplicable} not applicable; the 2 checks independent of the data (metric sanity, linear lab) pass`,
    );
    expect(formatFindings(findings).split('\n')[2]).toBe(`${tallySentence(tally)}.`);
    expect(formatFindings(findings)).toMatch(/^exp6 {2}REPRODUCED {6}.*\(linear lab\) · independent of this experiment’s data$/m);
    expect(reproducedSummary(findings.claims)).toBe('0 of 6 claims reproduced on this experiment’s data (none); the 2 checks independent of the data (exp1, exp6) pass');
  });

  it('names each independent check that does not pass', () => {
    const claims = [
      { id: 'exp1' as const, status: 'reproduced' as const, dataIndependent: true },
      { id: 'exp4' as const, status: 'reproduced' as const, dataIndependent: false },
      { id: 'exp6' as const, status: 'not-reproduced' as const, dataIndependent: true },
    ];
    expect(tallySentence(tallyClaims(claims))).toBe('On this experiment’s data: 1 of 1 claim reproduced, 0 not reproduced, 0 not applicable; of the 2 checks independent of the data, metric sanity passes, linear lab fails');
    expect(reproducedSummary(claims)).toBe('1 of 1 claim reproduced on this experiment’s data (exp4); of the 2 checks independent of the data, exp1 passes, exp6 fails');
  });
});

describe('a teacher that memorised the label noise', () => {
  it('is warned about once for a shared teacher, with the share and the count of the flipped labels it fits', async () => {
    const findings = await computeFindings(sources(), ARGS);
    // 98.8% on the noisy labels: below the 99% of SPEC M4's interpolation flag
    expect(findings.diagnostics.map((d) => d.kind)).not.toContain('teacher-interpolates');
    const memorised = findings.diagnostics.filter((d) => d.kind === 'label-noise' && d.runId === 1);
    expect(memorised).toHaveLength(1);
    expect(memorised[0]!.message).toContain('The teacher "teacher" (seed 1) has memorised most of the label noise on train: it predicts the flipped label on 91.7% of the examples whose label was flipped (11 of 12; a guess would hit it about 1 time in 4), and the true label on 8.3%.');
    expect(memorised[0]!.message).toMatch(/KD gain over one-hot can come only from a student that disobeys its teacher/);
  });

  it('counts the flipped rows and the teacher’s predictions on them; no labels, no count', () => {
    const rows = sources().teacherRows(1, 11, 'train');
    expect(flippedLabelFit(rows)).toEqual({ flipped: FLIPPED, predictsFlipped: FITS_FLIPPED, predictsTrue: 1 });
    expect(flippedLabelFit({ rows: rows.rows, numClasses: rows.numClasses, row: rows.row })).toBeNull();
  });
});

describe('exp7’s sentence', () => {
  it('gives each seed’s two cosines and difference, then the mean over the seeds, so the numbers add up', async () => {
    const seven = byId(await computeFindings(sources(), ARGS), 'exp7');
    expect(seven.reason).toContain('seed 1: KD −0.037 against one-hot 0.936, KD − one-hot −0.973; seed 2: KD 0.212 against one-hot 0.936, KD − one-hot −0.724; mean of KD − one-hot over the 2 seeds −0.849 (95% interval −2.000 to ');
    expect(seven.reason).toContain('clipped to the values the measure can take, [−2, 2])');
  });
});

describe('the metric sanity chart', () => {
  it('names its bars as checks, not seeds', async () => {
    const one = byId(await computeFindings(sources(), ARGS), 'exp1');
    expect(one.evidence.map((e) => e.seed)).toEqual([1, 1, 1, 1]);
    expect(evidenceSeriesName(one)).toBe('each check');
    expect((findingChartOption(one)!.legend as { data: string[] }).data[0]).toBe('each check');
    // without the claim's name, four entries of one seed are still not "each seed"
    expect(evidenceSeriesName({ evidence: one.evidence })).toBe('each entry');
  });
});
