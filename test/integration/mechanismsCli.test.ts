// `disobey mechanisms` as a user runs it: a real process building SPEC experiment 8's layout
// from the embedded Fashion-MNIST sample in a real database file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleDatasetDir } from '../../main/paths.js';
import { makeTempDir } from '../helpers/tempDir.js';

const bin = path.resolve('bin/disobey.js');
const temp = makeTempDir();
afterAll(() => temp.dispose());
const db = path.join(temp.dir, 'mechanisms.db');

function disobey(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args, '--db', db], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!fs.existsSync('out/main/cli.js'))('disobey mechanisms', () => {
  it('builds experiment 8\'s splits from two sources and prints the dataset as JSON', () => {
    expect(disobey('import', sampleDatasetDir(), '--name', 'fm', '--json').code).toBe(0);
    const r = disobey('mechanisms', '--name', 'dominoes', '--source', '1', '--source', '1', '--size', '500', '--seed', '3', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ id: 2, name: 'dominoes', kind: 'image', shape: { height: 56, width: 28, channels: 1 } });
    expect(d.splits.map((s: { split: string; count: number }) => [s.split, s.count])).toEqual([
      ['train', 500],
      ['test', 100],
      ['cf-bottom-only', 100],
      ['cf-no-bottom', 100],
      ['cf-no-top', 100],
      ['test-student', 100],
      ['train-student', 500],
    ]);
  });

  it('builds the patch variant and lists each split\'s settings', () => {
    const r = disobey('mechanisms', '--name', 'patched', '--source', '1', '--patch', '--size', '100', '--test-size', '20');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dataset 3 "patched" \(image 28×28×1, 10 classes/);
    expect(r.stdout).toMatch(/mechanisms: image \(the label, hard\) and patch \(easy\); splits:/);
    expect(r.stdout).toContain('  train: image keep, patch randomise\n');
    expect(r.stdout).toContain('  cf-no-patch: image keep, patch remove\n');
  });

  it('fails with one line and writes nothing on bad options', () => {
    const cases: [string[], RegExp, number][] = [
      [['mechanisms', '--name', 'x', '--source', '1'], /one --source needs --patch/, 2],
      [['mechanisms', '--name', 'x', '--source', '1', '--source', '1', '--patch'], /--patch and a second --source exclude each other/, 2],
      [['mechanisms', '--source', '1', '--patch'], /mechanisms needs --name NAME/, 2],
      [['mechanisms', '--name', 'x', '--source', '1', '--patch', '--size', '0'], /splits\.0\.size/, 2],
      [['mechanisms', '--name', 'x', '--source', '9', '--patch'], /source 1: no dataset with id 9/, 1],
      [['mechanisms', '--name', 'fm', '--source', '1', '--patch'], /a dataset named "fm" already exists/, 1],
    ];
    for (const [args, message, code] of cases) {
      const r = disobey(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(JSON.parse(disobey('datasets', '--json').stdout).map((d: { name: string }) => d.name)).toEqual(['fm', 'dominoes', 'patched']);
  });
});
