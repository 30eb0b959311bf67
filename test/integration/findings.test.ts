// The findings call (issue 16) on real SQLite files: every statistic recomputed from the stored
// per-example rows with plain formulas, statuses on a series where disobeying pays and on one
// where it does not, and the claims a plain experiment cannot test said to be not-applicable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_METRIC_DOMAINS, SEED_METRICS, type Findings, type FindingClaim, type SeriesReport } from '../../shared/findings.js';
import { tallyClaims, tallySentence } from '../../shared/findingsText.js';
import { formatFindings } from '../../main/cli/findingsCommand.js';
import { meanWithTInterval, ratioOfMeans, tQuantile975 } from '../../shared/seedStatistics.js';
import { createDeviationFixture } from '../../bench/deviationFixture.js';
import { variantOf } from '../../main/analytics/findings.js';
import { findingsPresetSpec, planExperiment } from '../../main/services/experimentPlanner.js';
import { createRunQueries } from '../../main/store/runQueries.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { createFindingsFixture, type FindingsFixture, type SeedPlan } from '../../bench/findingsFixture.js';
import { argmax, phi, rowsOf } from '../helpers/storedPredictions.js';
import { createStore } from '../../main/store/store.js';

let app: AppUnderTest;
const call = <T>(name: string, args: unknown) => app.services.dispatch(name, args, 'http') as Promise<T>;
const byId = (f: Findings, id: FindingClaim['id']) => f.claims.find((c) => c.id === id)!;

interface Row {
  id: number;
  split: string;
  label: number;
  trainLabel: number;
}

/** accuracy of a run's last epoch on a split against clean or training labels, from the stored chunks */
function storedAccuracy(runId: number, split: string, labels: 'clean' | 'train'): number {
  const rows = app.db
    .prepare('SELECT e.id, e.split, e.label, coalesce(e.noisy_label, e.label) AS trainLabel FROM examples e JOIN runs r ON r.id = ? JOIN experiments x ON x.id = r.experiment_id WHERE e.dataset_id = x.dataset_id AND e.split = ?')
    .all(runId, split) as Row[];
  const probs = rowsOf(app.db, runId, 3);
  return rows.filter((e) => argmax(probs.get(e.id)!) === (labels === 'clean' ? e.label : e.trainLabel)).length / rows.length;
}

const plan = (seed: number, kdTest: number, lateTest: number): SeedPlan => ({
  seed,
  teacher: { train: 0.95, test: 0.78 },
  onehot: { train: 0.9, test: 0.7, confidence: 0.8 },
  kd: { train: 0.86, test: kdTest, confidence: 0.6 },
  late: { train: 0.88, test: lateTest, confidence: 0.7 },
  early: { train: 0.9, test: 0.7, confidence: 0.8 },
  kdTrainLosses: seed === 1 ? [1.2, 0.9, 0.6] : [0.5, 0.5, 0.5],
});

beforeAll(async () => {
  app = await startAppUnderTest();
});
afterAll(async () => app.dispose());

describe('a series where disobeying pays', () => {
  let fixture: FindingsFixture;
  let findings: Findings;
  beforeAll(async () => {
    fixture = createFindingsFixture(app.db, [plan(1, 0.73, 0.725), plan(2, 0.74, 0.73), plan(3, 0.725, 0.72)], { name: 'pays' });
    findings = await call<Findings>('findings', { experimentId: fixture.experimentIds[1], bootstrap: 400 });
  });

  it('gathers every replicate of the series from any one of them, in seed order', () => {
    expect(findings.experimentIds).toEqual(fixture.experimentIds);
    expect(findings.seeds).toEqual([1, 2, 3]);
    expect(findings.claims.map((c) => c.id)).toEqual(['exp1', 'exp2', 'exp3', 'exp4', 'exp5', 'exp6', 'exp7', 'exp8']);
  });

  it('warns once per teacher that memorised the label noise, with the share recomputed from its stored train rows', () => {
    const teacher = fixture.runs[0]!.teacher;
    const warnings = findings.diagnostics.filter((d) => d.kind === 'label-noise' && d.message.includes('has memorised most of the label noise on train'));
    expect(warnings.map((d) => d.runId)).toEqual([...new Set(fixture.runs.map((r) => r.teacher))]);
    const flipped = app.db.prepare("SELECT id, noisy_label FROM examples WHERE dataset_id = ? AND split = 'train' AND noisy_label IS NOT NULL").all(fixture.datasetId) as { id: number; noisy_label: number }[];
    const probs = rowsOf(app.db, teacher, 3); // the last epoch, which the findings read
    const hits = flipped.filter((e) => argmax(probs.get(e.id)!) === e.noisy_label).length;
    expect(warnings[0]!.message).toContain(`(${hits.toLocaleString('en')} of ${flipped.length.toLocaleString('en')};`);
  });

  it('exp4: KD − one-hot per seed on clean test labels, recomputed from stored rows, with a t-interval', () => {
    const c = byId(findings, 'exp4');
    const diffs = fixture.runs.map((r) => (storedAccuracy(r.kd, 'test', 'clean') - storedAccuracy(r.onehot, 'test', 'clean')) * 100);
    expect(c.evidence.map((e) => [e.seed, e.kdRunId, e.onehotRunId])).toEqual(fixture.runs.map((r, i) => [i + 1, r.kd, r.onehot]));
    c.evidence.forEach((e, i) => expect(e.value!).toBeCloseTo(diffs[i]!, 9));
    const mean = diffs.reduce((s, v) => s + v, 0) / 3;
    const sd = Math.sqrt(diffs.reduce((s, v) => s + (v - mean) ** 2, 0) / 2);
    expect(c.statistic!).toBeCloseTo(mean, 9);
    expect(c.interval![0]).toBeCloseTo(mean - (4.302652729911275 * sd) / Math.sqrt(3), 6);
    expect(c.status).toBe('reproduced');
    expect(c.reason).toContain(`+${mean.toFixed(1)} points`);
    expect(findings.answer).toMatch(/^Disobeying paid: the KD student’s test accuracy is \+\d\.\d points against one-hot/);
  });

  it('exp5: the late switch’s recovered share as a ratio of the mean gains, per seed in the evidence', () => {
    const c = byId(findings, 'exp5');
    const num = fixture.runs.map((r) => storedAccuracy(r.late!, 'test', 'clean') - storedAccuracy(r.onehot, 'test', 'clean'));
    const den = fixture.runs.map((r) => storedAccuracy(r.kd, 'test', 'clean') - storedAccuracy(r.onehot, 'test', 'clean'));
    expect(c.statistic!).toBeCloseTo(num.reduce((s, v) => s + v, 0) / den.reduce((s, v) => s + v, 0), 9);
    c.evidence.forEach((e, i) => {
      expect(e.switchRunId).toBe(fixture.runs[i]!.late);
      expect(e.value!).toBeCloseTo(num[i]! / den[i]!, 9);
    });
    expect(c.status).toBe(c.statistic! >= 0.5 ? 'reproduced' : 'not-reproduced');
    expect(c.interval).not.toBeNull();
    expect(c.reason).toMatch(/KD → one-hot recovers/);
  });

  it('exp3: teacher − KD accuracy on the noisy train labels and Δ of the lowest bin', () => {
    const c = byId(findings, 'exp3');
    const gaps = fixture.runs.map((r) => (storedAccuracy(r.teacher, 'train', 'train') - storedAccuracy(r.kd, 'train', 'train')) * 100);
    c.evidence.forEach((e, i) => expect(e.value!).toBeCloseTo(gaps[i]!, 9));
    expect(c.statistic!).toBeCloseTo(gaps.reduce((s, v) => s + v, 0) / 3, 9);
    // the KD student is 0.6× as confident as its teacher: below it everywhere, so Δ₁ < 0
    expect(c.status).toBe('reproduced');
    expect(c.explore[0]!.filter).toEqual({ split: 'train', underfit: { delta: 0, quantile: 0.1 } });
  });

  it('exp1 and exp6 hold on any data; exp8 needs counterfactual splits', () => {
    expect(byId(findings, 'exp1').status).toBe('reproduced');
    expect(byId(findings, 'exp1').statistic!).toBeLessThan(1e-5);
    const six = byId(findings, 'exp6');
    expect(six.status).toBe('reproduced');
    expect(six.statistic!).toBeGreaterThan(0);
    expect(byId(findings, 'exp8')).toMatchObject({ status: 'not-applicable' });
    expect(byId(findings, 'exp8').reason).toMatch(/cf-/);
  });

  it('exp2: β of the KD student, mean over seeds, recomputed by least squares from stored rows', () => {
    const c = byId(findings, 'exp2');
    const examples = app.db.prepare("SELECT id FROM examples WHERE dataset_id = ? AND split = 'test' ORDER BY id").pluck().all(fixture.datasetId) as number[];
    const betas = fixture.runs.map((r) => {
      const t = rowsOf(app.db, r.teacher, 3);
      const s = rowsOf(app.db, r.kd, 3);
      const a = examples.map((id) => phi(t.get(id)!, argmax(t.get(id)!)));
      const b = examples.map((id) => phi(s.get(id)!, argmax(t.get(id)!)));
      const ma = a.reduce((x, v) => x + v, 0) / a.length;
      const mb = b.reduce((x, v) => x + v, 0) / b.length;
      return a.reduce((x, v, i) => x + (v - ma) * (b[i]! - mb), 0) / a.reduce((x, v) => x + (v - ma) ** 2, 0);
    });
    c.evidence.forEach((e, i) => expect(e.value!).toBeCloseTo(betas[i]!, 6));
    // these students are less confident than the teacher: β < 1, so not reproduced, and said so
    expect(c.status).toBe('not-reproduced');
    expect(c.reason).toMatch(/flatter than the diagonal/);
  });

  it('exp2: where the student sits against its teacher is read from the same students’ Δ of the lowest and top bins', async () => {
    const c = byId(findings, 'exp2');
    const series = await call<SeriesReport>('seriesReport', { experimentId: fixture.experimentIds[0] });
    const test = series.students.find((s) => s.name === 'KD τ=1')!.splits.find((d) => d.split === 'test')!.metrics;
    const fmt = (v: number) => v.toFixed(2).replace('-', '−');
    const low = test.deltaLowest.mean!;
    const top = test.deltaTop.mean!;
    const side = (d: number) => (d < 0 ? 'less confident than its teacher' : 'more confident than its teacher');
    const expected =
      Math.sign(low) === Math.sign(top)
        ? `the student is ${side(top)} where the teacher is sure (Δ of the top bin ${fmt(top)}) and also where it is unsure (Δ of the lowest bin ${fmt(low)}; both means over 3 seeds)`
        : `the student is ${side(top)} where the teacher is sure (Δ of the top bin ${fmt(top)}) but ${side(low)} where it is unsure (Δ of the lowest bin ${fmt(low)}; both means over 3 seeds)`;
    expect(c.reason).toContain(`flatter than the diagonal — ${expected}.`);
  });

  it('exp7: each seed’s cosines and difference, then their mean over the seeds, the interval inside [−2, 2]', () => {
    const c = byId(findings, 'exp7');
    const fmt = (v: number) => v.toFixed(3).replace('-', '−');
    for (const e of c.evidence) expect(c.reason).toContain(`seed ${e.seed}: KD `);
    for (const e of c.evidence) expect(c.reason).toContain(`KD − one-hot ${fmt(e.value!)}`);
    const mean = c.evidence.reduce((sum, e) => sum + e.value!, 0) / c.evidence.length;
    expect(c.statistic!).toBeCloseTo(mean, 12);
    expect(c.reason).toContain(`mean of KD − one-hot over the 3 seeds ${fmt(mean)} (95% interval`);
    expect(c.domain).toEqual([-2, 2]);
    expect(c.interval![0]).toBeGreaterThanOrEqual(-2);
    expect(c.interval![1]).toBeLessThanOrEqual(2);
  });

  it('exp1 and exp6 are marked independent of the data, and the tally counts them apart in the app’s and the CLI’s sentence', () => {
    expect(findings.claims.filter((c) => c.dataIndependent).map((c) => c.id)).toEqual(['exp1', 'exp6']);
    const tally = tallyClaims(findings.claims);
    const onData = findings.claims.filter((c) => c.id !== 'exp1' && c.id !== 'exp6');
    expect(tally.total).toBe(6);
    expect(tally.reproduced).toBe(onData.filter((c) => c.status === 'reproduced').length);
    expect(tallySentence(tally)).toMatch(new RegExp(`^On this experiment’s data: ${tally.reproduced} of 6 claims reproduced, .*; the 2 checks independent of the data \\(metric sanity, linear lab\\) pass$`));
    expect(formatFindings(findings)).toContain(`\n${tallySentence(tally)}.\n`);
  });

  it('the report across seeds keeps every interval within the values its measure can take', async () => {
    const series = await call<SeriesReport>('seriesReport', { experimentId: fixture.experimentIds[0] });
    for (const student of series.students)
      for (const d of student.splits)
        for (const m of SEED_METRICS) {
          const iv = d.metrics[m].interval;
          if (!iv) continue;
          expect(iv[0], `${student.name} ${d.split} ${m}`).toBeGreaterThanOrEqual(SEED_METRIC_DOMAINS[m][0]);
          expect(iv[1], `${student.name} ${d.split} ${m}`).toBeLessThanOrEqual(SEED_METRIC_DOMAINS[m][1]);
        }
  });

  it('the report across seeds: every student matched by name, each number the mean of the replicates’ with a t-interval', async () => {
    const series = await call<SeriesReport>('seriesReport', { experimentId: fixture.experimentIds[2] });
    expect(series.experimentIds).toEqual(fixture.experimentIds);
    expect(series.students.map((s) => s.name)).toEqual(['one-hot', 'KD τ=1', 'late KD', 'early KD']);
    const kd = series.students[1]!;
    expect(kd.runIds).toEqual(fixture.runs.map((r) => r.kd));
    const test = kd.splits.find((d) => d.split === 'test')!.metrics.studentAccuracy;
    const accs = fixture.runs.map((r) => storedAccuracy(r.kd, 'test', 'clean'));
    test.values.forEach((v, i) => expect(v!).toBeCloseTo(accs[i]!, 12));
    const mean = accs.reduce((x, v) => x + v, 0) / 3;
    const sd = Math.sqrt(accs.reduce((x, v) => x + (v - mean) ** 2, 0) / 2);
    expect(test.mean!).toBeCloseTo(mean, 12);
    expect(test.interval![1]).toBeCloseTo(mean + (tQuantile975(2) * sd) / Math.sqrt(3), 12);
    expect(kd.splits.map((d) => d.split)).toEqual(['train', 'test']);
  });

  it('diagnostics: not converged, in-sample train split, label noise', () => {
    const kinds = findings.diagnostics.map((d) => d.kind);
    expect(kinds).toContain('in-sample');
    expect(kinds).toContain('label-noise');
    const notConverged = findings.diagnostics.filter((d) => d.kind === 'not-converged');
    expect(notConverged.map((d) => d.runId)).toEqual([fixture.runs[0]!.kd]);
    expect(notConverged[0]!.message).toContain('1.200 to 0.600');
    expect(kinds).not.toContain('few-seeds');
  });
});

describe('a series where disobeying does not pay', () => {
  let findings: Findings;
  let fixture: FindingsFixture;
  beforeAll(async () => {
    fixture = createFindingsFixture(app.db, [plan(1, 0.695, 0.7), plan(2, 0.7, 0.71), plan(3, 0.69, 0.7)], { name: 'does not pay' });
    findings = await call<Findings>('findings', { experimentId: fixture.experimentIds[0] });
  });

  it('exp4 is not reproduced, exp5 is undefined and says why, and the answer says it did not pay', () => {
    const four = byId(findings, 'exp4');
    expect(four.statistic!).toBeLessThan(0);
    expect(four.status).toBe('not-reproduced');
    expect(four.reason).toMatch(/below the \+1 point threshold/);
    const five = byId(findings, 'exp5');
    expect(five.status).toBe('not-applicable');
    expect(five.reason).toMatch(/^KD does not beat one-hot here .*so the recovered share is undefined/);
    expect(five.evidence.every((e) => e.value === null)).toBe(true);
    // the bar it could not be held to stays on the claim, and the CLI names it
    expect(five.threshold).toEqual({ op: '>=', value: 0.5, text: '≥ 50% of KD’s gain' });
    expect(byId(findings, 'exp8').threshold).toEqual({ op: '<', value: 0, text: 'lower KL than plain KD' });
    expect(formatFindings(findings)).toContain('exp5  NOT APPLICABLE  Late distillation recovers most of the gain\n      threshold ≥ 50% of KD’s gain (not applied: the claim cannot be tested here)\n');
    expect(findings.answer).toMatch(/^Disobeying did not pay/);
  });
});

describe('experiments the claims cannot fully test', () => {
  it('one seed: exp4 states its value but cannot decide it; few-seeds is diagnosed', async () => {
    const fixture = createFindingsFixture(app.db, [plan(7, 0.75, 0.74)], { name: 'one seed' });
    const findings = await call<Findings>('findings', { experimentId: fixture.experimentIds[0], bootstrap: 100 });
    const four = byId(findings, 'exp4');
    expect(four.status).toBe('not-applicable');
    expect(four.interval).toBeNull();
    expect(four.reason).toMatch(/1 seed cannot show it/);
    // β's interval comes from the bootstrap over examples when there is one seed
    expect(byId(findings, 'exp2').intervalMethod).toMatch(/bootstrap over examples/);
    expect(findings.diagnostics.map((d) => d.kind)).toContain('few-seeds');
    expect(findings.answer).toMatch(/^Too few seeds to tell whether disobeying pays \(the claim needs 3\): the KD student’s test accuracy is \+\d\.\d points against one-hot, over 1 seed\./);
  });

  it('an experiment without recognisable variants: every data claim not-applicable with its reason', async () => {
    const fixture = createDeviationFixture(app.db, { examples: 300, classes: 4, students: 2, epochs: 3, seed: 3, name: 'no variants' });
    const findings = await call<Findings>('findings', { experimentId: fixture.experimentId });
    expect(findings.experimentIds).toEqual([fixture.experimentId]);
    expect(findings.seeds).toEqual([]);
    for (const id of ['exp2', 'exp3', 'exp4', 'exp5', 'exp7', 'exp8'] as const) {
      const c = byId(findings, id);
      expect(c.status, id).toBe('not-applicable');
      expect(c.reason.length, id).toBeGreaterThan(10);
    }
    expect(byId(findings, 'exp4').reason).toMatch(/needs a finished one-hot and a finished KD student \(it has no student with one of these loss schedules\)/);
    expect(findings.answer).toMatch(/^Whether disobeying pays cannot be told here/);
  });
});

describe('a slope whose interval reaches 1', () => {
  it('says neither exaggeration nor its opposite is shown, rather than calling the student flatter', async () => {
    const withConfidence = (seed: number, confidence: number): SeedPlan => ({ ...plan(seed, 0.73, 0.72), kd: { train: 0.86, test: 0.73, confidence } });
    const fixture = createFindingsFixture(app.db, [withConfidence(1, 1.2), withConfidence(2, 2.2), withConfidence(3, 1.6)], { name: 'slope near 1' });
    const two = byId(await call<Findings>('findings', { experimentId: fixture.experimentIds[0] }), 'exp2');
    expect(two.interval![0]).toBeLessThan(1);
    expect(two.interval![1]).toBeGreaterThan(1);
    expect(two.status).toBe('not-reproduced');
    expect(two.reason).toMatch(/ 1, but the interval reaches 1: neither exaggeration nor its opposite is shown\./);
  });
});

describe('a KD student that fits the noisy labels almost as well as its teacher', () => {
  it('says the gap is below 3 points, and every sentence of every reason opens with a capital', async () => {
    const closeFit = (seed: number): SeedPlan => ({ ...plan(seed, 0.73, 0.72), kd: { train: 0.94, test: 0.73, confidence: 0.6 } });
    const fixture = createFindingsFixture(app.db, [closeFit(1), closeFit(2), closeFit(3)], { name: 'close fit' });
    const findings = await call<Findings>('findings', { experimentId: fixture.experimentIds[0] });
    const three = byId(findings, 'exp3');
    expect(three.status).toBe('not-reproduced');
    expect(three.reason).toMatch(/\. The gap is below 3 points\.$/);
    // a sentence the app writes after a full stop starts with a capital (or a symbol such as Δ or β)
    for (const text of [findings.answer, ...findings.claims.map((c) => c.reason), ...findings.diagnostics.map((d) => d.message)]) expect(text).not.toMatch(/\.\s+[a-z]/);
  });
});

describe('a series still training', () => {
  it('leaves unfinished students out of the claims and says which they are', async () => {
    const fixture = createFindingsFixture(app.db, [plan(1, 0.73, 0.725), plan(2, 0.74, 0.73), plan(3, 0.725, 0.72)], { name: 'training' });
    app.db.prepare("UPDATE runs SET status = 'running' WHERE id = ?").run(fixture.runs[2]!.kd);
    const findings = await call<Findings>('findings', { experimentId: fixture.experimentIds[0] });
    const four = byId(findings, 'exp4');
    expect(four.evidence.map((e) => e.seed)).toEqual([1, 2]);
    expect(four.reason).toContain('seed 3: needs a finished one-hot and a finished KD student (it has one-hot, KD (running), one-hot → KD, KD → one-hot)');
    const unfinished = findings.diagnostics.find((d) => d.kind === 'unfinished')!;
    expect(unfinished.message).toBe('1 run has not finished, and the claims leave them out until they do: "KD τ=1" (seed 3, running, 3/3 epochs).');
  });
});

describe('the findings preset', () => {
  it('plans a teacher and the four students the claims compare, per seed, recognised as their variants', async () => {
    const fixture = createDeviationFixture(app.db, { examples: 120, classes: 3, students: 1, epochs: 1, seed: 5, name: 'preset target' });
    const spec = findingsPresetSpec(createStore(app.db), fixture.datasetId, { epochs: 4, seeds: 2 });
    const { experimentIds } = planExperiment(createStore(app.db), spec);
    expect(experimentIds).toHaveLength(2);
    const runs = createRunQueries(app.db);
    // one shared teacher (seed 101) in the first replicate; every replicate's students distil from it
    const teacher = runs.getExperiment(experimentIds[0]!).runs.find((r) => r.role === 'teacher')!;
    expect((teacher.spec as { seed: number }).seed).toBe(101);
    for (const [i, id] of experimentIds.entries()) {
      const experiment = runs.getExperiment(id);
      expect(experiment.seed).toBe(i + 1);
      expect(experiment.runs.filter((r) => r.role === 'teacher')).toHaveLength(i === 0 ? 1 : 0);
      expect(experiment.runs.filter((r) => r.role === 'student').map((r) => [variantOf(r)?.key, (r.spec as { seed: number }).seed, (r.spec as { model: unknown }).model, r.teacherRunId])).toEqual(
        ['onehot', 'kd', 'late', 'early'].map((key) => [key, 1 + i, { arch: 'mlp', hidden: [512], dropout: 0 }, teacher.id]),
      );
    }
    const perSeed = planExperiment(createStore(app.db), findingsPresetSpec(createStore(app.db), fixture.datasetId, { epochs: 4, seeds: 2, seedTeacher: 'per-seed' }));
    expect(perSeed.experimentIds.map((id) => (runs.getExperiment(id).runs.find((r) => r.role === 'teacher')!.spec as { seed: number }).seed)).toEqual([101, 102]);
    expect(() => findingsPresetSpec(createStore(app.db), fixture.datasetId, { epochs: 1 })).toThrow(/at least 2 epochs/);
  });
});

describe('seed statistics', () => {
  it('t quantiles match the table and continue smoothly past 30', () => {
    expect(tQuantile975(2)).toBeCloseTo(4.302653, 6);
    expect(tQuantile975(30)).toBeCloseTo(2.0422725, 6);
    expect(tQuantile975(40)).toBeCloseTo(2.021075, 4);
    expect(tQuantile975(120)).toBeCloseTo(1.979930, 4);
  });

  it('a mean with one value has no interval; the ratio of means leaves out resamples without a gain', () => {
    expect(meanWithTInterval([2]).interval).toBeNull();
    expect(meanWithTInterval([1, null, 3]).mean).toBe(2);
    const r = ratioOfMeans([1, 2], [-1, 3], 200, 1);
    expect(r.ratio).toBeCloseTo(3 / 2, 12);
    expect(r.undefinedResamples).toBeGreaterThan(0);
    expect(r.interval![0]).toBeLessThanOrEqual(r.interval![1]);
  });
});
