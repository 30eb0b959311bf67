// `disobey report`: SPEC M1–M7 of every student of an experiment against its teacher, as a table
// or JSON, and optionally every example's numbers as CSV (docs/metrics.md says how each is
// computed; the Python package's `per_example` gives the same table).
import path from 'node:path';
import { ReportArgs, EXAMPLE_MEASURES, type DeviationReport } from '../../shared/analytics.js';
import { DomainError, ValidationError } from '../../shared/errors.js';
import { describeFlagIssues } from '../../shared/zodIssues.js';
import { createAnalyticsService } from '../analytics/analyticsService.js';
import { createOutputFile } from '../export/outputFile.js';
import { clipInterval, SEED_METRIC_DOMAINS, type MeasureDomain, type SeedAggregate, type SeriesReport } from '../../shared/findings.js';
import type { Store } from '../store/store.js';
import { printable, say, sayJson } from './output.js';

export interface ReportCommandOptions {
  experiment?: number;
  epoch?: number;
  split?: string;
  classChoice?: string;
  bootstrap?: number;
  seed?: number;
  json: boolean;
  /** write every example's measures (one row per example and student) to this CSV file */
  examplesCsv?: string;
}

/** The report's fields as the flags that set them, so a refusal names what the user typed. */
const REPORT_FLAGS: Record<string, string> = { experimentId: '--experiment', epoch: '--epoch', split: '--split', classChoice: '--class', bootstrap: '--bootstrap', seed: '--seed' };

export async function reportCommand(store: Store, options: ReportCommandOptions): Promise<void> {
  const experiments = store.experiments.listExperiments();
  const experimentId = options.experiment ?? experiments.at(-1)?.id;
  if (experimentId === undefined) throw new ValidationError('the database holds no experiment yet: disobey train … or disobey demo');
  const parsed = ReportArgs.safeParse({
    experimentId,
    epoch: options.epoch,
    split: options.split,
    classChoice: options.classChoice,
    bootstrap: options.bootstrap,
    seed: options.seed,
  });
  if (!parsed.success) throw new ValidationError(describeFlagIssues(parsed.error, REPORT_FLAGS));
  const analytics = createAnalyticsService(store);
  const report = await analytics.handlers.deviationReport(parsed.data);
  if (options.examplesCsv) await writeExamplesCsv(analytics, report, parsed.data.classChoice, options.examplesCsv, parsed.data.split);
  if (options.json) return sayJson(report);
  say(formatReport(report));
  // Seed replicates: the same numbers averaged over every replicate, with their intervals.
  if (store.experiments.seriesOf(experimentId).length > 1) say(`\n${formatSeriesReport(await analytics.handlers.seriesReport({ experimentId }))}`);
}

/** "mean [lo, hi]", the interval clipped to the values the measure can take (shared/findings.ts), as the app's table shows it. */
const meanCell = (a: SeedAggregate, show: (x: number | null) => string, domain: MeasureDomain) => {
  if (a.mean === null) return '—';
  const iv = a.interval && clipInterval(a.interval, domain);
  return `${show(a.mean)}${iv ? ` [${show(iv[0])}, ${show(iv[1])}]` : ''}`;
};

/** The report across seeds: per student and split, mean [95% t-interval] of each number. */
export function formatSeriesReport(series: SeriesReport): string {
  const noisy = series.students.some((s) => s.splits.some((d) => d.metrics.teacherCleanAccuracy.n > 0));
  const head = `across ${series.seeds.length} seed replicates (experiments ${series.experimentIds.join(', ')}): mean [95% t-interval over seeds, clipped to the values each measure can take]`;
  const blocks = series.students.map((s) => {
    const header = ['split', 'seeds', noisy ? 'student acc (clean)' : 'student acc', 'fidelity', 'KL', 'β', 'Δ lowest', 'Δ top'];
    const rows = s.splits.map((d) => {
      const m = d.metrics;
      return [
        d.split,
        String(m.studentAccuracy.n),
        m.studentCleanAccuracy.n ? meanCell(m.studentCleanAccuracy, pct, SEED_METRIC_DOMAINS.studentCleanAccuracy) : meanCell(m.studentAccuracy, pct, SEED_METRIC_DOMAINS.studentAccuracy),
        meanCell(m.fidelity, pct, SEED_METRIC_DOMAINS.fidelity),
        meanCell(m.meanKl, (x) => fixed(x, 4), SEED_METRIC_DOMAINS.meanKl),
        meanCell(m.beta, fixed, SEED_METRIC_DOMAINS.beta),
        meanCell(m.deltaLowest, fixed, SEED_METRIC_DOMAINS.deltaLowest),
        meanCell(m.deltaTop, fixed, SEED_METRIC_DOMAINS.deltaTop),
      ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return [`${printable(s.name)} (runs ${s.runIds.map((id) => id ?? '—').join(', ')})`, line(header), ...rows.map(line)].join('\n');
  });
  return [head, ...blocks].join('\n\n');
}

/**
 * Every example's numbers to --examples FILE, through export's partial file (main/export/outputFile.ts):
 * an interrupted report leaves no cut-off CSV to block the next one, and a refusal names the option.
 */
async function writeExamplesCsv(
  analytics: ReturnType<typeof createAnalyticsService>,
  report: DeviationReport,
  classChoice: 'teacher-top' | 'label',
  file: string,
  split: string | undefined,
): Promise<void> {
  const target = path.resolve(file);
  const named = (err: unknown) => {
    if (!(err instanceof DomainError)) return err;
    const why = err.code === 'CONFLICT' ? 'already exists; Disobey never overwrites: choose another path' : err.message;
    return new DomainError(err.code, `--examples ${file}: ${why}`, { ...err.place, field: '--examples' }, { cause: err });
  };
  const out = await createOutputFile(target, false).catch((err: unknown) => {
    throw named(err);
  });
  const encoder = new TextEncoder();
  try {
    const header = ['student_run_id', 'example_id', 'split', 'idx', 'label', 'train_label', 'k', ...EXAMPLE_MEASURES, 'teacher_correct', 'student_correct'];
    await out.write(encoder.encode(header.join(',') + '\n'));
    for (const student of report.students) {
      const scope = { experimentId: report.experimentId, studentRunId: student.studentRunId, epoch: student.studentEpoch, classChoice };
      let lines: string[] = [];
      for (const e of analytics.allExamples(scope, split ? { split } : {})) {
        const teacher = e.runs.find((r) => r.runId === student.teacherRunId);
        const self = e.runs.find((r) => r.runId === student.studentRunId);
        // Examples the pair did not both record (a run ingested from a train-only log) have no numbers.
        if (teacher?.labelProb === null || self?.labelProb === null) continue;
        lines.push([student.studentRunId, e.id, e.split, e.index, e.label, e.trainLabel, e.confidenceClass, ...EXAMPLE_MEASURES.map((m) => e.measures[m] ?? ''), teacher?.correct ? 1 : 0, self?.correct ? 1 : 0].join(','));
        if (lines.length === 5000) {
          await out.write(encoder.encode(lines.join('\n') + '\n'));
          lines = [];
        }
      }
      if (lines.length) await out.write(encoder.encode(lines.join('\n') + '\n'));
    }
  } catch (err) {
    await out.discard();
    throw named(err);
  }
  await out.publish().catch((err: unknown) => {
    throw named(err);
  });
}

const fixed = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export function formatReport(report: DeviationReport): string {
  // Where label noise changed training labels, accuracy against them is not accuracy against the
  // truth: both are shown, each named (a split without noise has no clean column of its own).
  const noisy = report.students.some((s) => s.splits.some((d) => d.teacherCleanAccuracy !== null));
  const blocks = report.students.map((s) => {
    const title = `${printable(s.studentName)} (run ${s.studentRunId}, epoch ${s.studentEpoch}) vs ${printable(s.teacherName)} (run ${s.teacherRunId}, epoch ${s.teacherEpoch})${s.teacherInterpolates ? ' — teacher interpolates its training labels' : ''}`;
    const header = ['split', 'n', ...(noisy ? ['teacher acc (given)', 'student acc (given)', 'teacher acc (clean)', 'student acc (clean)'] : ['teacher acc', 'student acc']), 'fidelity', 'KL', 'β', 'β 95% CI', 'Δ lowest', 'Δ top', 'underfits', 'hard fit'];
    const rows = s.splits.map((d) => [
      d.split,
      String(d.n),
      pct(d.teacherAccuracy),
      pct(d.studentAccuracy),
      ...(noisy ? [pct(d.teacherCleanAccuracy ?? d.teacherAccuracy), pct(d.studentCleanAccuracy ?? d.studentAccuracy)] : []),
      pct(d.fidelity),
      fixed(d.meanKl, 4),
      fixed(d.beta),
      `[${fixed(d.betaCi95[0])}, ${fixed(d.betaCi95[1])}]`,
      fixed(d.bins[0]?.delta ?? null),
      fixed(d.bins.at(-1)?.delta ?? null),
      d.underfits ? 'yes' : 'no',
      pct(d.hardPointFitRate),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return [title, line(header), ...rows.map(line)].join('\n');
  });
  const head = `experiment ${report.experimentId} · φ at the ${report.classChoice === 'label' ? 'label' : "teacher's top class"} · ${report.bootstrap} bootstrap resamples`;
  const noiseNote = noisy ? ['Note: label noise changed some training labels: "given" accuracy is against the labels the runs trained on (noisy on the noisy split), "clean" against the true labels; train-split numbers are in-sample.'] : [];
  return [head, ...blocks, ...report.notes.map((n) => `Note: ${printable(n)}.`), ...noiseNote].join('\n\n') || head;
}
