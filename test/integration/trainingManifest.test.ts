// Training manifests (issue 8 item 7): weights and curricula from explorer filters, checked
// against filters recomputed here from the stored rows; written atomically, never over a file
// without overwrite; the CLI prints the same manifest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import type { TrainingManifestResult } from '../../shared/trainingManifest.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { argmax, rowsOf } from '../helpers/storedPredictions.js';

const C = 4;
let app: AppUnderTest;
let fixture: DeviationFixture;
let train: { id: number; split: string; idx: number; source_ref: string; label: number }[];
const call = (args: object) => app.services.dispatch('exportTrainingManifest', args, 'http') as Promise<TrainingManifestResult>;

beforeAll(async () => {
  app = await startAppUnderTest();
  fixture = createDeviationFixture(app.db, { examples: 300, testShare: 0.25, classes: C, students: 2, epochs: 2, seed: 3, kind: 'text' });
  train = app.db.prepare("SELECT id, split, idx, source_ref, label FROM examples WHERE dataset_id = ? AND split = 'train' ORDER BY id").all(fixture.datasetId) as typeof train;
});
afterAll(async () => app.dispose());

/** CSV rows of a manifest (fields here never need quotes except reasons, which the test keeps plain). */
function csvRows(text: string): string[][] {
  return text.trim().split('\r\n').map((line) => line.split(','));
}

describe('training manifests', () => {
  const student = () => fixture.studentRunIds[0]!;
  // Rule 1: the student is wrong at its last epoch; rule 2: label 2 (overlaps rule 1 on some rows).
  const wrongIds = () => {
    const s = rowsOf(app.db, student(), 2);
    return new Set(train.filter((e) => argmax(s.get(e.id)!) !== e.label).map((e) => e.id));
  };
  const rules = () => [
    { filter: { correctness: [{ runId: student(), correct: false }] }, weight: 0.25, reason: 'student wrong' },
    { filter: { labels: [2] }, weight: 2, reason: 'label 2' },
  ];

  it('weights: every example of the split once, in id order, the first passing rule deciding its weight and reason', async () => {
    const result = await call({ experimentId: fixture.experimentId, studentRunId: student(), split: 'train', rules: rules(), defaultWeight: 1 });
    const rows = csvRows(result.content!);
    expect(rows[0]).toEqual(['id', 'split', 'index', 'source_ref', 'weight', 'reason']);
    const wrong = wrongIds();
    const expected = train.map((e) => {
      const [weight, reason] = wrong.has(e.id) ? ['0.25', 'student wrong'] : e.label === 2 ? ['2', 'label 2'] : ['1', 'default'];
      return [String(e.id), 'train', String(e.idx), e.source_ref, weight, reason];
    });
    expect(rows.slice(1)).toEqual(expected);
    expect(result.rows).toBe(train.length);
    expect(result.path).toBeNull();
    const wrongCount = wrong.size;
    const label2 = train.filter((e) => !wrong.has(e.id) && e.label === 2).length;
    expect(result.counts).toEqual([
      { reason: 'student wrong', weight: 0.25, stage: 1, count: wrongCount },
      { reason: 'label 2', weight: 2, stage: 2, count: label2 },
      { reason: 'default', weight: 1, stage: 3, count: train.length - wrongCount - label2 },
    ]);
    expect(wrongCount).toBeGreaterThan(0);
  });

  it('curriculum as JSONL: stage by rule, stages in order, ids ascending within each', async () => {
    const result = await call({ experimentId: fixture.experimentId, studentRunId: student(), split: 'train', rules: rules(), kind: 'curriculum', format: 'jsonl' });
    const rows = result.content!.trim().split('\n').map((l) => JSON.parse(l) as { id: number; stage: number; weight: number; reason: string; index: number; source_ref: string; split: string });
    const wrong = wrongIds();
    const stageOf = (e: (typeof train)[number]) => (wrong.has(e.id) ? 1 : e.label === 2 ? 2 : 3);
    const expected = [...train].sort((a, b) => stageOf(a) - stageOf(b) || a.id - b.id);
    expect(rows.map((r) => [r.id, r.stage])).toEqual(expected.map((e) => [e.id, stageOf(e)]));
    expect(rows[0]).toMatchObject({ split: 'train', index: expected[0]!.idx, source_ref: expected[0]!.source_ref });
  });

  it('writes the file atomically, refuses to replace it without overwrite, and lists every split when none is named', async () => {
    const file = path.join(app.dir, 'weights.csv');
    const first = await call({ experimentId: fixture.experimentId, rules: [{ filter: { split: 'test' }, weight: 0, reason: 'held out' }], path: file });
    const all = app.db.prepare('SELECT count(*) FROM examples WHERE dataset_id = ?').pluck().get(fixture.datasetId) as number;
    expect(first).toMatchObject({ path: file, rows: all });
    expect(first.content).toBeUndefined();
    const text = fs.readFileSync(file, 'utf8');
    expect(first.bytes).toBe(Buffer.byteLength(text));
    expect(csvRows(text).slice(1).filter((r) => r[1] === 'test').every((r) => r[4] === '0' && r[5] === 'held out')).toBe(true);
    await expect(call({ experimentId: fixture.experimentId, rules: [{ filter: {}, weight: 3, reason: 'x' }], path: file })).rejects.toThrow(/exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    await call({ experimentId: fixture.experimentId, rules: [{ filter: {}, weight: 3, reason: 'x' }], path: file, overwrite: true });
    expect(csvRows(fs.readFileSync(file, 'utf8')).slice(1).every((r) => r[4] === '3')).toBe(true);
    expect(fs.readdirSync(app.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('refuses an unknown split, an empty rule list, a negative weight and an unknown run by name', async () => {
    await expect(call({ experimentId: fixture.experimentId, split: 'validation', rules: rules() })).rejects.toThrow(/no split "validation"/);
    await expect(call({ experimentId: fixture.experimentId, rules: [] })).rejects.toThrow(/rules/);
    await expect(call({ experimentId: fixture.experimentId, rules: [{ filter: {}, weight: -1, reason: 'x' }] })).rejects.toThrow(/weight/);
    await expect(call({ experimentId: fixture.experimentId, studentRunId: 9999, rules: rules() })).rejects.toThrow(/9999/);
  });

  it.skipIf(!fs.existsSync('out/main/cli.js'))('disobey manifest prints the same manifest to stdout, the summary to stderr', async () => {
    const expected = await call({ experimentId: fixture.experimentId, studentRunId: student(), split: 'train', rules: rules() });
    const rulesFile = path.join(app.dir, 'rules.json');
    fs.writeFileSync(rulesFile, JSON.stringify(rules().slice(1)));
    const r = spawnSync(process.execPath, [path.resolve('bin/disobey.js'), 'manifest', '--db', app.databasePath, '--experiment', String(fixture.experimentId), '--student', String(student()), '--split', 'train', '--rule', JSON.stringify(rules()[0]), '--rules', rulesFile], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected.content);
    expect(r.stderr).toMatch(new RegExp(`${train.length} examples\\n\\s+stage 1\\s+weight 0.25\\s+${expected.counts[0]!.count}\\s+student wrong`));
    const bad = spawnSync(process.execPath, [path.resolve('bin/disobey.js'), 'manifest', '--db', app.databasePath, '--experiment', String(fixture.experimentId), '--rule', '{"filter":{},"weight":1}'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/reason/);
  });
});

describe('a manifest returned without a path (web mode’s Download)', () => {
  let big: DeviationFixture;
  let bigTrain: number;
  beforeAll(() => {
    big = createDeviationFixture(app.db, { examples: 50_001, testShare: 1 / 7, classes: 2, students: 1, epochs: 1, seed: 4, kind: 'text', name: 'fifty thousand' });
    bigTrain = app.db.prepare("SELECT count(*) FROM examples WHERE dataset_id = ? AND split = 'train'").pluck().get(big.datasetId) as number;
  });
  const refusal = (args: object): Promise<{ code?: string; message: string }> => call(args).then(() => ({ message: 'the manifest came back' }), (err: unknown) => err as { code?: string; message: string });

  it('is refused past 50,000 rows, before it is built, with a VALIDATION_ERROR that says to give a path; to a file it has no limit', async () => {
    const rules = [{ filter: { labels: [1] }, weight: 2, reason: 'label 1' }];
    const err = await refusal({ experimentId: big.experimentId, rules });
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toBe('this manifest has 50,001 rows; one returned without a path holds at most 50,000 rows and 4,194,304 bytes: give a path to write it to a file (the Write file button)');
    const file = path.join(app.dir, 'fifty-thousand.csv');
    const written = await call({ experimentId: big.experimentId, rules, path: file });
    expect([written.rows, written.content]).toEqual([50_001, undefined]);
    expect(fs.readFileSync(file, 'utf8').trimEnd().split('\r\n')).toHaveLength(1 + 50_001);
    // one split of it comes back inline
    const train = await call({ experimentId: big.experimentId, rules, split: 'train' });
    expect(train.rows).toBe(bigTrain);
    expect(train.content!.trimEnd().split('\r\n')).toHaveLength(1 + bigTrain);
    expect(train.bytes).toBe(Buffer.byteLength(train.content!));
  });

  it('is refused once its text passes 4 MiB, however few its rows', async () => {
    expect(bigTrain).toBeLessThan(50_000);
    const err = await refusal({ experimentId: big.experimentId, split: 'train', rules: [{ filter: {}, weight: 1, reason: 'r'.repeat(200) }] });
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toBe('this manifest has more than 4,194,304 bytes of text; one returned without a path holds at most 50,000 rows and 4,194,304 bytes: give a path to write it to a file (the Write file button)');
  });
});
