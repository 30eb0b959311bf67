// The explorer's route state and brush hits: a state survives the URL round trip, malformed
// query values are dropped one by one, and the brush selects exactly the points inside it.
import { describe, expect, it } from 'vitest';
import { decodeExplorerState, emptyExplorerState, encodeExplorerState, filterOf, type ExplorerState } from '../../renderer/src/explorer/explorerState.js';
import { brushFromArea, brushHits } from '../../renderer/src/explorer/scatterPoints.js';
import { compareRows, sortCompareRows } from '../../renderer/src/explorer/deviationCharts.js';
import { runsAtEpoch } from '../../renderer/src/explorer/inspectorData.js';
import { defaultExportPath } from '../../renderer/src/explorer/exportPath.js';

describe('the explorer route state', () => {
  it('round-trips every clause through the query', () => {
    const state: ExplorerState = {
      ...emptyExplorerState(),
      student: 4,
      epoch: 7,
      split: 'ood-shift',
      classChoice: 'label',
      colour: 'correctness',
      labels: [1, 3],
      predicted: [2],
      ranges: [{ measure: 'studentPhi', max: 0 }, { measure: 'kl', min: 0.25, max: 3 }],
      underfit: { delta: 0.5, quantile: 0.2 },
      correctness: [{ runId: 2, correct: true }, { runId: 4, correct: false }],
      disagree: { runA: 2, runB: 5 },
      text: 'not bad, really',
      set: { setId: 9, member: false },
      noisy: true,
      region: 'forgets',
      confusion: { label: 2, teacherTop: 2, studentTop: 5 },
      brush: { kind: 'lasso', points: [[0, 0], [1.5, 0.25], [1, -2]] },
      sort: { column: 'deviation', descending: true },
      example: 1234,
    };
    const query = encodeExplorerState(state);
    expect(decodeExplorerState(query)).toEqual(state);
    expect(encodeExplorerState(emptyExplorerState())).toEqual({});
    expect(decodeExplorerState(encodeExplorerState({ ...emptyExplorerState(), brush: { kind: 'rect', x: [-1, 2], y: [0.5, 3] } })).brush).toEqual({ kind: 'rect', x: [-1, 2], y: [0.5, 3] });
  });

  it('drops malformed values and keeps the rest', () => {
    const s = decodeExplorerState({
      student: 'x',
      epoch: '-3',
      split: 'no such/split!',
      labels: '1,a,2,2',
      range: ['studentPhi:1:0', 'nope:0:1', 'kl::2'],
      ok: '3+,x-,5-',
      disagree: '3-',
      brush: 'rect:1,2,3',
      sort: '-notAColumn',
      underfit: '-1:0.5',
      set: '0',
      example: '12',
    });
    expect(s).toMatchObject({ student: null, epoch: null, split: null, labels: [1, 2], ranges: [{ measure: 'kl', max: 2 }], correctness: [{ runId: 3, correct: true }, { runId: 5, correct: false }], disagree: null, brush: null, underfit: null, set: null, example: 12 });
    expect(s.sort).toEqual({ column: 'id', descending: false });
  });

  it('turns the state into the analytics filter, with an empty brush selecting nothing', () => {
    const state = { ...emptyExplorerState(), split: 'train', predicted: [3], noisy: false };
    expect(filterOf(state, 8)).toEqual({ split: 'train', predicted: { runId: 8, classes: [3] }, noisy: false });
    expect(filterOf(state, 8, [5, 6]).exampleIds).toEqual([5, 6]);
    // a range row whose bounds are not typed yet filters nothing; one bound makes it a clause
    const withRows: ExplorerState = { ...state, ranges: [{ measure: 'studentPhi' }, { measure: 'kl', min: 0.5 }] };
    expect(filterOf(withRows, 8).ranges).toEqual([{ measure: 'kl', min: 0.5 }]);
    expect(filterOf({ ...state, ranges: [{ measure: 'studentPhi' }] }, 8).ranges).toBeUndefined();
    expect(filterOf({ ...state, region: 'tracks', confusion: { label: 1, teacherTop: 1, studentTop: 0 } }, 8)).toMatchObject({ region: { kind: 'tracks', klThreshold: 0.1 }, confusion: { label: 1, teacherTop: 1, studentTop: 0 } });
    expect(filterOf(state, 8, []).exampleIds).toEqual([0x7fffffff]);
  });
});

describe('brush hits', () => {
  const points = { id: Int32Array.from([1, 2, 3, 4, 5]), a: Float32Array.from([0, 1, 2, 3, 1]), b: Float32Array.from([0, 1, 2, 3, 3]) };

  it('selects the points inside a rectangle, edges included', () => {
    expect(brushHits(points, { kind: 'rect', x: [1, 2], y: [1, 2] })).toEqual([2, 3]);
    expect(brushHits(points, { kind: 'rect', x: [5, 6], y: [0, 9] })).toEqual([]);
  });

  it('selects the points inside a lasso, concave shapes too', () => {
    // an L shape: the bottom-left arm and the left column, not the (2, 2) corner region
    const lasso = { kind: 'lasso' as const, points: [[-0.5, -0.5], [3.5, -0.5], [3.5, 0.5], [0.5, 0.5], [0.5, 3.5], [-0.5, 3.5]] as [number, number][] };
    expect(brushHits(points, lasso)).toEqual([1]);
    const triangle = { kind: 'lasso' as const, points: [[0.5, 0.5], [3.5, 3.5], [0.5, 3.5]] as [number, number][] };
    expect(brushHits(points, triangle)).toEqual([5]);
  });

  it('reads ECharts brush areas in data units', () => {
    expect(brushFromArea({ brushType: 'rect', coordRange: [[0, 1], [2, 3]] })).toEqual({ kind: 'rect', x: [0, 1], y: [2, 3] });
    expect(brushFromArea({ brushType: 'polygon', coordRange: [[0, 0], [1, 0], [0, 1]] })).toEqual({ kind: 'lasso', points: [[0, 0], [1, 0], [0, 1]] });
    expect(brushFromArea({ brushType: 'lineX', coordRange: [0, 1] })).toBeNull();
  });
});

describe('the compare table and the detail panel', () => {
  const split = (name: string, beta: number | null, acc: number) => ({ split: name, n: 10, beta, intercept: 0, betaCi95: [beta, beta] as [number | null, number | null], bins: [{ centre: 0, delta: -0.5, count: 5, lo: 0, hi: 1 }], underfits: true, hardPointFitRate: 0.5, teacherAccuracy: 0.9, studentAccuracy: acc, teacherCleanAccuracy: null, studentCleanAccuracy: null, meanKl: 0.1, fidelity: 0.8 });
  const student = (id: number, beta: number | null, acc: number) => ({ studentRunId: id, studentName: `s${id}`, studentEpoch: 3, teacherRunId: 1, teacherName: 't', teacherEpoch: 3, teacherInterpolates: false, splits: [split('train', beta, acc), split('test', beta, acc - 0.1), split('ood', beta, 0.3)] });
  const report = { experimentId: 1, datasetId: 1, classChoice: 'teacher-top' as const, bootstrap: 0, notes: [], students: [student(2, 0.9, 0.8), student(3, null, 0.9), student(4, 1.1, 0.7)] };

  it('sorts students by any column with missing values last', () => {
    const rows = compareRows(report, 'train');
    expect(rows[0]!.testAccuracy).toBeCloseTo(0.7, 9);
    expect(rows[0]).toMatchObject({ lowestBinDelta: -0.5, ood: [{ split: 'ood', accuracy: 0.3 }] });
    expect(sortCompareRows(rows, 'beta', true).map((r) => r.runId)).toEqual([4, 2, 3]);
    expect(sortCompareRows(rows, 'beta', false).map((r) => r.runId)).toEqual([2, 4, 3]);
    expect(sortCompareRows(rows, 'testAccuracy', true).map((r) => r.runId)).toEqual([3, 2, 4]);
  });

  it('shows students at the analysed epoch and teachers at their last', () => {
    const t = {
      exampleId: 1, label: 1, trainLabel: 1, classNames: ['a', 'b'],
      runs: [
        { runId: 1, name: 't', role: 'teacher' as const, teacherRunId: null, epochs: [1, 2], probs: [[0.6, 0.4], [0.2, 0.8]] },
        { runId: 2, name: 's', role: 'student' as const, teacherRunId: 1, epochs: [1, 2, 3], probs: [[0.7, 0.3], [0.4, 0.6], [0.1, 0.9]] },
      ],
    };
    expect(runsAtEpoch(t, 1).map((r) => [r.epoch, r.top, r.correct])).toEqual([[2, 1, true], [1, 0, false]]);
    expect(runsAtEpoch(t, null).map((r) => r.labelProb)).toEqual([0.8, 0.9]);
  });

  it('suggests an export file beside the database with a safe name', () => {
    expect(defaultExportPath('/home/r/.config/Disobey/disobey.db', 'KD ✗ / misfits', 'zip')).toBe('/home/r/.config/Disobey/KD _ _ misfits.zip');
    expect(defaultExportPath('C:\\data\\x.db', '..', 'csv')).toBe('C:\\data\\curated-set.csv');
  });
});
