// Which splits the explorer's numbers cover, in words. The scatter's β is fitted over the points
// it shows, so with no split chosen it pools train (in-sample) with test (held out) and matches
// neither split's β (SPEC P1 reads train and test separately, as Compare and `report` do); Δ by
// teacher confidence is always one split's, so the page says which when it differs from the filter.

/** The split the runs trained on; every other split is held out. */
export const IN_SAMPLE_SPLIT = 'train';

/** A phrase with its tooltip. */
export interface ScopeWords {
  text: string;
  title: string;
}

export interface BetaScope extends ScopeWords {
  /** the fit mixes splits (the fitted line's legend entry repeats it) */
  pooled: boolean;
}

/** Splits as a sentence lists them: "train and test", "train, test and shifted". */
export function splitList(splits: readonly string[]): string {
  if (splits.length <= 1) return splits[0] ?? '';
  return `${splits.slice(0, -1).join(', ')} and ${splits[splits.length - 1]}`;
}

/** "train is in-sample (the runs trained on it)", "test is held out (no run trained on it)" */
function splitRole(split: string): string {
  return split === IN_SAMPLE_SPLIT ? `${split} is in-sample (the runs trained on it)` : `${split} is held out (no run trained on it)`;
}

const PER_SPLIT = 'Compare and the report give β for each split on its own.';

/**
 * What the scatter's β is fitted over: the chosen split, or every split pooled. The text goes
 * beside the number in brackets ("β 0.688 (train and test pooled)"); empty for a dataset of one split.
 */
export function betaScope(split: string | null, splits: readonly string[]): BetaScope {
  if (split !== null) {
    return { text: split, pooled: false, title: `β fitted over the ${split} examples that pass the filters; ${splitRole(split)}. ${PER_SPLIT}` };
  }
  if (splits.length <= 1) return { text: '', pooled: false, title: `β fitted over the examples that pass the filters. ${PER_SPLIT}` };
  return {
    text: `${splitList(splits)} pooled`,
    pooled: true,
    title:
      `β fitted over ${splitList(splits)} together, in one fit: ${splits.map(splitRole).join('; ')}. ` +
      `So it is the β of no one split. ${PER_SPLIT} Choose a split above for its own β here.`,
  };
}

/** The split Δ by teacher confidence shows: the chosen one, else the in-sample split (Δ is per split, never pooled). */
export function deltaChartSplit(split: string | null, splits: readonly string[]): string {
  if (split !== null) return split;
  return splits.includes(IN_SAMPLE_SPLIT) || splits.length === 0 ? IN_SAMPLE_SPLIT : splits[0]!;
}

/** Why Δ by teacher confidence shows one split while the filter (and the scatter) takes them all; null when they agree. */
export function deltaSplitNote(split: string | null, shown: string, splits: readonly string[]): ScopeWords | null {
  if (split !== null || splits.length <= 1) return null;
  return {
    text: `${shown} only; the scatter pools ${splitList(splits)}`,
    title:
      `Δ is computed over one split at a time, so with Split “all” this chart shows ${shown}: ${splitRole(shown)}. ` +
      `The scatter beside it pools ${splitList(splits)}. Choose a split above to show the same examples in both.`,
  };
}
