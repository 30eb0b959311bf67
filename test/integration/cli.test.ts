// The `disobey` command as a user runs it: a real process, a real database file.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleDatasetDir } from '../../main/paths.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { encodeRgb, photoPixels } from '../../bench/imageFixture.js';

const bin = path.resolve('bin/disobey.js');
const temp = makeTempDir();
afterAll(() => temp.dispose());

function disobey(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DISOBEY_DB: path.join(temp.dir, 'default.db') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!fs.existsSync('out/main/cli.js'))('the disobey CLI', () => {
  const db = path.join(temp.dir, 'cli.db');

  it('imports a dataset and prints its id, class names and counts as one JSON object', () => {
    const r = disobey('import', sampleDatasetDir(), '--db', db, '--name', 'fm', '--subset', '100', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ id: 1, name: 'fm', kind: 'image' });
    expect(d.classNames).toHaveLength(10);
    expect(d.splits.map((s: { split: string; count: number }) => [s.split, s.count])).toEqual([['train', 100], ['test', 100]]);
  });

  it('prints a readable summary without --json', () => {
    const csv = path.join(temp.dir, 'reviews.csv');
    fs.writeFileSync(csv, 'text,label\n"good, really",pos\nbad,neg\n"multi\nline",pos\nmeh,neg\nfine,pos\nawful,neg\n');
    const r = disobey('import', csv, '--db', db);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dataset 2 "reviews" \(text/);
    expect(r.stdout).toMatch(/classes: 0=neg, 1=pos/);
  });

  it('names a file whose name holds a line break whole, on one line, in an error', async () => {
    const folder = path.join(temp.dir, 'newlines');
    for (const cls of ['a', 'b']) fs.mkdirSync(path.join(folder, cls), { recursive: true });
    fs.writeFileSync(path.join(folder, 'a', 'fine.png'), await encodeRgb(photoPixels(8, 8, 1), 8, 8, 'png'));
    fs.writeFileSync(path.join(folder, 'b', 'bad\nname.png'), 'junk');
    const r = disobey('import', folder, '--db', path.join(temp.dir, 'newlines.db'), '--format', 'folder');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^disobey: .*b\/bad\\x0Aname\.png: .+/);
  });

  it('lists datasets with their counts', () => {
    const r = disobey('datasets', '--db', db, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((d: { name: string }) => d.name)).toEqual(['fm', 'reviews']);
  });

  it('shows, sets and clears a dataset\'s class groups by class name or index', () => {
    expect(disobey('groups', '1', '--db', db).stdout).toMatch(/class groups:\n {2}1: 0=T-shirt\/top, 2=Pullover, 4=Coat, 6=Shirt\n {2}2: 5=Sandal, 7=Sneaker, 9=Ankle boot/);
    const set = disobey('groups', '1', '--db', db, '--set', 'Shirt, T-shirt/top; 7,9', '--json');
    expect(set.stderr).toBe('');
    expect(JSON.parse(set.stdout)).toEqual([[6, 0], [7, 9]]);
    expect(JSON.parse(disobey('datasets', '--db', db, '--json').stdout)[0].classGroups).toEqual([[6, 0], [7, 9]]);
    const unknown = disobey('groups', '1', '--db', db, '--set', 'Shirt,Hat');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^disobey: unknown class "Hat" in group 1/);
    const twice = disobey('groups', '1', '--db', db, '--set', 'Shirt,Coat;Coat,Bag');
    expect(twice.stderr).toMatch(/class 4 \(Coat\) is in more than one group/);
    expect(JSON.parse(disobey('groups', '1', '--db', db, '--json').stdout)).toEqual([[6, 0], [7, 9]]);
    expect(disobey('groups', '1', '--db', db, '--clear').stdout).toMatch(/has no class groups/);
  });

  it('fails with one line and a non-zero exit on bad input, writing nothing', () => {
    const empty = path.join(temp.dir, 'empty.csv');
    fs.writeFileSync(empty, '');
    for (const args of [['import', empty, '--db', db], ['import', '/no/such/dir', '--db', db], ['import', sampleDatasetDir(), '--db', db, '--noise', 'lots'], ['frobnicate']]) {
      const r = disobey(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^disobey: /);
    }
    expect(disobey('import', empty, '--db', db).stderr).toContain('empty.csv');
    expect(JSON.parse(disobey('datasets', '--db', db, '--json').stdout)).toHaveLength(2);
  });

  it('refuses a --db that does not exist for every command that works on what a database holds, creating nothing', () => {
    const missing = path.join(temp.dir, 'typo.db');
    const commands = [
      ['datasets'],
      ['runs'],
      ['report'],
      ['findings'],
      ['sets'],
      ['groups', '1'],
      ['groups', '1', '--clear'],
      ['delete', '--experiment', '1'],
      ['relocate', '--dataset', '1', '--root', temp.dir],
      ['resume', '1'],
      ['train', '--dataset', '1', '--preset', 'paper'],
      ['mechanisms', '--name', 'm', '--source', '1', '--patch'],
      ['export', '--set', '1', '--out', path.join(temp.dir, 'set.csv')],
      ['manifest', '--experiment', '1', '--rule', '{"filter":{},"weight":1,"reason":"r"}'],
      ['ingest', temp.dir, '--dataset', '1'],
    ];
    for (const args of commands) {
      const r = disobey(...args, '--db', missing);
      expect([r.code, r.stderr], args.join(' ')).toEqual([1, expect.stringMatching(new RegExp(`^disobey: no database ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${args[0]} .*, so it must exist \\(check --db; disobey import creates one\\)\n$`))]);
      expect(fs.existsSync(missing), args.join(' ')).toBe(false);
    }
    // import creates its database
    expect(disobey('import', sampleDatasetDir(), '--db', missing, '--subset', '10').code).toBe(0);
    expect(fs.existsSync(missing)).toBe(true);
  });

  it('refuses an option given an empty value, and a value that reads as an option, as usage errors in one line', () => {
    const csv = path.join(temp.dir, 'two.csv');
    fs.writeFileSync(csv, 'text,label\na,x\nb,y\n');
    // --db '' would open a throwaway database and report an import that kept nothing
    expect(disobey('import', csv, '--db', '')).toMatchObject({ code: 2, stderr: 'disobey: --db was given an empty value (see disobey help)\n' });
    expect(disobey('import', csv, '--db', db, '--seed', ' ')).toMatchObject({ code: 2, stderr: 'disobey: --seed was given an empty value (see disobey help)\n' });
    const negative = disobey('import', csv, '--db', db, '--subset', '-1');
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/^disobey: Option '--subset' argument is ambiguous\. .*'--subset=-XYZ'\. \(see disobey help\)\n$/);
  });

  it('names a refused import option by its flag, and the entry of a list', () => {
    const csv = path.join(temp.dir, 'two.csv');
    fs.writeFileSync(csv, 'text,label\na,x\nb,y\n');
    const refused = (...flags: string[]) => disobey('import', csv, '--db', db, ...flags).stderr;
    // an empty entry was dropped before, moving every later name onto the wrong label
    expect(refused('--class-names', 'cat,,dog')).toBe('disobey: --class-names entry 2: Too small: expected string to have >=1 characters (see disobey help)\n');
    expect(refused('--classes', 'x,y,x')).toBe('disobey: --classes entry 3: "x" is named twice (see disobey help)\n');
    expect(refused('--test-fraction', '2')).toBe('disobey: --test-fraction: Too big: expected number to be <1 (see disobey help)\n');
    expect(refused('--noise', '0.1', '--noise-seed', '1.5')).toMatch(/^disobey: --noise-seed: /);
    expect(disobey('report', '--epoch', '0x5', '--db', db).stderr).toBe('disobey: --epoch expects a number, got "0x5" (see disobey help)\n');
    expect(disobey('findings', '--experiment', '0', '--db', db).stderr).toMatch(/^disobey: --experiment: Too small/);
    for (const id of ['1e0', '0x1', 'abc', '0']) {
      expect(disobey('ingest', temp.dir, '--dataset', id, '--db', db).stderr, id).toBe(`disobey: --dataset must be a dataset's id, a whole number from 1, got "${id}" (see disobey help)\n`);
    }
  });

  it('`npm start` without Electron says why in one line and serves web mode', async () => {
    const child = spawn(process.execPath, ['scripts/start.mjs', '--db', path.join(temp.dir, 'start.db'), '--port', '0'], {
      env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', DISOBEY_ELECTRON: '' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!/open http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out.split('\n')[0]).toMatch(/^Disobey: .*serving web mode instead\.$/);
      const url = /open (http\S+)/.exec(out)![1]!;
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const list = await fetch(url.replace(/\/\?token=(.*)$/, '/api/call/listDatasets'), {
        method: 'POST',
        headers: { 'x-disobey-token': new URL(url).searchParams.get('token')!, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = (await list.json()) as { result: { name: string }[] };
      expect(body.result.map((d) => d.name)).toEqual(['Fashion-MNIST sample']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
