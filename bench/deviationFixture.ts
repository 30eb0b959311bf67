// A synthetic experiment written through the app's own store: a dataset of n examples, a
// teacher and several students with logits for every example at every epoch. Students are noisy,
// partly tempered copies of the teacher, so deviations, disagreements and flips all occur. Used
// by the analytics benchmark (1,000,000 prediction rows) and by tests at small sizes.
import type { Connection } from '../main/store/store.js';
import { createRandom } from '../shared/seededRandom.js';
import { createDatasetQueries, type NewExample } from '../main/store/datasetQueries.js';
import { createRunQueries } from '../main/store/runQueries.js';

export interface DeviationFixtureOptions {
  examples: number;
  /** share of examples in the test split (the rest are train) */
  testShare?: number;
  classes?: number;
  students?: number;
  epochs?: number;
  seed?: number;
  name?: string;
  /** text datasets get a short text per example instead of pixels */
  kind?: 'image' | 'text';
  /** the experiment's `storage`: how its probabilities are stored (float32 unless float16) */
  storage?: 'float32' | 'float16';
}

export interface DeviationFixture {
  datasetId: number;
  experimentId: number;
  teacherRunId: number;
  studentRunIds: number[];
}

export function createDeviationFixture(db: Connection, options: DeviationFixtureOptions): DeviationFixture {
  const { examples: n, testShare = 1 / 7, classes = 10, students = 4, epochs = 3, seed = 1, name = 'synthetic deviations', kind = 'image', storage } = options;
  const random = createRandom(seed);
    const datasets = createDatasetQueries(db);
  const runs = createRunQueries(db);
  const testCount = Math.round(n * testShare);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = random.int(classes);
  const pixels = new Uint8Array(8 * 8);
  function* rows(): Generator<NewExample> {
    for (let i = 0; i < n; i++) {
      const test = i >= n - testCount;
      yield {
        split: test ? 'test' : 'train',
        index: test ? i - (n - testCount) : i,
        label: labels[i]!,
        noisyLabel: null,
        group: null,
        sourceRef: `synthetic:${i}`,
        pixels: kind === 'image' ? pixels : null,
        text: kind === 'text' ? `example ${i} of class c${labels[i]}` : null,
      };
    }
  }
  const datasetId = datasets.insertDataset(
    {
      name,
      kind,
      format: kind === 'image' ? 'idx' : 'jsonl',
      source: 'synthetic',
      classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
      classGroups: [],
      shape: kind === 'image' ? { height: 8, width: 8, channels: 1 } : null,
      options: {},
    },
    rows(),
  );
  const exampleIds = (db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[]);

  // Per example a difficulty: hard examples get flat, often wrong teacher logits.
  const hardness = Float64Array.from({ length: n }, () => random.next());
  const teacherLogits = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const wrong = hardness[i]! > 0.85 ? random.int(classes) : labels[i]!;
    for (let c = 0; c < classes; c++) teacherLogits[i * classes + c] = random.normal() * (0.5 + hardness[i]!) + (c === wrong ? 6 * (1 - hardness[i]!) + 0.5 : 0);
  }

  const experimentId = runs.createExperiment(datasetId, name, { synthetic: true, ...(storage ? { storage } : {}) });
  const spec = { epochs };
  const teacherRunId = runs.createRun({ experimentId, role: 'teacher', name: 'teacher', teacherRunId: null, spec });
  const studentRunIds = Array.from({ length: students }, (_, s) =>
    runs.createRun({ experimentId, role: 'student', name: `student ${s + 1}`, teacherRunId, spec }),
  );
  const record = (runId: number, epoch: number, logits: Float32Array) =>
    runs.recordEpoch({
      runId,
      epoch,
      seconds: 1,
      metrics: [],
      predictions: { exampleIds, labels, logits, numClasses: classes },
      checkpoint: Buffer.alloc(0),
    });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    // The teacher sharpens over epochs; its last epoch is the distillation target.
    const sharp = (0.4 + (0.6 * epoch) / epochs);
    record(teacherRunId, epoch, teacherLogits.map((z) => z * sharp));
  }
  studentRunIds.forEach((runId, s) => {
    // Student s tempers the teacher by a factor (some exaggerate, some flatten) and adds noise.
    const scale = 0.7 + 0.2 * s;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const noise = 1.5 * (1 - epoch / (epochs + 1));
      const logits = new Float32Array(n * classes);
      for (let j = 0; j < logits.length; j++) logits[j] = teacherLogits[j]! * scale * (epoch / epochs) + noise * random.normal();
      record(runId, epoch, logits);
    }
  });
  const done = db.prepare("UPDATE runs SET status = 'done', backend = 'synthetic' WHERE experiment_id = ?");
  done.run(experimentId);
  return { datasetId, experimentId, teacherRunId, studentRunIds };
}
