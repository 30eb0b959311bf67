// What the Findings page writes about the numbers of shared/findings.ts: the formatting shared
// with the CLI (shared/findingsText.ts), the unit names, the seeds line and each explore link as
// an explorer route built by the explorer's own URL encoder.
import type { RouteLocationRaw } from 'vue-router';
import type { FindingClaim, FindingExplore, Findings } from '../../shared/findings.js';
import { encodeExplorerState, explorerStateOfFilter } from './explorer/explorerState.js';

export {
  formatFindingValue,
  formatInterval,
  formatUnitNumber,
  OP_SYMBOLS,
  significant,
  STATUS_WORDS,
  tallyClaims,
  tallySentence,
  thresholdNumber,
  type ClaimTally,
  type FindingUnit,
} from '../../shared/findingsText.js';
import type { FindingUnit } from '../../shared/findingsText.js';

/** What the unit is, for the chart's y axis name. */
export const UNIT_NAMES: Record<FindingUnit, string> = {
  points: 'percentage points',
  share: 'share',
  ratio: 'ratio',
  slope: 'slope β',
  logit: 'logit (φ units)',
  absolute: 'value',
};

export interface SeedLink {
  seed: number | null;
  experimentId: number;
}

/** "3 seeds" and each seed with its experiment; an experiment without seeds is one entry with seed null. */
export function seedLinks(findings: Pick<Findings, 'seeds' | 'experimentIds'>): { heading: string; links: SeedLink[] } {
  const { seeds, experimentIds } = findings;
  if (seeds.length === 0 || seeds.length !== experimentIds.length) {
    const n = experimentIds.length;
    return { heading: n === 1 ? 'no seed replicates' : `${n} experiments`, links: experimentIds.map((experimentId) => ({ seed: null, experimentId })) };
  }
  return { heading: `${seeds.length} ${seeds.length === 1 ? 'seed' : 'seeds'}`, links: seeds.map((seed, i) => ({ seed, experimentId: experimentIds[i]! })) };
}

export interface ExploreLink {
  to: RouteLocationRaw & { name: 'explore'; params: { id: string }; query: Record<string, string | string[]> };
  label: string;
  /** the clauses of the finding's filter the explorer's URL cannot carry (the link shows a superset) */
  dropped: string[];
}

/** A finding's examples as an explorer route, encoded by the explorer's own state encoder. */
export function exploreLink(explore: FindingExplore): ExploreLink {
  const { state, dropped } = explorerStateOfFilter(explore.filter, explore.studentRunId);
  return { to: { name: 'explore', params: { id: String(explore.experimentId) }, query: encodeExplorerState(state) }, label: explore.label, dropped };
}

/** Whether a claim's chart has anything to draw: at least one evidence entry with a value. */
export function hasChartEvidence(claim: Pick<FindingClaim, 'evidence'>): boolean {
  return claim.evidence.some((e) => e.value !== null && Number.isFinite(e.value));
}
