// The dataset view's filter state in the route query, so a view can be bookmarked:
// ?split=train&label=3&noisy=1&example=1234. Decoding is forgiving (a bad value is dropped),
// encoding leaves defaults out so URLs stay short.
import { SplitName } from '../../shared/domain.js';

export interface FilterState {
  split: string | null;
  label: number | null;
  noisyOnly: boolean;
  /** the example open in the detail panel */
  example: number | null;
}

export const EMPTY_FILTER: FilterState = Object.freeze({ split: null, label: null, noisyOnly: false, example: null });

/** vue-router's LocationQuery, restated so this module needs no router import. */
export type QueryLike = Record<string, string | null | (string | null)[] | undefined>;

function first(value: string | null | (string | null)[] | undefined): string | null {
  if (Array.isArray(value)) return value.find((v): v is string => typeof v === 'string') ?? null;
  return typeof value === 'string' ? value : null;
}

function nonNegativeInt(text: string | null): number | null {
  if (text === null || !/^\d{1,15}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export function decodeFilter(query: QueryLike): FilterState {
  const splitText = first(query.split);
  const split = splitText !== null && SplitName.safeParse(splitText).success ? splitText : null;
  const noisyText = first(query.noisy);
  const example = nonNegativeInt(first(query.example));
  return {
    split,
    label: nonNegativeInt(first(query.label)),
    noisyOnly: noisyText === '1' || noisyText === 'true',
    example: example !== null && example > 0 ? example : null,
  };
}

export function encodeFilter(state: FilterState): Record<string, string> {
  const query: Record<string, string> = {};
  if (state.split !== null) query.split = state.split;
  if (state.label !== null) query.label = String(state.label);
  if (state.noisyOnly) query.noisy = '1';
  if (state.example !== null) query.example = String(state.example);
  return query;
}

/** Whether two states select the same examples (the open example aside). */
export function sameSelection(a: FilterState, b: FilterState): boolean {
  return a.split === b.split && a.label === b.label && a.noisyOnly === b.noisyOnly;
}

/** A stable key for the examples a filter selects, for caches. */
export function selectionKey(datasetId: number, state: FilterState): string {
  return `${datasetId}|${state.split ?? '*'}|${state.label ?? '*'}|${state.noisyOnly ? 'noisy' : 'all'}`;
}
