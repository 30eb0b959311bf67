// A seed series written through the app's own store with accuracies chosen per run, for the
// findings tests: a 4-class dataset (train with symmetric label noise, test clean), and per seed a
// teacher and the students the claims compare (one-hot, KD τ=1, one-hot → KD, KD → one-hot),
// each run right on a chosen share of each split and as confident as a chosen scale of the
// teacher. The tests recompute every statistic from the stored rows, not from these settings.
import type { Connection } from '../main/store/store.js';
import { createRandom } from '../shared/seededRandom.js';
import { createDatasetQueries, type NewExample } from '../main/store/datasetQueries.js';
import { createRunQueries } from '../main/store/runQueries.js';

export const FIXTURE_CLASSES = 4;

/** Share of each split a run predicts right (against the labels it trained on: noisy on train). */
export interface RunAccuracy {
  train: number;
  test: number;
  /** the student's logits are this multiple of the teacher's margin (< 1: less confident) */
  confidence?: number;
}

export interface SeedPlan {
  seed: number;
  teacher: RunAccuracy;
  onehot: RunAccuracy;
  kd: RunAccuracy;
  late?: RunAccuracy;
  early?: RunAccuracy;
  /** train losses per epoch for the KD student (to test the not-converged diagnostic) */
  kdTrainLosses?: number[];
}

export interface FindingsFixture {
  datasetId: number;
  experimentIds: number[];
  /** per seed: run ids by variant */
  runs: { teacher: number; onehot: number; kd: number; late?: number; early?: number }[];
}

const EPOCHS = 3;
const onehot = { kind: 'onehot' };
const kd = { kind: 'kd', alpha: 1, tau: 1, tauSquared: true };
const base = { model: { arch: 'mlp', hidden: [8] }, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 32, epochs: EPOCHS, seed: 1 };

export function createFindingsFixture(db: Connection, plans: SeedPlan[], options: { trainCount?: number; testCount?: number; noiseRate?: number; name?: string } = {}): FindingsFixture {
  const { trainCount = 400, testCount = 200, noiseRate = 0.2, name = 'findings fixture' } = options;
  const C = FIXTURE_CLASSES;
  const random = createRandom(11);
  const datasets = createDatasetQueries(db);
  const runs = createRunQueries(db);
  const n = trainCount + testCount;
  const labels = Int32Array.from({ length: n }, () => random.int(C));
  const noisy = Array.from({ length: n }, (_, i) => (i < trainCount && random.next() < noiseRate ? (labels[i]! + 1) % C : null));
  function* rows(): Generator<NewExample> {
    for (let i = 0; i < n; i++) {
      const test = i >= trainCount;
      yield { split: test ? 'test' : 'train', index: test ? i - trainCount : i, label: labels[i]!, noisyLabel: noisy[i]!, group: null, sourceRef: `fixture:${i}`, pixels: new Uint8Array(16), text: null };
    }
  }
  const datasetId = datasets.insertDataset(
    { name, kind: 'image', format: 'idx', source: 'fixture', classNames: ['a', 'b', 'c', 'd'], classGroups: [[0, 1]], shape: { height: 4, width: 4, channels: 1 }, options: {} },
    rows(),
  );
  const exampleIds = db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
  const trainLabels = Int32Array.from({ length: n }, (_, i) => noisy[i] ?? labels[i]!);
  // The teacher's margin per example: hard examples (low margin) get low confidence.
  const margin = Float64Array.from({ length: n }, () => 0.3 + 5 * random.next());
  const series = `fixture-${name}-${datasetId}`;

  const logitsFor = (acc: RunAccuracy, salt: number) => {
    const r = createRandom(salt);
    const logits = new Float32Array(n * C);
    const scale = acc.confidence ?? 1;
    for (const [split, from, to] of [['train', 0, trainCount], ['test', trainCount, n]] as const) {
      const share = acc[split];
      const order = Array.from({ length: to - from }, (_, k) => from + k);
      r.shuffle(order);
      const right = Math.round(share * order.length);
      order.forEach((i, k) => {
        const target = k < right ? trainLabels[i]! : (trainLabels[i]! + 2) % C;
        for (let c = 0; c < C; c++) logits[i * C + c] = (c === target ? margin[i]! * scale : 0) + 0.05 * r.normal();
      });
    }
    return logits;
  };

  const experimentIds: number[] = [];
  const runIds: FindingsFixture['runs'] = [];
  for (const plan of plans) {
    const experimentId = runs.createExperiment(datasetId, `${name} · seed ${plan.seed}`, { fixture: true });
    runs.setExperimentSeries(experimentId, series, plan.seed);
    const teacher = runs.createRun({ experimentId, role: 'teacher', name: 'teacher', teacherRunId: null, spec: { ...base, name: 'teacher', phases: [{ from: 0, loss: onehot }] } });
    const student = (studentName: string, phases: unknown[]) => runs.createRun({ experimentId, role: 'student', name: studentName, teacherRunId: teacher, spec: { ...base, name: studentName, phases } });
    const ids = {
      teacher,
      onehot: student('one-hot', [{ from: 0, loss: onehot }]),
      kd: student('KD τ=1', [{ from: 0, loss: kd }]),
      late: plan.late ? student('late KD', [{ from: 0, loss: onehot }, { from: 1, loss: kd }]) : undefined,
      early: plan.early ? student('early KD', [{ from: 0, loss: kd }, { from: 1, loss: onehot }]) : undefined,
    };
    const record = (runId: number, acc: RunAccuracy, salt: number, losses?: number[]) => {
      const logits = logitsFor(acc, salt);
      for (let epoch = 1; epoch <= EPOCHS; epoch++) {
        runs.recordEpoch({
          runId,
          epoch,
          seconds: 1,
          metrics: [{ split: 'train', loss: losses?.[epoch - 1] ?? 0.5, accuracy: acc.train }, { split: 'test', loss: 0.5, accuracy: acc.test }],
          predictions: { exampleIds, labels: trainLabels, logits, numClasses: C },
          checkpoint: Buffer.alloc(0),
        });
      }
    };
    const salt = plan.seed * 100;
    record(ids.teacher, plan.teacher, salt + 1);
    record(ids.onehot, plan.onehot, salt + 2);
    record(ids.kd, plan.kd, salt + 3, plan.kdTrainLosses);
    if (ids.late) record(ids.late, plan.late!, salt + 4);
    if (ids.early) record(ids.early, plan.early!, salt + 5);
    db.prepare("UPDATE runs SET status = 'done', backend = 'fixture' WHERE experiment_id = ?").run(experimentId);
    experimentIds.push(experimentId);
    runIds.push(ids);
  }
  return { datasetId, experimentIds, runs: runIds };
}
