import { describe, expect, it } from 'vitest';
import type { GradientAggregate, GradientView } from '../../shared/analytics.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_GROUPS } from '../../shared/fashionMnist.js';
import {
  formatClassGroupsText,
  gradientBarsOption,
  gradientFindings,
  gradientTableRows,
  groupsCommandExample,
  groupsExample,
  KD_NAME,
  ONEHOT_NAME,
  parseClassGroupsText,
  REST_GROUP_NAME,
} from '../../renderer/src/charts/gradientView.js';

function agg(name: string, n: number, normOnehot: number | null, normKd: number | null, cosOnehot: number | null, cosKd: number | null): GradientAggregate {
  return { name, n, normOnehot, normKd, cosOnehot, cosKd };
}

const view: GradientView = {
  studentRunId: 3,
  teacherRunId: 1,
  split: 'train',
  quartiles: [
    agg('Q1 (least confident)', 25, 0.9, 0.7, 0.4, 0.5),
    agg('Q2', 25, 0.6, 0.4, 0.5, 0.6),
    agg('Q3', 25, 0.3, 0.15, 0.6, 0.7),
    agg('Q4 (most confident)', 25, 0.2, 0.05, 0.7, 0.8),
  ],
  groups: [agg('T-shirt/top / Shirt', 40, 0.5, 0.3, 0.3, 0.6), agg('Sneaker / Ankle boot', 30, 0.4, 0.2, 0.5, 0.4), agg(REST_GROUP_NAME, 30, 0.3, 0.1, 0.8, 0.9)],
  all: agg('all', 100, 0.5, 0.33, 0.55, 0.65),
};

describe('parseClassGroupsText', () => {
  const names = FASHION_MNIST_CLASSES;

  it('reads class names, groups split by ";" and members by ","', () => {
    expect(parseClassGroupsText('T-shirt/top, Pullover,Coat,Shirt; Sandal,Sneaker,Ankle boot', names)).toEqual({ ok: true, groups: FASHION_MNIST_GROUPS });
  });

  it('takes indices and names in any case', () => {
    expect(parseClassGroupsText('0,shirt;sneaker,9', names)).toEqual({ ok: true, groups: [[0, 6], [7, 9]] });
  });

  it('prefers an exact name over an index, so numeric class names still work', () => {
    expect(parseClassGroupsText('1,0;2,3', ['0', '1', '2', '3'])).toEqual({ ok: true, groups: [[1, 0], [2, 3]] });
  });

  it('treats blank text as no groups and stray separators as nothing', () => {
    expect(parseClassGroupsText('  ', names)).toEqual({ ok: true, groups: [] });
    expect(parseClassGroupsText('Bag,Dress;', names)).toEqual({ ok: true, groups: [[8, 3]] });
    expect(parseClassGroupsText('Bag,,Dress;;Coat', names)).toEqual({ ok: true, groups: [[8, 3], [4]] });
  });

  it('names an unknown class and lists the real ones', () => {
    const parsed = parseClassGroupsText('Shirt,Hat', names);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^unknown class "Hat" in group 1: classes are 0=T-shirt\/top, 1=Trouser/);
    expect(parseClassGroupsText('10', names).ok).toBe(false);
  });

  it('refuses a class in two groups or twice in one', () => {
    expect(parseClassGroupsText('Shirt,Coat;Shirt,Bag', names)).toEqual({ ok: false, error: 'Shirt is in groups 1 and 2: a class belongs to one group at most' });
    expect(parseClassGroupsText('Shirt,6', names)).toEqual({ ok: false, error: 'Shirt is twice in group 1: a class belongs to one group at most' });
  });

  it('refuses a group of separators only', () => {
    expect(parseClassGroupsText('Shirt;,;Bag', names)).toEqual({ ok: false, error: 'group 2 is empty' });
  });

  it('round-trips through its text form, falling back to indices for names the syntax cannot carry', () => {
    expect(formatClassGroupsText(FASHION_MNIST_GROUPS, names)).toBe('T-shirt/top,Pullover,Coat,Shirt;Sandal,Sneaker,Ankle boot');
    const odd = ['a,b', 'c', 'C', ' d'];
    const text = formatClassGroupsText([[0, 1], [2, 3]], odd);
    expect(text).toBe('0,c;C,3');
    expect(parseClassGroupsText(text, odd)).toEqual({ ok: true, groups: [[0, 1], [2, 3]] });
    expect(formatClassGroupsText([], names)).toBe('');
  });

  it('shows the CLI line with the dataset’s own classes', () => {
    expect(groupsCommandExample(4, ['cat', 'dog', 'car', 'truck'])).toBe('disobey groups 4 --set "cat,dog;car,truck"');
    expect(groupsExample(names)).toBe('T-shirt/top,Pullover,Coat,Shirt;Sandal,Sneaker,Ankle boot');
    expect(groupsExample(['a b', 'c', 'd', 'e'])).toBe('a b,c;d,e');
    expect(groupsExample(['a"b', 'c', 'd', 'e'])).toBe('A,B;C,D');
    expect(groupsExample(['a,b', 'c', 'd', 'e'])).toBe('A,B;C,D');
    expect(groupsExample(['a', 'b'])).toBe('A,B;C,D');
  });
});

type Bar = { id: string; name: string; data: (number | null)[]; xAxisIndex: number; yAxisIndex: number };

describe('gradientBarsOption', () => {
  it('puts norms left and cosines right, one-hot and KD side by side per category', () => {
    const option = gradientBarsOption(view.quartiles);
    const series = option.series as Bar[];
    expect(series.map((s) => [s.id, s.xAxisIndex, s.yAxisIndex])).toEqual([
      ['norm-onehot', 0, 0],
      ['norm-kd', 0, 0],
      ['cos-onehot', 1, 1],
      ['cos-kd', 1, 1],
    ]);
    expect(series[0]!.data).toEqual([0.9, 0.6, 0.3, 0.2]);
    expect(series[1]!.data).toEqual([0.7, 0.4, 0.15, 0.05]);
    expect(series[3]!.data).toEqual([0.5, 0.6, 0.7, 0.8]);
    expect(series.map((s) => s.name)).toEqual([ONEHOT_NAME, KD_NAME, ONEHOT_NAME, KD_NAME]);
    const xAxes = option.xAxis as { data: string[]; gridIndex: number }[];
    expect(xAxes.map((a) => a.gridIndex)).toEqual([0, 1]);
    expect(xAxes[0]!.data).toEqual(['Q1 (least confident)', 'Q2', 'Q3', 'Q4 (most confident)']);
    expect(option.grid).toHaveLength(2);
  });

  it('leaves a gap for an aggregate with no value', () => {
    const series = gradientBarsOption([agg('empty', 0, null, null, null, null), agg('x', 2, 1, Number.NaN, 0, 0)]).series as Bar[];
    expect(series[0]!.data).toEqual([null, 1]);
    expect(series[1]!.data).toEqual([null, null]);
  });

  it('fits the norm axis from 0 and the cosine axis around its bars and 0, within [−1, 1]', () => {
    type Axis = { min: number; max: number; interval: number };
    const [norm, cos] = gradientBarsOption(view.quartiles).yAxis as Axis[];
    // norms 0.05 … 0.9 from 0; cosines 0.5 … 0.8 with 0 kept, not stretched to 1
    expect(norm).toMatchObject({ min: 0, max: 1, interval: 0.25 });
    expect(cos).toMatchObject({ min: 0, max: 0.8, interval: 0.2 });
    const negative = gradientBarsOption([agg('a', 5, 0.02, 0.01, -0.23, -0.1), agg('b', 5, 0.03, 0.02, 0.12, 0.2)]).yAxis as Axis[];
    expect(negative[0]).toMatchObject({ min: 0, max: 0.03, interval: 0.01 });
    expect(negative[1]).toMatchObject({ min: -0.4, max: 0.2, interval: 0.2 });
  });
});

describe('gradient table and findings', () => {
  it('lists quartiles, groups, then the whole split', () => {
    const rows = gradientTableRows(view);
    expect(rows.map((r) => [r.section, r.name])).toEqual([
      ['teacher confidence', 'Q1 (least confident)'],
      ['teacher confidence', 'Q2'],
      ['teacher confidence', 'Q3'],
      ['teacher confidence', 'Q4 (most confident)'],
      ['class group', 'T-shirt/top / Shirt'],
      ['class group', 'Sneaker / Ankle boot'],
      ['class group', REST_GROUP_NAME],
      ['split', 'all'],
    ]);
    expect(rows[7]).toMatchObject({ n: 100, normOnehot: 0.5, normKd: 0.33, cosOnehot: 0.55, cosKd: 0.65 });
  });

  it('reads the norm ratio on the confident and unsure quarters, and the alignment per real group', () => {
    const [norms, cosines] = gradientFindings(view);
    expect(norms).toContain('least confident quarter the KD gradient’s mean norm is 0.700 against 0.900 for one-hot (×0.78)');
    expect(norms).toContain('most confident quarter 0.050 against 0.200 (×0.25)');
    // ×0.25 where the teacher is sure, ×0.78 where it is not: the sentence says so, from those two numbers
    expect(norms).toMatch(/The KD\/one-hot ratio is lower where the teacher is sure \(×0\.25 against ×0\.78\)/);
    expect(cosines).toContain('T-shirt/top / Shirt: 0.600 under KD against 0.300 one-hot');
    expect(cosines).not.toContain(REST_GROUP_NAME);
    expect(cosines).toMatch(/more aligned in 1 of 2 groups\.$/);
  });

  it('says where KD shrinks the gradient most from the two ratios it quotes (the issue 17 case), and stays quiet without groups', () => {
    // the reported case: ×0.96 where the teacher is sure, ×0.51 where it is not
    const reported: GradientView = { ...view, quartiles: [agg('Q1', 25, 0.603, 0.305, 0.4, 0.5), ...view.quartiles.slice(1, 3), agg('Q4', 25, 0.004, 0.00384, 0.7, 0.8)], groups: [] };
    const findings = gradientFindings(reported);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain('(×0.51)');
    expect(findings[0]).toContain('(×0.96)');
    expect(findings[0]).toMatch(/ratio is lower where the teacher is unsure \(×0\.51 against ×0\.96\): KD pushes least on the points its teacher is unsure of\.$/);
    expect(findings[0]).not.toMatch(/smaller where the teacher is sure/);
    const same: GradientView = { ...view, quartiles: view.quartiles.map((q) => ({ ...q, normKd: (q.normOnehot ?? 0) * 2 })), groups: [] };
    expect(gradientFindings(same)[0]).toMatch(/The ratio is the same on both \(×2\.00\)\.$/);
  });
});
