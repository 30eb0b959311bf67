// 008: one copy of each probability. Trained epochs used to write a `predictions` row per example
// (a Float32 BLOB and six derived columns nothing read) beside the matrix chunks; now the chunks
// are the only copy, for trained and ingested runs alike (docs/database.md). Every run-epoch with
// rows but no chunks gets its matrix written from the rows, one transaction per run; chunks
// whose ids have no gap stop storing them; a `precision` column says how each chunk's values are
// stored (float32, or float16 for an experiment with `storage: 'float16'`); then the table and
// its index are dropped. Rows that cannot become a matrix are refused before anything changes.
import type Database from 'better-sqlite3';
import { DomainError } from '../../../shared/errors.js';
import { createMatrixStore } from '../matrixChunks.js';
import type { CodeMigration, MigrationContext } from '../migrations.js';

interface Group {
  run_id: number;
  epoch: number;
  rows: number;
  shortest: number;
  longest: number;
  /** the class count of the run's dataset; null when the run no longer exists */
  classes: number | null;
}

const tableExists = (db: Database.Database, name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

/** Run-epochs (of `runId`, or of every run) that have `predictions` rows but no chunks, with what a conversion needs to know of them. */
function unconverted(db: Database.Database, runId?: number): Group[] {
  if (!tableExists(db, 'predictions')) return [];
  const noChunks = tableExists(db, 'prediction_matrices') ? 'NOT EXISTS (SELECT 1 FROM prediction_matrices m WHERE m.run_id = p.run_id AND m.epoch = p.epoch)' : '1';
  const sql = `SELECT p.run_id, p.epoch, count(*) AS rows, min(length(p.probs)) AS shortest, max(length(p.probs)) AS longest,
      (SELECT json_array_length(d.class_names) FROM runs r JOIN experiments x ON x.id = r.experiment_id JOIN datasets d ON d.id = x.dataset_id WHERE r.id = p.run_id) AS classes
    FROM predictions p WHERE ${noChunks} ${runId === undefined ? '' : 'AND p.run_id = ?'} GROUP BY p.run_id, p.epoch ORDER BY p.run_id, p.epoch`;
  const statement = db.prepare(sql);
  return (runId === undefined ? statement.all() : statement.all(runId)) as Group[];
}

/** Why a run-epoch's rows cannot become a matrix, or null when they can. */
function refusal(db: Database.Database, g: Group): string | null {
  if (g.classes === null) return 'its run no longer exists (the rows outlived it)';
  const bytes = 4 * g.classes;
  if (g.shortest === bytes && g.longest === bytes) return null;
  const bad = db.prepare('SELECT example_id, length(probs) AS length FROM predictions WHERE run_id = ? AND epoch = ? AND length(probs) != ? ORDER BY example_id LIMIT 1').get(g.run_id, g.epoch, bytes) as {
    example_id: number;
    length: number;
  };
  return `the probabilities of example ${bad.example_id} take ${bad.length} bytes where the dataset's ${g.classes} classes need ${bytes} (${g.classes} float32 values)`;
}

function refuse(db: Database.Database, groups: readonly Group[], ctx: MigrationContext): void {
  for (const g of groups) {
    const why = refusal(db, g);
    if (why) {
      throw new DomainError(
        'SCHEMA_ERROR',
        `${ctx.file} cannot be upgraded to schema 8 (one copy of each probability): run ${g.run_id}, epoch ${g.epoch}: ${why}. Nothing was changed; open it with the version of Disobey that wrote it and delete that run, or keep using that version.`,
        { file: ctx.file },
      );
    }
  }
}

function addPrecisionColumn(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('prediction_matrices')").pluck().all() as string[];
  if (!columns.includes('precision')) db.exec("ALTER TABLE prediction_matrices ADD COLUMN precision TEXT NOT NULL DEFAULT 'float32' CHECK (precision IN ('float32', 'float16'))");
}

/** Writes the matrix of every unconverted run-epoch in `groups` from its rows, and stops storing gap-free chunks' ids. */
function convertGroups(db: Database.Database, groups: readonly Group[], ctx: MigrationContext, runId?: number): void {
  refuse(db, groups, ctx);
  const store = createMatrixStore(db);
  const rowsOf = db.prepare('SELECT example_id, probs FROM predictions WHERE run_id = ? AND epoch = ? ORDER BY example_id').raw();
  for (const g of groups) {
    const C = g.classes!;
    const exampleIds = new Int32Array(g.rows);
    const probs = new Float32Array(g.rows * C);
    let i = 0;
    for (const [id, blob] of rowsOf.iterate(g.run_id, g.epoch) as IterableIterator<[number, Buffer]>) {
      exampleIds[i] = id;
      probs.set(new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength)), i * C);
      i++;
    }
    store.writeMatrix(g.run_id, g.epoch, C, exampleIds, probs, 'float32');
  }
  const gapFree = 'first_id IS NOT NULL AND length(example_ids) > 0 AND length(example_ids) = 4 * (last_id - first_id + 1)';
  if (runId === undefined) db.prepare(`UPDATE prediction_matrices SET example_ids = x'' WHERE ${gapFree}`).run();
  else db.prepare(`UPDATE prediction_matrices SET example_ids = x'' WHERE run_id = ? AND ${gapFree}`).run(runId);
}

export const oneCopyOfEachProbability: CodeMigration = {
  name: '008 one copy of each probability',
  check(db, ctx) {
    refuse(db, unconverted(db), ctx);
  },
  convert(db, ctx) {
    if (!ctx.step(() => addPrecisionColumn(db))) return;
    const runIds = db.prepare('SELECT id FROM runs ORDER BY id').pluck().all() as number[];
    for (const [i, runId] of runIds.entries()) {
      ctx.onProgress(`converting run ${i + 1} of ${runIds.length}…`);
      if (!ctx.step(() => convertGroups(db, unconverted(db, runId), ctx, runId))) return;
    }
  },
  finish(db, ctx) {
    // Whatever a process of the previous version recorded since, converted under this lock.
    addPrecisionColumn(db);
    convertGroups(db, unconverted(db), ctx);
    if (tableExists(db, 'predictions') && db.prepare('SELECT 1 FROM predictions LIMIT 1').get()) ctx.onProgress('removing the per-example rows…');
    db.exec('DROP INDEX IF EXISTS predictions_by_example; DROP TABLE IF EXISTS predictions;');
  },
};
