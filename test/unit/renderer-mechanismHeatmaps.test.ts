// P5's grids: students placed by their teacher's and their own training split, one grid per
// loss schedule (named by its settings, so two KD students read apart), averaged where a cell
// has several students, differences from plain KD on a scale centred on 0, and where the page
// applies at all.
import { describe, expect, it } from 'vitest';
import {
  colourScale,
  describeSplit,
  differenceFromKd,
  heatmapOption,
  heatmapSize,
  lossFamily,
  lossLabel,
  mechanismCells,
  mechanismGrids,
  mechanismPageState,
  MIN_DIFFERENCE_SPAN,
  niceCeil,
  signed,
  splitAxisLabel,
  splitLabel,
  type Grid,
} from '../../renderer/src/charts/mechanismHeatmaps.js';
import type { DatasetMechanisms } from '../../shared/domain.js';

const kd = (tau: number, alpha = 1) => ({ phases: [{ from: 0, loss: { kind: 'kd', alpha, tau, tauSquared: true } }] });
const jacobian = { phases: [{ from: 0, loss: { kind: 'jacobian', tau: 4, tauSquared: true, beta: 0.15, topClasses: 20, directions: 2, fdStep: 0.05 } }] };
const mlp = (hidden: number) => ({ model: { arch: 'mlp', hidden: [hidden] } });
const runs = [
  { id: 1, role: 'teacher' as const, teacherRunId: null, spec: {} },
  { id: 2, role: 'teacher' as const, teacherRunId: null, spec: { trainSplit: 'train-student' } },
  { id: 3, role: 'student' as const, teacherRunId: 1, name: 'KD on train-student', spec: { ...kd(4), ...mlp(64), trainSplit: 'train-student' } },
  { id: 4, role: 'student' as const, teacherRunId: 1, name: 'Jacobian on train-student', spec: { ...jacobian, ...mlp(64), trainSplit: 'train-student' } },
  { id: 5, role: 'student' as const, teacherRunId: 2, name: 'KD on train-student', spec: { ...kd(4), ...mlp(64), trainSplit: 'train-student' } },
  { id: 6, role: 'student' as const, teacherRunId: 1, name: 'KD on train', spec: { ...kd(4), ...mlp(64), trainSplit: 'train' } },
  { id: 7, role: 'student' as const, teacherRunId: 1, name: 'soft KD', spec: { ...kd(1, 0.9), ...mlp(64), trainSplit: 'train' } },
  { id: 8, role: 'student' as const, teacherRunId: 1, name: 'KD again', spec: { ...kd(4), ...mlp(64), trainSplit: 'train' } },
];
const split = (name: string, fidelity: number) => ({ split: name, n: 1, beta: null, intercept: null, betaCi95: [null, null] as [null, null], bins: [], underfits: false, hardPointFitRate: null, teacherAccuracy: null, studentAccuracy: fidelity / 2, teacherCleanAccuracy: null, studentCleanAccuracy: null, meanKl: 1 - fidelity, fidelity });
const student = (id: number, teacher: number, fidelity: number) => ({ studentRunId: id, studentName: `s${id}`, studentEpoch: 1, teacherRunId: teacher, teacherName: 't', teacherEpoch: 1, teacherInterpolates: false, splits: [split('cf-top-only', fidelity), split('test', 0.9)] });
const report = { experimentId: 1, datasetId: 1, classChoice: 'teacher-top' as const, bootstrap: 0, notes: [], students: [student(3, 1, 0.5), student(4, 1, 0.8), student(5, 2, 0.9), student(6, 1, 0.4), student(7, 1, 0.7), student(8, 1, 0.2)] };

const mechanisms: DatasetMechanisms = {
  names: ['top', 'bottom'],
  labelMechanism: 'top',
  splits: [
    { name: 'train', settings: { top: 'keep', bottom: 'randomise' } },
    { name: 'train-student', settings: { top: 'keep', bottom: 'keep' } },
    { name: 'cf-no-top', settings: { top: 'remove', bottom: 'keep' } },
  ],
};

describe('P5 mechanism heatmaps', () => {
  it('names a loss by its settings, so students of one kind read apart', () => {
    expect(lossFamily(jacobian)).toBe('jacobian');
    expect(lossFamily({})).toBe('onehot');
    expect(lossLabel(kd(4, 0.9))).toBe('KD τ=4 α=0.9');
    expect(lossLabel(kd(1))).toBe('KD τ=1');
    expect(lossLabel(jacobian)).toBe('Jacobian matching β=0.15 τ=4');
    expect(lossLabel({ phases: [{ from: 0, loss: { kind: 'onehot' } }, { from: 5, loss: { kind: 'kd', alpha: 1, tau: 2, tauSquared: true } }] })).toBe('one-hot → KD τ=2 after epoch 5');
    expect(lossLabel({})).toBe('one-hot');
  });

  it('places each student by its teacher\'s and its own training split, one grid per loss setting', () => {
    const grids = mechanismGrids(mechanismCells(runs, report, 'cf-top-only', 'fidelity'));
    expect(grids.map((g) => g.loss)).toEqual(['KD τ=1 α=0.9', 'KD τ=4', 'Jacobian matching β=0.15 τ=4']);
    const kd4 = grids[1]!;
    expect(kd4).toMatchObject({ rows: ['train', 'train-student'], columns: ['train', 'train-student'] });
    // two KD τ=4 students trained on train under teacher 1: averaged, and both named
    expect(kd4.values[0]![0]).toBeCloseTo(0.3, 12);
    expect(kd4.students[0]![0]).toEqual(['KD on train', 'KD again']);
    expect(kd4.values[0]![1]).toBe(0.5);
    expect(kd4.values[1]).toEqual([null, 0.9]);
    expect(grids[0]!.values).toEqual([[0.7, null], [null, null]]);
    const kl = mechanismGrids(mechanismCells(runs, report, 'cf-top-only', 'kl'));
    expect(kl[1]!.values[0]![1]).toBeCloseTo(0.5, 12);
  });

  it('tells students of one loss apart by model where their models differ', () => {
    const mixed = [...runs.slice(0, 3), { ...runs[3]!, spec: { ...kd(4), ...mlp(16), trainSplit: 'train-student' } }];
    const grids = mechanismGrids(mechanismCells(mixed, report, 'cf-top-only', 'fidelity'));
    expect(grids.map((g) => g.loss)).toEqual(['KD τ=4 · MLP 16', 'KD τ=4 · MLP 64']);
  });

  it('compares every other grid with the plain KD grid that has the most cells', () => {
    const grids = mechanismGrids(mechanismCells(runs, report, 'cf-top-only', 'fidelity'));
    const diff = differenceFromKd(grids);
    expect(diff.map((g) => g.loss)).toEqual(['KD τ=1 α=0.9 − KD τ=4', 'Jacobian matching β=0.15 τ=4 − KD τ=4']);
    expect(diff[1]!.values[0]![1]).toBeCloseTo(0.3, 12);
    expect(diff[1]!.values[0]![0]).toBeNull();
    expect(diff[0]!.values[0]![0]).toBeCloseTo(0.4, 12);
    expect(differenceFromKd(grids.filter((g) => g.family !== 'kd'))).toEqual([]);
  });

  it('colours a small difference pale: the scale is centred on 0 and spans at least a tenth', () => {
    const tiny: Grid = { loss: 'one-hot − KD τ=4', family: 'onehot', rows: ['train'], columns: ['train'], values: [[-0.018]], students: [[['a']]] };
    const scale = colourScale([tiny], 'fidelity', true);
    expect(scale).toMatchObject({ min: -MIN_DIFFERENCE_SPAN, max: MIN_DIFFERENCE_SPAN });
    expect(Math.abs(-0.018) / scale.max).toBeLessThan(0.2); // a fifth of the way to the saturated end
    // red is worse: less fidelity at the low end; for KL the sides swap
    expect(scale.colours[0]).toBe('#c92a2a');
    expect(colourScale([tiny], 'kl', true).colours[0]).toBe('#2b8a3e');
    const large: Grid = { ...tiny, values: [[0.31], [-0.07]] };
    expect(colourScale([large], 'fidelity', true)).toMatchObject({ min: -0.5, max: 0.5 });
    // absolute grids: shares on 0–1, KL from 0 to its largest cell rounded up, one scale for every grid
    expect(colourScale([tiny], 'fidelity', false)).toMatchObject({ min: 0, max: 1 });
    expect(colourScale([{ ...tiny, values: [[0.8]] }, { ...tiny, values: [[1.7]] }], 'kl', false)).toMatchObject({ min: 0, max: 2 });
    expect([niceCeil(0.018), niceCeil(0.1), niceCeil(0.31), niceCeil(2.1), niceCeil(0)]).toEqual([0.02, 0.1, 0.5, 2.5, 1]);
    expect([signed(-0.018, 3, true), signed(0.02, 3, true), signed(0.02, 3, false), signed(-0.0001, 3, true)]).toEqual(['−0.018', '+0.020', '0.020', '0.000']);
  });

  it('labels the axes with what each split shows, and draws at a size fitted to the grid', () => {
    expect(splitLabel(mechanisms, 'train-student')).toBe('train-student: top + bottom');
    expect(splitAxisLabel(mechanisms, 'train')).toBe('train\ntop');
    expect(splitLabel(mechanisms, 'elsewhere')).toBe('elsewhere');
    expect(describeSplit(mechanisms, 'cf-no-top')).toBe('top is blanked out; bottom shows the label’s class');
    const one: Grid = { loss: 'KD τ=4', family: 'kd', rows: ['train'], columns: ['train-student'], values: [[0.62]], students: [[['KD on train-student']]] };
    const small = heatmapSize(one, ['train\ntop'], ['train-student\ntop + bottom']);
    expect(small.width).toBeLessThan(320);
    expect(small.height).toBeLessThan(160);
    const four = heatmapSize({ ...one, rows: ['a', 'b'], columns: ['c', 'd'] }, ['a', 'b'], ['c', 'd']);
    expect(four.height - small.height).toBe(44);
  });

  it('builds a heatmap whose colours follow the stated scale and whose tooltip names the measure', () => {
    const grid: Grid = { loss: 'KD τ=4', family: 'kd', rows: ['train', 'train-student'], columns: ['train'], values: [[0.5], [null]], students: [[['<b>KD</b>']], [[]]] };
    const scale = colourScale([grid], 'fidelity', false);
    const option = heatmapOption(grid, { metric: 'fidelity', difference: false, scale, split: 'cf-no-top', mechanisms });
    expect(option.visualMap).toMatchObject({ min: 0, max: 1 });
    expect(option.yAxis.data).toEqual(['train\ntop', 'train-student\ntop + bottom']);
    expect(option.series[0]!.data.map((d) => d.value)).toEqual([[0, 0, 0.5], [0, 1, '-']]);
    const tip = option.tooltip.formatter({ value: [0, 0, 0.5], dataIndex: 0 });
    expect(tip).toContain('fidelity of KD τ=4 on cf-no-top: <b>0.500</b>');
    expect(tip).toContain('teacher trained on train (top shows the label’s class; bottom shows a random class)');
    expect(tip).toContain('student: &lt;b&gt;KD&lt;/b&gt;');
    expect(option.tooltip.formatter({ value: [0, 1, '-'], dataIndex: 1 })).toContain('no student');
    const difference = heatmapOption({ ...grid, values: [[-0.018], [null]] }, { metric: 'fidelity', difference: true, scale: colourScale([{ ...grid, values: [[-0.018]] }], 'fidelity', true), split: 'cf-no-top' });
    expect(difference.series[0]!.label.formatter({ value: [0, 0, -0.018] })).toBe('−0.018');
    expect(difference.tooltip.formatter({ value: [0, 0, -0.018], dataIndex: 0 })).toContain('fidelity difference (KD τ=4) on cf-no-top');
  });

  it('applies only to a mechanism dataset with a student that has trained an epoch', () => {
    const run = (role: 'teacher' | 'student', status: 'pending' | 'running' | 'done', epochsDone: number) => ({ role, status, epochsDone }) as never;
    const plain = { id: 1 };
    const built = { id: 2, mechanisms };
    expect(mechanismPageState(plain, [{ datasetId: 1, runs: [run('teacher', 'done', 2), run('student', 'done', 2)] }])).toEqual({ kind: 'plain' });
    expect(mechanismPageState(built, [])).toEqual({ kind: 'untrained', running: 0, experiments: 0 });
    expect(mechanismPageState(built, [{ datasetId: 2, runs: [run('teacher', 'running', 1), run('student', 'pending', 0)] }, { datasetId: 1, runs: [run('student', 'done', 2)] }])).toEqual({
      kind: 'untrained',
      running: 2,
      experiments: 1,
    });
    expect(mechanismPageState(built, [{ datasetId: 2, runs: [run('teacher', 'done', 2), run('student', 'running', 1)] }])).toEqual({ kind: 'ready', trained: 1 });
  });
});
