// How a finding's numbers are written, the same in the CLI (`disobey findings`) and on the Findings
// page: a statistic in its unit ("+1.7 points", "47.0%", "0.83"), its interval, its threshold and
// the tally of claim statuses. Pure text, no DOM or Node.
import type { FindingClaim, FindingStatus } from './findings.js';

export type FindingUnit = FindingClaim['unit'];

export const STATUS_WORDS: Record<FindingStatus, string> = {
  reproduced: 'reproduced',
  'not-reproduced': 'not reproduced',
  'not-applicable': 'not applicable',
};

export interface ClaimTally {
  total: number;
  reproduced: number;
  notReproduced: number;
  notApplicable: number;
}

export function tallyClaims(claims: readonly Pick<FindingClaim, 'status'>[]): ClaimTally {
  const count = (status: FindingStatus) => claims.filter((c) => c.status === status).length;
  return { total: claims.length, reproduced: count('reproduced'), notReproduced: count('not-reproduced'), notApplicable: count('not-applicable') };
}

/** "5 of 8 claims reproduced, 2 not reproduced, 1 not applicable" */
export function tallySentence(tally: ClaimTally): string {
  const claims = tally.total === 1 ? 'claim' : 'claims';
  return `${tally.reproduced} of ${tally.total} ${claims} reproduced, ${tally.notReproduced} not reproduced, ${tally.notApplicable} not applicable`;
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
