// The Compare page's table (renderer/src/compareTable.ts): each teacher a baseline row above its
// students with its own accuracies and "—" where a column compares a student with its teacher,
// every student's gap to its teacher, the split each column is measured on, and the diverging
// colour scale whose key the page draws.
import { describe, expect, it } from 'vitest';
import { DeviationReport, type SplitDeviation, type StudentDeviation } from '../../shared/analytics.js';
import {
  compareHeaders,
  compareTableRows,
  divergingBackground,
  divergingExtent,
  MAX_ALPHA,
  NEGATIVE_RGB,
  niceCeil,
  POSITIVE_RGB,
  shareBackground,
} from '../../renderer/src/compareTable.js';
import { isGlossaryKey } from '../../renderer/src/glossary.js';

function split(name: string, over: Partial<SplitDeviation> = {}): SplitDeviation {
  return {
    split: name,
    n: 100,
    beta: 0.9,
    intercept: 0,
    betaCi95: [0.8, 1],
    bins: [{ centre: -1, delta: -0.5, count: 10, lo: -2, hi: 0 }],
    underfits: true,
    hardPointFitRate: 0.5,
    teacherAccuracy: 0.8,
    studentAccuracy: 0.75,
    teacherCleanAccuracy: null,
    studentCleanAccuracy: null,
    meanKl: 0.2,
    fidelity: 0.9,
    ...over,
  };
}

function student(id: number, name: string, teacherRunId: number, testAcc: number, teacherTestAcc: number, delta = -0.5): StudentDeviation {
  return {
    studentRunId: id,
    studentName: name,
    studentEpoch: 5,
    teacherRunId,
    teacherName: `teacher ${teacherRunId}`,
    teacherEpoch: 10,
    teacherInterpolates: false,
    splits: [
      split('train', { bins: [{ centre: -1, delta, count: 10, lo: -2, hi: 0 }], teacherAccuracy: 0.95 }),
      split('test', { studentAccuracy: testAcc, teacherAccuracy: teacherTestAcc }),
      split('cf-easy', { studentAccuracy: 0.4, teacherAccuracy: 0.6 }),
    ],
  };
}

const report = DeviationReport.parse({
  experimentId: 1,
  datasetId: 1,
  classChoice: 'teacher-top',
  bootstrap: 0,
  students: [student(3, 'one-hot', 1, 0.76, 0.8, -0.2), student(4, 'KD', 1, 0.83, 0.8, -0.9), student(5, 'self', 2, 0.7, 0.72, 0.3)],
  notes: [],
});

describe('compareTableRows', () => {
  it('puts each teacher first, as a baseline with its accuracies and no student-against-teacher numbers', () => {
    const rows = compareTableRows(report, 'train', 'testAccuracy', true);
    expect(rows.map((r) => [r.role, r.runId])).toEqual([
      ['teacher', 1],
      ['teacher', 2],
      ['student', 4],
      ['student', 3],
      ['student', 5],
    ]);
    const teacher = rows[0]!;
    expect(teacher.name).toBe('teacher 1');
    expect(teacher.epoch).toBe(10);
    expect(teacher.testAccuracy).toBe(0.8);
    expect(teacher.ood).toEqual([{ split: 'cf-easy', accuracy: 0.6 }]);
    for (const key of ['vsTeacher', 'fidelity', 'kl', 'beta', 'betaLo', 'betaHi', 'lowestBinDelta', 'hardPointFitRate'] as const) expect(teacher[key], key).toBeNull();
    expect(teacher.underfits).toBe(false);
  });

  it('gives each student its gap to its own teacher in points', () => {
    const rows = compareTableRows(report, 'train', 'runId', false);
    const gap = Object.fromEntries(rows.filter((r) => r.role === 'student').map((r) => [r.name, r.vsTeacher]));
    expect(gap['one-hot']).toBeCloseTo(-4, 10);
    expect(gap.KD).toBeCloseTo(3, 10);
    expect(gap.self).toBeCloseTo(-2, 10);
  });

  it('sorts the students by any column, the teachers staying on top', () => {
    const byGap = compareTableRows(report, 'train', 'vsTeacher', false).map((r) => r.runId);
    expect(byGap).toEqual([1, 2, 3, 5, 4]);
    const byDelta = compareTableRows(report, 'train', 'lowestBinDelta', true).map((r) => r.runId);
    expect(byDelta).toEqual([1, 2, 5, 3, 4]);
  });
});

describe('compareHeaders', () => {
  it('names the split of every column: accuracy and the gap on test, the rest on the chosen split', () => {
    const headers = compareHeaders('train', ['cf-easy']);
    expect(headers.map((h) => [h.key, h.split])).toEqual([
      ['testAccuracy', 'test'],
      ['vsTeacher', 'test'],
      ['fidelity', 'train'],
      ['kl', 'train'],
      ['beta', 'train'],
      ['lowestBinDelta', 'train'],
      ['hardPointFitRate', 'train'],
      ['ood:cf-easy', 'cf-easy'],
    ]);
    for (const h of headers) expect(isGlossaryKey(h.term), h.key).toBe(true);
  });
});

describe('the diverging colour scale', () => {
  it('ends at the largest |value| rounded up to 1, 2, 2.5 or 5 × 10^k', () => {
    const ceilings = [[0.03, 0.05], [0.9, 1], [1, 1], [1.2, 2], [2.2, 2.5], [3, 5], [7, 10]] as const;
    for (const [value, ceiling] of ceilings) expect(niceCeil(value), String(value)).toBe(ceiling);
    expect(divergingExtent([-0.9, 0.3, null, Number.NaN])).toBe(1);
    expect(divergingExtent([null])).toBe(1);
  });

  it('tints red below 0 and green above, stronger with size, full at the extent and none at 0', () => {
    expect(divergingBackground(-1, 1)).toBe(`rgba(${NEGATIVE_RGB}, ${MAX_ALPHA.toFixed(3)})`);
    expect(divergingBackground(0.5, 1)).toBe(`rgba(${POSITIVE_RGB}, ${(MAX_ALPHA / 2).toFixed(3)})`);
    expect(divergingBackground(-3, 1)).toBe(`rgba(${NEGATIVE_RGB}, ${MAX_ALPHA.toFixed(3)})`);
    expect(divergingBackground(0, 1)).toBeUndefined();
    expect(divergingBackground(null, 1)).toBeUndefined();
    expect(shareBackground(0)).toBeUndefined();
    expect(shareBackground(1)).toMatch(new RegExp(`, ${MAX_ALPHA.toFixed(3)}\\)$`));
  });
});
