// Seed replicates in the experiment spec (issue 16): `seeds` as a count or a list, refused by
// field when it is not one, the seed shift each replicate applies to its runs, and the
// experiments list's "seed s of N" labels and grouping.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/errors.js';
import { parseExperimentSpec, seedLabels, seedReplicateSpec, type ExperimentSpecInput, type RunSpecInput } from '../../shared/experimentSpec.js';
import { experimentRows, seedLabel } from '../../renderer/src/seedSeries.js';
import { refusal } from '../helpers/specs.js';

const run = (name: string, seed: number): RunSpecInput => ({ name, model: { arch: 'mlp', hidden: [8] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 16, epochs: 2, seed });
const base: ExperimentSpecInput = {
  name: 'exp',
  datasetId: 1,
  teacher: run('teacher', 101),
  students: [{ ...run('KD', 7), phases: [{ from: 0, loss: { kind: 'kd' } }] }, run('one-hot', 7)],
};

const refused = (input: unknown): DomainError => refusal(() => parseExperimentSpec(input));

describe('the seeds of an experiment spec', () => {
  it('takes a count N as the seed labels 1…N and a list as itself; without seeds there are none', () => {
    expect(seedLabels(parseExperimentSpec({ ...base, seeds: 3 }).seeds)).toEqual([1, 2, 3]);
    expect(seedLabels(parseExperimentSpec({ ...base, seeds: [5, 0, 9] }).seeds)).toEqual([5, 0, 9]);
    const plain = parseExperimentSpec(base);
    expect(seedLabels(plain.seeds)).toBeNull();
    expect('seeds' in plain).toBe(false);
    expect(parseExperimentSpec({ ...base, seeds: 2, seedTeacher: 'shared' }).seedTeacher).toBe('shared');
  });

  it('refuses a count outside 1–20, a fraction, bad or repeated list entries and a wrong type, each at its field', () => {
    const cases: [unknown, string, RegExp][] = [
      [0, 'seeds', /whole number of replicates in 1–20.*got 0/],
      [21, 'seeds', /in 1–20.*got 21/],
      [2.5, 'seeds', /whole number of replicates/],
      [[], 'seeds', /holds 1–20 seeds, got 0/],
      [Array.from({ length: 21 }, (_, i) => i), 'seeds', /holds 1–20 seeds, got 21/],
      [[1, -2], 'seeds.1', /whole numbers ≥ 0, got -2/],
      [[3, 4, 3], 'seeds.2', /seed 3 is listed twice/],
      ['3', 'seeds', /a count of replicates \(1–20\) or a list of distinct seeds/],
    ];
    for (const [seeds, field, message] of cases) {
      const err = refused({ ...base, seeds });
      expect(err.code, JSON.stringify(seeds)).toBe('SPEC_ERROR');
      expect(err.place.field, JSON.stringify(seeds)).toBe(field);
      expect(err.message, JSON.stringify(seeds)).toMatch(message);
    }
  });

  it('refuses a shift that takes a run seed below 0, seedTeacher without seeds, and a per-seed choice for a reused teacher', () => {
    const below = refused({ ...base, teacher: run('teacher', 0), seeds: [1, 0] });
    expect(below.place.field).toBe('seeds.1');
    expect(below.message).toMatch(/replicate seed 0 shifts every run's seed by -1, which takes "teacher"'s seed 0 to -1/);
    expect(refused({ ...base, seedTeacher: 'shared' }).place.field).toBe('seedTeacher');
    expect(refused({ ...base, seeds: 2, seedTeacher: 'alone' }).place.field).toBe('seedTeacher');
    const reused = refused({ ...base, teacher: { reuseRunId: 4 }, seeds: 2, seedTeacher: 'per-seed' });
    expect(reused.place.field).toBe('seedTeacher');
    expect(reused.message).toMatch(/a reused teacher .* is one teacher for every replicate/);
    expect(parseExperimentSpec({ ...base, teacher: { reuseRunId: 4 }, seeds: 2 }).seeds).toBe(2);
  });

  it('plans replicate s with every run seed shifted by s − 1, named "name · seed s", without seeds', () => {
    const spec = parseExperimentSpec({ ...base, seeds: [1, 3], seedTeacher: 'shared' });
    const first = seedReplicateSpec(spec, 1);
    expect(first).toEqual({ ...parseExperimentSpec(base), name: 'exp · seed 1' });
    const third = seedReplicateSpec(spec, 3);
    expect(third.name).toBe('exp · seed 3');
    expect('seed' in third.teacher && third.teacher.seed).toBe(103);
    expect(third.students.map((s) => [s.name, s.seed])).toEqual([['KD', 9], ['one-hot', 9]]);
    expect('seeds' in third || 'seedTeacher' in third).toBe(false);
    // a reused teacher is the same run in every replicate
    const reused = parseExperimentSpec({ ...base, teacher: { reuseRunId: 4 }, seeds: 2 });
    expect(seedReplicateSpec(reused, 2).teacher).toEqual({ reuseRunId: 4 });
  });
});

describe('seed replicates in the experiments list', () => {
  const e = (id: number, createdAt: string, series: string | null = null, seed: number | null = null) => ({ id, createdAt, series, seed });
  const list = [e(1, '2026-01-01'), e(2, '2026-01-02', 'ab', 1), e(3, '2026-01-02', 'ab', 2), e(4, '2026-01-02', 'ab', 3), e(5, '2026-01-03'), e(6, '2026-01-01', 'cd', 2), e(7, '2026-01-01', 'cd', 1)];

  it('labels a replicate "seed s of N" and an experiment without seeds not at all', () => {
    expect(seedLabel(list[2]!, list)).toBe('seed 2 of 3');
    expect(seedLabel(list[5]!, list)).toBe('seed 2 of 2');
    expect(seedLabel(list[0]!, list)).toBeNull();
  });

  it('says how many replicates there are when the seeds are not 1…N (chosen seeds, or one deleted): never "seed 2 of 1"', () => {
    const left = list.filter((x) => x.id !== 7); // series cd keeps seed 2 only
    expect(seedLabel(left.find((x) => x.id === 6)!, left)).toBe('seed 2 · 1 replicate');
    const chosen = [e(8, '2026-01-04', 'ef', 5), e(9, '2026-01-04', 'ef', 9)];
    expect(seedLabel(chosen[1]!, chosen)).toBe('seed 9 · 2 replicates');
  });

  it('orders newest first, each series together in seed order', () => {
    expect(experimentRows(list).map((x) => x.id)).toEqual([5, 2, 3, 4, 7, 6, 1]);
  });
});
