// The Dataset page's numbers: each filter's counts under the other filters (from the summary
// the store writes, noisy examples per clean class included), whether a dataset is a mechanism
// dataset, and what the detail panel lists per finished run.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExampleTrajectory } from '../../shared/analytics.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { classCount, noisyClassCount, splitCountsFor } from '../../renderer/src/datasetStats.js';
import { experimentsWithFinishedRuns, explorerExperiment, finishedRunPredictions, topClasses } from '../../renderer/src/examplePredictions.js';
import { makeTempDir } from '../helpers/tempDir.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function storeWith(examples: { split: string; label: number; noisyLabel: number | null }[], options: unknown = {}) {
  const temp = makeTempDir();
  const db = openDatabase(path.join(temp.dir, 'app.db'));
  cleanups.push(() => {
    db.close();
    temp.dispose();
  });
  const q = createDatasetQueries(db);
  const dataset = { name: 'd', kind: 'image' as const, format: 'folder' as const, source: '/x', classNames: ['a', 'b', 'c'], classGroups: [], shape: { height: 2, width: 2, channels: 1 as const }, options };
  const id = q.insertDataset(dataset, examples.map((e, i) => ({ ...e, index: i, group: null, sourceRef: null, pixels: new Uint8Array(4), text: null })));
  return q.getDataset(id);
}

describe('the dataset page\'s counts', () => {
  it('counts each split of one class, and its noisy examples under their clean class', () => {
    const d = storeWith([
      { split: 'train', label: 0, noisyLabel: null },
      { split: 'train', label: 0, noisyLabel: 2 },
      { split: 'train', label: 1, noisyLabel: 0 },
      { split: 'train', label: 1, noisyLabel: 0 },
      { split: 'train', label: 2, noisyLabel: null },
      { split: 'test', label: 0, noisyLabel: null },
      { split: 'test', label: 1, noisyLabel: null },
    ]);
    expect(d.splits.find((s) => s.split === 'train')!.noisyPerClass).toEqual([1, 2, 0]);
    expect(d.splits.find((s) => s.split === 'test')!.noisyPerClass).toBeUndefined(); // no noisy example in the split
    expect(d.mechanisms).toBeUndefined();
    expect(splitCountsFor(d, null)).toEqual([
      { split: 'train', count: 5, noisy: 3 },
      { split: 'test', count: 2, noisy: 0 },
    ]);
    expect(splitCountsFor(d, 1)).toEqual([
      { split: 'train', count: 2, noisy: 2 },
      { split: 'test', count: 1, noisy: 0 },
    ]);
    expect([classCount(d, null, 0), classCount(d, 'train', 0), classCount(d, 'test', 2), classCount(d, null, null)]).toEqual([3, 2, 0, 7]);
    expect([noisyClassCount(d, null, 0), noisyClassCount(d, 'train', 1), noisyClassCount(d, 'train', null), noisyClassCount(d, 'test', 1)]).toEqual([1, 2, 3, 0]);
  });

  it('reads a mechanism dataset\'s layout from what its builder stored, and nothing from other options', () => {
    const options = {
      mechanisms: [{ name: 'top', source: { datasetId: 1 } }, { name: 'patch', grid: 3 }],
      labelMechanism: 'top',
      splits: [{ name: 'train', size: 1, settings: { top: 'keep', patch: 'randomise' }, correlation: 1, from: 'train' }],
      seed: 0,
    };
    const d = storeWith([{ split: 'train', label: 0, noisyLabel: null }], options);
    expect(d.mechanisms).toEqual({ names: ['top', 'patch'], labelMechanism: 'top', splits: [{ name: 'train', settings: { top: 'keep', patch: 'randomise' } }] });
    expect(storeWith([{ split: 'train', label: 0, noisyLabel: null }], { noise: { rate: 0.2 }, splits: 'x' }).mechanisms).toBeUndefined();
  });
});

describe('the detail panel\'s predictions', () => {
  const run = (id: number, role: 'teacher' | 'student', status: 'done' | 'running', epochsDone: number) => ({ id, role, status, epochsDone, name: `r${id}` }) as never;
  const experiment = (id: number, datasetId: number, createdAt: string, runs: never[]) => ({ id, datasetId, createdAt, runs, name: `e${id}` });

  it('asks the dataset\'s experiments with a finished run, newest first, and opens the newest with a trained student', () => {
    const list = [
      experiment(1, 5, '2024-01-01', [run(1, 'teacher', 'done', 2), run(2, 'student', 'done', 2)]),
      experiment(2, 5, '2024-03-01', [run(3, 'teacher', 'done', 2), run(4, 'student', 'running', 0)]),
      experiment(3, 5, '2024-02-01', [run(5, 'teacher', 'running', 1)]),
      experiment(4, 6, '2024-04-01', [run(6, 'teacher', 'done', 2), run(7, 'student', 'done', 2)]),
    ];
    expect(experimentsWithFinishedRuns(list, 5).map((e) => e.id)).toEqual([2, 1]);
    expect(explorerExperiment(list, 5)?.id).toBe(1);
    expect(explorerExperiment(list, 7)).toBeNull();
  });

  it('lists each finished run at its last epoch: predicted class, p(training label), top classes', () => {
    const trajectory: ExampleTrajectory = {
      exampleId: 9,
      label: 0,
      trainLabel: 2,
      classNames: ['a', 'b', 'c', 'd'],
      runs: [
        { runId: 1, name: 'teacher', role: 'teacher', teacherRunId: null, epochs: [1, 2], probs: [[0.1, 0.1, 0.7, 0.1], [0.05, 0.05, 0.8, 0.1]] },
        { runId: 2, name: 'student', role: 'student', teacherRunId: 1, epochs: [1, 2], probs: [[0.25, 0.25, 0.25, 0.25], [0.1, 0.6, 0.2, 0.1]] },
        { runId: 3, name: 'unfinished', role: 'student', teacherRunId: 1, epochs: [1], probs: [[0.1, 0.2, 0.3, 0.4]] },
      ],
    };
    const rows = finishedRunPredictions({ runs: [run(1, 'teacher', 'done', 2), run(2, 'student', 'done', 2), run(3, 'student', 'running', 1)] }, trajectory);
    expect(rows).toEqual([
      { runId: 1, name: 'teacher', role: 'teacher', epoch: 2, predicted: 2, predictedProb: 0.8, labelProb: 0.8, correct: true, top: [{ cls: 2, p: 0.8 }, { cls: 3, p: 0.1 }, { cls: 0, p: 0.05 }] },
      { runId: 2, name: 'student', role: 'student', epoch: 2, predicted: 1, predictedProb: 0.6, labelProb: 0.2, correct: false, top: [{ cls: 1, p: 0.6 }, { cls: 2, p: 0.2 }, { cls: 0, p: 0.1 }] },
    ]);
    expect(topClasses([0.2, 0.2, 0.6], 2)).toEqual([{ cls: 2, p: 0.6 }, { cls: 0, p: 0.2 }]);
  });
});
