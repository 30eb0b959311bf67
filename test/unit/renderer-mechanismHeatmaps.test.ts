// P5's grids: students placed by their teacher's and their own training split, one grid per
// loss, averaged where a cell has several students, and differences from plain KD.
import { describe, expect, it } from 'vitest';
import { differenceFromKd, heatmapOption, lossFamily, mechanismCells, mechanismGrids } from '../../renderer/src/charts/mechanismHeatmaps.js';

const phase = (kind: string) => ({ phases: [{ from: 0, loss: { kind } }] });
const runs = [
  { id: 1, role: 'teacher' as const, teacherRunId: null, spec: {} },
  { id: 2, role: 'teacher' as const, teacherRunId: null, spec: { trainSplit: 'train-student' } },
  { id: 3, role: 'student' as const, teacherRunId: 1, spec: { ...phase('kd'), trainSplit: 'train-student' } },
  { id: 4, role: 'student' as const, teacherRunId: 1, spec: { ...phase('jacobian'), trainSplit: 'train-student' } },
  { id: 5, role: 'student' as const, teacherRunId: 2, spec: { ...phase('kd'), trainSplit: 'train-student' } },
  { id: 6, role: 'student' as const, teacherRunId: 1, spec: { ...phase('kd'), trainSplit: 'train' } },
];
const split = (name: string, fidelity: number) => ({ split: name, n: 1, beta: null, intercept: null, betaCi95: [null, null] as [null, null], bins: [], underfits: false, hardPointFitRate: null, teacherAccuracy: null, studentAccuracy: fidelity / 2, teacherCleanAccuracy: null, studentCleanAccuracy: null, meanKl: 1 - fidelity, fidelity });
const student = (id: number, teacher: number, fidelity: number) => ({ studentRunId: id, studentName: `s${id}`, studentEpoch: 1, teacherRunId: teacher, teacherName: 't', teacherEpoch: 1, teacherInterpolates: false, splits: [split('cf-top-only', fidelity), split('test', 0.9)] });
const report = { experimentId: 1, datasetId: 1, classChoice: 'teacher-top' as const, bootstrap: 0, notes: [], students: [student(3, 1, 0.5), student(4, 1, 0.8), student(5, 2, 0.9), student(6, 1, 0.4)] };

describe('P5 mechanism heatmaps', () => {
  it('places each student by its teacher\'s and its own training split, one grid per loss', () => {
    expect(lossFamily(phase('contrastive'))).toBe('contrastive');
    expect(lossFamily({})).toBe('onehot');
    const grids = mechanismGrids(mechanismCells(runs, report, 'cf-top-only', 'fidelity'));
    expect(grids.map((g) => g.loss)).toEqual(['kd', 'jacobian']);
    expect(grids[0]).toMatchObject({ rows: ['train', 'train-student'], columns: ['train', 'train-student'], values: [[0.4, 0.5], [null, 0.9]] });
    expect(grids[1]!.values).toEqual([[null, 0.8], [null, null]]);
    const diff = differenceFromKd(grids);
    expect(diff.map((g) => g.loss)).toEqual(['jacobian − kd']);
    expect(diff[0]!.values[0]![1]).toBeCloseTo(0.3, 12);
    expect(diff[0]!.values[0]![0]).toBeNull();
    const kl = mechanismGrids(mechanismCells(runs, report, 'cf-top-only', 'kl'));
    expect(kl[0]!.values[0]![1]).toBeCloseTo(0.5, 12);
    const option = heatmapOption(grids[0]!, 'fidelity', false);
    expect(option.series[0]!.data).toContainEqual([1, 0, 0.5]);
    expect(option.series[0]!.data).toContainEqual([0, 1, '-']);
  });
});
