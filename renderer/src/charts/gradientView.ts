// The gradient page's logic without a browser (SPEC.md experiment 7, a proxy for gradient
// denoising): grouped bars of the one-hot and KD logit gradients' mean norm and cosine to the
// class-mean gradient, the table rows, the sentences that read the numbers, and the text form
// of confusable class groups ("A,B;C,D", as `disobey groups --set` takes it).
import type { BarSeriesOption, ChartOption } from './chartOption.js';
import type { GradientAggregate, GradientView } from '../../../shared/analytics.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_GROUPS } from '../../../shared/fashionMnist.js';
import { fitValues } from './axes.js';
import { LEGEND_ITEM_HEIGHT, withTopLegend } from './legend.js';

export type GradientChartOption = ChartOption<BarSeriesOption>;

export const ONEHOT_COLOR = '#68717c';
export const KD_COLOR = '#2563c9';
export const ONEHOT_NAME = 'one-hot';
export const KD_NAME = 'KD';

/** What the papers expect the gradients to show. */
export const EXPECTED_EFFECT =
  'Expected (a proxy for gradient denoising): on the points the teacher is confident about, the KD gradient is smaller than the one-hot gradient, and within groups of confusable classes the KD gradients point more alike (higher cosine to their class mean): the teacher’s soft labels denoise the training signal.';

// ---------------------------------------------------------------- class groups as text

export type GroupsParse = { ok: true; groups: number[][] } | { ok: false; error: string };

/**
 * "T-shirt/top,Shirt;Sneaker,7" → [[0, 6], [7, …]]: classes by exact name, else by a unique
 * case-insensitive name, else by index; groups split by ";", members by ",". Blank text clears
 * the groups. A class may sit in one group only (setClassGroups refuses overlaps as well).
 */
export function parseClassGroupsText(text: string, classNames: readonly string[]): GroupsParse {
  const segments = text.split(';').map((s) => s.trim());
  if (segments.every((s) => s === '')) return { ok: true, groups: [] };
  const groups: number[][] = [];
  const owner = new Map<number, number>();
  for (const segment of segments) {
    if (segment === '') continue; // "A,B;" or "A,B;;C,D": a stray separator, not a group
    const g = groups.length + 1;
    const group: number[] = [];
    for (const member of segment.split(',').map((m) => m.trim())) {
      if (member === '') continue;
      const c = classIndex(member, classNames);
      if (c === null) {
        return { ok: false, error: `unknown class "${member}" in group ${g}: classes are ${classNames.map((name, i) => `${i}=${name}`).join(', ')}` };
      }
      const before = owner.get(c);
      if (before !== undefined) {
        const where = before === g ? `twice in group ${g}` : `in groups ${before} and ${g}`;
        return { ok: false, error: `${classNames[c]} is ${where}: a class belongs to one group at most` };
      }
      owner.set(c, g);
      group.push(c);
    }
    if (group.length === 0) return { ok: false, error: `group ${g} is empty` };
    groups.push(group);
  }
  if (groups.length > 100) return { ok: false, error: `${groups.length} groups: at most 100` };
  return { ok: true, groups };
}

function classIndex(member: string, classNames: readonly string[]): number | null {
  const exact = classNames.indexOf(member);
  if (exact >= 0) return exact;
  const lower = member.toLowerCase();
  const loose = classNames.flatMap((name, i) => (name.toLowerCase() === lower ? [i] : []));
  if (loose.length === 1) return loose[0]!;
  if (/^\d+$/.test(member) && Number(member) < classNames.length) return Number(member);
  return null;
}

/** The text the parser reads back to the same groups: names where they survive the separators, else indices. */
export function formatClassGroupsText(groups: readonly (readonly number[])[], classNames: readonly string[]): string {
  return groups
    .map((g) =>
      g
        .map((c) => {
          const name = classNames[c];
          const safe = name !== undefined && !/[,;]/.test(name) && name.trim() === name && name !== '' && classIndex(name, classNames) === c;
          return safe ? name : String(c);
        })
        .join(','),
    )
    .join(';');
}

/**
 * A two-group example in the dataset's own class names: SPEC's tops and shoes for Fashion-MNIST,
 * else its first four classes ("A,B;C,D" where those names do not fit the syntax or a shell's quotes).
 */
export function groupsExample(classNames: readonly string[]): string {
  if (classNames.length === FASHION_MNIST_CLASSES.length && classNames.every((c, i) => c === FASHION_MNIST_CLASSES[i])) {
    return formatClassGroupsText(FASHION_MNIST_GROUPS, classNames);
  }
  const names = classNames.slice(0, 4).map((n) => (/[,;"`$\\]/.test(n) || n.trim() !== n || n === '' ? null : n));
  return names.length === 4 && names.every(Boolean) ? `${names[0]},${names[1]};${names[2]},${names[3]}` : 'A,B;C,D';
}

/** The CLI line that sets groups, with that example. */
export function groupsCommandExample(datasetId: number, classNames: readonly string[]): string {
  return `disobey groups ${datasetId} --set "${groupsExample(classNames)}"`;
}

// ---------------------------------------------------------------- charts and table

function value(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

interface TooltipParam {
  marker?: string;
  seriesName?: string;
  value?: unknown;
  axisValue?: unknown;
  axisIndex?: number;
}

function tooltip(aggregates: readonly GradientAggregate[]) {
  return (raw: unknown): string => {
    const params = (Array.isArray(raw) ? raw : [raw]) as TooltipParam[];
    const first = params[0];
    if (!first) return '';
    const name = String(first.axisValue ?? '');
    const n = aggregates.find((a) => a.name === name)?.n;
    const head = `${escapeHtml(name)}${n !== undefined ? ` <span style="color:#8b949e">n = ${n}</span>` : ''}`;
    return [head, ...params.map((p) => `${p.marker ?? ''}${escapeHtml(p.seriesName ?? '')} <b>${fmt(typeof p.value === 'number' ? p.value : null)}</b>`)].join('<br/>');
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Two panels of grouped bars over the same categories (quartiles or class groups): the mean
 * gradient norm left, the mean cosine to the class-mean gradient right; one-hot and KD side by
 * side in each, sharing one legend entry per loss. Norms from 0 to a round number above the
 * tallest bar; cosines around their bars and 0 (a sign change shows), never beyond [−1, 1].
 */
export function gradientBarsOption(aggregates: readonly GradientAggregate[]): GradientChartOption {
  const names = aggregates.map((a) => a.name);
  const categoryAxis = (gridIndex: number) => ({
    type: 'category' as const,
    gridIndex,
    data: names,
    axisTick: { alignWithLabel: true },
    axisLabel: { interval: 0, fontSize: 10, lineHeight: 12, width: Math.max(60, 260 / Math.max(1, names.length)), overflow: 'break' as const },
  });
  const bar = (id: string, name: string, color: string, axis: number, pick: (a: GradientAggregate) => number | null): BarSeriesOption => ({
    type: 'bar',
    id,
    name,
    xAxisIndex: axis,
    yAxisIndex: axis,
    color,
    barMaxWidth: 26,
    data: aggregates.map((a) => value(pick(a))),
  });
  const norm = fitValues(aggregates.flatMap((a) => [value(a.normOnehot), value(a.normKd)]), { includeZero: true, ticks: 4 });
  const cos = fitValues(aggregates.flatMap((a) => [value(a.cosOnehot), value(a.cosKd)]), { includeZero: true, clamp: [-1, 1], ticks: 4 });
  const legendTop = 0;
  const titleTop = legendTop + LEGEND_ITEM_HEIGHT + 16;
  return withTopLegend<GradientChartOption>(
    {
      animation: false,
      // short titles, one line each at any width the page gives a panel
      title: [
        { text: 'mean gradient norm ‖g‖', left: '3%', top: titleTop, textStyle: { fontSize: 12, fontWeight: 600 } },
        { text: 'mean cosine to class mean', left: '53%', top: titleTop, textStyle: { fontSize: 12, fontWeight: 600 } },
      ],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, formatter: tooltip(aggregates) },
      grid: [
        { left: '3%', width: '44%', bottom: 14, containLabel: true },
        { left: '53%', width: '44%', bottom: 14, containLabel: true },
      ],
      xAxis: [categoryAxis(0), categoryAxis(1)],
      yAxis: [
        { type: 'value', gridIndex: 0, min: norm.min, max: norm.max, interval: norm.interval },
        { type: 'value', gridIndex: 1, min: cos.min, max: cos.max, interval: cos.interval },
      ],
      series: [
        bar('norm-onehot', ONEHOT_NAME, ONEHOT_COLOR, 0, (a) => a.normOnehot),
        bar('norm-kd', KD_NAME, KD_COLOR, 0, (a) => a.normKd),
        bar('cos-onehot', ONEHOT_NAME, ONEHOT_COLOR, 1, (a) => a.cosOnehot),
        bar('cos-kd', KD_NAME, KD_COLOR, 1, (a) => a.cosKd),
      ],
    },
    [ONEHOT_NAME, KD_NAME],
    // the panel titles sit between the legend and the plots
    { top: legendTop, gap: 46 },
  );
}

export interface GradientTableRow extends GradientAggregate {
  section: 'teacher confidence' | 'class group' | 'split';
}

/** Every aggregate of a view in page order: quartiles, groups (then classes in none), the whole split. */
export function gradientTableRows(view: GradientView): GradientTableRow[] {
  return [
    ...view.quartiles.map((a) => ({ ...a, section: 'teacher confidence' as const })),
    ...view.groups.map((a) => ({ ...a, section: 'class group' as const })),
    { ...view.all, section: 'split' as const },
  ];
}

/** The groups that are real confusable groups, not the rest bucket the service appends. */
export const REST_GROUP_NAME = 'classes in no group';

function ratio(kd: number | null, onehot: number | null): string {
  return kd !== null && onehot !== null && onehot !== 0 ? ` (×${(kd / onehot).toFixed(2)})` : '';
}

/**
 * What this student shows, read off the view: the KD/one-hot norm ratio on the teacher's least
 * and most confident quartiles — which of the two KD scales down more, said only from those two
 * ratios — and the cosine under KD against one-hot within each group.
 */
export function gradientFindings(view: GradientView): string[] {
  const out: string[] = [];
  const top = view.quartiles[view.quartiles.length - 1];
  const low = view.quartiles[0];
  if (top && low && top.normKd !== null && top.normOnehot !== null && low.normKd !== null && low.normOnehot !== null && top.normOnehot > 0 && low.normOnehot > 0) {
    const rLow = low.normKd / low.normOnehot;
    const rTop = top.normKd / top.normOnehot;
    const verdict =
      rLow.toFixed(2) === rTop.toFixed(2)
        ? `The ratio is the same on both (×${rLow.toFixed(2)}).`
        : rLow < rTop
          ? `The KD/one-hot ratio is lower where the teacher is unsure (×${rLow.toFixed(2)} against ×${rTop.toFixed(2)}): KD pushes least on the points its teacher is unsure of.`
          : `The KD/one-hot ratio is lower where the teacher is sure (×${rTop.toFixed(2)} against ×${rLow.toFixed(2)}): KD pushes relatively harder on the points its teacher is unsure of.`;
    out.push(
      `On the teacher’s least confident quarter the KD gradient’s mean norm is ${fmt(low.normKd)} against ${fmt(low.normOnehot)} for one-hot${ratio(low.normKd, low.normOnehot)}; ` +
        `on its most confident quarter ${fmt(top.normKd)} against ${fmt(top.normOnehot)}${ratio(top.normKd, top.normOnehot)}. ${verdict}`,
    );
  }
  const groups = view.groups.filter((g) => g.name !== REST_GROUP_NAME && g.cosKd !== null && g.cosOnehot !== null);
  if (groups.length > 0) {
    const aligned = groups.filter((g) => g.cosKd! > g.cosOnehot!).length;
    const parts = groups.map((g) => `${g.name}: ${fmt(g.cosKd)} under KD against ${fmt(g.cosOnehot)} one-hot`);
    out.push(
      `Cosine to the class-mean gradient within confusable groups — ${parts.join('; ')}. ` +
        (aligned === groups.length
          ? 'KD gradients are more aligned in every group, as expected.'
          : aligned === 0
            ? 'KD gradients are not more aligned in any group, unlike the expected effect.'
            : `KD gradients are more aligned in ${aligned} of ${groups.length} groups.`),
    );
  }
  return out;
}

/** Everything the gradient page draws from one answer: the two bar charts (no group chart without groups), the table and the findings. */
export function gradientPage(view: GradientView): { quartiles: GradientChartOption; groups: GradientChartOption | null; rows: GradientTableRow[]; findings: string[] } {
  return {
    quartiles: gradientBarsOption(view.quartiles),
    groups: view.groups.length > 0 ? gradientBarsOption(view.groups) : null,
    rows: gradientTableRows(view),
    findings: gradientFindings(view),
  };
}
