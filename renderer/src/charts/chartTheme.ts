// The charts' two themes, light and dark, in the app's palette (styles.css holds the same colours
// as CSS variables). Builders write one palette, the light one; in the dark theme EChart.vue
// passes each option through themedOption, which swaps every colour the builders use for its dark
// twin: a near-black teacher line turns light, a white heatmap end turns to the panel's grey, and
// the colours that carry meaning (red worse, green better, each run's colour) stay distinct.

export type EffectiveTheme = 'light' | 'dark';

/** The font the charts and their legends are drawn (and measured) in: the app's own. */
export const CHART_FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

export const CHART_THEME_NAMES: Record<EffectiveTheme, string> = { light: 'disobey-light', dark: 'disobey-dark' };

/** The chart-side colours of each theme: text, lines, the panel under the chart. */
export const CHART_INK: Record<EffectiveTheme, { text: string; muted: string; axis: string; split: string; panel: string; tooltip: string; tooltipBorder: string; inactive: string }> = {
  light: { text: '#1c2229', muted: '#5c6570', axis: '#9aa3ad', split: '#e6e9ed', panel: '#ffffff', tooltip: '#ffffff', tooltipBorder: '#c5cbd3', inactive: '#c5cbd3' },
  dark: { text: '#e3e7ec', muted: '#a3adb8', axis: '#5d6772', split: '#2a3139', panel: '#161b21', tooltip: '#1e242b', tooltipBorder: '#3d4651', inactive: '#4a525c' },
};

/** Light-palette colours the chart builders use (lower case) → their dark twins. */
export const DARK_TWINS: Readonly<Record<string, string>> = {
  // run colours (trainingCurves RUN_COLORS), in order
  '#1f2937': '#d0d7de',
  '#2563c9': '#5b93ec',
  '#d9480f': '#ff7a3d',
  '#2b8a3e': '#51cf66',
  '#9c36b5': '#cc5de8',
  '#c2255c': '#f06595',
  '#0b7285': '#3bc9db',
  '#e07400': '#ffa94d',
  '#e67700': '#ffa94d',
  '#5c7cfa': '#7f96ff',
  '#5c940d': '#94d82d',
  '#74b816': '#94d82d',
  // greys: marks, labels, "other" points
  '#111': '#e6edf3',
  '#111111': '#e6edf3',
  '#495057': '#adb5bd',
  '#68717c': '#a3adb8',
  '#868e96': '#8d96a0',
  '#adb5bd': '#7d8792',
  'rgba(37,99,201,0.08)': 'rgba(91, 147, 236, 0.14)',
  '#b8bec6': '#5d6772',
  'rgba(31, 41, 55, 0.13)': 'rgba(208, 215, 222, 0.16)',
  // heatmap ends: the light end becomes the dark panel's grey, the strong ends brighten
  '#f8f9fa': '#262c33',
  '#f1f3f5': '#262c33',
  // the mechanism heatmaps' cell borders (the panel's colour) and their labels on strong cells
  // (strong ends brighten in the dark theme, so their labels turn dark)
  '#fff': '#161b21',
  '#e7f5ff': '#1c2a38',
  '#ffa8a8': '#a33a3a',
  '#c92a2a': '#ff6b6b',
  '#1864ab': '#4dabf7',
  '#b42323': '#ff7b72',
  // cartography regions
  '#e03131': '#ff6b6b',
  '#f08c00': '#ffa94d',
  '#7048e8': '#9775fa',
  '#2f9e44': '#51cf66',
};

/** A colour as the theme draws it (unchanged in light, or where it has no dark twin). */
export function themedColor(color: string, theme: EffectiveTheme): string {
  if (theme === 'light') return color;
  return DARK_TWINS[color.toLowerCase()] ?? DARK_TWINS[color] ?? color;
}

/** Arrays of numbers or of number tuples are series data: no colour lives there, and they can be huge. */
function isPlainData(value: unknown[]): boolean {
  const first = value[0];
  return typeof first === 'number' || (Array.isArray(first) && (typeof first[0] === 'number' || first[0] === null));
}

function swap(value: unknown): unknown {
  if (typeof value === 'string') return DARK_TWINS[value.toLowerCase()] ?? value;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return isPlainData(value) ? value : value.map(swap);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = swap(v);
  return out;
}

/**
 * The option as the theme draws it: itself in light; in dark a copy with every light-palette
 * colour swapped for its twin (formatters, typed arrays and plain data arrays are kept as they are).
 */
export function themedOption<T>(option: T, theme: EffectiveTheme): T {
  return theme === 'light' ? option : (swap(option) as T);
}

function axisStyle(ink: (typeof CHART_INK)[EffectiveTheme]) {
  return {
    axisLine: { lineStyle: { color: ink.axis } },
    axisTick: { lineStyle: { color: ink.axis } },
    axisLabel: { color: ink.muted },
    splitLine: { lineStyle: { color: ink.split } },
    nameTextStyle: { color: ink.muted },
  };
}

/** The registered ECharts theme of each effective theme (backgrounds stay transparent: the panel shows). */
export function chartTheme(theme: EffectiveTheme): Record<string, unknown> {
  const ink = CHART_INK[theme];
  const axis = axisStyle(ink);
  return {
    darkMode: theme === 'dark',
    color: ['#1f2937', '#2563c9', '#d9480f', '#2b8a3e', '#9c36b5', '#c2255c', '#0b7285', '#e07400'].map((c) => themedColor(c, theme)),
    backgroundColor: 'transparent',
    textStyle: { color: ink.text, fontFamily: CHART_FONT_FAMILY },
    title: { textStyle: { color: ink.text }, subtextStyle: { color: ink.muted } },
    legend: { textStyle: { color: ink.text }, inactiveColor: ink.inactive, inactiveBorderColor: ink.inactive },
    tooltip: { backgroundColor: ink.tooltip, borderColor: ink.tooltipBorder, textStyle: { color: ink.text } },
    axisPointer: { lineStyle: { color: ink.axis }, crossStyle: { color: ink.axis }, label: { backgroundColor: ink.muted, color: ink.panel } },
    valueAxis: axis,
    logAxis: axis,
    categoryAxis: { ...axis, splitLine: { show: false, lineStyle: { color: ink.split } } },
    visualMap: { textStyle: { color: ink.muted } },
    markLine: { label: { color: ink.muted } },
  };
}

/** A colour key's bar as a CSS gradient, in the colours a chart draws in the theme. */
export function keyGradient(colours: readonly string[], theme: EffectiveTheme): string {
  return `linear-gradient(to right, ${colours.map((c) => themedColor(c, theme)).join(', ')})`;
}
