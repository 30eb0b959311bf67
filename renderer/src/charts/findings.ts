// The small chart on each finding's card, built without ECharts so it is tested without a
// browser: one bar per evidence entry (a seed, a split, a test set) in the claim's unit, the
// statistic as a solid line, its 95% interval as a band and the SPEC threshold as a dashed line,
// on a y axis fitted to include 0, the threshold, the interval and every value, and kept within
// the values the statistic can take (a difference of cosines: [−2, 2]).
import type { BarSeriesOption, ChartOption, LineSeriesOption } from './chartOption.js';
import type { FindingClaim } from '../../../shared/findings.js';
import { exploreLink, formatFindingValue, formatInterval, formatUnitNumber, hasChartEvidence, OP_SYMBOLS, UNIT_NAMES } from '../findingsDisplay.js';
import { fitValues, type AxisBounds } from './axes.js';
import { withTopLegend } from './legend.js';
import { escapeHtml } from './trainingCurves.js';

export type FindingChartOption = ChartOption<BarSeriesOption | LineSeriesOption>;

export const FINDING_COLORS = { evidence: '#5c7cfa', statistic: '#1f2937', interval: 'rgba(31, 41, 55, 0.13)', intervalLegend: '#b8bec6', threshold: '#d9480f' } as const;

/** Legend names of the chart's series (the card's Help explains each). */
export const SERIES_NAMES = { statistic: 'statistic', interval: '95% interval', threshold: 'threshold' } as const;

export type FittedAxis = AxisBounds;

/** An axis from 0 and every value, with a little headroom, its ends on a round tick step (axes.ts), never past `domain`. */
export function fittedAxis(values: readonly number[], domain: readonly [number, number] | null = null): FittedAxis {
  return fitValues(values, { includeZero: true, pad: 0.06, ticks: 4, ...(domain ? { clamp: domain } : {}) });
}

/**
 * What one bar stands for: what the claim names (exp1's "each check"), else a seed or a split when
 * the entries are distinct seeds or splits (four checks of one seed are not "each seed").
 */
export function evidenceSeriesName(claim: Pick<FindingClaim, 'evidence'> & Partial<Pick<FindingClaim, 'evidenceName'>>): string {
  if (claim.evidenceName) return claim.evidenceName;
  const distinct = <T>(values: T[]) => new Set(values).size === values.length;
  const seeds = claim.evidence.map((e) => e.seed);
  const splits = claim.evidence.map((e) => e.split);
  if (seeds.length > 0 && seeds.every((s) => s !== null) && distinct(seeds)) return 'each seed';
  if (splits.length > 0 && splits.every((s) => s !== undefined) && distinct(splits)) return 'each split';
  return 'each entry';
}

/** Every number the y axis must show: the values, the statistic, its interval and the threshold. */
export function findingChartValues(claim: FindingClaim): number[] {
  const values = claim.evidence.map((e) => e.value).filter((v): v is number => v !== null);
  if (claim.statistic !== null) values.push(claim.statistic);
  if (claim.interval) values.push(...claim.interval);
  if (claim.threshold) values.push(claim.threshold.value);
  return values;
}

interface TooltipParam {
  marker?: string;
  seriesName?: string;
  name?: string;
  value?: unknown;
}

/** The claim's chart; null when no evidence entry has a value (the card says so instead). */
/** A horizontal line at a level (the statistic, the threshold): a data-less series of its own, so it has its own legend entry. */
function levelLine(
  id: 'statistic' | 'threshold',
  y: number,
  look: { type: 'solid' | 'dashed'; width: number; position: 'insideStartTop' | 'insideEndTop'; text: string },
): LineSeriesOption {
  const color = FINDING_COLORS[id];
  return {
    type: 'line',
    id,
    name: SERIES_NAMES[id],
    data: [],
    itemStyle: { color },
    markLine: {
      silent: true,
      symbol: 'none',
      lineStyle: { color, type: look.type, width: look.width },
      label: { position: look.position, fontSize: 10, color, formatter: look.text },
      data: [{ yAxis: y, name: SERIES_NAMES[id] }],
    },
  };
}

export function findingChartOption(claim: FindingClaim): FindingChartOption | null {
  if (!hasChartEvidence(claim)) return null;
  const unit = claim.unit;
  const axis = fittedAxis(findingChartValues(claim), claim.domain ?? null);
  const barName = evidenceSeriesName(claim);
  const many = claim.evidence.length > 4;
  const longLabels = claim.evidence.some((e) => e.label.length > 14);
  /** A bar too short to see gets no number: it would only collide with the axis (the card lists every value). */
  const visible = (v: number) => Math.abs(v) >= (axis.max - axis.min) * 0.04;
  const series: (BarSeriesOption | LineSeriesOption)[] = [
    {
      type: 'bar',
      id: 'evidence',
      name: barName,
      // a negative bar hangs below 0: its number goes under it
      data: claim.evidence.map((e) => ({ value: e.value, label: { position: e.value !== null && e.value < 0 ? 'bottom' : 'top' } })),
      barMaxWidth: 34,
      itemStyle: { color: FINDING_COLORS.evidence },
      label: { show: !many, fontSize: 10, formatter: (p: { value?: unknown }) => (typeof p.value === 'number' && visible(p.value) ? formatUnitNumber(p.value, unit) : '') },
    },
  ];
  // The lines and the band are mark lines/areas of data-less series, so each has its own legend entry.
  if (claim.statistic !== null) {
    series.push(levelLine('statistic', claim.statistic, { type: 'solid', width: 2, position: 'insideStartTop', text: formatUnitNumber(claim.statistic, unit) }));
  }
  if (claim.interval) {
    series.push({
      type: 'line',
      id: 'interval',
      name: SERIES_NAMES.interval,
      data: [],
      itemStyle: { color: FINDING_COLORS.intervalLegend },
      markArea: { silent: true, itemStyle: { color: FINDING_COLORS.interval }, data: [[{ yAxis: claim.interval[0] }, { yAxis: claim.interval[1] }]] },
    });
  }
  if (claim.threshold) {
    const text = `${OP_SYMBOLS[claim.threshold.op]} ${formatUnitNumber(claim.threshold.value, unit)}`;
    series.push(levelLine('threshold', claim.threshold.value, { type: 'dashed', width: 1.5, position: 'insideEndTop', text }));
  }
  return withTopLegend<FindingChartOption>({
    animation: false,
    grid: { left: 58, right: 14, bottom: many ? 52 : longLabels ? 40 : 28 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (raw: unknown): string => {
        const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[];
        const bar = params.find((p) => p.seriesName === barName);
        const head = escapeHtml(bar?.name ?? '');
        const value = typeof bar?.value === 'number' ? formatFindingValue(bar.value, unit) : 'no value';
        const lines = [`${head}: <b>${escapeHtml(value)}</b>`];
        if (claim.statistic !== null) lines.push(`${escapeHtml(claim.statisticName)}: ${escapeHtml(formatFindingValue(claim.statistic, unit))}`);
        if (claim.threshold) lines.push(`threshold: ${escapeHtml(claim.threshold.text)}`);
        return lines.join('<br/>');
      },
    },
    xAxis: {
      type: 'category',
      data: claim.evidence.map((e) => e.label),
      axisTick: { alignWithLabel: true },
      axisLabel: { interval: 0, fontSize: 10, lineHeight: 12, rotate: many ? 30 : 0, width: many ? 90 : 110, overflow: 'break' },
    },
    yAxis: {
      type: 'value',
      name: UNIT_NAMES[unit],
      nameLocation: 'middle',
      nameGap: 44,
      nameTextStyle: { fontSize: 10, color: '#68717c' },
      min: axis.min,
      max: axis.max,
      interval: axis.interval,
      axisLabel: { fontSize: 10, formatter: (v: number) => formatUnitNumber(v, unit) },
    },
    series,
  }, series.map((s) => s.name as string), { top: 2, gap: 10 });
}

/** A claim's card on the Findings page: its statistic and interval in its unit, the chart, the evidence values and the explorer links. */
export interface ClaimCard {
  claim: FindingClaim;
  statistic: string;
  interval: string | null;
  option: FindingChartOption | null;
  evidence: { label: string; value: string }[];
  links: ReturnType<typeof exploreLink>[];
}

export function claimCards(claims: readonly FindingClaim[]): ClaimCard[] {
  return claims.map((claim) => ({
    claim,
    statistic: formatFindingValue(claim.statistic, claim.unit),
    interval: formatInterval(claim.interval, claim.unit),
    option: findingChartOption(claim),
    evidence: claim.evidence.map((e) => ({ label: e.label, value: e.value === null ? '—' : formatUnitNumber(e.value, claim.unit) })),
    links: claim.explore.map(exploreLink),
  }));
}
