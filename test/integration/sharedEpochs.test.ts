// Runs that train identically for their first epochs (the same spec and seed, the same loss up to
// a switch) train those epochs once: the later run takes over the earlier one's recorded epochs
// and checkpoint and trains on from there (runQueries.ts handOverSharedEpochs). What it records
// must be what it would have computed alone, bit for bit.
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { sharedPrefixEpochs, trainingSpec } from '../../shared/experimentSpec.js';
import type { RunSummary } from '../../shared/runs.js';
import { formatRuns } from '../../main/cli/formatRuns.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { planExperiment } from '../../main/services/experimentPlanner.js';
import { createMatrixStore } from '../../main/store/matrixChunks.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore, type Store } from '../../main/store/store.js';
import { selectBackend, type SelectedBackend } from '../../main/train/backend.js';
import { runExperiment } from '../../main/train/experimentRunner.js';
import { makeTempDir } from '../helpers/tempDir.js';

const temp = makeTempDir();
let db: Database.Database;
let store: Store;
let datasetId: number;
let backend: SelectedBackend;

const common = { model: { arch: 'mlp', hidden: [16] }, optimizer: { kind: 'adam', lr: 0.003 }, batchSize: 64, epochs: 4, seed: 5 } as const;
const onehot = { kind: 'onehot' } as const;
const kd = { kind: 'kd', alpha: 0.7, tau: 2, tauSquared: true } as const;
const students = {
  oneHot: { ...common, name: 'one-hot', phases: [{ from: 0, loss: onehot }] },
  kd: { ...common, name: 'KD', phases: [{ from: 0, loss: kd }] },
  late: { ...common, name: 'late KD', phases: [{ from: 0, loss: onehot }, { from: 2, loss: kd }] },
  early: { ...common, name: 'early KD', phases: [{ from: 0, loss: kd }, { from: 3, loss: onehot }] },
};

beforeAll(async () => {
  db = openDatabase(path.join(temp.dir, 'shared.db'));
  store = createStore(db);
  datasetId = await importIntoDatabase(store, ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset: 300 }));
  backend = await selectBackend('wasm');
});
afterAll(() => {
  db.close();
  temp.dispose();
});

describe('sharedPrefixEpochs', () => {
  const spec = (s: unknown) => trainingSpec(s);
  it('counts the epochs from the first with the same loss, the rest of the spec equal', () => {
    expect(sharedPrefixEpochs(spec(students.oneHot), spec(students.late))).toBe(2);
    expect(sharedPrefixEpochs(spec(students.kd), spec(students.early))).toBe(3);
    expect(sharedPrefixEpochs(spec(students.oneHot), spec(students.kd))).toBe(0);
    expect(sharedPrefixEpochs(spec(students.late), spec({ ...students.late, name: 'twin', selfDistill: true }))).toBe(4);
  });
  it('shares nothing when anything else that changes training differs, or a loss keeps state of its own', () => {
    const late = spec(students.late);
    expect(sharedPrefixEpochs(spec({ ...students.oneHot, seed: 6 }), late)).toBe(0);
    expect(sharedPrefixEpochs(spec({ ...students.oneHot, epochs: 5 }), late)).toBe(0);
    expect(sharedPrefixEpochs(spec({ ...students.oneHot, batchSize: 32 }), late)).toBe(0);
    expect(sharedPrefixEpochs(spec({ ...students.oneHot, optimizer: { kind: 'adam', lr: 0.002 } }), late)).toBe(0);
    expect(sharedPrefixEpochs(spec({ ...students.oneHot, model: { arch: 'mlp', hidden: [17] } }), late)).toBe(0);
    expect(sharedPrefixEpochs(spec({ ...students.late, phases: [{ from: 0, loss: onehot }, { from: 2, loss: { ...kd, tau: 3 } }] }), late)).toBe(2);
    const contrastive = { ...students.late, phases: [{ from: 0, loss: onehot }, { from: 2, loss: { kind: 'contrastive', beta: 0.5, dim: 8 } }] };
    expect(sharedPrefixEpochs(spec(students.oneHot), spec(contrastive))).toBe(0);
    expect(sharedPrefixEpochs(spec(students.oneHot), spec({ splits: ['train'], source: 'ingested' }))).toBe(0);
  });
});

describe('runs that share their first epochs', () => {
  it('train them once, and record what each would have recorded alone', async () => {
    const teacher = { ...common, name: 'teacher', model: { arch: 'mlp', hidden: [32] }, seed: 3 };
    const together = planExperiment(store, { name: 'together', datasetId, teacher, students: [students.oneHot, students.kd, students.late, students.early] }).experimentId;
    const epochsTrained = new Map<number, number>();
    await runExperiment({ store, tf: backend.tf, backendName: backend.name, experimentId: together, onEpochTiming: (t) => epochsTrained.set(t.runId, (epochsTrained.get(t.runId) ?? 0) + 1) });
    const runs = store.runs.listRuns(together);
    const [teacherRun, oneHot, kdRun, late, early] = runs;
    expect(runs.map((r) => [r.status, r.epochsDone])).toEqual(runs.map(() => ['done', 4]));
    expect(late!.sharedFrom).toEqual({ runId: oneHot!.id, epochs: 2 });
    expect(early!.sharedFrom).toEqual({ runId: kdRun!.id, epochs: 3 });
    expect([teacherRun, oneHot, kdRun].map((r) => r!.sharedFrom)).toEqual([null, null, null]);
    // the CLI's table marks them and says where their first epochs come from
    const table = formatRuns(runs);
    expect(table.split('\n').filter((line) => line.includes('†4/4')).length).toBe(2);
    expect(table).toContain(`(time counted in both): run ${late!.id} epochs 1–2 from run ${oneHot!.id}, run ${early!.id} epochs 1–3 from run ${kdRun!.id}`);
    // the switches trained only the epochs after the ones they took over
    expect([late!.id, early!.id].map((id) => epochsTrained.get(id))).toEqual([2, 1]);

    // The same two switches alone beside the same teacher: nothing to take over, every epoch trained.
    const alone = planExperiment(store, { name: 'alone', datasetId, teacher: { reuseRunId: teacherRun!.id }, students: [students.late, students.early] }).experimentId;
    await runExperiment({ store, tf: backend.tf, backendName: backend.name, experimentId: alone });
    const [lateAlone, earlyAlone] = store.runs.listRuns(alone).filter((r) => r.role === 'student');
    expect([lateAlone!.sharedFrom, earlyAlone!.sharedFrom]).toEqual([null, null]);
    const matrices = createMatrixStore(db);
    const pairs: [RunSummary, RunSummary][] = [
      [late!, lateAlone!],
      [early!, earlyAlone!],
    ];
    for (const [shared, own] of pairs) {
      for (let epoch = 1; epoch <= common.epochs; epoch++) {
        const [a, b] = [matrices.readMatrix(shared.id, epoch)!, matrices.readMatrix(own.id, epoch)!];
        expect(a.exampleIds).toEqual(b.exampleIds);
        expect(Buffer.from(a.probs.buffer, a.probs.byteOffset, a.probs.byteLength).equals(Buffer.from(b.probs.buffer, b.probs.byteOffset, b.probs.byteLength)), `${shared.name} epoch ${epoch}`).toBe(true);
      }
      const metrics = (id: number) => store.runs.epochMetrics(id).map(({ epoch, split, loss, accuracy }) => ({ epoch, split, loss, accuracy }));
      expect(metrics(shared.id)).toEqual(metrics(own.id));
    }
  }, 120_000);

  it('DISOBEY_SHARED_EPOCHS=0 (the training bench’s demo without it): every run trains every epoch', async () => {
    const teacher = { ...common, name: 'teacher', model: { arch: 'mlp', hidden: [32] }, seed: 3 };
    const experimentId = planExperiment(store, { name: 'not shared', datasetId, teacher, students: [students.oneHot, students.late] }).experimentId;
    const epochsTrained = new Map<number, number>();
    process.env.DISOBEY_SHARED_EPOCHS = '0';
    try {
      await runExperiment({ store, tf: backend.tf, backendName: backend.name, experimentId, onEpochTiming: (t) => epochsTrained.set(t.runId, (epochsTrained.get(t.runId) ?? 0) + 1) });
    } finally {
      delete process.env.DISOBEY_SHARED_EPOCHS;
    }
    const runs = store.runs.listRuns(experimentId);
    expect(runs.map((r) => r.sharedFrom)).toEqual([null, null, null]);
    expect(runs.map((r) => epochsTrained.get(r.id))).toEqual([4, 4, 4]);
  }, 60_000);

  it('a run whose earlier twin has not recorded the shared epochs waits for it, and trains alone once it cannot get them', () => {
    const teacher = { ...common, name: 'teacher', model: { arch: 'mlp', hidden: [32] }, seed: 3 };
    const experimentId = planExperiment(store, { name: 'waiting', datasetId, teacher, students: [students.oneHot, students.late] }).experimentId;
    const [teacherRun, oneHot, late] = store.runs.listRuns(experimentId).map((r) => r.id);
    db.prepare("UPDATE runs SET status = 'done' WHERE id = ?").run(teacherRun);
    const pending = new Set(['pending' as const]);
    // the one-hot run is queued before it: it is claimed first
    expect(store.claimNextRun([oneHot!, late!], pending, process.pid, 'wasm')).toBe(oneHot);
    // while it trains (no epoch yet), the switch waits
    expect(store.claimNextRun([late!], pending, process.pid, 'wasm')).toBe('wait');
    // once the one-hot run failed, nothing will hand the epochs over: the switch trains them itself
    store.runs.finishRun(oneHot!, 'failed', 'test');
    expect(store.claimNextRun([late!], pending, process.pid, 'wasm')).toBe(late);
  });
});
