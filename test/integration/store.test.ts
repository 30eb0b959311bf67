import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, SCHEMA_VERSION } from '../../main/store/migrations.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { makeTempDir } from '../helpers/tempDir.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function tempDbPath(): string {
  const t = makeTempDir();
  cleanups.push(t.dispose);
  return path.join(t.dir, 'test.db');
}

describe('the store', () => {
  it('creates every documented table with WAL and the current schema version', () => {
    const file = tempDbPath();
    const db = openDatabase(file);
    cleanups.unshift(() => db.close());
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(tables).toEqual(['curated_set_members', 'curated_sets', 'dataset_image_sources', 'datasets', 'epoch_metrics', 'example_files', 'example_mechanisms', 'examples', 'experiments', 'meta', 'prediction_matrices', 'runs']);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('applies only the migrations a database lacks, in one transaction each time', () => {
    const db = new Database(':memory:');
    cleanups.push(() => db.close());
    const list = ['CREATE TABLE a (x INTEGER);', 'CREATE TABLE b (y INTEGER);'];
    expect(migrate(db, 'mem', list.slice(0, 1))).toBe(1);
    expect(migrate(db, 'mem', list)).toBe(2);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('a','b')").pluck().get()).toBe(2);
  });

  it('rolls a failing migration back whole', () => {
    const db = new Database(':memory:');
    cleanups.push(() => db.close());
    expect(() => migrate(db, 'mem', ['CREATE TABLE a (x INTEGER);', 'CREATE TABLE oops ('])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'a'").pluck().get()).toBe(0);
  });

  it('refuses a database written by a newer version with a message naming the file', () => {
    const file = tempDbPath();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(/test\.db was written by a newer version of Disobey/);
  });

  it('refuses a file that is not a database, naming it', () => {
    const file = tempDbPath();
    fs.writeFileSync(file, 'this is not sqlite at all, just text '.repeat(200));
    expect(() => openDatabase(file)).toThrow(/cannot open database .*test\.db/);
  });

  it('writes a dataset whole or not at all', () => {
    const db = openDatabase(tempDbPath());
    cleanups.unshift(() => db.close());
    const q = createDatasetQueries(db);
    const dataset = { name: 'd', kind: 'text' as const, format: 'csv' as const, source: '/x', classNames: ['a', 'b'], classGroups: [], shape: null, options: {} };
    const example = (i: number) => ({ split: 'train', index: i, label: i % 2, noisyLabel: null, group: null, sourceRef: null, pixels: null, text: `t${i}` });
    function* failing() {
      yield example(0);
      yield example(1);
      throw new Error('disk full');
    }
    expect(() => q.insertDataset(dataset, failing())).toThrow('disk full');
    expect(q.listDatasets()).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM examples').pluck().get()).toBe(0);
    const id = q.insertDataset(dataset, [0, 1, 2].map(example));
    const summary = q.getDataset(id);
    expect(summary.splits).toEqual([{ split: 'train', count: 3, perClass: [2, 1], noisy: 0 }]);
    expect(() => q.insertDataset(dataset, [])).toThrow(/already exists/);
    const page = q.listExamples({ datasetId: id, label: 0, offset: 0, limit: 10 });
    expect(page.total).toBe(2);
    expect(page.items.map((e) => e.snippet)).toEqual(['t0', 't2']);
    expect(q.deleteDataset(id)).toBe(true);
    expect(db.prepare('SELECT count(*) FROM examples').pluck().get()).toBe(0);
  });
});
