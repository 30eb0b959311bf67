// The training-manifest dialog in Chromium over web mode: the explorer's filter as rule 1 with a
// weight and a reason, downloaded as CSV (every example of the split once, the filter's examples
// with the rule's weight), a curriculum ordered by first-matching rule written beside the database
// (asking before replacing it), and the Dynamics page's region shortcut. The runs are ingested
// (docs/ingest.md) from probabilities made here, so expected rows are recomputed from them.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlainDataset, randomProbabilities, type PlainDataset } from '../../bench/ingestFixture.js';
import { ingestRuns } from '../../main/data/runIngest.js';
import { parseCsv } from '../../main/data/textTable.js';
import { appBase, canOpenAppInBrowser, closeAppAndBrowser, expectOverwriteAsked, openAppPage } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';
import { argmax } from '../helpers/storedPredictions.js';
import { createStore } from '../../main/store/store.js';

const N = 400;
const C = 4;
const EPOCHS = 2;

/** Random rows; a teacher's are pulled towards the label on four examples in five, so it is mostly right. */
function probabilities(data: PlainDataset, seed: number, teacher: boolean): Float32Array {
  const p = randomProbabilities(N, C, seed);
  if (!teacher) return p;
  for (let i = 0; i < N; i++) {
    if (i % 5 === 0) continue;
    const row = Array.from(p.subarray(i * C, (i + 1) * C));
    row[data.labels[i]!]! += 0.6;
    const sum = row.reduce((a, v) => a + v, 0);
    p.set(row.map((v) => v / sum), i * C);
  }
  return p;
}

function writeRun(dir: string, manifest: object, data: PlainDataset, epochs: Float32Array[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest));
  epochs.forEach((p, e) => {
    const lines = data.ids.map((id, i) => JSON.stringify({ example: id, probs: Array.from(p.subarray(i * C, (i + 1) * C)) }));
    fs.writeFileSync(path.join(dir, `epoch-${e + 1}.jsonl`), lines.join('\n') + '\n');
  });
}

type Row = Record<string, string>;
function csvRows(text: string): { header: string[]; rows: Row[] } {
  const [head, ...body] = parseCsv(text, 'manifest.csv');
  const header = head!.fields;
  return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r.fields[i]!]))) };
}

describe.skipIf(!canOpenAppInBrowser)('the training manifest dialog in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let data: PlainDataset;
  let experimentId: number;
  let teacherId: number;
  let studentId: number;
  /** by example id: teacher and student right at the last epoch */
  const right = new Map<number, { teacher: boolean; student: boolean }>();
  const trainIds = () => data.ids.filter((_, i) => data.splits[i] === 'train');

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
  const base = () => appBase(app);
  async function downloadCsv(name: string): Promise<{ header: string[]; rows: Row[]; fileName: string }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('manifest-download').click()]);
    const saved = path.join(app.dir, name);
    await download.saveAs(saved);
    return { ...csvRows(fs.readFileSync(saved, 'utf8')), fileName: download.suggestedFilename() };
  }
  const shownCounts = () => page.getByTestId('manifest-count').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count'))));

  beforeAll(async () => {
    app = await startAppUnderTest();
    data = createPlainDataset(app.db, N, C, 'manifest target');
    const root = path.join(app.dir, 'runs');
    const teacher = [1, 2].map((s) => probabilities(data, s, true));
    const student = [11, 12].map((s) => probabilities(data, s, false));
    writeRun(path.join(root, 'a-teacher'), { name: 'teacher', role: 'teacher', epochs: EPOCHS }, data, teacher);
    writeRun(path.join(root, 'b-student'), { name: 'KD', role: 'student', teacher: 'teacher', epochs: EPOCHS }, data, student);
    const result = await ingestRuns(createStore(app.db), { path: root, datasetId: data.datasetId, experimentName: 'manifest e2e' });
    experimentId = result.experimentId;
    [teacherId, studentId] = result.runs.map((r) => r.id) as [number, number];
    data.ids.forEach((id, i) => {
      const row = (p: Float32Array) => Array.from(p.subarray(i * C, (i + 1) * C));
      right.set(id, { teacher: argmax(row(teacher[EPOCHS - 1]!)) === data.labels[i], student: argmax(row(student[EPOCHS - 1]!)) === data.labels[i] });
    });
    browser = await openAppPage(app, { width: 1400, height: 950 });
    page = browser.page;
  });
  afterAll(() => closeAppAndBrowser(app, browser));

  it('downloads the explorer filter as rule 1: its examples weighted 0.25 with the reason, every other training example at the default', async () => {
    const picked = trainIds().filter((id) => right.get(id)!.teacher && !right.get(id)!.student);
    expect(picked.length).toBeGreaterThan(20);
    await page.goto(`${base()}#/experiments/${experimentId}/explore?split=train&ok=${teacherId}%2B,${studentId}-`);
    await expect.poll(async () => Number(await page.getByTestId('grid-total').getAttribute('data-total'))).toBe(picked.length);
    await page.getByTestId('open-manifest').click();
    const dialog = page.getByTestId('manifest-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('manifest-rule-reason').inputValue()).toBe('teacher right, KD wrong');
    expect(await page.getByTestId('manifest-rule-weight').inputValue()).toBe('0.5');
    expect(await page.getByTestId('manifest-split').inputValue()).toBe('train');
    expect(await page.getByTestId('manifest-path').inputValue()).toBe(path.join(app.dir, 'manifest e2e train weights.csv'));
    await page.getByTestId('manifest-rule-weight').fill('0.25');
    await page.getByTestId('manifest-rule-reason').fill('teacher right, student wrong: upweight… no, halve');

    const { header, rows, fileName } = await downloadCsv('weights.csv');
    expect(fileName).toBe('manifest e2e train weights.csv');
    expect(header).toEqual(['id', 'split', 'index', 'source_ref', 'weight', 'reason']);
    expect(rows.map((r) => Number(r.id))).toEqual(trainIds()); // every training example once, in id order
    const inRule = new Set(picked);
    for (const r of rows) {
      const expected = inRule.has(Number(r.id)) ? ['0.25', 'teacher right, student wrong: upweight… no, halve'] : ['1', 'default'];
      expect([r.weight, r.reason]).toEqual(expected);
      expect(r.split).toBe('train');
    }
    await page.getByTestId('manifest-counts').waitFor();
    expect(await shownCounts()).toEqual([picked.length, trainIds().length - picked.length]);
    await shot('manifest-dialog');
  });

  it('writes a curriculum beside the database, first matching rule first, and asks before replacing it', async () => {
    // rule 2, "student wrong", also holds rule 1's examples: they stay in stage 1
    await page.getByTestId('manifest-preset').selectOption('student-wrong');
    await page.getByTestId('manifest-add-rule').click();
    expect(await page.getByTestId('manifest-rule').count()).toBe(2);
    await page.getByTestId('manifest-rule-weight').nth(1).fill('2');
    await page.getByTestId('manifest-kind').selectOption('curriculum');
    await page.getByTestId('manifest-default-weight').fill('0.75');
    const target = path.join(app.dir, 'manifest e2e train curriculum.csv');
    expect(await page.getByTestId('manifest-path').inputValue()).toBe(target);
    await page.getByTestId('manifest-write').click();
    await page.getByTestId('manifest-done').waitFor();

    const ids = trainIds();
    const stage = (id: number) => (right.get(id)!.teacher && !right.get(id)!.student ? 1 : !right.get(id)!.student ? 2 : 3);
    const expected = [1, 2, 3].flatMap((s) => ids.filter((id) => stage(id) === s));
    const { header, rows } = csvRows(fs.readFileSync(target, 'utf8'));
    expect(header).toEqual(['id', 'split', 'index', 'source_ref', 'stage', 'weight', 'reason']);
    expect(rows.map((r) => Number(r.id))).toEqual(expected);
    expect(rows.map((r) => Number(r.stage))).toEqual(expected.map(stage));
    expect(new Set(rows.filter((r) => r.stage === '2').map((r) => `${r.weight} ${r.reason}`))).toEqual(new Set(['2 student wrong']));
    expect(new Set(rows.filter((r) => r.stage === '3').map((r) => `${r.weight} ${r.reason}`))).toEqual(new Set(['0.75 default']));
    expect(await shownCounts()).toEqual([1, 2, 3].map((s) => ids.filter((id) => stage(id) === s).length));
    await shot('manifest-curriculum');

    await expectOverwriteAsked(page, target, 'manifest', 'manifest-write');
    await page.getByTestId('manifest-close').click();
    expect(await page.getByTestId('manifest-dialog').count()).toBe(0);
  });

  it('opens the dialog from a cartography region on the Dynamics page, the region as rule 1', async () => {
    await page.goto(`${base()}#/experiments/${experimentId}/dynamics`);
    const region = page.getByTestId('region-never-matches');
    await expect.poll(async () => (await region.getAttribute('data-count')) ?? '').not.toBe('');
    await shot('manifest-regions');
    await page.getByTestId('region-weights-never-matches').click();
    expect(await page.getByTestId('manifest-rule-reason').inputValue()).toBe('never-matches: never matches the teacher');
    await downloadCsv('region.csv');
    expect((await shownCounts())[0]).toBe(Number(await region.getAttribute('data-count')));
    await shot('manifest-from-region');
    expect(browser.errors).toEqual([]);
  });

  it('says on the Explore and Compare pages which numbers of a top-k run are estimates', async () => {
    // The same student stored top-2 only (docs/ingest.md, "Many classes").
    const root = path.join(app.dir, 'topk-runs');
    const teacher = probabilities(data, 21, true);
    const student = probabilities(data, 22, false);
    fs.mkdirSync(path.join(root, 'b-student'), { recursive: true });
    writeRun(path.join(root, 'a-teacher'), { name: 'teacher', role: 'teacher', epochs: 1 }, data, [teacher]);
    const lines = data.ids.map((id, i) => {
      const row = Array.from(student.subarray(i * C, (i + 1) * C));
      const top = row.map((_, c) => c).sort((a, b) => row[b]! - row[a]!).slice(0, 2);
      return JSON.stringify({ example: id, top_classes: top, top_probs: top.map((c) => row[c]), label_prob: row[data.labels[i]!] });
    });
    fs.writeFileSync(path.join(root, 'b-student', 'run.json'), JSON.stringify({ name: 'KD top-2', role: 'student', epochs: 1, topK: 2 }));
    fs.writeFileSync(path.join(root, 'b-student', 'epoch-1.jsonl'), lines.join('\n') + '\n');
    const topK = await ingestRuns(createStore(app.db), { path: root, datasetId: data.datasetId, experimentName: 'top-k e2e' });
    const note = /KD top-2 stored its top 2 probabilities and p\(label\) only: .* are exact; KL, .* are estimates/;
    await page.goto(`${base()}#/experiments/${topK.experimentId}/explore`);
    await page.getByTestId('explorer-note').waitFor();
    expect(await page.getByTestId('explorer-note').textContent()).toMatch(note);
    await page.goto(`${base()}#/experiments/${topK.experimentId}/compare`);
    await page.getByTestId('report-note').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('report-note').textContent()).toMatch(note);
    await shot('top-k-note');
    expect(browser.errors).toEqual([]);
  });
});
