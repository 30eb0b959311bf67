// Switching the desktop app's database, on real SQLite files and real services, with the shell's
// dialogs replaced by a recorder: the calls and events follow the database in use, the old one
// is closed, a failed or refused switch keeps the old one, training asks first, and switches
// run one at a time.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../shared/contract.js';
import { SAMPLE_DATASET_NAME } from '../../main/data/sampleDataset.js';
import {
  createCurrentDatabase,
  createDatabaseSwitcher,
  runningRunCount,
  type CurrentDatabase,
  type DatabaseSession,
  type SwitchUi,
} from '../../main/electron/databaseSession.js';
import { openDatabaseSession } from '../../main/services/servicesHost.js';
import { SCHEMA_VERSION } from '../../main/store/migrations.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { encodeIdx } from './encodeIdx.js';

const temp = makeTempDir('disobey-switch-');
const sampleDir = path.join(temp.dir, 'sample');
const file = (name: string) => path.join(temp.dir, name);
afterAll(() => temp.dispose());

beforeAll(() => {
  // a small stand-in for the embedded sample: 2×2 images, three classes
  fs.mkdirSync(sampleDir);
  for (const [prefix, n] of [['train', 12], ['t10k', 6]] as const) {
    fs.writeFileSync(path.join(sampleDir, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(encodeIdx([n, 2, 2], new Uint8Array(n * 4).map((_, i) => i % 256))));
    fs.writeFileSync(path.join(sampleDir, `${prefix}-labels-idx1-ubyte.gz`), zlib.gzipSync(encodeIdx([n], new Uint8Array(n).map((_, i) => i % 3))));
  }
  fs.writeFileSync(path.join(sampleDir, 'classes.txt'), 'cat\ndog\nbird\n');
});

const open = (f: string) => openDatabaseSession(f, {}, { sampleDir });

function recordingUi(confirm = true) {
  const errors: [string, string][] = [];
  const switched: string[] = [];
  const confirmations: [number, string, string][] = [];
  const ui: SwitchUi = {
    showError: (title, message) => void errors.push([title, message]),
    confirmStopTraining: async (runs, from, to) => {
      confirmations.push([runs, from, to]);
      return confirm;
    },
    switched: (s) => void switched.push(s.databasePath),
  };
  return { ui, errors, switched, confirmations };
}

async function databasePathOf(current: CurrentDatabase): Promise<string> {
  return ((await current.session.services.dispatch('appInfo', {}, 'ipc')) as { databasePath: string }).databasePath;
}

describe('switching the database', () => {
  let current: CurrentDatabase | undefined;
  afterEach(() => current?.close());

  it('creates a new database with the sample, then answers every call from the database switched to', async () => {
    const forwarded: AppEvent[] = [];
    const first = await open(file('first.db'));
    current = createCurrentDatabase(first, (e) => forwarded.push(e));
    const { ui, errors, switched } = recordingUi();
    const switcher = createDatabaseSwitcher(current, open, ui);
    const firstServices = current.session.services;

    expect(await switcher.switchTo(file('second.db'), 'new')).toBe(true);
    expect(errors).toEqual([]);
    expect(switched).toEqual([file('second.db')]);
    expect(current.session.databasePath).toBe(file('second.db'));
    expect(await databasePathOf(current)).toBe(file('second.db'));
    const datasets = (await current.session.services.dispatch('listDatasets', {}, 'ipc')) as { name: string; classNames: string[] }[];
    expect(datasets.map((d) => [d.name, d.classNames])).toEqual([[SAMPLE_DATASET_NAME, ['cat', 'dog', 'bird']]]);

    // the old database is closed, and its events no longer reach the window; the new one's do
    await expect(firstServices.dispatch('listDatasets', {}, 'ipc')).rejects.toThrow(/not open/);
    firstServices.events.emit({ type: 'datasetsChanged' });
    current.session.services.events.emit({ type: 'command', command: 'import' });
    expect(forwarded).toEqual([{ type: 'command', command: 'import' }]);

    // and back: the first database, as it was
    expect(await switcher.switchTo(file('first.db'), 'existing')).toBe(true);
    expect(await databasePathOf(current)).toBe(file('first.db'));
    expect(switched).toEqual([file('second.db'), file('first.db')]);
  });

  it('does nothing for the database already open', async () => {
    current = createCurrentDatabase(await open(file('same.db')), () => {});
    const { ui, switched, errors } = recordingUi();
    const before = current.session;
    expect(await createDatabaseSwitcher(current, open, ui).switchTo(path.join(temp.dir, '.', 'same.db'), 'existing')).toBe(true);
    expect(current.session).toBe(before);
    expect(switched).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("refuses another program's SQLite file and a database that cannot be opened, naming the file, and keeps the old one", async () => {
    const foreign = new Database(file('places.sqlite'));
    foreign.exec('CREATE TABLE moz_places (id INTEGER PRIMARY KEY)');
    foreign.close();
    const newer = new Database(file('newer.db'));
    newer.pragma('user_version = 999');
    newer.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)');
    newer.close();

    current = createCurrentDatabase(await open(file('kept.db')), () => {});
    const { ui, errors, switched } = recordingUi();
    const switcher = createDatabaseSwitcher(current, open, ui);
    expect(await switcher.switchTo(file('places.sqlite'), 'existing')).toBe(false);
    expect(await switcher.switchTo(file('newer.db'), 'existing')).toBe(false);
    expect(await switcher.switchTo(file('gone.db'), 'existing')).toBe(false);
    expect(await switcher.switchTo(file('kept-too.db'), 'new')).toBe(true);
    expect(await switcher.switchTo(file('kept.db'), 'new')).toBe(false);

    expect(errors.map(([title]) => title)).toEqual(['Cannot open places.sqlite', 'Cannot open newer.db', 'Cannot open gone.db', 'Cannot open kept.db']);
    expect(errors[0]![1]).toMatch(/another program/);
    expect(errors[1]![1]).toBe(`${file('newer.db')} was written by a newer version of Disobey (schema 999; this version knows up to ${SCHEMA_VERSION}). Update Disobey to open it.\n\nDisobey keeps ${file('kept.db')} open.`);
    expect(errors[2]![1]).toMatch(/gone\.db does not exist/);
    expect(errors[3]![1]).toMatch(/kept\.db already exists/);
    expect(switched).toEqual([file('kept-too.db')]);
    expect(await databasePathOf(current)).toBe(file('kept-too.db'));
    expect(fs.existsSync(file('gone.db'))).toBe(false);
  });

  it('switches one request at a time, in the order asked', async () => {
    current = createCurrentDatabase(await open(file('queue-0.db')), () => {});
    const { ui, switched } = recordingUi();
    const switcher = createDatabaseSwitcher(current, open, ui);
    const results = await Promise.all([switcher.switchTo(file('queue-1.db'), 'new'), switcher.switchTo(file('queue-2.db'), 'named'), switcher.switchTo(file('queue-1.db'), 'existing')]);
    expect(results).toEqual([true, true, true]);
    expect(switched).toEqual([file('queue-1.db'), file('queue-2.db'), file('queue-1.db')]);
    expect(await databasePathOf(current)).toBe(file('queue-1.db'));
  });
});

describe('switching while training runs', () => {
  /** A session whose services report `statuses` as its runs; closing it is recorded. */
  function fakeSession(databasePath: string, statuses: string[], closed: string[]): DatabaseSession {
    const services = {
      dispatch: async (name: unknown) => (name === 'listExperiments' ? [{ runs: statuses.map((status) => ({ status })) }, { runs: [] }] : null),
      events: { subscribe: () => () => {}, emit: () => {} },
    } as unknown as DatabaseSession['services'];
    return { databasePath, services, close: () => void closed.push(databasePath) };
  }

  it('counts the runs that are training', async () => {
    const closed: string[] = [];
    expect(await runningRunCount(fakeSession('/a.db', ['running', 'done', 'pending', 'running'], closed).services)).toBe(2);
    expect(await runningRunCount(fakeSession('/a.db', ['done', 'interrupted'], closed).services)).toBe(0);
  });

  it('asks first, and stays when the answer is no', async () => {
    const closed: string[] = [];
    const current = createCurrentDatabase(fakeSession('/data/training.db', ['running', 'running', 'done'], closed), () => {});
    const opened: string[] = [];
    const openFake = async (f: string) => {
      opened.push(f);
      return fakeSession(f, [], closed);
    };
    const declined = recordingUi(false);
    expect(await createDatabaseSwitcher(current, openFake, declined.ui).switchTo(file('other.db'), 'named')).toBe(false);
    expect(declined.confirmations).toEqual([[2, '/data/training.db', file('other.db')]]);
    expect(opened).toEqual([]);
    expect(closed).toEqual([]);

    const accepted = recordingUi(true);
    expect(await createDatabaseSwitcher(current, openFake, accepted.ui).switchTo(file('other.db'), 'named')).toBe(true);
    expect(opened).toEqual([file('other.db')]);
    expect(closed).toEqual(['/data/training.db']);
  });

  it('does not ask when nothing is training', async () => {
    const closed: string[] = [];
    const current = createCurrentDatabase(fakeSession('/data/idle.db', ['done'], closed), () => {});
    const { ui, confirmations } = recordingUi(false);
    expect(await createDatabaseSwitcher(current, async (f) => fakeSession(f, [], closed), ui).switchTo(file('other2.db'), 'named')).toBe(true);
    expect(confirmations).toEqual([]);
  });
});
