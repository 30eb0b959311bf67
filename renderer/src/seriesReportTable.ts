// The Compare page's "Across N seeds" table (issue 16): the series report's numbers, one row per
// student and split, each as "mean [lo, hi]" (the Student-t 95% interval over seeds) in the same
// units and digits as the per-experiment Compare table, with what each column means.
import { clipInterval, SEED_METRIC_DOMAINS, type MeasureDomain, type SeedAggregate, type SeedMetric, type SeriesReport } from '../../shared/findings.js';
import { formatAccuracy, formatFixed } from './format.js';
import { GLOSSARY, type GlossaryEntry, type GlossaryKey } from './glossary.js';

export type SeriesColumnKey = 'accuracy' | 'fidelity' | 'kl' | 'beta' | 'deltaLowest' | 'deltaTop' | 'hardPointFit';

export interface SeriesColumn {
  key: SeriesColumnKey;
  /** the header's words */
  label: string;
  /** the column's glossary entry (its tooltip links to it on the Help page) */
  term: GlossaryKey;
  help: GlossaryEntry;
  /** one number in the column's unit, as the per-experiment table writes it */
  show: (value: number) => string;
  /** the values the number can take, where bounded (shared/findings.ts's SEED_METRIC_DOMAINS): an interval is cut to it */
  domain?: MeasureDomain;
}

const percent = (x: number) => formatAccuracy(x);
const fixed3 = (x: number) => formatFixed(x, 3);

/** The columns after Student, Split and Seeds, in the per-experiment table's order (Δ top added). */
export const SERIES_COLUMNS: readonly SeriesColumn[] = [
  { key: 'accuracy', label: 'Student acc.', term: 'accuracy', help: GLOSSARY.accuracy, show: percent, domain: SEED_METRIC_DOMAINS.studentAccuracy },
  { key: 'fidelity', label: 'Fidelity', term: 'fidelity', help: GLOSSARY.fidelity, show: percent, domain: SEED_METRIC_DOMAINS.fidelity },
  { key: 'kl', label: 'KL(T‖S)', term: 'kl', help: GLOSSARY.kl, show: (x) => formatFixed(x, 4), domain: SEED_METRIC_DOMAINS.meanKl },
  { key: 'beta', label: 'β', term: 'beta', help: GLOSSARY.beta, show: fixed3, domain: SEED_METRIC_DOMAINS.beta },
  { key: 'deltaLowest', label: 'Δ lowest bin', term: 'lowestBinDelta', help: GLOSSARY.lowestBinDelta, show: fixed3, domain: SEED_METRIC_DOMAINS.deltaLowest },
  { key: 'deltaTop', label: 'Δ top bin', term: 'deltaTop', help: GLOSSARY.deltaTop, show: fixed3, domain: SEED_METRIC_DOMAINS.deltaTop },
  { key: 'hardPointFit', label: 'Hard-point fit', term: 'hardPointFit', help: GLOSSARY.hardPointFit, show: percent, domain: SEED_METRIC_DOMAINS.hardPointFitRate },
];

export interface SeriesCell {
  /** "78.5%"; an em dash when no replicate has the number */
  mean: string;
  /** "[77.0%, 80.0%]"; null with fewer than two values */
  interval: string | null;
  /** mean and interval together, as the CLI prints them (both clip with shared/findings.ts's clipInterval) */
  text: string;
  /** each replicate's value, "seed 1: 78.1% · seed 2: 79.0%", for the cell's tooltip */
  perSeed: string;
}

export interface SeriesTableRow {
  key: string;
  student: string;
  split: string;
  /** the student's run in each replicate (null where the replicate lacks it) */
  runIds: (number | null)[];
  /** on a student's first row, its count of rows (the name cell's rowspan); 0 on the others */
  studentRows: number;
  /** replicates with numbers for this student and split, "2" or "1 of 2" */
  seeds: string;
  /** the accuracy is against the true labels (label noise changed some of this split's labels) */
  clean: boolean;
  /** "student acc. (clean)" or "student acc.": which accuracy the row shows */
  accuracyName: string;
  cells: Record<SeriesColumnKey, SeriesCell>;
}

/** A seed's name in tooltips: "seed 2", or its experiment where the series has no seed labels. */
function replicateNames(report: Pick<SeriesReport, 'seeds' | 'experimentIds'>): string[] {
  return report.experimentIds.map((id, i) => {
    const seed = report.seeds[i];
    return seed === null || seed === undefined ? `experiment #${id}` : `seed ${seed}`;
  });
}

/**
 * One aggregate as the table's cell: "mean [lo, hi]" in the column's unit; "—" for what is null.
 * With few seeds a t-interval can reach past what the number can be (an accuracy below 0%): it is
 * cut to `domain` by the rule the CLI uses too (clipInterval).
 */
export function formatSeedAggregate(aggregate: SeedAggregate, show: (value: number) => string, names: readonly string[] = [], domain?: MeasureDomain): SeriesCell {
  const known = (x: number | null): x is number => x !== null && Number.isFinite(x);
  const mean = known(aggregate.mean) ? show(aggregate.mean) : '—';
  const clipped = known(aggregate.mean) && aggregate.interval ? clipInterval(aggregate.interval, domain) : null;
  const interval = clipped ? `[${show(clipped[0])}, ${show(clipped[1])}]` : null;
  const perSeed = aggregate.values.map((v, i) => `${names[i] ?? `replicate ${i + 1}`}: ${known(v) ? show(v) : '—'}`).join(' · ');
  return { mean, interval, text: interval ? `${mean} ${interval}` : mean, perSeed };
}

const metricOf: Record<Exclude<SeriesColumnKey, 'accuracy'>, SeedMetric> = {
  fidelity: 'fidelity',
  kl: 'meanKl',
  beta: 'beta',
  deltaLowest: 'deltaLowest',
  deltaTop: 'deltaTop',
  hardPointFit: 'hardPointFitRate',
};

/** One row per student and split, students in the report's order, splits in the report's order. */
export function seriesTableRows(report: SeriesReport): SeriesTableRow[] {
  const names = replicateNames(report);
  const total = report.experimentIds.length;
  return report.students.flatMap((student) =>
    student.splits.map((d, i) => {
      const m = d.metrics;
      // Where label noise changed this split's labels, the given labels are not the truth: the
      // clean accuracy is the one to average (as the CLI's series report does).
      const clean = m.teacherCleanAccuracy.n > 0;
      const cell = (column: SeriesColumn) =>
        formatSeedAggregate(column.key === 'accuracy' ? (clean ? m.studentCleanAccuracy : m.studentAccuracy) : m[metricOf[column.key]], column.show, names, column.domain);
      const n = Math.max(0, ...Object.values(m).map((a) => a.n));
      return {
        key: `${student.name}\u0000${d.split}`,
        student: student.name,
        split: d.split,
        runIds: student.runIds,
        studentRows: i === 0 ? student.splits.length : 0,
        seeds: n === total ? String(n) : `${n} of ${total}`,
        clean,
        accuracyName: clean ? 'student acc. (clean)' : 'student acc.',
        cells: Object.fromEntries(SERIES_COLUMNS.map((c) => [c.key, cell(c)])) as Record<SeriesColumnKey, SeriesCell>,
      };
    }),
  );
}

/** "Across 3 seeds (experiments #11, #12, #13)": experiments by their id, as examples are. */
export function seriesHeading(report: Pick<SeriesReport, 'experimentIds'>): string {
  const ids = report.experimentIds;
  return `Across ${ids.length} ${ids.length === 1 ? 'seed' : 'seeds'} (${ids.length === 1 ? 'experiment' : 'experiments'} ${ids.map((id) => `#${id}`).join(', ')})`;
}

/** "runs 5, 12" for a row's title: the student's run in each replicate. */
export function runsOf(runIds: readonly (number | null)[]): string {
  return `${runIds.length === 1 ? 'run' : 'runs'} ${runIds.map((id) => id ?? '—').join(', ')}`;
}
