// `disobey sets` and `disobey export` as a user runs them: a real process on a database with a
// recorded experiment and a curated set; overwriting needs --force, failures are one line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture } from '../../bench/deviationFixture.js';
import type { CuratedSetSummary, ExportResult } from '../../shared/curatedSets.js';
import { parseCsv } from '../../main/data/textTable.js';
import { openZip } from '../../main/data/zipReader.js';
import { createCuratedSetQueries } from '../../main/store/curatedSetQueries.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { makeTempDir } from '../helpers/tempDir.js';

const bin = path.resolve('bin/disobey.js');
const temp = makeTempDir();
const db = path.join(temp.dir, 'sets.db');
let members: number[];
afterAll(() => temp.dispose());

function disobey(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: temp.dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!fs.existsSync('out/main/cli.js'))('disobey sets and disobey export', () => {
  beforeAll(() => {
    const handle = openDatabase(db);
    const fixture = createDeviationFixture(handle, { examples: 200, classes: 3, students: 1, epochs: 2, seed: 4 });
    members = (handle.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(fixture.datasetId) as number[]).filter((_, i) => i % 5 === 0);
    createCuratedSetQueries(handle).createSet({ datasetId: fixture.datasetId, name: 'hard ones', description: 'picked by hand' }, members, 'look');
    handle.close();
  });

  it('lists sets as JSON and as lines', () => {
    const r = disobey('sets', '--db', db, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sets = JSON.parse(r.stdout) as CuratedSetSummary[];
    expect(sets).toMatchObject([{ id: 1, datasetId: 1, name: 'hard ones', description: 'picked by hand', size: members.length }]);
    expect(disobey('sets', '--db', db).stdout).toMatch(/^set 1 "hard ones" · dataset 1 "synthetic deviations" · 40 examples · created .*\n {2}picked by hand\n$/);
  });

  it('exports by name with the format from the extension, and by id as a ZIP', async () => {
    const r = disobey('export', '--db', db, '--set', 'hard ones', '--out', 'hard.csv', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(temp.dir, 'hard.csv');
    expect(JSON.parse(r.stdout) as ExportResult).toEqual({ path: file, format: 'csv', rows: members.length, bytes: fs.statSync(file).size });
    const rows = parseCsv(fs.readFileSync(file, 'utf8'), file).map((row) => row.fields);
    expect(rows[0]!.slice(0, 7)).toEqual(['id', 'split', 'index', 'label', 'label_name', 'train_label', 'note']);
    // an image set's CSV carries its 8 × 8 images: image_shape, then pixel0 … pixel63 after the probabilities
    expect(rows[0]!.slice(7)).toEqual([
      'image_shape',
      ...['teacher', 'student 1'].flatMap((run) => ['c0', 'c1', 'c2'].map((c) => `p:${run}@2:${c}`)),
      ...Array.from({ length: 64 }, (_, k) => `pixel${k}`),
    ]);
    expect(rows.slice(1).map((row) => Number(row[0]))).toEqual(members);

    const zip = disobey('export', '--db', db, '--set', '1', '--out', path.join(temp.dir, 'hard.bin'), '--format', 'zip', '--epoch', '1');
    expect(zip.stderr).toBe('');
    expect(zip.stdout).toMatch(/^wrote 40 examples of set 1 "hard ones" to .*hard\.bin \(zip, [\d.]+ KiB\)\n$/);
    const archive = await openZip(path.join(temp.dir, 'hard.bin'));
    expect(archive.entries.size).toBe(1 + members.length);
    const manifest = (await archive.read(archive.entries.get('manifest.csv')!)).toString('utf8');
    await archive.close();
    expect(manifest.split('\r\n')[0]).toMatch(/,note,file,p:teacher@1:c0,/);
  });

  it('refuses to overwrite without --force, in one line, and overwrites with it', () => {
    const file = path.join(temp.dir, 'hard.csv');
    fs.writeFileSync(file, 'precious');
    const again = disobey('export', '--db', db, '--set', 'hard ones', '--out', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`disobey: ${file} exists; --force overwrites it\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
    const forced = disobey('export', '--db', db, '--set', 'hard ones', '--out', file, '--force', '--json');
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^id,split,index/);
    expect(fs.readdirSync(temp.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('names what is wrong, one line each', () => {
    const cases: [string[], RegExp, number][] = [
      [['export', '--db', db, '--set', 'nope', '--out', 'x.csv'], /^disobey: no curated set named or numbered "nope"; the sets are: 1 "hard ones"$/, 1],
      [['export', '--db', db, '--set', 'hard ones', '--out', 'x.xlsx'], /^disobey: cannot tell the format from x\.xlsx: name it \.csv, \.jsonl or \.zip, or pass --format$/, 1],
      [['export', '--db', db, '--set', 'hard ones', '--out', 'no/such/dir/x.csv'], /^disobey: the folder .*no\/such\/dir does not exist$/, 1],
      [['export', '--db', db, '--set', 'hard ones', '--out', 'x.csv', '--epoch', '7'], /^disobey: experiment 1 has at most 2 recorded epochs; epoch 7 is not one of them$/, 1],
      [['export', '--db', db, '--out', 'x.csv'], /^disobey: export needs --set NAME\|ID and --out PATH \(see disobey help\)$/, 2],
    ];
    for (const [args, message, code] of cases) {
      const r = disobey(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(fs.existsSync(path.join(temp.dir, 'x.csv'))).toBe(false);
    expect(disobey('help').stdout).toMatch(/export --set NAME\|ID --out PATH/);
  });
});
