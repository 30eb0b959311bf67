// How a finding's numbers are written, the same in the CLI (`disobey findings`) and on the Findings
// page: a statistic in its unit ("+1.7 points", "47.0%", "0.83"), its interval, its threshold and
// the tally of claim statuses. Pure text, no DOM or Node.
import type { FindingClaim, FindingId, FindingStatus } from './findings.js';

export type FindingUnit = FindingClaim['unit'];

export const STATUS_WORDS: Record<FindingStatus, string> = {
  reproduced: 'reproduced',
  'not-reproduced': 'not reproduced',
  'not-applicable': 'not applicable',
};

/** The short names of the checks independent of the data, for the tally ("metric sanity, linear lab"). */
const CHECK_NAMES: Partial<Record<FindingId, string>> = { exp1: 'metric sanity', exp6: 'linear lab' };

/** A claim as the tally reads it; `dataIndependent` absent (an older result) counts as a claim on the data. */
export type TalliedClaim = Pick<FindingClaim, 'status'> & Partial<Pick<FindingClaim, 'id' | 'title' | 'dataIndependent'>>;

export interface ClaimTally {
  /** the claims tested on this experiment's data, by status */
  total: number;
  reproduced: number;
  notReproduced: number;
  notApplicable: number;
  /** the checks that do not test the data (metric sanity, the linear lab): counted apart */
  independent: { id: FindingId | null; name: string; status: FindingStatus }[];
}

export function tallyClaims(claims: readonly TalliedClaim[]): ClaimTally {
  const onData = claims.filter((c) => !c.dataIndependent);
  const count = (status: FindingStatus) => onData.filter((c) => c.status === status).length;
  const independent = claims
    .filter((c) => c.dataIndependent)
    .map((c) => ({ id: c.id ?? null, name: (c.id && CHECK_NAMES[c.id]) ?? c.title ?? 'a check', status: c.status }));
  return { total: onData.length, reproduced: count('reproduced'), notReproduced: count('not-reproduced'), notApplicable: count('not-applicable'), independent };
}

const CHECK_VERBS: Record<FindingStatus, string> = { reproduced: 'passes', 'not-reproduced': 'fails', 'not-applicable': 'could not run' };

/** "the 2 checks independent of the data (metric sanity, linear lab) pass"; null when there are none. */
function independentClause(independent: ClaimTally['independent']): string | null {
  const n = independent.length;
  if (n === 0) return null;
  const names = independent.map((c) => c.name).join(', ');
  if (n === 1) return `the check independent of the data (${names}) ${CHECK_VERBS[independent[0]!.status]}`;
  const statuses = new Set(independent.map((c) => c.status));
  if (statuses.size === 1) {
    const verb = { reproduced: 'pass', 'not-reproduced': 'fail', 'not-applicable': 'could not run' }[independent[0]!.status];
    return `the ${n} checks independent of the data (${names}) ${verb}`;
  }
  return `of the ${n} checks independent of the data, ${independent.map((c) => `${c.name} ${CHECK_VERBS[c.status]}`).join(', ')}`;
}

/**
 * "On this experiment’s data: 0 of 6 claims reproduced, 3 not reproduced, 3 not applicable; the 2
 * checks independent of the data (metric sanity, linear lab) pass". Without independent checks,
 * "5 of 8 claims reproduced, 2 not reproduced, 1 not applicable".
 */
export function tallySentence(tally: ClaimTally): string {
  const claims = tally.total === 1 ? 'claim' : 'claims';
  const counts = `${tally.reproduced} of ${tally.total} ${claims} reproduced, ${tally.notReproduced} not reproduced, ${tally.notApplicable} not applicable`;
  const checks = independentClause(tally.independent);
  return checks ? `On this experiment’s data: ${counts}; ${checks}` : counts;
}

/**
 * The demo's one-line summary: "0 of 6 claims reproduced on this experiment’s data (none); the 2
 * checks independent of the data (exp1, exp6) pass" — the claims by id, the data's apart.
 */
export function reproducedSummary(claims: readonly TalliedClaim[]): string {
  const tally = tallyClaims(claims);
  const onData = claims.filter((c) => !c.dataIndependent && c.status === 'reproduced').map((c) => c.id ?? '?');
  const head = `${tally.reproduced} of ${tally.total} ${tally.total === 1 ? 'claim' : 'claims'} reproduced on this experiment’s data (${onData.join(', ') || 'none'})`;
  const checks = independentClause(tally.independent.map((c) => ({ ...c, name: c.id ?? c.name })));
  return checks ? `${head}; ${checks}` : head;
}

/** A typographic minus, so "−0.8" and "+0.8" line up. */
const MINUS = '\u2212';

function signed(text: string, value: number): string {
  if (value > 0) return `+${text}`;
  return value < 0 ? `${MINUS}${text.replace(/^-/, '')}` : text;
}

/** 3 significant digits from 1 up, 2 below (0.56, 0.030, 1.23), whole numbers from 100, exponents below 0.001. */
export function significant(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 100) return String(Math.round(value));
  if (abs < 1e-3) return value.toExponential(1); // 8.9e-16 (a numerical check), not 0.00000000000000089
  return value.toPrecision(abs >= 1 ? 3 : 2);
}

/** The number alone, in the unit's style, for axis labels and evidence lists. */
export function formatUnitNumber(value: number, unit: FindingUnit): string {
  switch (unit) {
    case 'points':
      return signed(Math.abs(value).toFixed(1), Number(value.toFixed(1)));
    case 'share':
      return signed(`${Math.abs(value * 100).toFixed(1)}%`, Number((value * 100).toFixed(1))).replace(/^\+/, '');
    case 'logit':
      return signed(significant(Math.abs(value)), value);
    case 'slope':
    case 'ratio':
    case 'absolute':
      return value < 0 ? `${MINUS}${significant(-value)}` : significant(value);
  }
}

/** A statistic with its unit: "+1.7 points", "47.0%", "0.83", "−0.79 logit"; an em dash when undefined. */
export function formatFindingValue(value: number | null | undefined, unit: FindingUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const number = formatUnitNumber(value, unit);
  if (unit === 'points') return `${number} points`;
  if (unit === 'logit') return `${number} logit`;
  return number;
}

/** "[+0.9, +2.5] points"; null without an interval. */
export function formatInterval(interval: readonly [number, number] | null, unit: FindingUnit): string | null {
  if (!interval) return null;
  const [lo, hi] = interval;
  const body = `[${formatUnitNumber(lo, unit)}, ${formatUnitNumber(hi, unit)}]`;
  if (unit === 'points') return `${body} points`;
  if (unit === 'logit') return `${body} logit`;
  return body;
}

/** A threshold's comparison as it is printed. */
export const OP_SYMBOLS: Record<NonNullable<FindingClaim['threshold']>['op'], string> = { '>=': '≥', '>': '>', '<=': '≤', '<': '<' };

/** "≥ +1.0": the threshold's number in the claim's unit. */
export function thresholdNumber(claim: Pick<FindingClaim, 'threshold' | 'unit'>): string {
  return claim.threshold ? `${OP_SYMBOLS[claim.threshold.op]} ${formatUnitNumber(claim.threshold.value, claim.unit)}` : '';
}
