// The analytics calls on real SQLite files: every number of the report, the filters, the scatter
// and the gradient view recomputed here independently — from the stored chunks decoded with plain
// SQL (not the reader the service uses) with plain formulas — plus the copy identities.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import { QueryExamplesArgs, ReportArgs, ScatterArgs, type AnalysedExample, type DeviationReport, type ExamplePage, type GradientView, type ScatterMeta } from '../../shared/analytics.js';
import { createAnalyticsService } from '../../main/analytics/analyticsService.js';
import { decodeBinaryFrame } from '../../shared/binaryFrame.js';
import { encodeExampleIdSet } from '../../shared/exampleIdSet.js';
import { TOKEN_HEADER } from '../../shared/contract.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { rowsOf, argmax, phi, kl } from '../helpers/storedPredictions.js';
import { createStore } from '../../main/store/store.js';

interface Row {
  id: number;
  split: string;
  label: number;
  trainLabel: number;
}

const C = 4;


function ols(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i]! - my);
    sxx += (v - mx) ** 2;
  });
  return sxy / sxx;
}

let app: AppUnderTest;
let fixture: DeviationFixture;
let examples: Row[];
const call = <T>(name: string, args: unknown) => app.services.dispatch(name, args, 'http') as Promise<T>;

beforeAll(async () => {
  app = await startAppUnderTest();
  fixture = createDeviationFixture(app.db, { examples: 400, testShare: 0.25, classes: C, students: 3, epochs: 3, seed: 7, kind: 'text' });
  // An OOD split and label noise on a few training examples, as imports make them.
  app.db.prepare("UPDATE examples SET split = 'ood-shift' WHERE dataset_id = ? AND split = 'test' AND idx >= 80").run(fixture.datasetId);
  app.db.prepare("UPDATE examples SET noisy_label = (label + 1) % 4 WHERE dataset_id = ? AND split = 'train' AND idx % 17 = 0").run(fixture.datasetId);
  examples = (app.db.prepare('SELECT id, split, label, coalesce(noisy_label, label) AS trainLabel FROM examples WHERE dataset_id = ? ORDER BY id').all(fixture.datasetId) as Row[]);
});
afterAll(async () => app.dispose());

describe('the deviation report', () => {
  let report: DeviationReport;
  beforeAll(async () => {
    report = await call<DeviationReport>('deviationReport', { experimentId: fixture.experimentId, bootstrap: 200 });
  });

  it('covers every student on every split, OOD included, with the teacher at its last epoch', () => {
    expect(report.students.map((s) => s.studentRunId)).toEqual(fixture.studentRunIds);
    for (const s of report.students) {
      expect(s.teacherRunId).toBe(fixture.teacherRunId);
      expect([s.studentEpoch, s.teacherEpoch]).toEqual([3, 3]);
      expect(s.splits.map((d) => d.split)).toEqual(['train', 'test', 'ood-shift']);
    }
  });

  it('matches a plain recomputation from the per-example rows', () => {
    const teacher = rowsOf(app.db, fixture.teacherRunId, 3);
    for (const s of report.students) {
      const student = rowsOf(app.db, s.studentRunId, 3);
      for (const d of s.splits) {
        const rows = examples.filter((e) => e.split === d.split);
        const a = rows.map((e) => phi(teacher.get(e.id)!, argmax(teacher.get(e.id)!)));
        const b = rows.map((e) => phi(student.get(e.id)!, argmax(teacher.get(e.id)!)));
        expect(d.n).toBe(rows.length);
        expect(d.beta!).toBeCloseTo(ols(a, b), 9);
        const acc = (probs: Map<number, number[]>, label: (e: Row) => number) => rows.filter((e) => argmax(probs.get(e.id)!) === label(e)).length / rows.length;
        expect(d.teacherAccuracy!).toBeCloseTo(acc(teacher, (e) => e.trainLabel), 12);
        expect(d.studentAccuracy!).toBeCloseTo(acc(student, (e) => e.trainLabel), 12);
        if (d.split === 'train') expect(d.studentCleanAccuracy!).toBeCloseTo(acc(student, (e) => e.label), 12);
        else expect(d.studentCleanAccuracy).toBeNull();
        expect(d.fidelity!).toBeCloseTo(rows.filter((e) => argmax(student.get(e.id)!) === argmax(teacher.get(e.id)!)).length / rows.length, 12);
        expect(d.meanKl!).toBeCloseTo(rows.reduce((sum, e) => sum + kl(teacher.get(e.id)!, student.get(e.id)!), 0) / rows.length, 9);
        // Ten quantile bins of a (ties by example id), Δ = mean(b − a) in each.
        const order = a.map((v, i) => i).sort((x, y) => a[x]! - a[y]! || x - y);
        d.bins.forEach((bin, j) => {
          const members = order.slice(Math.floor((j * rows.length) / 10), Math.floor(((j + 1) * rows.length) / 10));
          expect(bin.count).toBe(members.length);
          expect(bin.delta!).toBeCloseTo(members.reduce((sum, i) => sum + b[i]! - a[i]!, 0) / members.length, 9);
        });
        expect(d.underfits).toBe(d.bins[0]!.delta! < 0 && d.bins[0]!.delta! < d.bins[9]!.delta!);
        const hard = order.slice(0, Math.floor(rows.length * 0.25));
        expect(d.hardPointFitRate!).toBeCloseTo(hard.filter((i) => argmax(student.get(rows[i]!.id)!) === rows[i]!.trainLabel).length / hard.length, 12);
        expect(d.betaCi95[0]!).toBeLessThan(d.beta!);
        expect(d.betaCi95[1]!).toBeGreaterThan(d.beta!);
      }
    }
  });

  it('reads φ at the label when asked, and a chosen earlier epoch of the students', async () => {
    const byLabel = await call<DeviationReport>('deviationReport', { experimentId: fixture.experimentId, classChoice: 'label', epoch: 1, split: 'test', bootstrap: 0 });
    const teacher = rowsOf(app.db, fixture.teacherRunId, 3);
    const student = rowsOf(app.db, fixture.studentRunIds[0]!, 1);
    const rows = examples.filter((e) => e.split === 'test');
    const d = byLabel.students[0]!.splits[0]!;
    expect(byLabel.students[0]!.studentEpoch).toBe(1);
    expect(d.beta!).toBeCloseTo(ols(rows.map((e) => phi(teacher.get(e.id)!, e.trainLabel)), rows.map((e) => phi(student.get(e.id)!, e.trainLabel))), 9);
    expect(d.betaCi95).toEqual([null, null]);
  });

  it('gives β = 1, KL = 0 and fidelity 1 for a student that copies its teacher', async () => {
    const copy = app.db.prepare("INSERT INTO runs (experiment_id, role, name, teacher_run_id, spec, status, epochs_done) VALUES (?, 'student', 'copy', ?, '{\"epochs\":3}', 'done', 3) RETURNING id").pluck().get(fixture.experimentId, fixture.teacherRunId) as number;
    app.db.prepare('INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs) SELECT ?, epoch, chunk, num_classes, first_id, last_id, example_ids, probs FROM prediction_matrices WHERE run_id = ?').run(copy, fixture.teacherRunId);
    try {
      const r = await call<DeviationReport>('deviationReport', { experimentId: fixture.experimentId, bootstrap: 100 });
      const s = r.students.find((x) => x.studentRunId === copy)!;
      for (const d of s.splits) {
        expect(d.beta).toBeCloseTo(1, 12);
        expect(d.intercept).toBeCloseTo(0, 12);
        expect(d.betaCi95[0]).toBeCloseTo(1, 12);
        expect(d.betaCi95[1]).toBeCloseTo(1, 12);
        expect(d.meanKl).toBe(0);
        expect(d.fidelity).toBe(1);
        expect(d.bins.every((bin) => bin.delta === 0)).toBe(true);
      }
    } finally {
      app.db.prepare('DELETE FROM runs WHERE id = ?').run(copy);
    }
  });

  it('refuses an epoch a student does not have, an unknown split and an unknown experiment', async () => {
    await expect(call('deviationReport', { experimentId: fixture.experimentId, epoch: 4 })).rejects.toThrow(/has 3 recorded epochs; epoch 4/);
    await expect(call('deviationReport', { experimentId: fixture.experimentId, split: 'nope' })).rejects.toThrow(/split "nope" does not exist \(splits: train, test, ood-shift\)/);
    await expect(call('deviationReport', { experimentId: 999 })).rejects.toThrow(/no experiment with id 999/);
    await expect(call('deviationReport', { experimentId: fixture.experimentId, bins: 1 })).rejects.toThrow(/bins/);
  });
});

describe('example filters', () => {
  const query = (args: object) => call<ExamplePage>('queryExamples', { experimentId: fixture.experimentId, limit: 1000, ...args });
  let teacher: Map<number, number[]>;
  let students: Map<number, number[]>[];
  beforeAll(() => {
    teacher = rowsOf(app.db, fixture.teacherRunId, 3);
    students = fixture.studentRunIds.map((id) => rowsOf(app.db, id, 3));
  });
  const ids = (page: ExamplePage) => page.items.map((e) => e.id);

  it('pages every example with the total, the measures and each run outcome', async () => {
    const page = await query({ limit: 50, offset: 25 });
    expect(page.total).toBe(400);
    expect(ids(page)).toEqual(examples.slice(25, 75).map((e) => e.id));
    expect(page.runs.map((r) => r.runId)).toEqual([fixture.teacherRunId, ...fixture.studentRunIds]);
    const e = page.items[0]!;
    const t = teacher.get(e.id)!;
    const s = students[0]!.get(e.id)!;
    const k = argmax(t);
    expect(e.confidenceClass).toBe(k);
    expect(e.measures.teacherPhi!).toBeCloseTo(phi(t, k), 9);
    expect(e.measures.deviation!).toBeCloseTo(phi(s, k) - phi(t, k), 9);
    expect(e.measures.kl!).toBeCloseTo(kl(t, s), 9);
    const sorted = [...s].sort((x, y) => y - x);
    expect(e.measures.studentMargin!).toBeCloseTo(sorted[0]! - sorted[1]!, 7);
    expect(e.measures.studentEntropy!).toBeCloseTo(-s.reduce((h, p) => h + p * Math.log(p), 0), 6);
    // Label probability across epochs 1..3: mean and population standard deviation.
    const trajectory = [1, 2, 3].map((ep) => rowsOf(app.db, fixture.studentRunIds[0]!, ep).get(e.id)![e.trainLabel]!);
    const mean = trajectory.reduce((x, y) => x + y, 0) / 3;
    expect(e.measures.studentLabelProbMean!).toBeCloseTo(mean, 7);
    expect(e.measures.studentLabelProbStd!).toBeCloseTo(Math.sqrt(trajectory.reduce((v, p) => v + (p - mean) ** 2, 0) / 3), 6);
    expect(e.runs.map((r) => r.correct)).toEqual([t, ...students.map((m) => m.get(e.id)!)].map((p) => argmax(p) === e.trainLabel));
    // The first page's single-row measures equal the columns a sort builds.
    const sortedPage = await query({ sort: { column: 'studentLabelProbStd' }, filter: { exampleIds: [e.id] } });
    expect(sortedPage.items[0]!.measures).toEqual(e.measures);
  });

  it('narrows by split, labels, confidence range, correctness pattern, disagreement and predicted class', async () => {
    const s1 = students[0]!;
    const s2 = students[1]!;
    const page = await query({
      filter: {
        split: 'train',
        labels: [0, 1, 2],
        ranges: [{ measure: 'teacherProb', min: 0.3 }],
        correctness: [{ runId: fixture.teacherRunId, correct: true }],
        predicted: { runId: fixture.studentRunIds[0], classes: [0, 1] },
      },
    });
    const expected = examples.filter((e) => {
      const t = teacher.get(e.id)!;
      return e.split === 'train' && [0, 1, 2].includes(e.trainLabel) && t[argmax(t)]! >= 0.3 && argmax(t) === e.trainLabel && [0, 1].includes(argmax(s1.get(e.id)!));
    });
    expect(expected.length).toBeGreaterThan(5);
    expect(ids(page)).toEqual(expected.map((e) => e.id));
    expect(page.total).toBe(expected.length);

    const disagree = await query({ filter: { disagree: { runA: fixture.studentRunIds[0], runB: fixture.studentRunIds[1] } } });
    expect(ids(disagree)).toEqual(examples.filter((e) => argmax(s1.get(e.id)!) !== argmax(s2.get(e.id)!)).map((e) => e.id));
    const wrong = await query({ filter: { correctness: [{ runId: fixture.teacherRunId, correct: true }, { runId: fixture.studentRunIds[0], correct: false }] } });
    expect(ids(wrong)).toEqual(examples.filter((e) => argmax(teacher.get(e.id)!) === e.trainLabel && argmax(s1.get(e.id)!) !== e.trainLabel).map((e) => e.id));
    expect((await query({ filter: { noisy: true } })).total).toBe(examples.filter((e) => e.label !== e.trainLabel).length);
  });

  it('finds the underfit points: student below teacher by more than δ on the teacher least confident quarter of each split', async () => {
    const page = await query({ filter: { underfit: { delta: 0.2 } } });
    const s1 = students[0]!;
    const expected = new Set<number>();
    for (const split of ['train', 'test', 'ood-shift']) {
      const rows = examples.filter((e) => e.split === split);
      const a = rows.map((e) => phi(teacher.get(e.id)!, argmax(teacher.get(e.id)!)));
      const order = a.map((_, i) => i).sort((x, y) => a[x]! - a[y]! || x - y);
      for (const i of order.slice(0, Math.floor(rows.length * 0.25))) {
        const e = rows[i]!;
        const k = argmax(teacher.get(e.id)!);
        if (phi(s1.get(e.id)!, k) - a[i]! < -0.2) expected.add(e.id);
      }
    }
    expect(expected.size).toBeGreaterThan(3);
    expect(ids(page)).toEqual([...expected].sort((x, y) => x - y));
  });

  it('sorts by any measure with ties by id, and pages without overlap', async () => {
    const all = await query({ sort: { column: 'deviation', descending: true } });
    const values = all.items.map((e) => e.measures.deviation!);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    const first = await query({ sort: { column: 'label' }, limit: 150 });
    const second = await query({ sort: { column: 'label' }, limit: 150, offset: 150 });
    const both = [...first.items, ...second.items];
    expect(new Set(both.map((e) => e.id)).size).toBe(300);
    for (let i = 1; i < both.length; i++) {
      const [p, q] = [both[i - 1]!, both[i]!];
      expect(p.trainLabel < q.trainLabel || (p.trainLabel === q.trainLabel && p.id < q.id)).toBe(true);
    }
  });

  it('gives a subset the same pages whichever way they are ordered: selected by a heap, or the subset sorted whole', async () => {
    const filter = { split: 'train', ranges: [{ measure: 'teacherProb' as const, max: 0.95 }] };
    const sort = { column: 'teacherMargin' as const, descending: true };
    // Early pages of a subset: selected by a bounded heap.
    const selected = [await query({ filter, sort, limit: 10 }), await query({ filter, sort, offset: 5, limit: 5 })];
    // A page past an eighth of the subset: the subset sorted whole.
    const walked = await query({ filter, sort, limit: 1000 });
    expect(walked.total).toBeGreaterThan(80);
    const expected = [...walked.items].sort((p, q) => q.measures.teacherMargin! - p.measures.teacherMargin! || p.id - q.id).map((e) => e.id);
    expect(walked.items.map((e) => e.id)).toEqual(expected);
    expect(selected[0]!.items.map((e) => e.id)).toEqual(expected.slice(0, 10));
    expect(selected[1]!.items.map((e) => e.id)).toEqual(expected.slice(5, 10));
    const byLabel = await query({ filter, sort: { column: 'label', descending: true }, offset: 3, limit: 4 });
    expect(byLabel.items.map((e) => e.id)).toEqual([...walked.items].sort((p, q) => q.trainLabel - p.trainLabel || p.id - q.id).slice(3, 7).map((e) => e.id));
  });

  it('matches text, curated-set membership and a brushed id list', async () => {
    const text = await query({ filter: { textContains: 'OF CLASS C2' } });
    expect(text.total).toBe(examples.filter((e) => e.label === 2).length);
    expect(text.items[0]!.snippet).toMatch(/class c2/);
    const setId = Number(app.db.prepare("INSERT INTO curated_sets (dataset_id, name) VALUES (?, 'picked')").run(fixture.datasetId).lastInsertRowid);
    const picked = examples.slice(10, 15).map((e) => e.id);
    for (const id of picked) app.db.prepare('INSERT INTO curated_set_members (set_id, example_id) VALUES (?, ?)').run(setId, id);
    expect(ids(await query({ filter: { curatedSet: { setId } } }))).toEqual(picked);
    expect((await query({ filter: { curatedSet: { setId, member: false } } })).total).toBe(395);
    expect(ids(await query({ filter: { exampleIds: [picked[3]!, picked[1]!, 999_999] } }))).toEqual([picked[1], picked[3]]);
    // the same selection as a bit set (a large brush): exactly its members, an id past the dataset ignored
    expect(ids(await query({ filter: { exampleIdSet: encodeExampleIdSet([picked[3]!, picked[1]!, 999_999]) } }))).toEqual([picked[1], picked[3]]);
  });

  it('refuses unknown runs, classes and splits, text search on images, and raw SQL, with messages naming them', async () => {
    await expect(query({ filter: { correctness: [{ runId: 9999, correct: true }] } })).rejects.toThrow(/run 9999 is not analysed with this experiment/);
    await expect(query({ filter: { labels: [7] } })).rejects.toThrow(/class 7 does not exist: the dataset has classes 0..3/);
    await expect(query({ filter: { split: 'validation' } })).rejects.toThrow(/split "validation" does not exist/);
    await expect(query({ filter: { where: '1=1; DROP TABLE examples' } })).rejects.toThrow(/invalid arguments for queryExamples/);
    await expect(query({ filter: { ranges: [{ measure: 'p_label) OR (1', min: 0 }] } })).rejects.toThrow(/invalid arguments/);
    await expect(query({ studentRunId: fixture.teacherRunId })).rejects.toThrow(/is not a student with a teacher/);
    await expect(query({ filter: { curatedSet: { setId: 4242 } } })).rejects.toThrow(/no curated set with id 4242/);
    expect(app.db.prepare('SELECT count(*) FROM examples').pluck().get()).toBe(400);
  });
});

describe('the scatter', () => {
  it('sends a, b, labels and top classes as a binary frame, over HTTP as octet-stream', async () => {
    const response = await fetch(`${app.base}/api/call/deviationScatter`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [TOKEN_HEADER]: app.server.token },
      body: JSON.stringify({ experimentId: fixture.experimentId, studentRunId: fixture.studentRunIds[1], split: 'test' }),
    });
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const frame = decodeBinaryFrame<ScatterMeta>(new Uint8Array(await response.arrayBuffer()));
    const rows = examples.filter((e) => e.split === 'test');
    expect(frame.meta.n).toBe(rows.length);
    expect(Array.from(frame.columns.id!)).toEqual(rows.map((e) => e.id));
    const teacher = rowsOf(app.db, fixture.teacherRunId, 3);
    const student = rowsOf(app.db, fixture.studentRunIds[1]!, 3);
    rows.forEach((e, i) => {
      const k = argmax(teacher.get(e.id)!);
      expect(frame.columns.a![i]).toBeCloseTo(phi(teacher.get(e.id)!, k), 4);
      expect(frame.columns.b![i]).toBeCloseTo(phi(student.get(e.id)!, k), 4);
      expect(frame.columns.studentTop![i]).toBe(argmax(student.get(e.id)!));
    });
    const report = await call<DeviationReport>('deviationReport', { experimentId: fixture.experimentId, split: 'test', bootstrap: 0 });
    expect(frame.meta.beta!).toBeCloseTo(report.students[1]!.splits[0]!.beta!, 9);
    // A filter narrows the points exactly as it narrows the pages.
    const filtered = decodeBinaryFrame<ScatterMeta>(await call<Uint8Array>('deviationScatter', { experimentId: fixture.experimentId, filter: { labels: [1] } }));
    const page = await call<ExamplePage>('queryExamples', { experimentId: fixture.experimentId, filter: { labels: [1] }, limit: 1000 });
    expect(Array.from(filtered.columns.id!)).toEqual(page.items.map((e: AnalysedExample) => e.id));
  });
});

describe('the gradient view', () => {
  it('averages the one-hot and KD logit gradients by teacher-confidence quartile and class group', async () => {
    const view = await call<GradientView>('gradientView', { experimentId: fixture.experimentId, split: 'train', groups: [[0, 1], [2]] });
    const teacher = rowsOf(app.db, fixture.teacherRunId, 3);
    const student = rowsOf(app.db, fixture.studentRunIds[0]!, 3);
    const rows = examples.filter((e) => e.split === 'train');
    const g1 = (e: Row) => student.get(e.id)!.map((p, c) => p - (c === e.trainLabel ? 1 : 0));
    const g2 = (e: Row) => student.get(e.id)!.map((p, c) => p - teacher.get(e.id)![c]!);
    const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const classMean = (g: (e: Row) => number[], label: number) => {
      const members = rows.filter((e) => e.trainLabel === label).map(g);
      return members[0]!.map((_, c) => members.reduce((s, v) => s + v[c]!, 0) / members.length);
    };
    const cosine = (v: number[], m: number[]) => v.reduce((s, x, c) => s + x * m[c]!, 0) / (norm(v) * norm(m));
    const expectAggregate = (name: string, members: Row[]) => {
      const agg = [...view.quartiles, ...view.groups, view.all].find((x) => x.name === name)!;
      expect(agg.n).toBe(members.length);
      expect(agg.normOnehot!).toBeCloseTo(members.reduce((s, e) => s + norm(g1(e)), 0) / members.length, 6);
      expect(agg.normKd!).toBeCloseTo(members.reduce((s, e) => s + norm(g2(e)), 0) / members.length, 6);
      expect(agg.cosOnehot!).toBeCloseTo(members.reduce((s, e) => s + cosine(g1(e), classMean(g1, e.trainLabel)), 0) / members.length, 6);
      expect(agg.cosKd!).toBeCloseTo(members.reduce((s, e) => s + cosine(g2(e), classMean(g2, e.trainLabel)), 0) / members.length, 6);
    };
    const a = rows.map((e) => phi(teacher.get(e.id)!, argmax(teacher.get(e.id)!)));
    const order = a.map((_, i) => i).sort((x, y) => a[x]! - a[y]! || x - y);
    expectAggregate('Q1 (least confident)', order.slice(0, Math.floor(rows.length / 4)).map((i) => rows[i]!));
    expectAggregate('c0 / c1', rows.filter((e) => e.trainLabel <= 1));
    expectAggregate('classes in no group', rows.filter((e) => e.trainLabel === 3));
    expectAggregate('all', rows);
    await expect(call('gradientView', { experimentId: fixture.experimentId, groups: [[9]] })).rejects.toThrow(/group class 9 does not exist/);
  });

  it('uses the groups stored with the dataset once they are set, and refuses groups naming unknown or repeated classes', async () => {
    await call('setClassGroups', { datasetId: fixture.datasetId, groups: [[0, 1], [2]] });
    const stored = await call<GradientView>('gradientView', { experimentId: fixture.experimentId, split: 'train' });
    const passed = await call<GradientView>('gradientView', { experimentId: fixture.experimentId, split: 'train', groups: [[0, 1], [2]] });
    expect(stored.groups).toEqual(passed.groups);
    await expect(call('setClassGroups', { datasetId: fixture.datasetId, groups: [[0, 4]] })).rejects.toThrow(/group class 4 does not exist/);
    await expect(call('setClassGroups', { datasetId: fixture.datasetId, groups: [[0, 1], [1]] })).rejects.toThrow(/class 1 .* more than one group/);
    await expect(call('setClassGroups', { datasetId: fixture.datasetId, groups: [[]] })).rejects.toThrow(/invalid arguments for setClassGroups/);
    expect((await call<{ classGroups: number[][] }>('getDataset', { datasetId: fixture.datasetId })).classGroups).toEqual([[0, 1], [2]]);
    await call('setClassGroups', { datasetId: fixture.datasetId, groups: [] });
    expect((await call<GradientView>('gradientView', { experimentId: fixture.experimentId, split: 'train' })).groups).toEqual([]);
  });
});

describe('the example trajectory', () => {
  it('gives every run of the experiment the stored probabilities of one example at each epoch', async () => {
    const e = examples.find((x) => x.split === 'train' && x.label !== x.trainLabel)!;
    const t = await call<{ label: number; trainLabel: number; runs: { runId: number; epochs: number[]; probs: number[][] }[] }>('exampleTrajectory', { experimentId: fixture.experimentId, exampleId: e.id });
    expect([t.label, t.trainLabel]).toEqual([e.label, e.trainLabel]);
    expect(t.runs.map((r) => r.runId)).toEqual([fixture.teacherRunId, ...fixture.studentRunIds]);
    for (const r of t.runs) {
      expect(r.epochs).toEqual([1, 2, 3]);
      r.epochs.forEach((epoch, i) => r.probs[i]!.forEach((p, c) => expect(p).toBeCloseTo(rowsOf(app.db, r.runId, epoch).get(e.id)![c]!, 6)));
    }
    await expect(call('exampleTrajectory', { experimentId: fixture.experimentId, exampleId: 987654 })).rejects.toThrow(/example 987654 is not in dataset/);
  });
});

describe('the eigen lab call', () => {
  it('reproduces SPEC experiment 6 and refuses work too large for one call', async () => {
    const lab = await call<{ steps: number[]; teacher: (number | null)[][]; student: (number | null)[][] }>('eigenLab', { n: 50, p: 200, teacherSteps: 300, studentSteps: 3000, record: 5 });
    const atTop = (c: (number | null)[][]) => c.find((row) => row[0]! >= 0.9)!;
    expect(atTop(lab.student)[44]!).toBeLessThan(atTop(lab.teacher)[44]!);
    const converged = await call<{ teacher: (number | null)[][]; student: (number | null)[][] }>('eigenLab', { n: 20, p: 40, teacherSteps: null, studentSteps: 200 });
    expect(converged.teacher.at(-1)![0]).toBeGreaterThan(0);
    await expect(call('eigenLab', { n: 400, p: 4000, studentSteps: 1_000_000 })).rejects.toThrow(/too large for one call/);
  });
});

describe('remembered results', () => {
  it('answer a repeated report or scatter from memory, but never after a new epoch or for a curated-set filter', async () => {
    const student = fixture.studentRunIds[1]!;
    const args = { experimentId: fixture.experimentId, bootstrap: 50, split: 'test' };
    const first = await call<DeviationReport>('deviationReport', args);
    expect(await call<DeviationReport>('deviationReport', args)).toEqual(first);
    // A scatter filtered by a set follows the set's members, which change without a new epoch.
    const set = await call<{ id: number }>('createCuratedSet', { datasetId: fixture.datasetId, name: 'remembered', exampleIds: examples.slice(0, 5).map((e) => e.id) });
    const inSet = async () => decodeBinaryFrame<ScatterMeta>(await call<Uint8Array>('deviationScatter', { experimentId: fixture.experimentId, studentRunId: student, filter: { curatedSet: { setId: set.id } } })).meta.n;
    expect(await inSet()).toBe(5);
    await call('addToCuratedSet', { setId: set.id, exampleIds: examples.slice(5, 8).map((e) => e.id) });
    expect(await inSet()).toBe(8);
    // A new epoch (here a copy of the last) changes what the report reads: it is computed again.
    app.db.prepare('INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs) SELECT run_id, 4, chunk, num_classes, first_id, last_id, example_ids, probs FROM prediction_matrices WHERE run_id = ? AND epoch = 3').run(student);
    app.db.prepare('UPDATE runs SET epochs_done = 4 WHERE id = ?').run(student);
    try {
      const again = await call<DeviationReport>('deviationReport', args);
      expect(first.students.find((s) => s.studentRunId === student)!.studentEpoch).toBe(3);
      expect(again.students.find((s) => s.studentRunId === student)!.studentEpoch).toBe(4);
    } finally {
      app.db.prepare('DELETE FROM prediction_matrices WHERE run_id = ? AND epoch = 4').run(student);
      app.db.prepare('UPDATE runs SET epochs_done = 3 WHERE id = ?').run(student);
    }
  });
});

describe('a run that records another epoch', () => {
  it('continues each run\'s p(label) mean and std from the sums already built, to the same numbers as from epoch 1', async () => {
    const student = fixture.studentRunIds[0]!;
    const byStd = (epoch?: number) =>
      call<ExamplePage>('queryExamples', { experimentId: fixture.experimentId, studentRunId: student, ...(epoch ? { epoch } : {}), sort: { column: 'studentLabelProbStd', descending: true }, limit: 1000 });
    await byStd(3); // the sums over epochs 1..3 are built
    // Epoch 4 repeats epoch 1's probabilities: the new frame adds one epoch to the kept sums.
    app.db.prepare('INSERT INTO prediction_matrices (run_id, epoch, chunk, num_classes, first_id, last_id, example_ids, probs) SELECT run_id, 4, chunk, num_classes, first_id, last_id, example_ids, probs FROM prediction_matrices WHERE run_id = ? AND epoch = 1').run(student);
    app.db.prepare('UPDATE runs SET epochs_done = 4 WHERE id = ?').run(student);
    try {
      const page = await byStd();
      expect(page.total).toBe(400);
      const epochs = [1, 2, 3].map((e) => rowsOf(app.db, student, e));
      for (const item of page.items) {
        const p = [0, 1, 2, 0].map((k) => epochs[k]!.get(item.id)![item.trainLabel]!);
        const mean = p.reduce((a, b) => a + b, 0) / 4;
        const std = Math.sqrt(p.reduce((v, x) => v + (x - mean) ** 2, 0) / 4);
        expect(item.measures.studentLabelProbMean!).toBeCloseTo(mean, 7);
        expect(item.measures.studentLabelProbStd!).toBeCloseTo(std, 6);
        const run = item.runs.find((r) => r.runId === student)!;
        expect([run.labelProbMean, run.labelProbStd]).toEqual([item.measures.studentLabelProbMean, item.measures.studentLabelProbStd]);
      }
      // An earlier epoch, asked after, is summed from epoch 1 and unchanged.
      const atTwo = await byStd(2);
      const e = atTwo.items[0]!;
      const p2 = [0, 1].map((k) => epochs[k]!.get(e.id)![e.trainLabel]!);
      expect(e.measures.studentLabelProbMean!).toBeCloseTo((p2[0]! + p2[1]!) / 2, 7);
    } finally {
      app.db.prepare('DELETE FROM prediction_matrices WHERE run_id = ? AND epoch = 4').run(student);
      app.db.prepare('UPDATE runs SET epochs_done = 3 WHERE id = ?').run(student);
    }
  });
});

describe('the frame cache', () => {
  it('keeps frames within its byte budget, the one asked for always, with the same answers when they are rebuilt', () => {
    const pageArgs = (studentRunId: number) =>
      QueryExamplesArgs.parse({ experimentId: fixture.experimentId, studentRunId, filter: { underfit: { delta: 0.1 } }, sort: { column: 'kl', descending: true }, limit: 50 });
    const roomy = createAnalyticsService(createStore(app.db));
    const tight = createAnalyticsService(createStore(app.db), { frameCacheBytes: 0 });
    for (const round of [1, 2]) {
      for (const student of fixture.studentRunIds) {
        const expected = roomy.handlers.queryExamples(pageArgs(student));
        expect(tight.handlers.queryExamples(pageArgs(student))).toEqual(expected);
        expect(tight.frameCache().frames).toBe(1);
      }
      expect(roomy.frameCache().frames, `round ${round}`).toBe(fixture.studentRunIds.length);
    }
    // Each frame built the columns, order and filter of its page: 400 rows × 8 bytes per column at least.
    expect(roomy.frameCache().bytes).toBeGreaterThan(fixture.studentRunIds.length * 3 * 400 * 8);
    expect(tight.frameCache().bytes).toBeGreaterThan(0);
  });
});

describe('a report at work', () => {
  it('builds its columns one a turn of the event loop, so a scatter asked for meanwhile is answered before the report ends', async () => {
    const service = createAnalyticsService(createStore(app.db));
    let reported = false;
    const report = service.handlers.deviationReport(ReportArgs.parse({ experimentId: fixture.experimentId, bootstrap: 0 })).then((r) => {
      reported = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // One turn in, the report has built at most its first student's first column (3 students × 3 measure columns in all).
    const early = service.frameCache().bytes;
    const scatter = decodeBinaryFrame<ScatterMeta>(service.handlers.deviationScatter(ScatterArgs.parse({ experimentId: fixture.experimentId, studentRunId: fixture.studentRunIds.at(-1) })));
    expect(reported).toBe(false);
    expect(scatter.meta.n).toBe(examples.length);
    const done = await report;
    expect(early).toBeLessThan(service.frameCache().bytes / 3);
    // The same numbers as the report computed in one go.
    expect(done).toEqual(await call<DeviationReport>('deviationReport', { experimentId: fixture.experimentId, bootstrap: 0 }));
  });

  it('takes no step while a quick call is in flight (a scatter still draining to the browser), and goes on when it ends', async () => {
    const service = createAnalyticsService(createStore(app.db));
    expect(service.foreground('deviationReport')).toBeNull(); // the long calls step through the gate, never hold it
    expect(service.foreground('constructor')).toBeNull();
    const leave = service.foreground('deviationScatter')!;
    let reported = false;
    const report = service.handlers.deviationReport(ReportArgs.parse({ experimentId: fixture.experimentId, bootstrap: 0 })).then((r) => {
      reported = true;
      return r;
    });
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    // Twenty turns and not one column: the report waits at its first step.
    expect(service.frameCache().bytes).toBe(0);
    expect(reported).toBe(false);
    leave();
    leave(); // a second call changes nothing
    const done = await report;
    expect(done).toEqual(await call<DeviationReport>('deviationReport', { experimentId: fixture.experimentId, bootstrap: 0 }));
  });
});

describe('columns warmed after a first page', () => {
  it('are built for the frame asked for last: a student left stops warming, and warms again when asked for', async () => {
    const page = (studentRunId: number) => QueryExamplesArgs.parse({ experimentId: fixture.experimentId, studentRunId, limit: 20 });
    const [first, second] = fixture.studentRunIds as [number, number];
    const alone = createAnalyticsService(createStore(app.db), { prewarmMinRows: 100 });
    alone.handlers.queryExamples(page(first));
    await alone.idle();
    const oneWarmed = alone.frameCache().bytes;

    const service = createAnalyticsService(createStore(app.db), { prewarmMinRows: 100 });
    service.handlers.queryExamples(page(first));
    service.handlers.queryExamples(page(second)); // before the first frame's first step
    await service.idle();
    expect(service.frameCache().bytes).toBeLessThan(1.5 * oneWarmed);
    expect(service.handlers.queryExamples(page(first))).toEqual(alone.handlers.queryExamples(page(first)));
    await service.idle();
    expect(service.frameCache().bytes).toBeGreaterThan(1.5 * oneWarmed);
  });
});

describe('warming while a report is at work', () => {
  it('stands aside until the report ends, then goes on', async () => {
    const page = QueryExamplesArgs.parse({ experimentId: fixture.experimentId, studentRunId: fixture.studentRunIds[0], limit: 20 });
    const args = ReportArgs.parse({ experimentId: fixture.experimentId, bootstrap: 0 });
    const reportAfterPage = async (service: ReturnType<typeof createAnalyticsService>) => {
      service.handlers.queryExamples(page);
      const report = await service.handlers.deviationReport(args);
      return { report, bytes: service.frameCache().bytes };
    };
    const unwarmed = await reportAfterPage(createAnalyticsService(createStore(app.db), { prewarmMinRows: Number.MAX_SAFE_INTEGER }));
    const service = createAnalyticsService(createStore(app.db), { prewarmMinRows: 100 });
    const warmedAside = await reportAfterPage(service);
    // The report took many turns of the event loop; the warming took none of them.
    expect(warmedAside.bytes).toBe(unwarmed.bytes);
    expect(warmedAside.report).toEqual(unwarmed.report);
    await service.idle();
    expect(service.frameCache().bytes).toBeGreaterThan(unwarmed.bytes);
  });
});

describe('a scatter and a grid page asked for together', () => {
  it('answers the scatter first: the page waits one turn of the event loop', async () => {
    const answered: string[] = [];
    const scope = { experimentId: fixture.experimentId, studentRunId: fixture.studentRunIds[1] };
    await Promise.all([
      call('queryExamples', { ...scope, limit: 10 }).then(() => answered.push('page')),
      call('deviationScatter', scope).then(() => answered.push('scatter')),
    ]);
    expect(answered).toEqual(['scatter', 'page']);
  });
});
