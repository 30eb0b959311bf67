// Compare's "Δ by teacher confidence" chart draws its own legend (the explorer draws the same chart
// with the legend beside it): a plain legend across the top that names every student and the
// zero line in full, wrapping onto rows, never paginated ("1/2") — and the plot below its rows.
import { describe, expect, it } from 'vitest';
import type { DeviationReport } from '../../shared/analytics.js';
import { ASSUMED_CHART_WIDTH, fitLegendRoom, legendBlock, wrapLegendName } from '../../renderer/src/charts/legend.js';
import { binnedCurveOption, DELTA_ZERO } from '../../renderer/src/explorer/deviationCharts.js';

const STUDENTS = 9;
const name = (i: number) => `student ${i}: KD τ=4 from the teacher at its last epoch, seed ${100 + i}`;

function reportOf(students: number): DeviationReport {
  return {
    students: Array.from({ length: students }, (_, i) => ({
      studentRunId: i + 2,
      studentName: name(i),
      splits: [{ split: 'train', bins: [{ centre: -1, delta: -0.2 - i / 100, count: 10, lo: -2, hi: 0 }, { centre: 1, delta: 0.1, count: 10, lo: 0, hi: 2 }] }],
    })),
  } as unknown as DeviationReport;
}

type Option = {
  legend: { type?: string; show?: boolean; top: number; left: number; right: number; data: string[]; formatter?: (n: string) => string };
  grid: { top: number };
  series: { name: string }[];
};

describe("Compare's Δ-by-confidence legend", () => {
  it('names every student and the zero line in a plain legend that wraps, with the plot below its rows', () => {
    const option = binnedCurveOption(reportOf(STUDENTS), 'train', 'φ(top)') as unknown as Option;
    const { legend } = option;
    expect(legend.type).toBe('plain');
    expect(legend.show).not.toBe(false);
    expect(legend.data).toEqual([...Array.from({ length: STUDENTS }, (_, i) => name(i)), DELTA_ZERO]);
    expect(option.series.map((s) => s.name)).toEqual(legend.data);
    for (const n of legend.data) expect((legend.formatter ? legend.formatter(n) : n).replace(/\n/g, ' ')).toBe(n);
    expect(legend.formatter?.(name(1))).toBe(wrapLegendName(name(1)));
    const { rows, height } = legendBlock(legend.data, ASSUMED_CHART_WIDTH - legend.left - legend.right);
    expect(rows).toBeGreaterThan(3);
    expect(option.grid.top).toBeGreaterThanOrEqual(legend.top + height + 8);
    // a narrower chart gets more rows, and its plot moves further down
    const narrow = fitLegendRoom(option, 320) as Option;
    expect(narrow.grid.top).toBeGreaterThan(option.grid.top);
  });

  it('leaves the legend to the page where the page draws it (the explorer)', () => {
    const hidden = new Set([name(0)]);
    const option = binnedCurveOption(reportOf(2), 'train', 'φ(top)', null, { legend: false, hidden }) as unknown as Option & { legend: { selected: Record<string, boolean> } };
    expect(option.legend.show).toBe(false);
    expect(option.legend.selected).toEqual({ [name(0)]: false, [name(1)]: true, [DELTA_ZERO]: true });
    expect(option.grid.top).toBe(12);
  });
});
