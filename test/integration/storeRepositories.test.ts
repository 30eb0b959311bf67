// The store prepares its statements once: the modules that used to prepare SQL per call
// (planning, training data, ingest's index, the analytics' dataset columns, manifests) now ask
// repositories built with the store, so a second call prepares nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDatasetColumnsCache } from '../../main/analytics/datasetColumns.js';
import { planExperiment } from '../../main/services/experimentPlanner.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore, type Store } from '../../main/store/store.js';
import { loadTrainingData } from '../../main/train/trainingData.js';
import type { ExperimentSpecInput } from '../../shared/experimentSpec.js';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

function storeWithDataset(): { store: Store; prepared: () => number; datasetId: number } {
  const db = openDatabase(':memory:');
  closers.push(() => db.close());
  const prepare = vi.spyOn(db, 'prepare');
  const store = createStore(db);
  const examples = Array.from({ length: 8 }, (_, i) => ({
    split: i < 6 ? 'train' : 'test',
    index: i,
    label: i % 2,
    noisyLabel: null,
    group: null,
    sourceRef: null,
    pixels: Uint8Array.from([i, 2 * i, 3 * i, 4 * i]),
    text: null,
  }));
  const datasetId = store.importDataset(
    { name: 'tiny', kind: 'image', format: 'idx', source: 'test', classNames: ['a', 'b'], classGroups: [], shape: { height: 2, width: 2, channels: 1 }, options: {} },
    examples,
  );
  return { store, prepared: () => prepare.mock.calls.length, datasetId };
}

const mlp = (name: string) => ({ name, model: { arch: 'mlp' as const, hidden: [4] }, optimizer: { kind: 'adam' as const, lr: 0.01 }, batchSize: 4, epochs: 1, seed: 1 });

describe('the store', () => {
  it('answers a repeated call without preparing a statement again', () => {
    const { store, prepared, datasetId } = storeWithDataset();
    const spec: ExperimentSpecInput = { name: 'plan', datasetId, teacher: mlp('teacher'), students: [mlp('student')], seeds: 2 };
    const calls = () => {
      planExperiment(store, spec);
      loadTrainingData(store, datasetId, mlp('m').model as Parameters<typeof loadTrainingData>[2]);
      createDatasetColumnsCache(store).get(datasetId);
      store.examples.listed(datasetId, 'test');
      Array.from(store.examples.labelledRows(datasetId));
      store.experiments.listExperiments();
    };
    calls(); // the first call may warm better-sqlite3's own transaction statements
    const before = prepared();
    calls();
    expect(prepared()).toBe(before);
    expect(store.experiments.listExperiments()).toHaveLength(4); // two seeded plans of two replicates
  });

  it('plans seed replicates sharing the first replicate\'s teacher in one transaction', () => {
    const { store, datasetId } = storeWithDataset();
    const planned = planExperiment(store, { name: 'shared', datasetId, teacher: mlp('teacher'), students: [mlp('student')], seeds: 3, seedTeacher: 'shared' });
    const [first, ...later] = planned.experimentIds.map((id) => store.experiments.getExperiment(id));
    const teacher = first!.runs.find((r) => r.role === 'teacher')!;
    for (const e of later) {
      expect(e.runs.map((r) => r.role)).toEqual(['student']);
      expect(e.runs[0]!.teacherRunId).toBe(teacher.id);
      expect(store.experiments.experimentSpec(e.id)).toMatchObject({ teacher: { reuseRunId: teacher.id } });
    }
    expect(store.experiments.seriesOf(first!.id).map((r) => r.seed)).toEqual([1, 2, 3]);
  });
});
