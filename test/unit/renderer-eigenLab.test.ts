import { describe, expect, it } from 'vitest';
import { EigenLabArgs, eigenLabAnswer, type EigenLabResult } from '../../shared/analytics.js';
import { progressAtMatchedTop, runEigenLab, type EigenLabSettings } from '../../shared/eigenLab.js';
import {
  compareAt,
  DEFAULT_MODES,
  defaultEigenForm,
  defaultStepIndex,
  describeComparison,
  eigenArgsFromForm,
  eigenFormIssues,
  firstIndexReaching,
  logFloor,
  modeProfileOption,
  parseModeList,
  probeMode,
  rowAtStep,
  rowAtTopProgress,
  stepMarks,
  subscript,
  thinIndices,
  topProgressOption,
  trajectoryOption,
} from '../../renderer/src/charts/eigenLab.js';

/** The contract's shape of a lab result, as the main process sends it (NaN → null). */
const labResult = (settings: EigenLabSettings): EigenLabResult => eigenLabAnswer(runEigenLab(settings));

// SPEC experiment 6's settings, with a shorter horizon (c_1 reaches 0.9 within ~25 steps).
const spec6: EigenLabSettings = { n: 50, p: 200, scales: { kind: 'geomspace', from: 3, to: 0.05 }, stepSize: 'auto', teacherSteps: 300, studentSteps: 400, record: 10, seed: 0 };

/** A hand-made result: two modes, steps 0, 10, 20, 30. */
const tiny: EigenLabResult = {
  eigenvalues: [4, 0.5],
  stepSize: 0.025,
  teacherSteps: 20,
  steps: [0, 10, 20, 30],
  teacher: [
    [0, 0],
    [0.5, 0.1],
    [0.8, 0.2],
    [1, 0.3],
  ],
  student: [
    [0, 0],
    [0.4, 0.05],
    [0.7, 0.1],
    [0.9, 0.15],
  ],
  closedFormTeacher: [
    [0, 0],
    [0.5, 0.1],
    [0.8, 0.2],
    [1, 0.3],
  ],
  closedFormStudent: [
    [0, 0],
    [0.4, 0.05],
    [0.7, 0.1],
    [0.9, 0.15],
  ],
};

describe('the eigen lab form', () => {
  it('starts from the schema defaults, which are SPEC experiment 6', () => {
    const form = defaultEigenForm();
    expect(form).toMatchObject({ n: '50', p: '200', scaleFrom: '3', scaleTo: '0.05', noise: '0', stepAuto: true, teacherConverged: false, teacherSteps: '300', studentSteps: '3000', record: '10', seed: '0' });
    expect(EigenLabArgs.parse(eigenArgsFromForm(form))).toEqual(EigenLabArgs.parse({}));
    expect(eigenFormIssues(form).size).toBe(0);
  });

  it('sends a fixed step size and a converged teacher as the contract spells them', () => {
    const form = { ...defaultEigenForm(), stepAuto: false, stepSize: '0.001', teacherConverged: true };
    expect(eigenArgsFromForm(form)).toMatchObject({ stepSize: 0.001, teacherSteps: null });
  });

  it('puts each problem under its field, in words', () => {
    const form = { ...defaultEigenForm(), n: '', p: '12.5', scaleTo: '-1', stepAuto: false, stepSize: '0', record: 'x' };
    const issues = eigenFormIssues(form);
    expect(issues.get('n')).toEqual(['enter a number']);
    expect(issues.get('p')![0]).toMatch(/int/);
    expect(issues.get('scaleTo')![0]).toMatch(/>0|too small/i);
    expect(issues.get('stepSize')).toEqual(['a step size > 0 (at most 1e6), or auto']);
    expect(issues.get('record')).toEqual(['"x" is not a number']);
    expect(issues.has('seed')).toBe(false);
  });

  it('reports the work budget for the whole form, and the answer-size budget under record', () => {
    const issues = eigenFormIssues({ ...defaultEigenForm(), n: '400', p: '4000', studentSteps: '1000' });
    expect(issues.get('')).toEqual(['too large for one call: n, p and the steps cost about 7.5e+9 multiply-adds (limit 6e+8)']);
    const recorded = eigenFormIssues({ ...defaultEigenForm(), n: '100', p: '10', studentSteps: '10000', record: '1' });
    expect(recorded.get('record')).toEqual(['10,001 recorded steps × n = 1,000,100 values per curve, more than the 50,000 one answer holds: record every 21 steps or more']);
    expect(recorded.has('')).toBe(false);
  });

  it('ignores the step size and teacher steps boxes while auto and converged are ticked', () => {
    expect(eigenFormIssues({ ...defaultEigenForm(), stepSize: 'junk', teacherSteps: '', teacherConverged: true }).size).toBe(0);
  });
});

describe('mode lists', () => {
  it('keeps modes within 1..n, sorted and distinct, with ranges', () => {
    expect(parseModeList('45, 1 5;10  25,5', 50)).toEqual({ modes: [1, 5, 10, 25, 45], dropped: [] });
    expect(parseModeList('1-3, 7', 10).modes).toEqual([1, 2, 3, 7]);
    expect(parseModeList('1, 45, 0, x, 2.5, 9-12', 10)).toEqual({ modes: [1], dropped: ['45', '0', 'x', '2.5', '9-12'] });
    expect(parseModeList('', 10)).toEqual({ modes: [], dropped: [] });
  });

  it('reads the summary off the smallest chosen mode below the top', () => {
    expect(probeMode(DEFAULT_MODES, 50)).toBe(45);
    expect(probeMode([1], 50)).toBe(45);
    expect(probeMode([1], 8)).toBe(8);
    expect(probeMode([1, 3], 8)).toBe(3);
  });

  it('writes mode numbers as subscripts', () => {
    expect(subscript(45)).toBe('₄₅');
  });
});

describe('comparison points', () => {
  it('finds where c_1 first reaches a level, interpolating every mode with the same weight', () => {
    expect(firstIndexReaching(tiny.teacher, 0.9)).toBe(3);
    expect(firstIndexReaching(tiny.student, 0.95)).toBeNull();
    const at = rowAtTopProgress(tiny.steps, tiny.teacher, 0.9)!;
    expect(at.step).toBeCloseTo(25);
    expect(at.row[1]).toBeCloseTo(0.25);
    expect(rowAtTopProgress(tiny.steps, tiny.teacher, 0)).toEqual({ step: 0, row: [0, 0] });
  });

  it('interpolates a trajectory at a fractional step', () => {
    expect(rowAtStep(tiny.steps, tiny.student, 15)).toEqual([0.55, expect.closeTo(0.075)]);
    expect(rowAtStep(tiny.steps, tiny.student, 20)).toEqual([0.7, 0.1]);
    expect(rowAtStep(tiny.steps, tiny.student, 99)).toEqual([0.9, 0.15]);
  });

  it('compares at equal top progress: the student where its c_1 equals the teacher’s', () => {
    const cmp = compareAt(tiny, { index: 2 }, 'matched');
    expect(cmp.teacherStep).toBe(20);
    expect(cmp.teacher).toEqual([0.8, 0.2]);
    expect(cmp.studentStep).toBeCloseTo(25);
    expect(cmp.student![1]).toBeCloseTo(0.125);
  });

  it('compares at the same step', () => {
    expect(compareAt(tiny, { index: 1 }, 'same-step')).toEqual({ kind: 'same-step', teacherStep: 10, teacher: [0.5, 0.1], studentStep: 10, student: [0.4, 0.05] });
  });

  it('reports a student that never gets as far as the teacher', () => {
    const cmp = compareAt(tiny, { index: 3 }, 'matched');
    expect(cmp.studentStep).toBeNull();
    expect(describeComparison(tiny, cmp, 2)).toMatch(/never reaches/);
  });

  it('defaults to where the teacher’s top mode reaches 0.9, or the end', () => {
    expect(defaultStepIndex(tiny)).toBe(3);
    expect(defaultStepIndex({ steps: [0, 1], teacher: [[0], [0.2]] })).toBe(1);
    expect(compareAt({ ...tiny, teacher: tiny.teacher.map((r) => [r[0]! / 2, r[1]!]) }, { top: 0.9 }, 'matched').teacherStep).toBe(30);
  });

  it('agrees with the shared lab’s c_45 at c_1 = 0.9, and the student lags (SPEC experiment 6)', () => {
    const result = labResult(spec6);
    const shared = progressAtMatchedTop(runEigenLab(spec6), 45, 0.9);
    const cmp = compareAt(result, { top: 0.9 }, 'matched');
    expect(cmp.teacherStep).toBeCloseTo(shared.teacher!.step, 9);
    expect(cmp.teacher[44]).toBeCloseTo(shared.teacher!.cj, 9);
    expect(cmp.student![44]).toBeCloseTo(shared.student!.cj, 6);
    expect(cmp.student![0]).toBeCloseTo(0.9, 9);
    expect(cmp.student![44]!).toBeLessThan(cmp.teacher[44]!);
    const text = describeComparison(result, cmp, 45);
    expect(text).toContain('c₄₅');
    expect(text).toContain(`${cmp.student![44]!.toFixed(3)} against the teacher’s ${cmp.teacher[44]!.toFixed(3)}`);
    expect(text).toMatch(/exaggerates the bias toward the top eigendirections/);
    expect(text).toContain('T̃ = 300');
  });

  it('says a converged teacher gives the same curves', () => {
    const result = labResult({ ...spec6, teacherSteps: null, studentSteps: 100 });
    const cmp = compareAt(result, { top: 0.9 }, 'matched');
    expect(cmp.student![44]).toBeCloseTo(cmp.teacher[44]!, 9);
    expect(describeComparison(result, cmp, 45)).toMatch(/ran to convergence/);
  });

  it('describes a same-step comparison with both ratios', () => {
    const text = describeComparison(tiny, compareAt(tiny, { index: 1 }, 'same-step'), 2);
    expect(text).toContain('At step 10');
    expect(text).toContain('c₁ is 0.400 against the teacher’s 0.500 (×0.80)');
    expect(text).toContain('c₂ is 0.050 against 0.100 (×0.50): it keeps up on the top eigendirections and lags on the small ones.');
    const even = { ...tiny, student: tiny.teacher };
    expect(describeComparison(even, compareAt(even, { index: 1 }, 'same-step'), 2)).toContain('no clear lag on this direction here');
    expect(describeComparison(even, compareAt(even, { index: 1 }, 'matched'), 2)).toContain('not clearly below the teacher');
  });
});

type Line = { id: string; name: string; data: [number, number | null][]; lineStyle: { type: string }; yAxisIndex?: number; markLine?: { data: { xAxis: number; name: string }[] } };

describe('chart options', () => {
  it('draws c_k(t) per chosen mode, teacher solid and student dashed', () => {
    const option = trajectoryOption(tiny, [2], { logC: false });
    const series = option.series as Line[];
    expect(series.map((s) => s.id)).toEqual(['mode-2-teacher', 'mode-2-student']);
    expect(series[0]!.data).toEqual([[0, 0], [10, 0.1], [20, 0.2], [30, 0.3]]);
    expect(series[1]!.data).toEqual([[0, 0], [10, 0.05], [20, 0.1], [30, 0.15]]);
    expect(series.map((s) => s.lineStyle.type)).toEqual(['solid', 'dashed']);
    expect(series[0]!.name).toBe('c₂ teacher');
    expect(option.xAxis).toMatchObject({ type: 'value', min: 0, max: 30 });
    // fitted to the plotted c values (0 … 0.3), from 0
    expect(option.yAxis).toMatchObject({ type: 'value', min: 0, max: 0.3, interval: 0.1 });
    // round-off above 1 does not add a tick; a real overshoot does
    const top = (v: number) => (trajectoryOption({ ...tiny, teacher: tiny.teacher.map((r, i) => (i === 3 ? [v, ...r.slice(1)] : r)) }, [1], { logC: false }).yAxis as { max: number }).max;
    expect(top(1 + 1e-12)).toBe(1);
    expect(top(1.13)).toBe(1.25);
  });

  it('adds the closed forms when asked, and leaves zeros out of a log axis', () => {
    const series = trajectoryOption(tiny, [1, 2], { closedForm: true, logC: true }).series as Line[];
    expect(series).toHaveLength(8);
    expect(series[2]!.id).toBe('mode-1-teacher, formula');
    expect(series[3]!.name).toBe('c₁ student, formula');
    expect(series[2]!.lineStyle.type).toBe('dotted');
    expect(series[0]!.data[0]).toEqual([0, null]);
  });

  it('marks the teacher’s stop and the compared steps', () => {
    const cmp = compareAt(tiny, { index: 2 }, 'matched');
    const series = trajectoryOption(tiny, [1], { comparison: cmp }).series as Line[];
    expect(series[0]!.markLine!.data.map((d) => [d.xAxis, d.name])).toEqual([
      [20, 'T̃: teacher stops'],
      [20, 'teacher compared'],
      [cmp.studentStep, 'student compared'],
    ]);
    expect(stepMarks({ ...tiny, teacherSteps: null }, null)).toBeUndefined();
    expect(stepMarks({ ...tiny, teacherSteps: 500 }, null)).toBeUndefined(); // beyond the plotted steps
  });

  it('plots c_k against the eigen index with λ_k on a second, log axis', () => {
    const cmp = compareAt(tiny, { index: 1 }, 'same-step');
    const option = modeProfileOption(tiny, cmp, { logC: false });
    const series = option.series as Line[];
    expect(series.map((s) => s.id)).toEqual(['teacher', 'student', 'eigenvalues']);
    expect(series[0]!.data).toEqual([[1, 0.5], [2, 0.1]]);
    expect(series[1]!.data).toEqual([[1, 0.4], [2, 0.05]]);
    expect(series[2]!.data).toEqual([[1, 4], [2, 0.5]]);
    expect(series[2]!.yAxisIndex).toBe(1);
    expect((option.yAxis as { type: string }[]).map((a) => a.type)).toEqual(['value', 'log']);
  });

  it('leaves the student out of the profile when it never matches, and non-positive λ off the log axis', () => {
    const cmp = compareAt(tiny, { index: 3 }, 'matched');
    const series = modeProfileOption({ ...tiny, eigenvalues: [4, -1e-15] }, cmp).series as Line[];
    expect(series[1]!.data).toEqual([[1, null], [2, null]]);
    expect(series[2]!.data).toEqual([[1, 4], [2, null]]);
  });

  it('draws P3 as (c_1, c_j) curves for every chosen mode but the first', () => {
    const cmp = compareAt(tiny, { index: 2 }, 'matched');
    const option = topProgressOption(tiny, [1, 2], { logC: false, comparison: cmp });
    const series = option.series as Line[];
    expect(series.map((s) => s.id)).toEqual(['p3-2-teacher', 'p3-2-student']);
    expect(series[0]!.data).toEqual([[0, 0], [0.5, 0.1], [0.8, 0.2], [1, 0.3]]);
    expect(series[1]!.data).toEqual([[0, 0], [0.4, 0.05], [0.7, 0.1], [0.9, 0.15]]);
    expect(series[0]!.markLine!.data[0]!.xAxis).toBe(0.8);
    expect(topProgressOption(tiny, [1]).series).toEqual([]);
  });

  it('thins long trajectories evenly, keeping both ends', () => {
    expect(thinIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
    const kept = thinIndices(10_001, 101);
    expect(kept).toHaveLength(101);
    expect(kept[0]).toBe(0);
    expect(kept[100]).toBe(10_000);
    expect(kept[50]).toBe(5000);
  });

  it('starts the log axis a decade below the smallest value', () => {
    expect(logFloor(0.03)).toBeCloseTo(0.01);
    expect(logFloor(0.001)).toBeCloseTo(0.001);
    expect(logFloor(1e-9)).toBeCloseTo(1e-6);
    expect(logFloor(Infinity)).toBe(1e-3);
  });
});
