// Reading and writing datasets and their examples. Statements are prepared once per
// connection; a whole import is written in one transaction, so it lands whole or not at all.
import type Database from 'better-sqlite3';
import { compareSplits, DatasetMechanisms, type DatasetStorage, type DatasetSummary, type ExampleDetail, type ExampleMechanism, type ExampleRow, type ImageShape, type SplitCounts } from '../../shared/domain.js';
import { DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { processIsAlive } from '../processAlive.js';
import { refuseWhileTraining, type RunningRow } from './runQueries.js';

export interface NewDataset {
  name: string;
  kind: 'image' | 'text';
  format: 'idx' | 'folder' | 'csv' | 'jsonl';
  source: string;
  classNames: string[];
  classGroups: number[][];
  shape: ImageShape | null;
  options: unknown;
  /**
   * A name the user did not choose (an import named after its folder): when taken, " (2)", " (3)"…
   * is added under the write lock, so two imports of one folder at once both land.
   */
  renameIfTaken?: boolean;
}

export interface NewExample {
  split: string;
  index: number;
  label: number;
  noisyLabel: number | null;
  group: number | null;
  sourceRef: string | null;
  pixels: Uint8Array | null;
  text: string | null;
}

export interface ExampleQuery {
  datasetId: number;
  split?: string | undefined;
  label?: number | undefined;
  noisyOnly?: boolean | undefined;
  offset: number;
  limit: number;
}

interface DatasetRow {
  id: number;
  name: string;
  kind: 'image' | 'text';
  format: 'idx' | 'folder' | 'csv' | 'jsonl';
  source: string;
  class_names: string;
  class_groups: string;
  height: number | null;
  width: number | null;
  channels: 1 | 3 | null;
  created_at: string;
  options: string | null;
}

/** An examples row as a page reads it (the text cut to a snippet). */
export interface ExampleDbRow {
  id: number;
  dataset_id: number;
  split: string;
  idx: number;
  label: number;
  noisy_label: number | null;
  grp: number | null;
  snippet: string | null;
}

const SNIPPET_CHARS = 160;

/** A mechanism dataset's layout from datasets.options as its builder wrote it; undefined for any other dataset. */
function mechanismsOf(options: string | null): DatasetMechanisms | undefined {
  if (!options) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(options);
  } catch {
    return undefined;
  }
  const o = parsed as { mechanisms?: { name?: unknown }[]; labelMechanism?: unknown; splits?: { name?: unknown; settings?: unknown }[] } | null;
  if (!o || !Array.isArray(o.mechanisms) || !Array.isArray(o.splits)) return undefined;
  const result = DatasetMechanisms.safeParse({
    names: o.mechanisms.map((m) => m?.name),
    labelMechanism: o.labelMechanism,
    splits: o.splits.map((s) => ({ name: s?.name, settings: s?.settings })),
  });
  return result.success ? result.data : undefined;
}

export function createDatasetQueries(db: Database.Database) {
  const insertDataset = db.prepare(
    `INSERT INTO datasets (name, kind, format, source, class_names, class_groups, height, width, channels, options)
     VALUES (@name, @kind, @format, @source, @classNames, @classGroups, @height, @width, @channels, @options)`,
  );
  const insertExample = db.prepare(
    `INSERT INTO examples (dataset_id, split, idx, label, noisy_label, grp, source_ref, text, pixels)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const nameTaken = db.prepare('SELECT 1 FROM datasets WHERE name = ?').pluck();
  const allDatasets = db.prepare('SELECT * FROM datasets ORDER BY id');
  const oneDataset = db.prepare('SELECT * FROM datasets WHERE id = ?');
  const datasetExists = db.prepare('SELECT 1 FROM datasets WHERE id = ?').pluck();
  const splitCounts = db.prepare(
    `SELECT split, label, count(*) AS n, sum(noisy_label IS NOT NULL) AS noisy
     FROM examples WHERE dataset_id = ? GROUP BY split, label`,
  );
  const deleteOne = db.prepare('DELETE FROM datasets WHERE id = ?');
  const trainingOn = db.prepare(
    "SELECT r.id, r.name, r.owner_pid, r.experiment_id FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.dataset_id = ? AND r.status = 'running' ORDER BY r.id",
  );
  const updateGroups = db.prepare('UPDATE datasets SET class_groups = ? WHERE id = ?');
  const oneExample = db.prepare(
    `SELECT e.id, e.dataset_id, e.split, e.idx, e.label, e.noisy_label, e.grp, e.source_ref, e.text,
            d.kind, d.height, d.width, d.channels
     FROM examples e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = ?`,
  );
  // Migration 009: where an image dataset's pixels live, and a referenced example's original file.
  const imageSource = db.prepare('SELECT root, train_size AS trainSize, thumbnail_type AS thumbnailType FROM dataset_image_sources WHERE dataset_id = ?');
  const exampleFile = db.prepare('SELECT path, width, height, bytes FROM example_files WHERE example_id = ?');
  const exampleMechanisms = db.prepare(
    `SELECT mechanism, class, source_example_id AS sourceExampleId FROM example_mechanisms WHERE example_id = ?
     ORDER BY CASE mechanism WHEN 'top' THEN 0 WHEN 'bottom' THEN 1 WHEN 'image' THEN 2 WHEN 'patch' THEN 3 ELSE 4 END, mechanism`,
  );
  const examplePixels = db.prepare(
    `SELECT e.pixels, d.height, d.width, d.channels
     FROM examples e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = ?`,
  );
  // Filtered pages use one statement per filter combination, prepared on first use.
  const pageStatements = new Map<string, { count: Database.Statement; page: Database.Statement }>();

  function toSummary(row: DatasetRow): DatasetSummary {
    const classNames = JSON.parse(row.class_names) as string[];
    const bySplit = new Map<string, SplitCounts>();
    for (const c of splitCounts.all(row.id) as { split: string; label: number; n: number; noisy: number }[]) {
      let s = bySplit.get(c.split);
      if (!s) {
        s = { split: c.split, count: 0, perClass: classNames.map(() => 0), noisy: 0 };
        bySplit.set(c.split, s);
      }
      s.count += c.n;
      s.noisy += c.noisy;
      if (c.label < s.perClass.length) {
        s.perClass[c.label] = c.n;
        if (c.noisy > 0) (s.noisyPerClass ??= classNames.map(() => 0))[c.label] = c.noisy;
      }
    }
    const splits = [...bySplit.values()].sort((a, b) => compareSplits(a.split, b.split));
    const mechanisms = mechanismsOf(row.options);
    const reference = row.kind === 'image' ? (imageSource.get(row.id) as { root: string; trainSize: number; thumbnailType: string } | undefined) : undefined;
    const storage: DatasetStorage | undefined = row.kind !== 'image' ? undefined : reference ? { store: 'reference', ...reference } : { store: 'pixels' };
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      format: row.format,
      source: row.source,
      classNames,
      classGroups: JSON.parse(row.class_groups) as number[][],
      shape: row.height && row.width && row.channels ? { height: row.height, width: row.width, channels: row.channels } : null,
      splits,
      createdAt: row.created_at,
      ...(mechanisms ? { mechanisms } : {}),
      ...(storage ? { storage } : {}),
    };
  }

  function getDataset(id: number): DatasetSummary {
    const row = oneDataset.get(id) as DatasetRow | undefined;
    if (!row) throw new NotFoundError(`no dataset with id ${id}`);
    return toSummary(row);
  }

  function pageStatement(q: ExampleQuery) {
    const where = ['dataset_id = @datasetId'];
    if (q.split !== undefined) where.push('split = @split');
    if (q.label !== undefined) where.push('label = @label');
    if (q.noisyOnly) where.push('noisy_label IS NOT NULL');
    const key = where.join(' AND ');
    let stmts = pageStatements.get(key);
    if (!stmts) {
      stmts = {
        count: db.prepare(`SELECT count(*) FROM examples WHERE ${key}`).pluck(),
        page: db.prepare(
          `SELECT id, dataset_id, split, idx, label, noisy_label, grp, substr(text, 1, ${SNIPPET_CHARS}) AS snippet
           FROM examples WHERE ${key} ORDER BY id LIMIT @limit OFFSET @offset`,
        ),
      };
      pageStatements.set(key, stmts);
    }
    return stmts;
  }

  return {
    isNameTaken(name: string): boolean {
      return nameTaken.get(name) !== undefined;
    },

    /**
     * Writes a dataset and all its examples in one transaction; returns the new id. IMMEDIATE: the
     * write lock is taken (or waited for) at BEGIN. Deferred, the name check's read snapshot went
     * stale while another import wrote, and the upgrade failed at once with "database is locked".
     */
    insertDataset(dataset: NewDataset, examples: Iterable<NewExample>, onRow?: (written: number) => void): number {
      const write = db.transaction(() => {
        let name = dataset.name;
        if (nameTaken.get(name) !== undefined) {
          if (!dataset.renameIfTaken) throw new DomainError('CONFLICT', `a dataset named "${name}" already exists`, { field: 'name' });
          for (let i = 2; nameTaken.get((name = `${dataset.name} (${i})`)) !== undefined; i++);
        }
        const id = Number(
          insertDataset.run({
            name,
            kind: dataset.kind,
            format: dataset.format,
            source: dataset.source,
            classNames: JSON.stringify(dataset.classNames),
            classGroups: JSON.stringify(dataset.classGroups),
            height: dataset.shape?.height ?? null,
            width: dataset.shape?.width ?? null,
            channels: dataset.shape?.channels ?? null,
            options: JSON.stringify(dataset.options ?? {}),
          }).lastInsertRowid,
        );
        let written = 0;
        for (const e of examples) {
          insertExample.run(
            id,
            e.split,
            e.index,
            e.label,
            e.noisyLabel,
            e.group,
            e.sourceRef,
            e.text,
            e.pixels ? Buffer.from(e.pixels.buffer, e.pixels.byteOffset, e.pixels.byteLength) : null,
          );
          written++;
          if (onRow && written % 2000 === 0) onRow(written);
        }
        onRow?.(written);
        return id;
      });
      return write.immediate();
    },

    listDatasets(): DatasetSummary[] {
      return (allDatasets.all() as DatasetRow[]).map(toSummary);
    },

    getDataset,
    /** NOT_FOUND unless the dataset exists: the check without getDataset's per-split counts (a scan of its examples). */
    requireDataset(id: number): void {
      if (!datasetExists.get(id)) throw new NotFoundError(`no dataset with id ${id}`);
    },

    /**
     * Deletes a dataset with its examples, experiments and curated sets, in one transaction; refused
     * (CONFLICT, naming the runs) while a run on it trains in a live process. False: no such dataset.
     */
    deleteDataset(id: number, isAlive: (pid: number) => boolean = processIsAlive): boolean {
      return db
        .transaction(() => {
          refuseWhileTraining(trainingOn.all(id) as RunningRow[], isAlive, `dataset ${id} is being trained on`, 'datasetId');
          return deleteOne.run(id).changes > 0;
        })
        .immediate();
    },

    /**
     * Replaces a dataset's confusable class groups (used by the gradient view and the explorer's
     * colouring). Groups must name existing classes and not share one: a class in two groups
     * would be counted twice in group aggregates.
     */
    setClassGroups(id: number, groups: number[][]): DatasetSummary {
      const dataset = getDataset(id);
      const seen = new Set<number>();
      for (const group of groups) {
        for (const c of group) {
          if (c >= dataset.classNames.length) {
            throw new ValidationError(`group class ${c} does not exist: dataset "${dataset.name}" has classes 0..${dataset.classNames.length - 1}`, { field: 'groups' });
          }
          if (seen.has(c)) throw new ValidationError(`class ${c} (${dataset.classNames[c]}) is in more than one group`, { field: 'groups' });
          seen.add(c);
        }
      }
      updateGroups.run(JSON.stringify(groups), id);
      return getDataset(id);
    },

    listExamples(q: ExampleQuery): { total: number; items: ExampleRow[] } {
      const stmts = pageStatement(q);
      const params = { datasetId: q.datasetId, split: q.split, label: q.label, limit: q.limit, offset: q.offset };
      const bound = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
      const total = stmts.count.get(bound) as number;
      const items = (stmts.page.all(bound) as ExampleDbRow[]).map(
        (r): ExampleRow => ({
          id: r.id,
          split: r.split,
          index: r.idx,
          label: r.label,
          noisyLabel: r.noisy_label,
          group: r.grp,
          snippet: r.snippet,
        }),
      );
      return { total, items };
    },

    getExample(id: number): ExampleDetail {
      const r = oneExample.get(id) as
        | (ExampleDbRow & { source_ref: string | null; text: string | null; kind: string; height: number | null; width: number | null; channels: 1 | 3 | null })
        | undefined;
      if (!r) throw new NotFoundError(`no example with id ${id}`);
      const mechanisms = exampleMechanisms.all(id) as ExampleMechanism[];
      const original = r.kind === 'image' ? (exampleFile.get(id) as { path: string; width: number; height: number; bytes: number } | undefined) : undefined;
      return {
        id: r.id,
        datasetId: r.dataset_id,
        split: r.split,
        index: r.idx,
        label: r.label,
        noisyLabel: r.noisy_label,
        group: r.grp,
        snippet: r.text ? r.text.slice(0, SNIPPET_CHARS) : null,
        text: r.text,
        shape: r.height && r.width && r.channels ? { height: r.height, width: r.width, channels: r.channels } : null,
        sourceRef: r.source_ref,
        ...(mechanisms.length ? { mechanisms } : {}),
        ...(original ? { original } : {}),
      };
    },

    getExamplePixels(id: number): { pixels: Buffer; shape: ImageShape } {
      const r = examplePixels.get(id) as { pixels: Buffer | null; height: number; width: number; channels: 1 | 3 } | undefined;
      if (!r) throw new NotFoundError(`no example with id ${id}`);
      if (!r.pixels) throw new NotFoundError(`example ${id} has no stored pixels (a text example, or an image kept by reference with training size 0, --train-size 0)`);
      return { pixels: r.pixels, shape: { height: r.height, width: r.width, channels: r.channels } };
    },
  };
}

export type DatasetQueries = ReturnType<typeof createDatasetQueries>;
