// The desktop shell's small decisions, in plain Node: which database a launch names, what a
// second launch hands over, which picked files may be opened (another program's SQLite file is
// refused untouched), the dialogs pickPath asks Electron for, and what About says.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aboutText, installedTrainingBackends } from '../../main/electron/aboutText.js';
import { inspectDatabaseFile, refusalToOpen, windowTitle, withDatabaseExtension } from '../../main/electron/databaseFile.js';
import { chosenPath, dialogRequest } from '../../main/electron/dialogOptions.js';
import { databaseArgument, launchData, namedDatabase, secondLaunchDatabase } from '../../main/electron/launchArgs.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { makeTempDir } from '../helpers/tempDir.js';

describe('the database a launch names', () => {
  it('reads --db PATH and --db=PATH, resolved against the working directory', () => {
    expect(databaseArgument(['/opt/electron', '/app', '--db', 'runs/a.db'], '/home/ana')).toBe('/home/ana/runs/a.db');
    expect(databaseArgument(['/opt/Disobey', '--no-sandbox', '--db=/data/b.db'], '/home/ana')).toBe('/data/b.db');
    expect(databaseArgument(['/opt/Disobey'], '/home/ana')).toBeNull();
    // no value, an option in its place, or after "--": not a database
    expect(databaseArgument(['/opt/Disobey', '--db'], '/x')).toBeNull();
    expect(databaseArgument(['/opt/Disobey', '--db', '--no-sandbox'], '/x')).toBeNull();
    expect(databaseArgument(['/opt/Disobey', '--db='], '/x')).toBeNull();
    expect(databaseArgument(['/opt/Disobey', '--', '--db', 'a.db'], '/x')).toBeNull();
  });

  it('prefers --db to DISOBEY_DB, and names none without either', () => {
    expect(namedDatabase(['app', '--db', '/a.db'], '/w', { DISOBEY_DB: '/env.db' })).toBe('/a.db');
    expect(namedDatabase(['app'], '/w', { DISOBEY_DB: 'env.db' })).toBe('/w/env.db');
    expect(namedDatabase(['app'], '/w', {})).toBeNull();
    expect(launchData(null)).toEqual({});
    expect(launchData('/a.db')).toEqual({ databasePath: '/a.db' });
  });

  it("takes a second launch's database from its additionalData, else from the argv it relayed", () => {
    expect(secondLaunchDatabase(['app', '--db', '/argv.db'], '/w', { databasePath: '/data/../data/x.db' })).toBe('/data/x.db');
    expect(secondLaunchDatabase(['app', '--db', 'rel.db'], '/w', {})).toBe('/w/rel.db');
    expect(secondLaunchDatabase(['app'], '/w', {})).toBeNull();
    // what is not an absolute path in additionalData is not trusted as one
    for (const data of [null, 'x', { databasePath: 'relative.db' }, { databasePath: 42 }, { databasePath: '' }]) {
      expect(secondLaunchDatabase(['app'], '/w', data), JSON.stringify(data)).toBeNull();
    }
  });
});

describe('a database file the user picked', () => {
  const temp = makeTempDir('disobey-dbfile-');
  const file = (name: string) => path.join(temp.dir, name);
  afterAll(() => temp.dispose());

  beforeAll(() => {
    openDatabase(file('ours.db')).close();
    const foreign = new Database(file('places.sqlite'));
    foreign.exec('CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)');
    foreign.close();
    new Database(file('blank.sqlite')).close(); // SQLite leaves no bytes until something is written
    const noTables = new Database(file('pragma-only.sqlite'));
    noTables.pragma('page_size = 8192');
    noTables.exec('VACUUM');
    noTables.close();
    fs.writeFileSync(file('notes.db'), 'these are notes, not a database, but longer than a header would be: '.repeat(3));
    fs.writeFileSync(file('short.db'), 'SQLite format 3');
    fs.writeFileSync(file('empty.db'), '');
    fs.mkdirSync(file('folder.db'));
  });

  it("tells Disobey's databases from other programs' SQLite files and from files that are not SQLite", () => {
    expect(inspectDatabaseFile(file('ours.db'))).toBe('versioned');
    expect(inspectDatabaseFile(file('places.sqlite'))).toBe('foreign');
    expect(inspectDatabaseFile(file('blank.sqlite'))).toBe('empty');
    expect(inspectDatabaseFile(file('pragma-only.sqlite'))).toBe('empty');
    expect(inspectDatabaseFile(file('empty.db'))).toBe('empty');
    expect(inspectDatabaseFile(file('notes.db'))).toBe('not-sqlite');
    expect(inspectDatabaseFile(file('short.db'))).toBe('not-sqlite');
    expect(inspectDatabaseFile(file('folder.db'))).toBe('not-sqlite');
    expect(inspectDatabaseFile(file('missing.db'))).toBe('missing');
  });

  it('leaves a file with a -wal beside it to the opening, whose header may be stale', () => {
    fs.copyFileSync(file('places.sqlite'), file('busy.sqlite'));
    fs.writeFileSync(file('busy.sqlite-wal'), '');
    expect(inspectDatabaseFile(file('busy.sqlite'))).toBe('unsettled');
  });

  it('refuses to open another program\'s database, leaving it byte for byte as it was', () => {
    const before = fs.readFileSync(file('places.sqlite'));
    expect(refusalToOpen(file('places.sqlite'), 'existing')).toMatch(/places\.sqlite is a SQLite database of another program .*left untouched/);
    expect(refusalToOpen(file('places.sqlite'), 'named')).toMatch(/another program/);
    expect(fs.readFileSync(file('places.sqlite')).equals(before)).toBe(true);
    expect(refusalToOpen(file('notes.db'), 'existing')).toMatch(/notes\.db is not a SQLite database/);
    expect(refusalToOpen(file('ours.db'), 'existing')).toBeNull();
    expect(refusalToOpen(file('empty.db'), 'existing')).toBeNull();
  });

  it('opens a missing file only where it may be created, and New Database never over existing content', () => {
    expect(refusalToOpen(file('missing.db'), 'existing')).toMatch(/missing\.db does not exist/);
    expect(refusalToOpen(file('missing.db'), 'named')).toBeNull();
    expect(refusalToOpen(file('missing.db'), 'new')).toBeNull();
    expect(refusalToOpen(file('empty.db'), 'new')).toBeNull();
    expect(refusalToOpen(file('ours.db'), 'new')).toMatch(/ours\.db already exists\. Open it with File › Open Database…/);
    expect(refusalToOpen(file('notes.db'), 'new')).toMatch(/already exists/);
  });

  it('adds .db to a new name without an extension and titles the window with the file name', () => {
    expect(withDatabaseExtension('/data/noise')).toBe('/data/noise.db');
    expect(withDatabaseExtension('/data/noise.sqlite')).toBe('/data/noise.sqlite');
    expect(windowTitle('/home/ana/experiments/noise.db')).toBe('Disobey — noise.db');
  });
});

describe("pickPath's native dialogs", () => {
  it('opens one file, offering All files beside the filters the page asked for', () => {
    expect(dialogRequest({ mode: 'openFile', title: 'Import a dataset', defaultPath: '/data', filters: [{ name: 'Tables', extensions: ['csv', 'jsonl'] }] })).toEqual({
      kind: 'open',
      options: {
        title: 'Import a dataset',
        defaultPath: '/data',
        properties: ['openFile'],
        filters: [
          { name: 'Tables', extensions: ['csv', 'jsonl'] },
          { name: 'All files', extensions: ['*'] },
        ],
      },
    });
    expect(dialogRequest({ mode: 'openFile', filters: [{ name: 'Any', extensions: ['*'] }] }).options.filters).toEqual([{ name: 'Any', extensions: ['*'] }]);
    expect(dialogRequest({ mode: 'openFile' })).toEqual({ kind: 'open', options: { properties: ['openFile'] } });
  });

  it('opens a folder, and saves a file with the filters as given and a replace confirmation', () => {
    expect(dialogRequest({ mode: 'openFolder', title: 'Image folder' })).toEqual({ kind: 'open', options: { title: 'Image folder', properties: ['openDirectory', 'createDirectory'] } });
    expect(dialogRequest({ mode: 'saveFile', defaultPath: 'set-25.csv', filters: [{ name: 'CSV', extensions: ['csv'] }] })).toEqual({
      kind: 'save',
      options: { defaultPath: 'set-25.csv', properties: ['createDirectory', 'showOverwriteConfirmation'], filters: [{ name: 'CSV', extensions: ['csv'] }] },
    });
  });

  it('answers the chosen path, or null when the dialog was cancelled', () => {
    expect(chosenPath({ canceled: false, filePaths: ['/data/a.csv', '/data/b.csv'] })).toBe('/data/a.csv');
    expect(chosenPath({ canceled: true, filePaths: ['/data/a.csv'] })).toBeNull();
    expect(chosenPath({ canceled: false, filePaths: [] })).toBeNull();
    expect(chosenPath({ canceled: false, filePath: '/out/set.zip' })).toBe('/out/set.zip');
    expect(chosenPath({ canceled: false, filePath: '' })).toBeNull();
  });
});

describe('About Disobey', () => {
  const facts = {
    version: '0.1.0',
    databasePath: '/home/ana/Disobey/disobey.db',
    versions: { node: '22.20.0', electron: '45.4.1', chrome: '140.0.7339.249', v8: '14.0.365.10-electron.0' },
    installedBackends: ['tensorflow', 'wasm', 'cpu'],
  };

  it('names the version, the database, the backend in use, the installed backends and the runtimes', () => {
    const { message, detail } = aboutText({ ...facts, backend: 'wasm (SIMD, 1 thread)' });
    expect(message).toBe('Disobey 0.1.0');
    expect(detail.split('\n')).toEqual([
      'Distillation deviation forensics: where does the student disobey its teacher, and does it pay?',
      '',
      'Database: /home/ana/Disobey/disobey.db',
      'Training backend in use: wasm (SIMD, 1 thread)',
      'Installed backends: tensorflow, wasm, cpu',
      '',
      'Electron 45.4.1 · Chromium 140.0.7339.249 · Node.js 22.20.0 · V8 14.0.365.10-electron.0',
    ]);
  });

  it('says when no training has started yet, and leaves out runtimes it does not know', () => {
    const { detail } = aboutText({ ...facts, backend: null, versions: { node: '20.19.0' } });
    expect(detail).toMatch(/Training backend: none started yet; the first run uses the first of the installed backends that starts here/);
    expect(detail.split('\n').at(-1)).toBe('Node.js 20.19.0');
  });

  it('lists the backends whose packages resolve, tensorflow for either native package, cpu always', () => {
    const resolving = (present: string[]) => (specifier: string) => {
      if (present.some((p) => specifier === `${p}/package.json`)) return `/nm/${specifier}`;
      throw new Error('not found');
    };
    expect(installedTrainingBackends(resolving([]))).toEqual(['cpu']);
    expect(installedTrainingBackends(resolving(['@tensorflow/tfjs-backend-wasm']))).toEqual(['wasm', 'cpu']);
    expect(installedTrainingBackends(resolving(['@tensorflow/tfjs-node']))).toEqual(['tensorflow', 'cpu']);
    expect(installedTrainingBackends(resolving(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm']))).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    // this checkout: wasm is a dependency
    expect(installedTrainingBackends()).toEqual(expect.arrayContaining(['wasm', 'cpu']));
  });
});
