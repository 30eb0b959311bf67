// The Compare page's "Across N seeds" table: one row per student and split, each number as
// "mean [lo, hi]" in the per-experiment table's units and digits, an em dash where a number is
// missing, no interval below two seeds, an interval cut to what its number can be, and the clean
// accuracy (named so) where label noise changed a split's labels.
import { describe, expect, it } from 'vitest';
import { SEED_METRICS, SeriesReport, type SeedAggregate, type SeedMetric } from '../../shared/findings.js';
import { formatFixed } from '../../renderer/src/format.js';
import { GLOSSARY } from '../../renderer/src/glossary.js';
import { formatSeedAggregate, runsOf, SERIES_COLUMNS, seriesHeading, seriesTableRows } from '../../renderer/src/seriesReportTable.js';

const none: SeedAggregate = { n: 0, mean: null, interval: null, values: [null, null] };
const agg = (mean: number, interval: [number, number] | null, values: (number | null)[]): SeedAggregate => ({ n: values.filter((v) => v !== null).length, mean, interval, values });

function metrics(overrides: Partial<Record<SeedMetric, SeedAggregate>> = {}): Record<SeedMetric, SeedAggregate> {
  const base = Object.fromEntries(SEED_METRICS.map((m) => [m, none])) as Record<SeedMetric, SeedAggregate>;
  return {
    ...base,
    teacherAccuracy: agg(0.9, [0.88, 0.92], [0.89, 0.91]),
    studentAccuracy: agg(0.785, [0.7705, 0.7995], [0.78, 0.79]),
    fidelity: agg(0.9125, [0.9, 0.925], [0.91, 0.915]),
    meanKl: agg(0.12345, [0.1, 0.14691], [0.12, 0.1269]),
    beta: agg(0.8321, [-0.5, 2.1642], [0.7, 0.9642]),
    deltaLowest: agg(-0.4567, [-1.2, 0.2866], [-0.5, -0.4134]),
    deltaTop: agg(0.0512, [0.01, 0.0924], [0.05, 0.0524]),
    hardPointFitRate: agg(0.5, [0.25, 0.75], [0.45, 0.55]),
    ...overrides,
  };
}

/** A report over seeds 1 and 2 (experiments 11 and 12) of the given students. */
const twoSeeds = (students: object[]): SeriesReport => SeriesReport.parse({ experimentIds: [11, 12], seeds: [1, 2], students });
/** The KD student of both seeds, over the given splits. */
const kdStudent = (splits: object[]) => ({ name: 'student-kd', runIds: [102, 202], splits });

/** Two seeds, a KD and a one-hot student, train and test; label noise on train. */
function report(): SeriesReport {
  return twoSeeds([
    kdStudent([
      {
        split: 'train',
        metrics: metrics({
          teacherCleanAccuracy: agg(0.95, [0.94, 0.96], [0.95, 0.95]),
          studentCleanAccuracy: agg(0.83, [0.8, 0.86], [0.82, 0.84]),
        }),
      },
      { split: 'test', metrics: metrics() },
    ]),
    {
      name: 'student-onehot',
      runIds: [103, null],
      splits: [
        {
          split: 'test',
          metrics: metrics({
            studentAccuracy: agg(0.7, null, [0.7, null]),
            fidelity: none,
            beta: { n: 1, mean: 1.25, interval: null, values: [1.25, null] },
            meanKl: { n: 1, mean: 0.2, interval: null, values: [0.2, null] },
            deltaLowest: { n: 1, mean: -0.1, interval: null, values: [-0.1, null] },
            deltaTop: { n: 1, mean: 0.3, interval: null, values: [0.3, null] },
            hardPointFitRate: { n: 1, mean: 0.4, interval: null, values: [0.4, null] },
            teacherAccuracy: { n: 1, mean: 0.9, interval: null, values: [0.9, null] },
          }),
        },
      ],
    },
  ]);
}

describe('the across-seeds table', () => {
  it('has one row per student and split, in the report\'s order', () => {
    const rows = seriesTableRows(report());
    expect(rows.map((r) => [r.student, r.split])).toEqual([
      ['student-kd', 'train'],
      ['student-kd', 'test'],
      ['student-onehot', 'test'],
    ]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(3);
    // the student's name spans its splits' rows
    expect(rows.map((r) => r.studentRows)).toEqual([2, 0, 1]);
    expect(rows[0]!.runIds).toEqual([102, 202]);
  });

  it('writes every number as "mean [lo, hi]" with the per-experiment table\'s percent and digits', () => {
    const test = seriesTableRows(report())[1]!;
    const text = Object.fromEntries(Object.entries(test.cells).map(([k, c]) => [k, c.text]));
    expect(text).toEqual({
      accuracy: '78.5% [77.0%, 80.0%]',
      fidelity: '91.3% [90.0%, 92.5%]',
      kl: '0.1235 [0.1000, 0.1469]',
      beta: '0.832 [-0.500, 2.164]',
      deltaLowest: '-0.457 [-1.200, 0.287]',
      deltaTop: '0.051 [0.010, 0.092]',
      hardPointFit: '50.0% [25.0%, 75.0%]',
    });
    expect(test.cells.beta).toMatchObject({ mean: '0.832', interval: '[-0.500, 2.164]' });
    expect(test.seeds).toBe('2');
  });

  it('names each replicate\'s value by its seed for the cell\'s tooltip', () => {
    const test = seriesTableRows(report())[1]!;
    expect(test.cells.accuracy.perSeed).toBe('seed 1: 78.0% · seed 2: 79.0%');
    expect(test.cells.kl.perSeed).toBe('seed 1: 0.1200 · seed 2: 0.1269');
    // a series without seed labels names its experiments
    const unlabelled = seriesTableRows({ ...report(), seeds: [null, null] })[1]!;
    // experiments by their id, "#11" as examples are numbered (never "experiment 11", which reads as a code of the papers)
    expect(unlabelled.cells.beta.perSeed).toBe('experiment #11: 0.700 · experiment #12: 0.964');
  });

  it('writes an em dash for a missing mean and no interval below two seeds', () => {
    const onehot = seriesTableRows(report())[2]!;
    expect(onehot.cells.fidelity).toEqual({ mean: '—', interval: null, text: '—', perSeed: 'seed 1: — · seed 2: —' });
    expect(onehot.cells.accuracy).toMatchObject({ mean: '70.0%', interval: null, text: '70.0%', perSeed: 'seed 1: 70.0% · seed 2: —' });
    expect(onehot.cells.beta.text).toBe('1.250');
    // the student is missing from the second replicate: the row says how many seeds it stands on
    expect(onehot.seeds).toBe('1 of 2');
    expect(runsOf(onehot.runIds)).toBe('runs 103, —');
  });

  it('shows the clean accuracy, named so, where the teacher has a clean accuracy, else the given one', () => {
    const [train, test] = seriesTableRows(report());
    expect(train!.clean).toBe(true);
    expect(train!.accuracyName).toBe('student acc. (clean)');
    expect(train!.cells.accuracy.text).toBe('83.0% [80.0%, 86.0%]');
    expect(test!.clean).toBe(false);
    expect(test!.accuracyName).toBe('student acc.');
    expect(test!.cells.accuracy.text).toBe('78.5% [77.0%, 80.0%]');
  });

  it('ignores an interval whose mean is unknown, and non-finite numbers', () => {
    const show = (x: number) => formatFixed(x, 3);
    expect(formatSeedAggregate({ n: 0, mean: null, interval: [0, 1], values: [] }, show).text).toBe('—');
    expect(formatSeedAggregate({ n: 2, mean: 0.5, interval: [0.25, 0.75], values: [0.25, 0.75] }, show, ['seed 1']).perSeed).toBe('seed 1: 0.250 · replicate 2: 0.750');
  });

  it('cuts an interval that reaches past what a number can be to its range; β and Δ are unbounded', () => {
    const wide = twoSeeds([
      kdStudent([
        {
          split: 'test',
          metrics: metrics({
            studentAccuracy: agg(0.42, [-0.316, 1.209], [0.3, 0.54]),
            hardPointFitRate: agg(0.9, [0.5, 1.3], [0.85, 0.95]),
            meanKl: agg(0.75, [-1.0284, 2.5261], [0.5, 1]),
            beta: agg(0.3, [-1.333, 1.978], [0.2, 0.4]),
          }),
        },
      ]),
    ]);
    const cells = seriesTableRows(wide)[0]!.cells;
    expect(cells.accuracy.text).toBe('42.0% [0.0%, 100.0%]');
    expect(cells.hardPointFit.text).toBe('90.0% [50.0%, 100.0%]');
    expect(cells.kl.text).toBe('0.7500 [0.0000, 2.5261]');
    expect(cells.beta.text).toBe('0.300 [-1.333, 1.978]');
    // the seeds' own values are never cut
    expect(cells.accuracy.perSeed).toBe('seed 1: 30.0% · seed 2: 54.0%');
  });

  it('heads the table with the seed count and the experiments', () => {
    expect(seriesHeading(report())).toBe('Across 2 seeds (experiments #11, #12)');
    expect(seriesHeading({ experimentIds: [11, 12, 13] })).toBe('Across 3 seeds (experiments #11, #12, #13)');
  });

  it('explains every column, with the glossary\'s words where the glossary has the term', () => {
    expect(SERIES_COLUMNS.map((c) => c.label)).toEqual(['Student acc.', 'Fidelity', 'KL(T‖S)', 'β', 'Δ lowest bin', 'Δ top bin', 'Hard-point fit']);
    const help = Object.fromEntries(SERIES_COLUMNS.map((c) => [c.key, c.help]));
    expect(help.beta).toBe(GLOSSARY.beta);
    expect(help.fidelity).toBe(GLOSSARY.fidelity);
    expect(help.deltaLowest).toBe(GLOSSARY.lowestBinDelta);
    // each column's tooltip is its glossary entry, so it links to that entry on the Help page
    for (const c of SERIES_COLUMNS) {
      expect(c.help).toBe(GLOSSARY[c.term]);
      expect(c.help.text.length).toBeGreaterThan(20);
    }
  });
});
