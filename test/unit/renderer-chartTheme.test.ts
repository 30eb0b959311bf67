// Both themes readable (renderer/src/charts/chartTheme.ts, renderer/src/styles.css): the dark
// theme swaps every light-palette colour of an option for its twin without touching data or
// formatters; every colour that marks a run, a region or a finding stands out from the panel in
// both themes (WCAG's 3:1 for graphics) and stays distinct from the others; and the CSS colours
// that carry meaning (good, bad, warn, danger) and the text keep 4.5:1 in both themes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAP_GROUP_COLOURS } from '../../renderer/src/charts/cartographyMap.js';
import { CHART_INK, DARK_TWINS, chartTheme, themedColor, themedOption } from '../../renderer/src/charts/chartTheme.js';
import { classHeatmapOption } from '../../renderer/src/charts/dynamics.js';
import { FINDING_COLORS } from '../../renderer/src/charts/findings.js';
import { KD_COLOR, ONEHOT_COLOR } from '../../renderer/src/charts/gradientView.js';
import { RUN_COLORS, trainingCurveOption } from '../../renderer/src/charts/trainingCurves.js';

function luminance(hex: string): number {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Colours that mark something on a chart (lines, points, bars, marks), as the builders write them. */
const MARKING_COLOURS = [
  ...RUN_COLORS,
  ...Object.entries(MAP_GROUP_COLOURS).filter(([g]) => g !== 'other').map(([, c]) => c), // 'other' is the faint backdrop of points in no region
  FINDING_COLORS.evidence,
  FINDING_COLORS.statistic,
  FINDING_COLORS.threshold,
  ONEHOT_COLOR,
  KD_COLOR,
];

describe('the dark chart theme', () => {
  it('leaves a light option as it is', () => {
    const option = trainingCurveOption([{ id: 1, name: 'teacher', role: 'teacher', epochs: 2, spec: {} }], {}, 'loss');
    expect(themedOption(option, 'light')).toBe(option);
  });

  it('swaps every light-palette colour for its dark twin, keeping data, typed arrays and formatters', () => {
    const formatter = (v: number) => String(v);
    const xy = Float32Array.from([1, 2, 3, 4]);
    const points: [number, number][] = [[1, 0.5], [2, 0.25]];
    const option = {
      color: ['#1F2937'],
      series: [
        { type: 'line', data: points, itemStyle: { color: '#1f2937' }, markLine: { data: [{ xAxis: 2, lineStyle: { color: '#2563c9' } }] } },
        { type: 'scatter', data: xy, itemStyle: { color: '#e03131' } },
        { type: 'bar', data: [{ value: 1, label: { position: 'top' } }], itemStyle: { color: 'rgba(31, 41, 55, 0.13)' } },
      ],
      visualMap: { inRange: { color: ['#f8f9fa', '#ffa8a8', '#c92a2a'] } },
      yAxis: { axisLabel: { formatter } },
      title: { text: 'name #1' },
    };
    const before = JSON.stringify(option);
    const dark = themedOption(option, 'dark');
    expect(dark.color).toEqual([DARK_TWINS['#1f2937']]);
    expect(dark.series[0]!.itemStyle.color).toBe(DARK_TWINS['#1f2937']);
    expect(dark.series[0]!.markLine!.data[0]!.lineStyle.color).toBe(DARK_TWINS['#2563c9']);
    expect(dark.series[1]!.itemStyle.color).toBe(DARK_TWINS['#e03131']);
    expect(dark.series[2]!.itemStyle.color).toBe(DARK_TWINS['rgba(31, 41, 55, 0.13)']);
    expect(dark.visualMap.inRange.color).toEqual(['#f8f9fa', '#ffa8a8', '#c92a2a'].map((c) => DARK_TWINS[c]));
    expect(dark.series[0]!.data).toBe(points);
    expect(dark.series[1]!.data).toBe(xy);
    expect(dark.yAxis.axisLabel.formatter).toBe(formatter);
    expect(dark.title.text).toBe('name #1');
    expect(JSON.stringify(option)).toBe(before); // the caller's option is not changed
  });

  it('turns the heatmap\'s white end into the dark panel\'s grey', () => {
    const heatmap = { studentRunId: 2, teacherRunId: 1, studentEpoch: 2, teacherEpoch: 2, split: null, classChoice: 'label' as const, epochs: [1, 2], kl: [[0.1, 0.2]], deviation: [[-0.1, 0.3]], counts: [[3, 3]] };
    const dark = themedOption(classHeatmapOption(heatmap, ['a'], 'deviation'), 'dark');
    const [low, mid, high] = dark.visualMap.inRange.color as string[];
    expect(contrast(mid!, CHART_INK.dark.panel)).toBeLessThan(1.5);
    expect(contrast(low!, CHART_INK.dark.panel)).toBeGreaterThanOrEqual(3);
    expect(contrast(high!, CHART_INK.dark.panel)).toBeGreaterThanOrEqual(3);
  });

  it('draws every marking colour at 3:1 or more against the panel in both themes', () => {
    for (const colour of MARKING_COLOURS) {
      expect(contrast(colour, CHART_INK.light.panel), `${colour} on light`).toBeGreaterThanOrEqual(3);
      expect(contrast(themedColor(colour, 'dark'), CHART_INK.dark.panel), `${colour} → ${themedColor(colour, 'dark')} on dark`).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps the run colours distinct from each other in the dark theme', () => {
    const dark = RUN_COLORS.map((c) => themedColor(c, 'dark'));
    expect(new Set(dark).size).toBe(RUN_COLORS.length);
  });

  it('gives text and axes the theme\'s ink', () => {
    for (const theme of ['light', 'dark'] as const) {
      const t = chartTheme(theme) as { textStyle: { color: string }; valueAxis: { axisLabel: { color: string } }; darkMode: boolean };
      expect(t.darkMode).toBe(theme === 'dark');
      expect(contrast(t.textStyle.color, CHART_INK[theme].panel)).toBeGreaterThanOrEqual(7);
      expect(contrast(t.valueAxis.axisLabel.color, CHART_INK[theme].panel)).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('the CSS colours of both themes', () => {
  const css = fs.readFileSync(path.resolve('renderer/src/styles.css'), 'utf8');
  const vars = new Map<string, { light: string; dark: string }>();
  for (const m of css.matchAll(/^\s*(--[\w-]+):\s*light-dark\(\s*(#[0-9a-fA-F]{3,6})\s*,\s*(#[0-9a-fA-F]{3,6})\s*\)/gm)) vars.set(m[1]!, { light: m[2]!, dark: m[3]! });

  it('defines every colour for both themes', () => {
    for (const name of ['--bg', '--panel', '--text', '--muted', '--border', '--accent', '--good', '--bad', '--warn', '--danger', '--placeholder']) expect(vars.has(name), name).toBe(true);
    // the chart theme's panel is the page's panel
    expect(vars.get('--panel')).toEqual({ light: CHART_INK.light.panel, dark: CHART_INK.dark.panel });
  });

  it('keeps text and the colours that carry meaning readable (4.5:1) in both themes', () => {
    const pairs: [string, string][] = [
      ['--text', '--bg'], ['--text', '--panel'], ['--muted', '--panel'], ['--muted', '--panel-raised'], ['--accent', '--panel'], ['--on-accent', '--accent'],
      ['--good', '--good-soft'], ['--good', '--panel'], ['--bad', '--bad-soft'], ['--bad', '--panel'],
      ['--danger', '--danger-soft'], ['--danger', '--panel'], ['--warn', '--warn-soft'], ['--warn', '--panel'],
    ];
    for (const [fg, bg] of pairs) {
      for (const theme of ['light', 'dark'] as const) {
        expect(contrast(vars.get(fg)![theme], vars.get(bg)![theme]), `${fg} on ${bg} (${theme})`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it('has no colour left outside the variables, except on the top bar (dark in both themes)', () => {
    const body = css.slice(css.indexOf(":root[data-theme='dark']"));
    const loose = [...body.matchAll(/#[0-9a-fA-F]{3,8}\b|rgba?\(/g)].map((m) => m[0]);
    expect(loose).toEqual([]);
  });
});
