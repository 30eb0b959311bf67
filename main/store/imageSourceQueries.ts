// Image datasets stored by reference (migration 009): the dataset's root folder, each example's
// file (relative path, size, SHA-256) and thumbnail. A reference import streams its rows into
// one open transaction (`beginReferenceImport`), so it lands whole or not at all.
import type Database from 'better-sqlite3';
import type { DatasetStorage } from '../../shared/domain.js';
import { NotFoundError } from '../../shared/errors.js';
import { createDatasetQueries, type NewDataset } from './datasetQueries.js';

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

/** An import being written: rows go in as they are decoded; `commit` or `rollback` ends it. */
export interface ReferenceImportWriter {
  readonly datasetId: number;
  insert(example: NewReferencedExample): void;
  commit(): void;
  rollback(): void;
}

const blob = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function createImageSourceQueries(db: Database.Database) {
  const insertSource = db.prepare('INSERT INTO dataset_image_sources (dataset_id, root, train_size, thumbnail_type) VALUES (?, ?, ?, ?)');
  const insertExample = db.prepare(
    `INSERT INTO examples (dataset_id, split, idx, label, noisy_label, grp, source_ref, text, pixels)
     VALUES (?, ?, ?, ?, ?, NULL, ?, NULL, ?)`,
  );
  const insertFile = db.prepare('INSERT INTO example_files (example_id, path, width, height, bytes, sha256, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?)');
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
     * Opens the import's transaction (IMMEDIATE: the write lock is taken at BEGIN) and writes the
     * dataset row; the examples follow one by one. The dataset row is written by datasetQueries,
     * nested as a savepoint, so its name rules are the same as every import's.
     */
    beginReferenceImport(dataset: NewDataset, source: ImageSource): ReferenceImportWriter {
      db.exec('BEGIN IMMEDIATE');
      let open = true;
      const end = (sql: string) => {
        if (!open) return;
        open = false;
        db.exec(sql);
      };
      try {
        const datasetId = createDatasetQueries(db).insertDataset(dataset, []);
        insertSource.run(datasetId, source.root, source.trainSize, source.thumbnailType);
        return {
          datasetId,
          insert(e) {
            const id = insertExample.run(datasetId, e.split, e.index, e.label, e.noisyLabel, e.path, e.pixels ? blob(e.pixels) : null).lastInsertRowid;
            insertFile.run(id, e.path, e.width, e.height, e.bytes, e.sha256, e.thumbnail);
          },
          commit: () => end('COMMIT'),
          rollback: () => {
            if (db.inTransaction) end('ROLLBACK');
            open = false;
          },
        };
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
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
