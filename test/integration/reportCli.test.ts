// `disobey report` as a user runs it: a real process on a database with a recorded experiment.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture } from '../../bench/deviationFixture.js';
import { createFindingsFixture, type SeedPlan } from '../../bench/findingsFixture.js';
import type { DeviationReport } from '../../shared/analytics.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { makeTempDir } from '../helpers/tempDir.js';

const bin = path.resolve('bin/disobey.js');
const temp = makeTempDir();
const db = path.join(temp.dir, 'report.db');
afterAll(() => temp.dispose());

function disobey(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!fs.existsSync('out/main/cli.js'))('disobey report', () => {
  beforeAll(() => {
    const handle = openDatabase(db);
    createDeviationFixture(handle, { examples: 300, classes: 5, students: 2, epochs: 2, seed: 3 });
    handle.close();
  });

  it('prints every student per split as JSON, the same numbers the table shows', () => {
    const r = disobey('report', '--db', db, '--json', '--bootstrap', '100');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DeviationReport;
    expect(report.students).toHaveLength(2);
    expect(report.students[0]!.splits.map((s) => [s.split, s.n])).toEqual([['train', 257], ['test', 43]]);
    const table = disobey('report', '--db', db, '--bootstrap', '100');
    expect(table.code).toBe(0);
    const beta = report.students[1]!.splits[1]!.beta!.toFixed(3);
    expect(table.stdout).toContain('student 2 (run 3, epoch 2) vs teacher (run 1, epoch 2)');
    expect(table.stdout).toMatch(new RegExp(`test\\s+43\\s.*\\s${beta.replace('.', '\\.')}\\s`));
  });

  it('writes every example of every student to CSV, and never overwrites it', () => {
    const csv = path.join(temp.dir, 'examples.csv');
    expect(disobey('report', '--db', db, '--split', 'test', '--bootstrap', '0', '--examples', csv).code).toBe(0);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^student_run_id,example_id,split,idx,label,train_label,k,teacherProb,.*,teacher_correct,student_correct$/);
    expect(lines).toHaveLength(1 + 2 * 43);
    const again = disobey('report', '--db', db, '--examples', csv);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/--examples \S*examples\.csv: already exists; Disobey never overwrites/);
  });

  it('names what is wrong with bad options', () => {
    expect(disobey('report', '--db', db, '--class', 'maybe').stderr).toMatch(/--class: Invalid option/);
    expect(disobey('report', '--db', db, '--epoch', '5').stderr).toMatch(/has 2 recorded epochs; epoch 5 is not one of them/);
    expect(disobey('report', '--db', db, '--experiment', '9').stderr).toMatch(/no experiment with id 9/);
    const empty = path.join(temp.dir, 'empty.db');
    expect(disobey('report', '--db', empty).stderr).toMatch(/no database \S*empty\.db: report reads an experiment trained there, so it must exist/);
    openDatabase(empty).close();
    expect(disobey('report', '--db', empty).stderr).toMatch(/holds no experiment yet/);
  });
});

describe.skipIf(!fs.existsSync('out/main/cli.js'))('disobey report across seeds', () => {
  const seriesDb = path.join(temp.dir, 'series.db');
  const plan = (seed: number, kdTest: number): SeedPlan => ({
    seed,
    teacher: { train: 0.95, test: 0.8 },
    onehot: { train: 0.9, test: 0.75, confidence: 0.8 },
    kd: { train: 0.9, test: kdTest, confidence: 0.6 },
  });
  beforeAll(() => {
    const handle = openDatabase(seriesDb);
    // KD's test accuracy 99% and 85%: over two seeds its t-interval (t = 12.7) reaches far past 100%
    createFindingsFixture(handle, [plan(1, 0.99), plan(2, 0.85)], { name: 'wide' });
    handle.close();
  });

  it('clips each interval to the values its measure can take (accuracies and fidelities to [0%, 100%]), as the app does', () => {
    const r = disobey('report', '--db', seriesDb, '--bootstrap', '0');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const series = r.stdout.slice(r.stdout.indexOf('across 2 seed replicates'));
    expect(series).toContain('mean [95% t-interval over seeds, clipped to the values each measure can take]');
    const kdBlock = series.split('\n\n').find((block) => block.startsWith('KD τ=1 ('))!;
    const kdTest = kdBlock.split('\n').find((line) => line.startsWith('test'))!;
    expect(kdTest).toMatch(/^test\s+2\s+92\.0% \[\d+\.\d%, 100\.0%\]/);
    for (const share of series.matchAll(/(-?\d+\.\d)%/g)) {
      expect(Number(share[1])).toBeGreaterThanOrEqual(0);
      expect(Number(share[1])).toBeLessThanOrEqual(100);
    }
  });
});
