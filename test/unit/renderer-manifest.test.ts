// The training-manifest dialog's form logic: the default reason names the explorer's filter, the
// presets are valid rules, weights are checked as typed, rules move in order, and the arguments
// built from the form are exactly what the contract accepts.
import { describe, expect, it } from 'vitest';
import { exportFileName } from '../../shared/curatedSets.js';
import { TrainingManifestArgs } from '../../shared/trainingManifest.js';
import { emptyExplorerState, filterOf, type ExplorerState } from '../../renderer/src/explorer/explorerState.js';
import { describeFilter, manifestArgs, manifestPresets, manifestStem, moveRule, parseWeight, presetRule, regionRule, ruleDraft, REASON_MAX } from '../../renderer/src/explorer/manifestRules.js';

const names = {
  runName: (id: number) => ({ 1: 'teacher', 2: 'KD', 3: 'one-hot' })[id] ?? `run ${id}`,
  className: (c: number) => ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat'][c] ?? String(c),
  setName: (id: number) => (id === 7 ? 'hand-picked' : `set ${id}`),
};
const scope = { experimentId: 3, studentRunId: 2, epoch: 4, classChoice: 'teacher-top' as const };

describe('the default reason of the explorer filter', () => {
  it('names each clause briefly, with run, class and set names', () => {
    const state: ExplorerState = {
      ...emptyExplorerState(),
      split: 'train',
      correctness: [{ runId: 1, correct: true }, { runId: 2, correct: false }],
      labels: [1, 3],
    };
    expect(describeFilter(state, names)).toBe('label Trouser, Dress; teacher right, KD wrong');
    expect(describeFilter({ ...emptyExplorerState(), region: 'forgets', set: { setId: 7, member: false }, noisy: true }, names)).toBe('not in set “hand-picked”; noisy label; region forgets');
    expect(describeFilter({ ...emptyExplorerState(), ranges: [{ measure: 'studentPhi', max: 0 }, { measure: 'kl', min: 0.25, max: 3 }] }, names)).toBe('student φ ≤ 0; 0.25 ≤ KL(teacher ‖ student) ≤ 3');
    expect(describeFilter({ ...emptyExplorerState(), underfit: { delta: 0.5, quantile: 0.25 }, disagree: { runA: 1, runB: 3 } }, names)).toBe('underfit by > 0.5 (least confident 25%); teacher and one-hot disagree');
    expect(describeFilter({ ...emptyExplorerState(), confusion: { label: 0, teacherTop: 0, studentTop: 4 } }, names)).toBe('label T-shirt, teacher T-shirt, student Coat');
  });

  it('mentions the brush with its hits, and says something when nothing filters', () => {
    const brushed = { ...emptyExplorerState(), predicted: [0, 1, 2, 3], brush: { kind: 'rect' as const, x: [0, 1] as [number, number], y: [0, 1] as [number, number] } };
    expect(describeFilter(brushed, names, 34)).toBe('student predicts T-shirt, Trouser, Pullover +1; brushed 34 on the teacher-vs-student chart');
    expect(describeFilter(brushed, names)).toBe('student predicts T-shirt, Trouser, Pullover +1; brushed on the teacher-vs-student chart');
    expect(describeFilter(emptyExplorerState(), names)).toBe('selected in the explorer');
  });

  it('fits the reason column, however long the text filter', () => {
    const reason = describeFilter({ ...emptyExplorerState(), text: 'x'.repeat(500) }, names);
    expect(reason.length).toBe(REASON_MAX);
    expect(reason.endsWith('…')).toBe(true);
  });
});

describe('the manifest form', () => {
  it('offers presets that are valid rules, run-specific ones only with the runs', () => {
    const all = manifestPresets({ teacherRunId: 1, studentRunId: 2 });
    expect(all.map((p) => p.id)).toEqual(['region-never-matches', 'region-forgets', 'region-overtakes', 'region-tracks', 'underfit', 'student-wrong', 'teacher-right-student-wrong', 'teacher-wrong', 'disagree']);
    expect(all.find((p) => p.id === 'underfit')!.filter).toEqual({ underfit: { delta: 0.5, quantile: 0.25 } });
    expect(all.find((p) => p.id === 'teacher-right-student-wrong')!.filter).toEqual({ correctness: [{ runId: 1, correct: true }, { runId: 2, correct: false }] });
    expect(manifestPresets({ teacherRunId: null, studentRunId: null }).map((p) => p.id)).toEqual(['region-never-matches', 'region-forgets', 'region-overtakes', 'region-tracks', 'underfit']);
    const args = manifestArgs(scope, { rules: all.map((p) => presetRule(p)), defaultWeight: '1', kind: 'weights', format: 'csv', split: 'train' }).args;
    expect(TrainingManifestArgs.safeParse(args).success).toBe(true);
    expect(args!.rules.every((r) => r.weight === 0.5 && r.reason.length > 0)).toBe(true);
  });

  it('reads weights as typed: finite numbers from 0 to a million', () => {
    expect([' 0.25 ', '0', '1e6', 2, '3.5'].map(parseWeight)).toEqual([0.25, 0, 1_000_000, 2, 3.5]);
    expect(['', ' ', '-0.1', 'abc', 'Infinity', '1e7', 'NaN'].map(parseWeight)).toEqual([null, null, null, null, null, null, null]);
  });

  it('moves a rule up or down, leaving the ends alone', () => {
    expect(moveRule(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveRule(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveRule(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveRule(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });

  it('builds the call in rule order with the scope, split, kind and format, and without a split for "all"', () => {
    const state: ExplorerState = { ...emptyExplorerState(), split: 'train', correctness: [{ runId: 2, correct: false }] };
    const first = ruleDraft(filterOf(state, 2, [5, 9, 11]), 'the explorer’s filter', '  KD wrong, brushed  ', '0.25');
    const form = { rules: [first, regionRule('forgets', '2')], defaultWeight: '1', kind: 'curriculum' as const, format: 'jsonl' as const, split: 'train' };
    const { args, error } = manifestArgs(scope, form);
    expect(error).toBeNull();
    expect(args).toEqual({
      ...scope,
      split: 'train',
      rules: [
        { filter: { split: 'train', correctness: [{ runId: 2, correct: false }], exampleIds: [5, 9, 11] }, weight: 0.25, reason: 'KD wrong, brushed' },
        { filter: { region: { kind: 'forgets' } }, weight: 2, reason: 'forgets: matched the teacher, then drifted away' },
      ],
      defaultWeight: 1,
      kind: 'curriculum',
      format: 'jsonl',
    });
    expect(TrainingManifestArgs.parse(args)).toMatchObject({ overwrite: false, rules: [{ weight: 0.25 }, { filter: { region: { kind: 'forgets' } } }] });
    expect(manifestArgs(scope, { ...form, split: null }).args).not.toHaveProperty('split');
  });

  it('says what is wrong with the form instead of calling', () => {
    const rule = regionRule('tracks');
    const form = { rules: [rule], defaultWeight: '1', kind: 'weights' as const, format: 'csv' as const, split: null };
    expect(manifestArgs(scope, { ...form, rules: [] }).error).toBe('add at least one rule');
    expect(manifestArgs(scope, { ...form, rules: [rule, { ...rule, weight: '-1' }] }).error).toMatch(/^rule 2: the weight/);
    expect(manifestArgs(scope, { ...form, rules: [{ ...rule, reason: '   ' }] }).error).toBe('rule 1: a rule needs a reason');
    expect(manifestArgs(scope, { ...form, defaultWeight: '' }).error).toMatch(/^the default weight/);
  });

  it('names the file after the experiment, split and kind', () => {
    expect(exportFileName(manifestStem('fm paper', 'train', 'weights'), 'csv')).toBe('fm paper train weights.csv');
    expect(exportFileName(manifestStem('a/b: c', null, 'curriculum'), 'jsonl')).toBe('a_b_ c all curriculum.jsonl');
  });
});
