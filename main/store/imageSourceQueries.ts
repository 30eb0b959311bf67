// Image datasets stored by reference (migration 009): the dataset's root folder, each example's
// file (relative path, size, SHA-256) and thumbnail. A reference import decodes for as long as
// the folder takes (hours for ImageNet); its rows go to a staging file beside the database as
// they come, and land in one transaction at the end (`beginReferenceImport`), so the dataset
// lands whole or not at all while the database's write lock is held only for that copy.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { DatasetStorage } from '../../shared/domain.js';
import { CancelledError, DomainError, NotFoundError } from '../../shared/errors.js';
import { createDatasetQueries, type NewDataset } from './datasetQueries.js';
import { processIsAlive } from '../processAlive.js';

export interface ImageSource {
  root: string;
  trainSize: number;
  thumbnailType: string;
}

export interface NewReferencedExample {
  split: string;
  index: number;
  label: number;
  noisyLabel: number | null;
  /** the training tensor, trainSize × trainSize × channels; null when trainSize is 0 */
  pixels: Uint8Array | null;
  path: string;
  width: number;
  height: number;
  bytes: number;
  sha256: Buffer;
  thumbnail: Buffer;
}

export interface ExampleFile {
  datasetId: number;
  root: string;
  path: string;
  width: number;
  height: number;
  bytes: number;
  sha256: Buffer;
}

/** An import being written: rows go in as they are decoded; `commit` lands them and answers the dataset's id, `rollback` drops them. */
export interface ReferenceImportWriter {
  insert(example: NewReferencedExample): void;
  /** Lands the dataset in one transaction, `onCopied(rows)` between chunks of the copy; answers its id. */
  commit(onCopied?: (rows: number) => void, signal?: AbortSignal): number;
  rollback(): void;
}

/** Rows staged per transaction of the staging file, and copied per step of the landing. */
const STAGE_BATCH = 256;
const COPY_CHUNK = 4096;
const STAGING_NAME = /^(.*)\.import-(\d+)-[0-9a-f]+\.staging$/;

/** A new staging file for an import by this process into `databaseFile`. */
export function stagingFileFor(databaseFile: string): string {
  return `${databaseFile}.import-${process.pid}-${Math.floor(Math.random() * 0xffffffff).toString(16)}.staging`;
}

/**
 * Removes the staging files that imports into `databaseFile` left when their process died (a crash,
 * a kill): a file whose process still runs is another import's, and stays.
 */
export function sweepStagingFiles(databaseFile: string): void {
  if (databaseFile === ':memory:' || databaseFile === '') return;
  const folder = path.dirname(databaseFile);
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const m = STAGING_NAME.exec(name);
    if (!m || m[1] !== path.basename(databaseFile) || processIsAlive(Number(m[2]))) continue;
    fs.rmSync(path.join(folder, name), { force: true });
  }
}

const blob = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function createImageSourceQueries(db: Database.Database) {
  const datasets = createDatasetQueries(db);
  const insertSource = db.prepare('INSERT INTO dataset_image_sources (dataset_id, root, train_size, thumbnail_type) VALUES (?, ?, ?, ?)');
  const oneSource = db.prepare('SELECT root, train_size AS trainSize, thumbnail_type AS thumbnailType FROM dataset_image_sources WHERE dataset_id = ?');
  const oneFile = db.prepare(
    `SELECT e.dataset_id AS datasetId, s.root, f.path, f.width, f.height, f.bytes, f.sha256
     FROM example_files f JOIN examples e ON e.id = f.example_id JOIN dataset_image_sources s ON s.dataset_id = e.dataset_id
     WHERE f.example_id = ?`,
  );
  const oneThumbnail = db.prepare(
    `SELECT f.thumbnail, s.thumbnail_type AS type FROM example_files f JOIN examples e ON e.id = f.example_id
     JOIN dataset_image_sources s ON s.dataset_id = e.dataset_id WHERE f.example_id = ?`,
  );
  const exampleKnown = db.prepare('SELECT 1 FROM examples WHERE id = ?').pluck();
  const fileCount = db.prepare('SELECT count(*) FROM example_files f JOIN examples e ON e.id = f.example_id WHERE e.dataset_id = ?').pluck();
  // Evenly spaced by rank: the nth file of every `step`, in id order.
  const fileAtRank = db.prepare(
    `SELECT f.example_id AS exampleId, f.path, f.bytes, f.sha256 FROM example_files f JOIN examples e ON e.id = f.example_id
     WHERE e.dataset_id = ? ORDER BY f.example_id LIMIT 1 OFFSET ?`,
  );
  const updateRoot = db.prepare('UPDATE dataset_image_sources SET root = ? WHERE dataset_id = ?');
  const updateSource = db.prepare('UPDATE datasets SET source = ? WHERE id = ?');

  function imageSource(datasetId: number): ImageSource | null {
    return (oneSource.get(datasetId) as ImageSource | undefined) ?? null;
  }

  return {
    imageSource,

    /** What `datasets --json` states: reference with root and tensor size, or pixels. */
    storageOf(datasetId: number): DatasetStorage {
      const source = imageSource(datasetId);
      return source ? { store: 'reference', ...source } : { store: 'pixels' };
    },

    /**
     * Starts an import: its rows are staged in a file beside the database (attached to this
     * connection, in memory for an in-memory database), written in small transactions of that
     * file alone, so the database itself is not locked while files decode. `commit` copies them in
     * one IMMEDIATE transaction, with the dataset row (datasetQueries' name rules, checked again
     * there); the staging file goes at commit, rollback, or, after a crash, the next import's sweep.
     * A name that is taken fails here already, not after the decoding.
     */
    beginReferenceImport(dataset: NewDataset, source: ImageSource, stagingFile?: string): ReferenceImportWriter {
      if (!dataset.renameIfTaken && datasets.isNameTaken(dataset.name)) throw new DomainError('CONFLICT', `a dataset named "${dataset.name}" already exists`, { field: 'name' });
      const inMemory = db.memory || db.name === '';
      if (!inMemory) sweepStagingFiles(db.name);
      const file = inMemory ? ':memory:' : (stagingFile ?? stagingFileFor(db.name));
      db.prepare('ATTACH DATABASE ? AS staging').run(file);
      let attached = true;
      let batch = 0;
      const drop = () => {
        if (!attached) return;
        attached = false;
        if (db.inTransaction) db.exec('ROLLBACK');
        db.exec('DETACH DATABASE staging');
        if (!inMemory) fs.rmSync(file, { force: true });
      };
      let stage: Database.Statement;
      try {
        // The file is thrown away on any failure: no journal to keep, no sync to wait for.
        db.exec(`PRAGMA staging.journal_mode = MEMORY; PRAGMA staging.synchronous = OFF;
          CREATE TABLE staging.example_rows (seq INTEGER PRIMARY KEY, split TEXT NOT NULL, idx INTEGER NOT NULL, label INTEGER NOT NULL,
            noisy_label INTEGER, path TEXT NOT NULL, pixels BLOB, width INTEGER NOT NULL, height INTEGER NOT NULL, bytes INTEGER NOT NULL,
            sha256 BLOB NOT NULL, thumbnail BLOB NOT NULL)`);
        stage = db.prepare('INSERT INTO staging.example_rows (split, idx, label, noisy_label, path, pixels, width, height, bytes, sha256, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      } catch (err) {
        drop();
        throw err;
      }
      const endBatch = () => {
        if (batch > 0) db.exec('COMMIT');
        batch = 0;
      };
      return {
        insert(e) {
          if (batch === 0) db.exec('BEGIN');
          stage.run(e.split, e.index, e.label, e.noisyLabel, e.path, e.pixels ? blob(e.pixels) : null, e.width, e.height, e.bytes, e.sha256, e.thumbnail);
          if (++batch === STAGE_BATCH) endBatch();
        },
        commit(onCopied, signal) {
          try {
            endBatch();
            // seq numbers the staged rows 1…total; the copy walks them in chunks of seq
            const { total, lastSeq } = db.prepare('SELECT count(*) AS total, coalesce(max(seq), 0) AS lastSeq FROM staging.example_rows').get() as { total: number; lastSeq: number };
            const copyExamples = db.prepare(
              `INSERT INTO examples (dataset_id, split, idx, label, noisy_label, grp, source_ref, text, pixels)
               SELECT ?, split, idx, label, noisy_label, NULL, path, NULL, pixels FROM staging.example_rows WHERE seq > ? AND seq <= ? ORDER BY seq`,
            );
            const copyFiles = db.prepare(
              `INSERT INTO example_files (example_id, path, width, height, bytes, sha256, thumbnail)
               SELECT e.id, r.path, r.width, r.height, r.bytes, r.sha256, r.thumbnail FROM staging.example_rows r
               JOIN examples e ON e.dataset_id = ? AND e.split = r.split AND e.idx = r.idx WHERE r.seq > ? AND r.seq <= ? ORDER BY r.seq`,
            );
            const land = db.transaction(() => {
              const datasetId = datasets.insertDataset(dataset, []);
              insertSource.run(datasetId, source.root, source.trainSize, source.thumbnailType);
              let copied = 0;
              for (let from = 0; from < lastSeq; from += COPY_CHUNK) {
                if (signal?.aborted) throw new CancelledError('import cancelled; nothing was written');
                copied += copyExamples.run(datasetId, from, from + COPY_CHUNK).changes;
                copyFiles.run(datasetId, from, from + COPY_CHUNK);
                onCopied?.(copied);
              }
              if (copied !== total) throw new Error(`the import staged ${total} examples but copied ${copied}`);
              return datasetId;
            });
            return land.immediate();
          } finally {
            drop();
          }
        },
        rollback: drop,
      };
    },

    /** The original file of an example of a reference dataset; NOT_FOUND for other examples. */
    exampleFile(exampleId: number): ExampleFile {
      const row = oneFile.get(exampleId) as ExampleFile | undefined;
      if (row) return row;
      if (!exampleKnown.get(exampleId)) throw new NotFoundError(`no example with id ${exampleId}`);
      throw new NotFoundError(`example ${exampleId} belongs to a dataset that stores its pixels, not a reference to an original file`);
    },

    /** The stored thumbnail and its MIME type, or null for an example of a pixels dataset. */
    thumbnail(exampleId: number): { data: Buffer; type: string } | null {
      const row = oneThumbnail.get(exampleId) as { thumbnail: Buffer; type: string } | undefined;
      return row ? { data: row.thumbnail, type: row.type } : null;
    },

    /** Up to `count` of a dataset's files, evenly spread over its examples (the relocation check). */
    sampleFiles(datasetId: number, count: number): { exampleId: number; path: string; bytes: number; sha256: Buffer }[] {
      const total = fileCount.get(datasetId) as number;
      const n = Math.min(count, total);
      const out = [];
      for (let i = 0; i < n; i++) out.push(fileAtRank.get(datasetId, Math.floor((i * total) / n)) as { exampleId: number; path: string; bytes: number; sha256: Buffer });
      return out;
    },

    /** Points a reference dataset at another root (its `source` follows, for the dataset list). */
    setRoot(datasetId: number, root: string): void {
      db.transaction(() => {
        if (updateRoot.run(root, datasetId).changes === 0) throw new NotFoundError(`dataset ${datasetId} does not store its images by reference`);
        updateSource.run(root, datasetId);
      })();
    },
  };
}

export type ImageSourceQueries = ReturnType<typeof createImageSourceQueries>;
