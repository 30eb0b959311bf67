// `disobey findings`: each SPEC experiment's claim tested on an experiment and its seed
// replicates (docs/findings.md), as cards in text or as the contract's JSON.
import { ValidationError } from '../../shared/errors.js';
import { FindingsArgs, type Findings } from '../../shared/findings.js';
import { formatFindingValue, formatInterval, STATUS_WORDS, tallyClaims, tallySentence } from '../../shared/findingsText.js';
import { describeFlagIssues } from '../../shared/zodIssues.js';
import { createAnalyticsService } from '../analytics/analyticsService.js';
import type { Store } from '../store/store.js';
import { printable, say, sayJson } from './output.js';

export interface FindingsCommandOptions {
  experiment?: number;
  bootstrap?: number;
  seed?: number;
  json: boolean;
}

export async function findingsCommand(store: Store, options: FindingsCommandOptions): Promise<Findings> {
  const experimentId = options.experiment ?? store.experiments.listExperiments().at(-1)?.id;
  if (experimentId === undefined) throw new ValidationError('the database holds no experiment yet: disobey train … or disobey demo');
  const parsed = FindingsArgs.safeParse({ experimentId, bootstrap: options.bootstrap, seed: options.seed });
  if (!parsed.success) throw new ValidationError(describeFlagIssues(parsed.error, { experimentId: '--experiment', bootstrap: '--bootstrap', seed: '--seed' }));
  const findings = await createAnalyticsService(store).handlers.findings(parsed.data);
  if (options.json) sayJson(findings);
  else say(formatFindings(findings));
  return findings;
}

/** Claims as cards in text: the answer, the tally, then per claim its status, statistic, interval, threshold and reason. */
export function formatFindings(f: Findings): string {
  const seeds = f.seeds.length ? `seeds ${f.seeds.join(', ')} (experiments ${f.experimentIds.join(', ')})` : `experiment ${f.experimentIds.join(', ')}, one seed`;
  // Each sentence is one line: a line break in a run's or dataset's name is escaped, not obeyed.
  const lines = [`Findings on ${printable(f.datasetName)}: ${seeds}`, printable(f.answer), `${tallySentence(tallyClaims(f.claims))}.`, ''];
  for (const c of f.claims) {
    const interval = formatInterval(c.interval, c.unit);
    lines.push(`${c.id}  ${STATUS_WORDS[c.status].toUpperCase().padEnd(14)}  ${c.title}${c.dataIndependent ? ' · independent of this experiment’s data' : ''}`);
    if (c.statistic !== null) lines.push(`      ${c.statisticName}: ${formatFindingValue(c.statistic, c.unit)}${interval ? ` ${interval}` : ''}${c.threshold ? ` · threshold ${c.threshold.text}` : ''}`);
    // A claim without a number still names the bar it could not be held to.
    else if (c.threshold) lines.push(`      threshold ${c.threshold.text} (not applied: ${c.status === 'not-applicable' ? 'the claim cannot be tested here' : 'no value'})`);
    lines.push(`      ${printable(c.reason)}`);
  }
  if (f.diagnostics.length) {
    lines.push('', 'Read with care:');
    for (const d of f.diagnostics) lines.push(`  ! ${printable(d.message)}`);
  }
  return lines.join('\n');
}
