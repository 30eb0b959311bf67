// Curated sets and their members. Id lists travel into SQL as one JSON array per batch
// (json_each), so adding or checking a million members is a few statements, not a million.
import type Database from 'better-sqlite3';
import type { CuratedSetMember, CuratedSetSummary } from '../../shared/curatedSets.js';
import { DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { ExampleDbRow } from './datasetQueries.js';

/** One exported row: an example's columns with its member note. */
export interface CuratedExampleRow extends Pick<ExampleDbRow, 'id' | 'split' | 'idx' | 'label' | 'noisy_label'> {
  text: string | null;
  note: string;
}

const SNIPPET_CHARS = 160;
const ID_BATCH = 50_000;

// Rows come out as CuratedSetSummary, in its key order.
const SET_COLUMNS = `s.id, s.dataset_id AS datasetId, s.name, s.description,
  (SELECT count(*) FROM curated_set_members m WHERE m.set_id = s.id) AS size, s.created_at AS createdAt`;

function* batches(ids: readonly number[]): Generator<string> {
  for (let i = 0; i < ids.length; i += ID_BATCH) yield JSON.stringify(ids.slice(i, i + ID_BATCH));
}

export function createCuratedSetQueries(db: Database.Database) {
  const allSets = db.prepare(`SELECT ${SET_COLUMNS} FROM curated_sets s ORDER BY s.id`);
  const datasetSets = db.prepare(`SELECT ${SET_COLUMNS} FROM curated_sets s WHERE s.dataset_id = ? ORDER BY s.id`);
  const oneSet = db.prepare(`SELECT ${SET_COLUMNS} FROM curated_sets s WHERE s.id = ?`);
  const setNamed = db.prepare(`SELECT ${SET_COLUMNS} FROM curated_sets s WHERE s.name = ?`);
  const datasetName = db.prepare('SELECT name FROM datasets WHERE id = ?').pluck();
  const setDataset = db.prepare('SELECT dataset_id FROM curated_sets WHERE id = ?').pluck();
  const insertSet = db.prepare('INSERT INTO curated_sets (dataset_id, name, description) VALUES (?, ?, ?)');
  const renameSet = db.prepare('UPDATE curated_sets SET name = ? WHERE id = ?');
  const describeSet = db.prepare('UPDATE curated_sets SET description = ? WHERE id = ?');
  const deleteSet = db.prepare('DELETE FROM curated_sets WHERE id = ?');
  // The first id (in the order given) that is no example of the dataset, with the dataset it has.
  const firstForeign = db.prepare(
    `SELECT j.value AS id, e.dataset_id FROM json_each(?) j LEFT JOIN examples e ON e.id = j.value
     WHERE e.dataset_id IS NOT ? ORDER BY j.key LIMIT 1`,
  );
  const addKeepingNotes = db.prepare(
    `INSERT OR IGNORE INTO curated_set_members (set_id, example_id, note) SELECT ?, value, '' FROM json_each(?)`,
  );
  const addWithNote = db.prepare(
    `INSERT INTO curated_set_members (set_id, example_id, note) SELECT ?, value, ? FROM json_each(?) WHERE true
     ON CONFLICT (set_id, example_id) DO UPDATE SET note = excluded.note`,
  );
  const removeMembers = db.prepare('DELETE FROM curated_set_members WHERE set_id = ? AND example_id IN (SELECT value FROM json_each(?))');
  const memberNote = db.prepare('SELECT note FROM curated_set_members WHERE set_id = ? AND example_id = ?').pluck();
  const updateNote = db.prepare('UPDATE curated_set_members SET note = ? WHERE set_id = ? AND example_id = ?');
  const memberCount = db.prepare('SELECT count(*) FROM curated_set_members WHERE set_id = ?').pluck();
  const memberPage = db.prepare(
    `SELECT e.id, e.split, e.idx, e.label, m.note, m.added_at, substr(e.text, 1, ${SNIPPET_CHARS}) AS snippet
     FROM curated_set_members m JOIN examples e ON e.id = m.example_id
     WHERE m.set_id = ? ORDER BY m.example_id LIMIT ? OFFSET ?`,
  );
  const memberIds = db.prepare('SELECT example_id FROM curated_set_members WHERE set_id = ? ORDER BY example_id').pluck();
  const exampleExists = db.prepare('SELECT 1 FROM examples WHERE id = ?').pluck();
  const setsOfExample = db.prepare(
    `SELECT s.id AS setId, s.name, m.note FROM curated_set_members m JOIN curated_sets s ON s.id = m.set_id
     WHERE m.example_id = ? ORDER BY s.id`,
  );
  // The batch drives the join (examples by rowid, then the member row by primary key).
  const exportRows = db.prepare(
    `SELECT e.id, e.split, e.idx, e.label, e.noisy_label, e.text, m.note
     FROM examples e JOIN curated_set_members m ON m.set_id = ? AND m.example_id = e.id
     WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY e.id`,
  );
  const pixelRows = db.prepare('SELECT id, split, label, pixels FROM examples WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id');
  const newestExperiment = db.prepare(
    `SELECT x.id FROM experiments x WHERE x.dataset_id = ?
     AND EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id = x.id AND r.epochs_done > 0)
     ORDER BY x.id DESC LIMIT 1`,
  ).pluck();

  function getSet(setId: number): CuratedSetSummary {
    const row = oneSet.get(setId) as CuratedSetSummary | undefined;
    if (!row) throw new NotFoundError(`no curated set with id ${setId}`);
    return row;
  }

  function requireFreeName(name: string, exceptSetId?: number): void {
    const other = setNamed.get(name) as CuratedSetSummary | undefined;
    if (other && other.id !== exceptSetId) {
      throw new DomainError('CONFLICT', `a curated set named "${name}" already exists (set ${other.id}, dataset ${other.datasetId})`, { field: 'name' });
    }
  }

  /** Throws a ValidationError naming the first id (in the order given) that is not an example of the dataset. */
  function requireExamplesOf(datasetId: number, ids: readonly number[]): void {
    for (const batch of batches(ids)) {
      const bad = firstForeign.get(batch, datasetId) as { id: number; dataset_id: number | null } | undefined;
      if (!bad) continue;
      if (bad.dataset_id === null) throw new ValidationError(`example ${bad.id} does not exist`, { field: 'exampleIds' });
      throw new ValidationError(`example ${bad.id} belongs to dataset ${bad.dataset_id}, not to dataset ${datasetId} of the set`, { field: 'exampleIds' });
    }
  }

  function addMembers(setId: number, ids: readonly number[], note: string | undefined): void {
    for (const batch of batches(ids)) {
      if (note === undefined) addKeepingNotes.run(setId, batch);
      else addWithNote.run(setId, note, batch);
    }
  }

  return {
    getSet,

    /** The set with this id, else null. */
    findSet(setId: number): CuratedSetSummary | null {
      const row = oneSet.get(setId) as CuratedSetSummary | undefined;
      return row ?? null;
    },

    /** The dataset of the set with this id, else undefined (without counting its members). */
    datasetOf(setId: number): number | undefined {
      return setDataset.get(setId) as number | undefined;
    },

    /** The set with this exact name, else null. */
    findSetByName(name: string): CuratedSetSummary | null {
      const row = setNamed.get(name) as CuratedSetSummary | undefined;
      return row ?? null;
    },

    listSets(datasetId?: number): CuratedSetSummary[] {
      return (datasetId === undefined ? allSets.all() : datasetSets.all(datasetId)) as CuratedSetSummary[];
    },

    /** Creates the set and adds its members in one transaction; every id must be an example of the dataset. */
    createSet(set: { datasetId: number; name: string; description: string }, exampleIds: readonly number[], note: string | undefined): CuratedSetSummary {
      return db.transaction(() => {
        if (datasetName.get(set.datasetId) === undefined) throw new NotFoundError(`no dataset with id ${set.datasetId}`);
        requireFreeName(set.name);
        requireExamplesOf(set.datasetId, exampleIds);
        const setId = Number(insertSet.run(set.datasetId, set.name, set.description).lastInsertRowid);
        addMembers(setId, exampleIds, note);
        return getSet(setId);
      }).immediate();
    },

    updateSet(setId: number, changes: { name?: string | undefined; description?: string | undefined }): CuratedSetSummary {
      return db.transaction(() => {
        getSet(setId);
        if (changes.name !== undefined) {
          requireFreeName(changes.name, setId);
          renameSet.run(changes.name, setId);
        }
        if (changes.description !== undefined) describeSet.run(changes.description, setId);
        return getSet(setId);
      }).immediate();
    },

    deleteSet(setId: number): boolean {
      return deleteSet.run(setId).changes > 0;
    },

    /** Adds examples of the set's dataset; with a note, members already there get it too. */
    addMembers(setId: number, exampleIds: readonly number[], note: string | undefined): CuratedSetSummary {
      return db.transaction(() => {
        const set = getSet(setId);
        requireExamplesOf(set.datasetId, exampleIds);
        addMembers(setId, exampleIds, note);
        return getSet(setId);
      }).immediate();
    },

    removeMembers(setId: number, exampleIds: readonly number[]): CuratedSetSummary {
      return db.transaction(() => {
        getSet(setId);
        for (const batch of batches(exampleIds)) removeMembers.run(setId, batch);
        return getSet(setId);
      }).immediate();
    },

    /** true when the note changed; NotFoundError when the example is not a member. */
    setNote(setId: number, exampleId: number, note: string): boolean {
      return db.transaction(() => {
        getSet(setId);
        const old = memberNote.get(setId, exampleId) as string | undefined;
        if (old === undefined) throw new NotFoundError(`example ${exampleId} is not a member of curated set ${setId}`);
        if (old === note) return false;
        updateNote.run(note, setId, exampleId);
        return true;
      }).immediate();
    },

    membersPage(setId: number, offset: number, limit: number): { total: number; items: CuratedSetMember[] } {
      getSet(setId);
      const total = memberCount.get(setId) as number;
      const rows = memberPage.all(setId, limit, offset) as { id: number; split: string; idx: number; label: number; note: string; added_at: string; snippet: string | null }[];
      return {
        total,
        items: rows.map((r) => ({ exampleId: r.id, split: r.split, index: r.idx, label: r.label, note: r.note, addedAt: r.added_at, snippet: r.snippet })),
      };
    },

    /** Every member id, ascending: the snapshot an export walks. */
    memberIds(setId: number): number[] {
      return memberIds.all(setId) as number[];
    },

    setsOfExample(exampleId: number): { setId: number; name: string; note: string }[] {
      if (exampleExists.get(exampleId) === undefined) throw new NotFoundError(`no example with id ${exampleId}`);
      return setsOfExample.all(exampleId) as { setId: number; name: string; note: string }[];
    },

    /** These members (ascending ids) with their notes; members removed meanwhile are missing. */
    exportRows(setId: number, ids: readonly number[]): CuratedExampleRow[] {
      return exportRows.all(setId, JSON.stringify(ids)) as CuratedExampleRow[];
    },

    /** These examples' pixels with their split and label, ascending ids; deleted examples are missing. */
    pixels(ids: readonly number[]): { id: number; split: string; label: number; pixels: Buffer | null }[] {
      return pixelRows.all(JSON.stringify(ids)) as { id: number; split: string; label: number; pixels: Buffer | null }[];
    },

    /** The newest experiment on the dataset with at least one recorded epoch, else null. */
    newestRecordedExperiment(datasetId: number): number | null {
      return (newestExperiment.get(datasetId) as number | undefined) ?? null;
    },
  };
}

export type CuratedSetQueries = ReturnType<typeof createCuratedSetQueries>;
