// Migration 008, one copy of each probability: a database written by the schema-7 app (per-example
// `predictions` rows beside chunks for trained epochs, rows alone where a matrix was never built,
// chunks alone for ingested runs) is converted in place, one transaction per run with progress,
// and every reader then returns exactly what the same runs recorded by today's writer return.
// Rows that cannot become a matrix are refused, naming run, epoch and why, the file unchanged.
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import { createAppServices } from '../../main/services/appServices.js';
import { createMatrixStore, rowsPerChunk } from '../../main/store/matrixChunks.js';
import { migrate, migrations, SCHEMA_VERSION } from '../../main/store/migrations.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore } from '../../main/store/store.js';
import { makeTempDir } from '../helpers/tempDir.js';

const temp = makeTempDir();
const C = 4;
const EPOCHS = 3;

/** How the schema-7 app left each run: trained (rows and chunks), rows only (no matrix built yet), ingested (chunks only). */
type OldRecord = 'rows and chunks' | 'rows only' | 'chunks only';

/** What the schema-7 writer stored for one run-epoch, from a matrix (ascending ids). */
function writeOldEpoch(db: Database.Database, runId: number, epoch: number, ids: Int32Array, probs: Float32Array, labels: Map<number, number>, record: OldRecord): void {
  if (record !== 'chunks only') {
    const insert = db.prepare('INSERT INTO predictions (run_id, epoch, example_id, probs, p_label, p_top, top_class, margin, entropy, loss) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    ids.forEach((id, i) => {
      const row = probs.slice(i * C, (i + 1) * C);
      const sorted = [...row].sort((a, b) => b - a);
      const pLabel = row[labels.get(id)!]!;
      const entropy = -row.reduce((s, p) => (p > 0 ? s + p * Math.log(p) : s), 0);
      insert.run(runId, epoch, id, Buffer.from(row.buffer), pLabel, sorted[0], row.indexOf(sorted[0]!), sorted[0]! - sorted[1]!, entropy, -Math.log(pLabel));
    });
  }
  if (record !== 'rows only') {
    const insert = db.prepare('INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const step = rowsPerChunk(C);
    for (let start = 0, chunk = 0; start < ids.length; start += step, chunk++) {
      const chunkIds = ids.slice(start, start + step);
      insert.run(runId, epoch, chunk, C, chunkIds[0], chunkIds[chunkIds.length - 1], Buffer.from(chunkIds.buffer), Buffer.from(probs.slice(start * C, (start + chunkIds.length) * C).buffer));
    }
  }
}

let reference: Database.Database;
let fixture: DeviationFixture;
const records: OldRecord[] = ['rows and chunks', 'rows only', 'chunks only'];

/**
 * A schema-7 file holding the reference database's dataset and runs, each run recorded the old
 * way `records` says; optionally one row of `bad` run-epoch cut short.
 */
function oldDatabase(name: string, options: { bad?: { runId: number; epoch: number } } = {}): string {
  const file = path.join(temp.dir, name);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  migrate(db, file, migrations.slice(0, 7));
  db.exec(`ATTACH DATABASE '${reference.name}' AS src`);
  // the columns schema 7 has (the reference is at the current schema, which may have more)
  for (const table of ['datasets', 'examples', 'experiments', 'runs', 'epoch_metrics']) {
    const columns = (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]).join(', ');
    db.exec(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM src.${table}`);
  }
  const labels = new Map((db.prepare('SELECT id, coalesce(noisy_label, label) FROM examples').raw().all() as [number, number][]));
  const store = createMatrixStore(reference);
  const runIds = [fixture.teacherRunId, ...fixture.studentRunIds];
  db.transaction(() => {
    runIds.forEach((runId, r) => {
      for (let epoch = 1; epoch <= EPOCHS; epoch++) {
        const m = store.readMatrix(runId, epoch)!;
        writeOldEpoch(db, runId, epoch, m.exampleIds, m.probs, labels, records[r % records.length]!);
      }
    });
    if (options.bad) db.prepare('UPDATE predictions SET probs = substr(probs, 1, 12) WHERE run_id = ? AND epoch = ? AND example_id = (SELECT max(example_id) FROM predictions WHERE run_id = ? AND epoch = ?)').run(options.bad.runId, options.bad.epoch, options.bad.runId, options.bad.epoch);
  })();
  db.exec('DETACH DATABASE src');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return file;
}

beforeAll(() => {
  reference = openDatabase(path.join(temp.dir, 'reference.db'));
  // The teacher and student 3 recorded rows and chunks, student 1 rows only, student 2 chunks only.
  fixture = createDeviationFixture(reference, { examples: 500, testShare: 0.2, classes: C, students: 3, epochs: EPOCHS, seed: 11, kind: 'text' });
});
afterAll(() => {
  reference.close();
  temp.dispose();
});

describe('migration 008', () => {
  it('converts a schema-7 database in place, run by run with progress, and every reader returns the same numbers', async () => {
    const file = oldDatabase('old.db');
    const old = new Database(file, { readonly: true });
    const oldRows = old.prepare('SELECT count(*) FROM predictions').pluck().get() as number;
    old.close();
    expect(oldRows).toBe(3 * EPOCHS * 500); // the teacher's and students 1 and 3's rows (student 2 was ingested)
    const progress: string[] = [];
    const db = openDatabase(file, { onMigrationProgress: (m) => progress.push(m) });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(progress).toEqual(['converting run 1 of 4…', 'converting run 2 of 4…', 'converting run 3 of 4…', 'converting run 4 of 4…', 'removing the per-example rows…']);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'predictions%'").all()).toEqual([]);
      // Gap-free chunks keep no ids; every chunk says its precision.
      expect(db.prepare('SELECT DISTINCT length(example_ids), precision FROM prediction_matrices').raw().all()).toEqual([[0, 'float32']]);

      const after = createMatrixStore(db);
      const before = createMatrixStore(reference);
      for (const runId of [fixture.teacherRunId, ...fixture.studentRunIds]) {
        for (let epoch = 1; epoch <= EPOCHS; epoch++) expect(after.readMatrix(runId, epoch)).toEqual(before.readMatrix(runId, epoch));
        // Same chunking as the writer's, whichever way the run was recorded before.
        const chunks = (d: Database.Database) => d.prepare('SELECT epoch, chunk, first_id, last_id FROM prediction_matrices WHERE run_id = ? ORDER BY epoch, chunk').all(runId);
        expect(chunks(db)).toEqual(chunks(reference));
      }
      const runs = [fixture.teacherRunId, ...fixture.studentRunIds].map((id) => ({ id, epochsDone: EPOCHS }));
      const ids = db.prepare('SELECT id FROM examples ORDER BY id').pluck().all() as number[];
      for (const id of [ids[0]!, ids[137]!, ids.at(-1)!]) expect(after.readHistory(id, runs)).toEqual(before.readHistory(id, runs));

      // The analytics on the converted file and on the reference, call by call.
      const converted = createAppServices({ store: createStore(db), databasePath: file });
      const written = createAppServices({ store: createStore(reference), databasePath: reference.name });
      const experimentId = fixture.experimentId;
      const calls: [string, unknown][] = [
        ['deviationReport', { experimentId, bootstrap: 50 }],
        ['queryExamples', { experimentId, studentRunId: fixture.studentRunIds[1], epoch: 2, limit: 30 }],
        ['queryExamples', { experimentId, studentRunId: fixture.studentRunIds[2], limit: 30, sort: { column: 'studentLabelProbStd', descending: true } }],
        ['exampleTrajectory', { experimentId, exampleId: ids[42] }],
        ['flipEvents', { experimentId, split: 'train', window: 2 }],
        ['gradientView', { experimentId, split: 'train' }],
      ];
      for (const [name, args] of calls) expect([name, await converted.dispatch(name, args, 'http')]).toEqual([name, await written.dispatch(name, args, 'http')]);
    } finally {
      db.close();
    }
  });

  it('refuses rows that cannot become a matrix, naming run, epoch and why, and leaves the file as it was', () => {
    const bad = { runId: fixture.studentRunIds[0]!, epoch: 2 };
    const file = oldDatabase('bad.db', { bad });
    const hash = () => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const was = hash();
    expect(() => openDatabase(file)).toThrow(
      new RegExp(`cannot be upgraded to schema 8 \\(one copy of each probability\\): run ${bad.runId}, epoch 2: the probabilities of example \\d+ take 12 bytes where the dataset's 4 classes need 16 \\(4 float32 values\\)\\. Nothing was changed`),
    );
    expect(hash()).toBe(was);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(7);
    expect(check.prepare('SELECT count(*) FROM predictions').pluck().get()).toBe(3 * EPOCHS * 500);
    check.close();
  });
});
