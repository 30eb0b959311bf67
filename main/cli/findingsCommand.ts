// `disobey findings`: each SPEC experiment's claim tested on an experiment and its seed
// replicates (docs/findings.md), as cards in text or as the contract's JSON.
import type Database from 'better-sqlite3';
import { ValidationError } from '../../shared/errors.js';
import { FindingsArgs, type FindingClaim, type Findings } from '../../shared/findings.js';
import { describeZodError } from '../../shared/zodIssues.js';
import { createAnalyticsService } from '../analytics/analyticsService.js';
import { createRunQueries } from '../store/runQueries.js';

export interface FindingsCommandOptions {
  experiment?: number;
  bootstrap?: number;
  seed?: number;
  json: boolean;
}

export async function findingsCommand(db: Database.Database, options: FindingsCommandOptions): Promise<Findings> {
  const experimentId = options.experiment ?? createRunQueries(db).listExperiments().at(-1)?.id;
  if (experimentId === undefined) throw new ValidationError('the database holds no experiment yet: disobey train … or disobey demo');
  const parsed = FindingsArgs.safeParse({ experimentId, bootstrap: options.bootstrap, seed: options.seed });
  if (!parsed.success) throw new ValidationError(describeZodError(parsed.error));
  const findings = await createAnalyticsService(db).handlers.findings(parsed.data);
  console.log(options.json ? JSON.stringify(findings) : formatFindings(findings));
  return findings;
}

const STATUS_TEXT: Record<FindingClaim['status'], string> = { reproduced: 'REPRODUCED', 'not-reproduced': 'NOT REPRODUCED', 'not-applicable': 'not applicable' };

/** A claim's statistic in its unit, e.g. "+1.7 points", "84.0%", "β 0.87". */
export function formatStatistic(claim: Pick<FindingClaim, 'statistic' | 'unit'>, value = claim.statistic): string {
  if (value === null) return '—';
  switch (claim.unit) {
    case 'points':
      return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)} points`;
    case 'share':
      return `${(value * 100).toFixed(1)}%`;
    case 'absolute':
      return Math.abs(value) < 1e-3 && value !== 0 ? value.toExponential(1) : value.toFixed(3);
    default:
      return value.toFixed(3);
  }
}

export function formatFindings(f: Findings): string {
  const seeds = f.seeds.length ? `seeds ${f.seeds.join(', ')} (experiments ${f.experimentIds.join(', ')})` : `experiment ${f.experimentIds.join(', ')}, one seed`;
  const counts = (['reproduced', 'not-reproduced', 'not-applicable'] as const).map((s) => `${f.claims.filter((c) => c.status === s).length} ${STATUS_TEXT[s].toLowerCase()}`).join(', ');
  const lines = [`Findings on ${f.datasetName}: ${seeds}`, `${f.answer}`, `${counts}.`, ''];
  for (const c of f.claims) {
    const interval = c.interval ? ` [${formatStatistic(c, c.interval[0])}, ${formatStatistic(c, c.interval[1])}]` : '';
    lines.push(`${c.id}  ${STATUS_TEXT[c.status].padEnd(14)}  ${c.title}`);
    if (c.statistic !== null) lines.push(`      ${c.statisticName}: ${formatStatistic(c)}${interval}${c.threshold ? ` · threshold ${c.threshold.text}` : ''}`);
    lines.push(`      ${c.reason}`);
  }
  if (f.diagnostics.length) {
    lines.push('', 'Read with care:');
    for (const d of f.diagnostics) lines.push(`  ! ${d.message}`);
  }
  return lines.join('\n');
}
