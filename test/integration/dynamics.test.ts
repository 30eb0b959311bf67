// Training dynamics on real SQLite files (issue 8): the per-example cartography measures, the
// cartography regions and their map, flip events, the three-way confusion and the class × epoch
// deviation heatmap, each recomputed here independently from the stored chunks decoded with plain SQL
// with plain formulas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import { buildAnalysisFrame } from '../../main/analytics/analysisFrame.js';
import { createDatasetColumnsCache } from '../../main/analytics/datasetColumns.js';
import { createPredictionMatrices } from '../../main/analytics/predictionMatrices.js';
import { createRunQueries } from '../../main/store/runQueries.js';
import type { CartographyMapMeta, ClassDeviationHeatmap, ExamplePage, FlipEvents, ThreeWayConfusion } from '../../shared/analytics.js';
import { decodeBinaryFrame } from '../../shared/binaryFrame.js';
import { TOKEN_HEADER } from '../../shared/contract.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { rowsOf, argmax, phi, kl, storedHistory } from '../helpers/storedPredictions.js';
import { createStore } from '../../main/store/store.js';

interface Row {
  id: number;
  split: string;
  trainLabel: number;
}

const C = 4;
const EPOCHS = 4;


const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((v) => (v - mean(xs)) ** 2)));

let app: AppUnderTest;
let fixture: DeviationFixture;
let examples: Row[];
/** byRun.get(runId)[epoch] = that epoch's probabilities by example id */
const byRun = new Map<number, Map<number, number[]>[]>();
const call = <T>(name: string, args: unknown) => app.services.dispatch(name, args, 'http') as Promise<T>;
const probs = (runId: number, epoch: number) => byRun.get(runId)![epoch]!;

beforeAll(async () => {
  app = await startAppUnderTest();
  fixture = createDeviationFixture(app.db, { examples: 400, testShare: 0.25, classes: C, students: 2, epochs: EPOCHS, seed: 11 });
  app.db.prepare("UPDATE examples SET noisy_label = (label + 1) % 4 WHERE dataset_id = ? AND split = 'train' AND idx % 13 = 0").run(fixture.datasetId);
  // The second student is scheduled: one-hot for epochs 0–1, KD from epoch 2 (SPEC V3).
  const phases = [{ from: 0, loss: { kind: 'onehot' } }, { from: 2, loss: { kind: 'kd', alpha: 1, tau: 4, tauSquared: true } }];
  app.db.prepare('UPDATE runs SET spec = ? WHERE id = ?').run(JSON.stringify({ epochs: EPOCHS, phases }), fixture.studentRunIds[1]!);
  examples = app.db.prepare('SELECT id, split, coalesce(noisy_label, label) AS trainLabel FROM examples WHERE dataset_id = ? ORDER BY id').all(fixture.datasetId) as Row[];
  for (const runId of [fixture.teacherRunId, ...fixture.studentRunIds]) byRun.set(runId, [new Map(), ...Array.from({ length: EPOCHS }, (_, e) => rowsOf(app.db, runId, e + 1))]);
});
afterAll(async () => app.dispose());

const query = (args: object) => call<ExamplePage>('queryExamples', { experimentId: fixture.experimentId, limit: 1000, ...args });
const ids = (page: ExamplePage) => page.items.map((e) => e.id);

/** Every new measure of one example, from the rows: the student at `epoch` against the teacher's last epoch. */
function expectedMeasures(studentRunId: number, epoch: number, e: Row, classChoice: 'teacher-top' | 'label' = 'teacher-top') {
  const t = probs(fixture.teacherRunId, EPOCHS).get(e.id)!;
  const s = probs(studentRunId, epoch).get(e.id)!;
  const k = classChoice === 'label' ? e.trainLabel : argmax(t);
  const sTop = argmax(s);
  const history = Array.from({ length: epoch }, (_, j) => probs(studentRunId, j + 1).get(e.id)!);
  const kls = history.map((p) => kl(t, p));
  const devs = history.map((p) => phi(p, k) - phi(t, k));
  return {
    tv: t.reduce((sum, v, c) => sum + Math.abs(v - s[c]!), 0) / 2,
    top1Disagree: argmax(t) === sTop ? 0 : 1,
    studentTopRankInTeacher: 1 + t.filter((v, c) => v > t[sTop]! || (v === t[sTop]! && c < sTop)).length,
    klMean: mean(kls),
    klStd: std(kls),
    deviationMean: mean(devs),
    deviationStd: std(devs),
    flips: history.slice(1).filter((p, j) => argmax(p) !== argmax(history[j]!)).length,
    kls,
  };
}

describe('the dynamics measures', () => {
  it('match a recomputation from the rows for every example, on a page and as sorted columns', async () => {
    for (const [studentRunId, epoch] of [[fixture.studentRunIds[0]!, EPOCHS], [fixture.studentRunIds[1]!, 3]] as const) {
      const page = await query({ studentRunId, epoch });
      expect(page.total).toBe(400);
      for (const item of page.items) {
        const want = expectedMeasures(studentRunId, epoch, examples.find((e) => e.id === item.id)!);
        expect(item.measures.tv!).toBeCloseTo(want.tv, 7);
        expect(item.measures.top1Disagree).toBe(want.top1Disagree);
        expect(item.measures.studentTopRankInTeacher).toBe(want.studentTopRankInTeacher);
        expect(item.measures.klMean!).toBeCloseTo(want.klMean, 9);
        expect(item.measures.klStd!).toBeCloseTo(want.klStd, 9);
        expect(item.measures.deviationMean!).toBeCloseTo(want.deviationMean, 9);
        expect(item.measures.deviationStd!).toBeCloseTo(want.deviationStd, 9);
        expect(item.measures.flips).toBe(want.flips);
      }
      // The rank is 1 exactly where the top classes agree; disagreements and flips both occur.
      expect(page.items.every((e) => (e.measures.studentTopRankInTeacher === 1) === (e.measures.top1Disagree === 0))).toBe(true);
      expect(page.items.filter((e) => e.measures.top1Disagree === 1).length).toBeGreaterThan(5);
      expect(page.items.filter((e) => e.measures.flips! > 0).length).toBeGreaterThan(5);
    }
  });

  it('read the deviation at the label when φ is read at the label', async () => {
    const page = await query({ classChoice: 'label', limit: 50 });
    for (const item of page.items) {
      const want = expectedMeasures(fixture.studentRunIds[0]!, EPOCHS, examples.find((e) => e.id === item.id)!, 'label');
      expect(item.measures.deviationMean!).toBeCloseTo(want.deviationMean, 9);
      expect(item.measures.deviationStd!).toBeCloseTo(want.deviationStd, 9);
    }
  });

  it('filter by range and sort like every measure', async () => {
    const page = await query({ filter: { ranges: [{ measure: 'flips', min: 1 }, { measure: 'tv', max: 0.5 }] }, sort: { column: 'klStd', descending: true } });
    const want = examples.filter((e) => {
      const m = expectedMeasures(fixture.studentRunIds[0]!, EPOCHS, e);
      return m.flips >= 1 && m.tv <= 0.5;
    });
    expect(want.length).toBeGreaterThan(3);
    expect([...ids(page)].sort((x, y) => x - y)).toEqual(want.map((e) => e.id));
    const stds = page.items.map((e) => e.measures.klStd!);
    for (let i = 1; i < stds.length; i++) expect(stds[i]!).toBeLessThanOrEqual(stds[i - 1]!);
  });
});

describe('cartography regions', () => {
  it('select the examples their definitions name, with default and chosen thresholds', async () => {
    const studentRunId = fixture.studentRunIds[0]!;
    for (const thresholds of [{}, { klThreshold: 0.04, klStdThreshold: 0.02 }]) {
      const klThreshold = (thresholds as { klThreshold?: number }).klThreshold ?? 0.1;
      const klStdThreshold = (thresholds as { klStdThreshold?: number }).klStdThreshold ?? 0.05;
      const regions = {
        'never-matches': (e: Row) => expectedMeasures(studentRunId, EPOCHS, e).kls.every((v) => v > klThreshold),
        forgets: (e: Row) => {
          const { kls } = expectedMeasures(studentRunId, EPOCHS, e);
          return kls.slice(0, -1).some((v) => v <= klThreshold) && kls.at(-1)! > klThreshold;
        },
        tracks: (e: Row) => {
          const m = expectedMeasures(studentRunId, EPOCHS, e);
          return m.kls.at(-1)! <= klThreshold && m.klMean <= klThreshold && m.klStd <= klStdThreshold;
        },
        overtakes: (e: Row) => argmax(probs(studentRunId, EPOCHS).get(e.id)!) === e.trainLabel && argmax(probs(fixture.teacherRunId, EPOCHS).get(e.id)!) !== e.trainLabel,
      };
      const seen = new Map<number, string>();
      for (const [kind, test] of Object.entries(regions)) {
        const page = await query({ studentRunId, filter: { region: { kind, ...thresholds } } });
        const want = examples.filter(test).map((e) => e.id);
        expect(ids(page), kind).toEqual(want);
        expect(want.length, `${kind} at ${JSON.stringify(thresholds)}`).toBeGreaterThan(0);
        // never-matches, forgets and tracks never share an example.
        if (kind === 'overtakes') continue;
        for (const id of want) {
          expect(seen.get(id), `${id} in ${kind}`).toBeUndefined();
          seen.set(id, kind);
        }
      }
    }
  });
});

describe('flip events', () => {
  it('count top-class changes and correctness flips per epoch and across a loss switch', async () => {
    const result = await call<FlipEvents>('flipEvents', { experimentId: fixture.experimentId, split: 'train', window: 2 });
    expect(result.runs.map((r) => r.runId)).toEqual([fixture.teacherRunId, ...fixture.studentRunIds]);
    const train = examples.filter((e) => e.split === 'train');
    const between = (runId: number, before: number, after: number) => {
      const counts = { changed: 0, rightToWrong: 0, wrongToRight: 0 };
      for (const e of train) {
        const a = argmax(probs(runId, before).get(e.id)!);
        const b = argmax(probs(runId, after).get(e.id)!);
        if (a !== b) counts.changed++;
        if (a === e.trainLabel && b !== e.trainLabel) counts.rightToWrong++;
        if (a !== e.trainLabel && b === e.trainLabel) counts.wrongToRight++;
      }
      return counts;
    };
    for (const run of result.runs) {
      expect(run.n).toBe(train.length);
      expect(run.epochs).toEqual([2, 3, 4].map((epoch) => ({ epoch, ...between(run.runId, epoch - 1, epoch) })));
    }
    expect(result.runs[1]!.epochs.some((e) => e.changed > 0 && e.wrongToRight > 0)).toBe(true);
    expect(result.runs[1]!.switches).toEqual([]);
    expect(result.runs[2]!.switches).toEqual([{ epoch: 2, loss: 'kd', before: 2, after: 4, counts: between(fixture.studentRunIds[1]!, 2, 4) }]);

    const oneRun = await call<FlipEvents>('flipEvents', { experimentId: fixture.experimentId, runIds: [fixture.studentRunIds[1]] });
    expect(oneRun.split).toBeNull();
    expect(oneRun.runs[0]!.n).toBe(400);
    // The default window compares the last epoch under the old loss with the first under the new.
    const third = oneRun.runs[0]!.epochs.find((e) => e.epoch === 3)!;
    expect(oneRun.runs[0]!.switches[0]!.counts).toEqual({ changed: third.changed, rightToWrong: third.rightToWrong, wrongToRight: third.wrongToRight });
  });

  it('refuses a run of another experiment and an unknown split', async () => {
    await expect(call('flipEvents', { experimentId: fixture.experimentId, runIds: [999] })).rejects.toThrow(/run 999 is not part of experiment/);
    await expect(call('flipEvents', { experimentId: fixture.experimentId, split: 'nope' })).rejects.toThrow(/split "nope" does not exist/);
  });
});

describe('the three-way confusion', () => {
  it('counts label × teacher top × student top, and each cell opens as a filter', async () => {
    for (const [split, epoch] of [[undefined, undefined], ['test', 2]] as const) {
      const studentRunId = fixture.studentRunIds[1]!;
      const result = await call<ThreeWayConfusion>('threeWayConfusion', { experimentId: fixture.experimentId, studentRunId, ...(epoch ? { epoch } : {}), ...(split ? { split } : {}) });
      const rows = examples.filter((e) => split === undefined || e.split === split);
      const want = new Array<number>(C ** 3).fill(0);
      const members = new Map<number, number[]>();
      for (const e of rows) {
        const cell = (e.trainLabel * C + argmax(probs(fixture.teacherRunId, EPOCHS).get(e.id)!)) * C + argmax(probs(studentRunId, epoch ?? EPOCHS).get(e.id)!);
        want[cell]!++;
        members.set(cell, [...(members.get(cell) ?? []), e.id]);
      }
      expect(result).toMatchObject({ studentRunId, teacherRunId: fixture.teacherRunId, studentEpoch: epoch ?? EPOCHS, teacherEpoch: EPOCHS, split: split ?? null, numClasses: C, n: rows.length });
      expect(result.counts).toEqual(want);
      expect(want.filter((v) => v > 0).length).toBeGreaterThan(C);
      // Click-through: the `confusion` clause gives exactly a cell's examples.
      for (const [cell, cellIds] of [...members].slice(0, 6)) {
        const confusion = { label: Math.floor(cell / (C * C)), teacherTop: Math.floor(cell / C) % C, studentTop: cell % C };
        const page = await query({ studentRunId, ...(epoch ? { epoch } : {}), filter: { confusion, ...(split ? { split } : {}) } });
        expect(ids(page)).toEqual(cellIds);
      }
    }
  });

  it('refuses classes the dataset does not have', async () => {
    await expect(query({ filter: { confusion: { label: 0, teacherTop: C, studentTop: 0 } } })).rejects.toThrow(/class 4 does not exist/);
  });

  it("gives one label's slice on request, the cube's cells for that label", async () => {
    const scope = { experimentId: fixture.experimentId, studentRunId: fixture.studentRunIds[1]! };
    const cube = await call<ThreeWayConfusion>('threeWayConfusion', scope);
    expect(cube.label).toBeNull();
    for (let label = 0; label < C; label++) {
      const slice = await call<ThreeWayConfusion>('threeWayConfusion', { ...scope, label });
      expect(slice.label).toBe(label);
      expect(slice.counts).toEqual(cube.counts.slice(label * C * C, (label + 1) * C * C));
      expect(slice.n).toBe(examples.filter((e) => e.trainLabel === label).length);
    }
    await expect(call('threeWayConfusion', { ...scope, label: C })).rejects.toThrow(/label 4 is not a class/);
  });
});

describe('single-row dynamics of a large run', () => {
  it('read the example history and agree with the columns', () => {
    const runs = createRunQueries(app.db);
    const experiment = runs.getExperiment(fixture.experimentId);
    let historyReads = 0;
    const sources = {
      dataset: createDatasetColumnsCache(createStore(app.db)).get(fixture.datasetId),
      matrices: createPredictionMatrices(createStore(app.db).predictions),
      experimentRuns: experiment.runs,
      runSummary: (id: number) => runs.runSummary(id),
      exampleHistory: (exampleId: number) => {
        historyReads++;
        return storedHistory(app.db, exampleId);
      },
      // Every run counts as large: a row is read from its history, never as a column.
      dynamicsColumnBytes: 0,
    };
    const scope = { experimentId: fixture.experimentId, studentRunId: fixture.studentRunIds[0]!, classChoice: 'teacher-top' as const };
    const frame = buildAnalysisFrame(scope, sources);
    const measures = ['klMean', 'klStd', 'deviationMean', 'deviationStd', 'flips'] as const;
    const rows = [0, 17, 250, 399];
    const single = rows.map((row) => measures.map((m) => frame.measureAt(m, row)));
    expect(historyReads).toBe(rows.length);
    const columns = buildAnalysisFrame(scope, sources);
    expect(rows.map((row) => measures.map((m) => columns.measure(m)[row]!))).toEqual(single);
    const want = expectedMeasures(fixture.studentRunIds[0]!, EPOCHS, examples[17]!);
    expect(single[1]![0]!).toBeCloseTo(want.klMean, 9);
    expect(single[1]![4]).toBe(want.flips);
  });
});

describe('the cartography map', () => {
  /** The regions of one example at the default thresholds, by their definitions (docs/metrics.md). */
  function regionsOf(studentRunId: number, e: Row): string[] {
    const m = expectedMeasures(studentRunId, EPOCHS, e);
    const last = m.kls.at(-1)!;
    const out: string[] = [];
    if (m.kls.every((v) => v > 0.1)) out.push('never-matches');
    if (m.kls.slice(0, -1).some((v) => v <= 0.1) && last > 0.1) out.push('forgets');
    if (argmax(probs(studentRunId, EPOCHS).get(e.id)!) === e.trainLabel && argmax(probs(fixture.teacherRunId, EPOCHS).get(e.id)!) !== e.trainLabel) out.push('overtakes');
    if (last <= 0.1 && m.klMean <= 0.1 && m.klStd <= 0.05) out.push('tracks');
    return out;
  }
  const BITS = ['never-matches', 'forgets', 'overtakes', 'tracks'];

  it('places every example of the split at its KL mean and std, with its regions, as a binary frame over HTTP', async () => {
    const studentRunId = fixture.studentRunIds[0]!;
    const response = await fetch(`${app.base}/api/call/cartographyMap`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [TOKEN_HEADER]: app.server.token },
      body: JSON.stringify({ experimentId: fixture.experimentId, studentRunId, split: 'train' }),
    });
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const frame = decodeBinaryFrame<CartographyMapMeta>(new Uint8Array(await response.arrayBuffer()));
    const rows = examples.filter((e) => e.split === 'train');
    expect(frame.meta).toMatchObject({ studentRunId, teacherRunId: fixture.teacherRunId, studentEpoch: EPOCHS, teacherEpoch: EPOCHS, split: 'train', axes: 'kl', xMeasure: 'klMean', yMeasure: 'klStd', n: rows.length, missing: 0, klThreshold: 0.1, klStdThreshold: 0.05 });
    expect(Array.from(frame.columns.id!)).toEqual(rows.map((e) => e.id));
    const counts: Record<string, number> = { 'never-matches': 0, forgets: 0, overtakes: 0, tracks: 0, other: 0 };
    rows.forEach((e, i) => {
      const want = expectedMeasures(studentRunId, EPOCHS, e);
      expect(frame.columns.x![i]).toBeCloseTo(want.klMean, 6);
      expect(frame.columns.y![i]).toBeCloseTo(want.klStd, 6);
      const regions = regionsOf(studentRunId, e);
      expect(BITS.filter((_, b) => frame.columns.regions![i]! & (1 << b)), `example ${e.id}`).toEqual(BITS.filter((r) => regions.includes(r)));
      for (const r of regions) counts[r]!++;
      if (regions.length === 0) counts.other!++;
    });
    expect(frame.meta.counts).toEqual(counts);
    // Every region occurs, and each count is the explorer's total for that region.
    for (const kind of BITS) {
      expect(counts[kind], kind).toBeGreaterThan(0);
      expect((await query({ studentRunId, filter: { split: 'train', region: { kind } }, limit: 1 })).total).toBe(counts[kind]);
    }
  });

  it('draws b − a mean × std instead, at the label when φ is read at the label, over every split', async () => {
    const studentRunId = fixture.studentRunIds[1]!;
    for (const classChoice of ['teacher-top', 'label'] as const) {
      const bytes = await call<Uint8Array>('cartographyMap', { experimentId: fixture.experimentId, studentRunId, epoch: 3, classChoice, axes: 'deviation' });
      const frame = decodeBinaryFrame<CartographyMapMeta>(bytes);
      expect(frame.meta).toMatchObject({ split: null, axes: 'deviation', xMeasure: 'deviationMean', yMeasure: 'deviationStd', studentEpoch: 3, n: examples.length });
      examples.forEach((e, i) => {
        const want = expectedMeasures(studentRunId, 3, e, classChoice);
        expect(frame.columns.x![i]).toBeCloseTo(want.deviationMean, 5);
        expect(frame.columns.y![i]).toBeCloseTo(want.deviationStd, 5);
      });
    }
  });

  it('refuses an unknown split and axes it does not draw', async () => {
    await expect(call('cartographyMap', { experimentId: fixture.experimentId, split: 'nope' })).rejects.toThrow(/split "nope" does not exist/);
    await expect(call('cartographyMap', { experimentId: fixture.experimentId, axes: 'tv' })).rejects.toThrow(/invalid|axes/i);
  });
});

describe('the class × epoch deviation heatmap', () => {
  it('averages KL(teacher ‖ student at e) and b − a over each label\'s examples at every epoch', async () => {
    const studentRunId = fixture.studentRunIds[1]!;
    for (const [split, epoch, classChoice] of [['train', undefined, 'teacher-top'], ['test', 3, 'label'], [undefined, 2, 'teacher-top']] as const) {
      const result = await call<ClassDeviationHeatmap>('classDeviationHeatmap', { experimentId: fixture.experimentId, studentRunId, classChoice, ...(epoch ? { epoch } : {}), ...(split ? { split } : {}) });
      const E = epoch ?? EPOCHS;
      expect(result).toMatchObject({ studentRunId, teacherRunId: fixture.teacherRunId, studentEpoch: E, teacherEpoch: EPOCHS, split: split ?? null, classChoice });
      expect(result.epochs).toEqual(Array.from({ length: E }, (_, j) => j + 1));
      expect(result.kl).toHaveLength(C);
      for (let c = 0; c < C; c++) {
        const members = examples.filter((e) => e.trainLabel === c && (split === undefined || e.split === split));
        expect(members.length).toBeGreaterThan(0);
        for (let e = 1; e <= E; e++) {
          const t = (id: number) => probs(fixture.teacherRunId, EPOCHS).get(id)!;
          const s = (id: number) => probs(studentRunId, e).get(id)!;
          const k = (m: Row) => (classChoice === 'label' ? m.trainLabel : argmax(t(m.id)));
          expect(result.counts[c]![e - 1]).toBe(members.length);
          expect(result.kl[c]![e - 1]!).toBeCloseTo(mean(members.map((m) => kl(t(m.id), s(m.id)))), 9);
          expect(result.deviation[c]![e - 1]!).toBeCloseTo(mean(members.map((m) => phi(s(m.id), k(m)) - phi(t(m.id), k(m)))), 9);
        }
      }
    }
  });

  it('reads the same numbers as the cartography columns: the last epoch\'s KL is the frame\'s', async () => {
    const studentRunId = fixture.studentRunIds[0]!;
    const result = await call<ClassDeviationHeatmap>('classDeviationHeatmap', { experimentId: fixture.experimentId, studentRunId, split: 'test' });
    const page = await query({ studentRunId, filter: { split: 'test', labels: [2] } });
    expect(result.kl[2]![EPOCHS - 1]!).toBeCloseTo(mean(page.items.map((e) => e.measures.kl!)), 9);
    expect(result.deviation[2]![EPOCHS - 1]!).toBeCloseTo(mean(page.items.map((e) => e.measures.deviation!)), 9);
    expect(result.counts[2]![0]).toBe(page.total);
  });

  it('refuses an unknown split and an epoch the student has not recorded', async () => {
    await expect(call('classDeviationHeatmap', { experimentId: fixture.experimentId, split: 'nope' })).rejects.toThrow(/split "nope" does not exist/);
    await expect(call('classDeviationHeatmap', { experimentId: fixture.experimentId, epoch: EPOCHS + 1 })).rejects.toThrow(/is not one of them/);
  });
});
