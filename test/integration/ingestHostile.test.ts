// `disobey ingest` against hostile folders and files: run folders that are links, unreadable or
// misnamed are followed or refused by name, never dropped; a PATH naming another file than run.json,
// keys that only look like indices, top-k rows that cannot be the top k, rows with both probs and
// logits, BOMs and UTF-16, dangling links and loops, deep manifests and over-long names, FIFOs,
// over-long lines and NPY files too large or of the wrong shape are each refused naming the file
// (and row), with nothing written; Ctrl-C and SIGTERM roll the CLI's ingest back, and what the
// ingest cannot know for sure (a student without a teacher, logits that look like probabilities)
// is said in a note.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { createPlainDataset, encodeNpy, randomProbabilities, type PlainDataset } from '../../bench/ingestFixture.js';
import { openNpy, readNpz } from '../../main/data/npyReader.js';
import { readParquetPredictions, readParquetTopK } from '../../main/data/parquetReader.js';
import { ingestRuns } from '../../main/data/runIngest.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore } from '../../main/store/store.js';
import { indexCsv, int64Npy, makeFifo, npz, writeDenseParquet } from '../helpers/ingestFiles.js';
import { makeTempDir } from '../helpers/tempDir.js';

const N = 40;
const C = 4;
const temp = makeTempDir();
let db: Database.Database;
let data: PlainDataset;

beforeAll(() => {
  db = openDatabase(path.join(temp.dir, 'hostile.db'));
  data = createPlainDataset(db, N, C);
});
afterAll(() => {
  db.close();
  temp.dispose();
});

/** Whether the tests run as root, for whom no permission bit keeps a file from being read. */
const asRoot = process.getuid?.() === 0;

let folderCount = 0;
function freshDir(): string {
  const dir = path.join(temp.dir, `case-${++folderCount}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A run folder `dir` with its run.json and files. */
function writeRunAt(dir: string, manifest: object, files: Record<string, string | Buffer>): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

/** Every example's probabilities as JSONL, keyed by example id. */
function goodJsonl(seed: number): string {
  const probs = randomProbabilities(N, C, seed);
  return data.ids.map((id, i) => JSON.stringify({ example: id, probs: Array.from(probs.subarray(i * C, (i + 1) * C)) })).join('\n') + '\n';
}

function ingest(dir: string, experimentName?: string) {
  return ingestRuns(createStore(db), { path: dir, datasetId: data.datasetId, experimentName });
}

function counts(): number[] {
  return ['experiments', 'runs', 'prediction_matrices', 'epoch_metrics'].map((t) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number);
}

/** Expects the ingest of `dir` refused with a message matching `message`, and nothing written. */
async function expectRefused(dir: string, message: RegExp, experimentName?: string): Promise<void> {
  const before = counts();
  await expect(ingest(dir, experimentName)).rejects.toThrow(message);
  expect(counts()).toEqual(before);
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');



const uniform = () => Array.from({ length: C }, () => 1 / C);

describe('ingest: run folders are followed or refused by name, never dropped', () => {
  it('a run folder that is a symbolic link to a folder elsewhere is ingested with the others', async () => {
    const root = freshDir();
    const elsewhere = writeRunAt(path.join(freshDir(), 'teacher'), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    writeRunAt(path.join(root, 'student'), { name: 'student', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(2) });
    fs.symlinkSync(elsewhere, path.join(root, 'teacher'));
    const result = await ingest(root);
    expect(result.runs.map((r) => [r.name, r.role])).toEqual([['student', 'student'], ['teacher', 'teacher']]);
  });

  it('a run folder holding predictions but its manifest under another name (Run.json) is refused by folder, naming the file it holds', async () => {
    const root = freshDir();
    writeRunAt(path.join(root, 'teacher'), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    const student = writeRunAt(path.join(root, 'student'), { name: 'student', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(2) });
    fs.renameSync(path.join(student, 'run.json'), path.join(student, 'Run.json'));
    await expectRefused(root, new RegExp(`${escaped(student)}: this run folder holds predictions but no run\\.json \\(it holds Run\\.json`));
  });

  it('a folder beside the runs holding no predictions (plots, notes) is not a run and is passed over', async () => {
    const root = freshDir();
    writeRunAt(path.join(root, 'teacher'), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    fs.mkdirSync(path.join(root, 'plots'));
    fs.writeFileSync(path.join(root, 'plots', 'loss.png'), 'png');
    fs.writeFileSync(path.join(root, 'README.md'), 'notes');
    expect((await ingest(root)).runs.map((r) => r.name)).toEqual(['teacher']);
  });

  it('an entry of the runs folder that cannot be followed (a dangling link) is refused by name', async () => {
    const root = freshDir();
    writeRunAt(path.join(root, 'teacher'), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    fs.symlinkSync(path.join(temp.dir, 'removed-scratch'), path.join(root, 'student'));
    await expectRefused(root, new RegExp(`${escaped(path.join(root, 'student'))}: cannot read: ENOENT`));
  });

  it.skipIf(asRoot)('a run folder that cannot be read is refused by name (not passed over)', async () => {
    const root = freshDir();
    writeRunAt(path.join(root, 'teacher'), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    const student = writeRunAt(path.join(root, 'student'), { name: 'student', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(2) });
    fs.chmodSync(student, 0);
    try {
      await expectRefused(root, new RegExp(`${escaped(student)}: cannot read the folder: EACCES`));
    } finally {
      fs.chmodSync(student, 0o755);
    }
  });
});

describe('ingest: PATH', () => {
  it('a file other than run.json (another manifest, an epoch file) is refused, not read as the run beside it', async () => {
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1), 'my-manifest.json': JSON.stringify({ name: 'other', role: 'teacher', epochs: 1 }) });
    for (const name of ['my-manifest.json', 'epoch-1.jsonl']) {
      await expectRefused(path.join(dir, name), new RegExp(`${escaped(path.join(dir, name))}: PATH names a file other than a run\\.json`));
    }
    expect((await ingest(path.join(dir, 'run.json'))).runs.map((r) => r.name)).toEqual(['teacher']);
  });

  it.skipIf(!fs.existsSync('/dev/null'))('a device is refused as neither a folder nor a run.json', async () => {
    await expectRefused('/dev/null', /^\/dev\/null: neither a folder nor a run\.json file/);
  });
});

describe('ingest: keys, values and rows', () => {
  it('a "split:index" key whose index is not plain digits ("test:", "test: ", 0x0, -0, +0, 0e0) is refused by file, row and key, not read as index 0', async () => {
    const probs = randomProbabilities(10, C, 5);
    for (const bad of ['test:', 'test: ', 'test:0x0', 'test:-0', 'test:+0', 'test:0e0']) {
      const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ example: i === 0 ? bad : `test:${i}`, probs: Array.from(probs.subarray(i * C, (i + 1) * C)) }));
      const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1, key: 'index' }, { 'epoch-1.jsonl': lines.join('\n') + '\n' });
      await expectRefused(dir, new RegExp(`epoch-1\\.jsonl, row 1: an example key of type index must be an integer index or "split:index": ${escaped(JSON.stringify(bad))}$`));
    }
  });

  it('a top-k row whose unknown mass would give some unknown class more than the smallest of the k is refused by file and row; one that fits is ingested', async () => {
    // k = 2 of C = 4: the label among the top 2 leaves 2 unknown classes, each at most the smaller top value.
    const row = (i: number, top: [number, number]) => {
      const label = data.labels[i]!;
      return JSON.stringify({ example: data.ids[i], top_classes: [label, (label + 1) % C], top_probs: top, label_prob: top[0] });
    };
    const file = (bad: [number, number] | null) => data.ids.map((_, i) => row(i, i === 6 && bad ? bad : [0.5, 0.25])).join('\n') + '\n';
    // 0.3 + 0.2 known leaves 0.5 for the two unknown classes: one of them holds at least 0.25, above the 0.2 of the second largest.
    await expectRefused(writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1, topK: 2 }, { 'epoch-1.jsonl': file([0.3, 0.2]) }), /epoch-1\.jsonl, row 7: the top 2 cannot be the largest: the known probabilities sum to 0\.5, leaving 0\.5 for 2 other classes, more than the smallest of the top 2 \(0\.2\) for each/);
    // The label outside the top 2 is known too: 1 − 0.9 − 0.05 = 0.05 for the one class left, not above 0.4.
    const outside = (i: number) => {
      const label = data.labels[i]!;
      return JSON.stringify({ example: data.ids[i], top_classes: [(label + 1) % C, (label + 2) % C], top_probs: [0.5, 0.4], label_prob: 0.05 });
    };
    const fits = data.ids.map((_, i) => (i === 6 ? outside(i) : row(i, [0.5, 0.25]))).join('\n') + '\n';
    const result = await ingest(writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1, topK: 2 }, { 'epoch-1.jsonl': fits }));
    expect(result.runs).toHaveLength(1);
    // With the top 2 at 0.2 and 0.19 and the label at 0.01, the one class left would hold 0.6: the 0.19 is no second largest.
    const outsideTooLittle = (i: number) => {
      const label = data.labels[i]!;
      return JSON.stringify({ example: data.ids[i], top_classes: [(label + 1) % C, (label + 2) % C], top_probs: [0.2, 0.19], label_prob: 0.01 });
    };
    await expectRefused(writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1, topK: 2 }, { 'epoch-1.jsonl': data.ids.map((_, i) => (i === 6 ? outsideTooLittle(i) : row(i, [0.5, 0.25]))).join('\n') + '\n' }), /row 7: the top 2 cannot be the largest: .* for 1 other class, more than the smallest of the top 2 \(0\.19\)/);
  });

  it('a JSONL line or an NPZ file with both probs and logits is refused (as Parquet is), not read as its probs', async () => {
    const probs = randomProbabilities(N, C, 7);
    const lines = data.ids.map((id, i) => JSON.stringify({ example: id, probs: Array.from(probs.subarray(i * C, (i + 1) * C)), ...(i === 2 ? { logits: [0, 0, 0, 0] } : {}) }));
    await expectRefused(writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': lines.join('\n') + '\n' }), /epoch-1\.jsonl, row 3: holds both "probs" and "logits"; keep exactly one/);
    const archive = await npz({ index: int64Npy(data.ids), probs: encodeNpy(probs, [N, C]), logits: encodeNpy(new Float32Array(N * C), [N, C]) });
    await expectRefused(writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npz': archive }), /epoch-1\.npz: holds both arrays "probs" and "logits"; keep exactly one/);
  });

  it('a Parquet list row with the wrong number of values is refused at that row (row 0), not at the next', async () => {
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, {});
    writeDenseParquet(path.join(dir, 'epoch-1.parquet'), data.ids, data.ids.map((_, i) => (i === 0 ? [0.5, 0.5, 0] : uniform())));
    await expectRefused(dir, /epoch-1\.parquet, row 0: "probs" holds 3 values where the dataset has 4 classes/);
  });

  it('a Parquet part that is a link to the file a job wrote elsewhere is read as a part', async () => {
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, {});
    const parts = path.join(dir, 'epoch-1');
    fs.mkdirSync(parts);
    const store = freshDir();
    writeDenseParquet(path.join(parts, 'part-00000.parquet'), data.ids.slice(0, 20), data.ids.slice(0, 20).map(uniform));
    writeDenseParquet(path.join(store, 'part-00001.parquet'), data.ids.slice(20), data.ids.slice(20).map(uniform));
    fs.symlinkSync(path.join(store, 'part-00001.parquet'), path.join(parts, 'part-00001.parquet'));
    expect((await ingest(dir)).runs[0]!.splits).toEqual(['train', 'test']);
  });
});

describe('ingest: encodings', () => {
  it('a UTF-8 byte-order mark at the start of run.json or of a JSONL file is dropped', async () => {
    const bom = '\uFEFF';
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'run.json'), bom + JSON.stringify({ name: 'teacher', role: 'teacher', epochs: 1 }));
    fs.writeFileSync(path.join(dir, 'epoch-1.jsonl'), bom + goodJsonl(3));
    const result = await ingest(dir);
    expect(result.runs.map((r) => [r.name, r.splits])).toEqual([['teacher', ['train', 'test']]]);
  });

  it('UTF-16 run.json or JSONL (a BOM, or NUL bytes without one) is refused as UTF-16, asking for UTF-8', async () => {
    const manifest = JSON.stringify({ name: 'teacher', role: 'teacher', epochs: 1 });
    const utf16le = (text: string, bom: boolean) => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);
    const a = freshDir();
    fs.writeFileSync(path.join(a, 'run.json'), utf16le(manifest, true));
    fs.writeFileSync(path.join(a, 'epoch-1.jsonl'), goodJsonl(3));
    await expectRefused(a, new RegExp(`${escaped(path.join(a, 'run.json'))}: UTF-16 text \\(its byte-order mark says so\\): save it as UTF-8$`));
    const b = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': utf16le(goodJsonl(3), false) });
    await expectRefused(b, new RegExp(`${escaped(path.join(b, 'epoch-1.jsonl'))}: holds NUL bytes \\(UTF-16 text\\?\\): save it as UTF-8$`));
  });
});

describe('ingest: every failure names its file', () => {
  it('an epoch-<E> entry that is a dangling link or a link loop is refused by name (no bare ENOENT / ELOOP)', async () => {
    const dangling = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    fs.symlinkSync(path.join(temp.dir, 'nowhere'), path.join(dangling, 'epoch-3'));
    await expectRefused(dangling, new RegExp(`^${escaped(path.join(dangling, 'epoch-3'))}: cannot read: ENOENT`));
    const loop = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    fs.symlinkSync('epoch-9', path.join(loop, 'epoch-8'));
    fs.symlinkSync('epoch-8', path.join(loop, 'epoch-9'));
    await expectRefused(loop, new RegExp(`^${escaped(path.join(loop, 'epoch-8'))}: cannot read: ELOOP`));
  });

  it('a JSONL file that cannot be opened (a dangling link) is refused as "cannot read the file", a socket as no regular file, each naming it', async () => {
    // A dangling link (any user) and a socket (which no one can open as a file, root included).
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.train.jsonl': goodJsonl(1) });
    fs.symlinkSync(path.join(temp.dir, 'nowhere.jsonl'), path.join(dir, 'epoch-1.test.jsonl'));
    await expectRefused(dir, new RegExp(`^${escaped(path.join(dir, 'epoch-1.test.jsonl'))}: cannot read the file: ENOENT`));
    const socketDir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, {});
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(socketDir, 'epoch-1.jsonl'), resolve));
    try {
      await expectRefused(socketDir, new RegExp(`^${escaped(path.join(socketDir, 'epoch-1.jsonl'))}: is not a regular file`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a run.json nested deeper than 100 levels is refused naming it (JSON.stringify would overflow the stack later)', async () => {
    const dir = freshDir();
    const manifest = JSON.stringify({ name: 'teacher', role: 'teacher', epochs: 1 }).slice(0, -1) + `,"settings":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    fs.writeFileSync(path.join(dir, 'run.json'), manifest);
    fs.writeFileSync(path.join(dir, 'epoch-1.jsonl'), goodJsonl(1));
    await expectRefused(dir, new RegExp(`^${escaped(path.join(dir, 'run.json'))}: nested 5001 levels deep; a manifest \\(its "settings" included\\) may nest at most 100$`));
    // Settings nested as configurations are: stored as given.
    const ok = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1, settings: { model: { blocks: [{ conv: { k: 3 } }] } } }, { 'epoch-1.jsonl': goodJsonl(1) });
    const result = await ingest(ok);
    expect(JSON.parse(db.prepare('SELECT spec FROM runs WHERE id = ?').pluck().get(result.runs[0]!.id) as string)).toMatchObject({ external: { settings: { model: { blocks: [{ conv: { k: 3 } }] } } } });
  });

  it('topK not below the class count names the run.json that says so', async () => {
    const root = freshDir();
    writeRunAt(path.join(root, 'a-teacher'), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    const student = writeRunAt(path.join(root, 'b-student'), { name: 'student', role: 'student', epochs: 1, topK: C }, { 'epoch-1.jsonl': goodJsonl(2) });
    await expectRefused(root, new RegExp(`^${escaped(path.join(student, 'run.json'))}: topK 4 must be smaller than the dataset's 4 classes`));
  });

  it('a run.json problem at its top level is told by the file, not labelled "(arguments)"', async () => {
    const a = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1, lr: 0.1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    await expectRefused(a, new RegExp(`^${escaped(path.join(a, 'run.json'))}: Unrecognized key: "lr"$`));
    const b = freshDir();
    fs.writeFileSync(path.join(b, 'run.json'), '[]');
    await expectRefused(b, new RegExp(`^${escaped(path.join(b, 'run.json'))}: Invalid input: expected object, received array$`));
    // A field's problem still names the field.
    const c = writeRunAt(freshDir(), { name: 'teacher', role: 'mentor', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    await expectRefused(c, /run\.json: role: /);
  });
});

describe('ingest: the experiment name', () => {
  it('is trimmed, and refused when blank or longer than 200 characters (as a trained experiment\'s)', async () => {
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    await expectRefused(dir, /^the experiment name is 100000 characters long; at most 200$/, 'x'.repeat(100_000));
    await expectRefused(dir, /^the experiment name is empty$/, '   ');
    const result = await ingest(dir, `  ${'y'.repeat(200)}  `);
    expect(db.prepare('SELECT name FROM experiments WHERE id = ?').pluck().get(result.experimentId)).toBe('y'.repeat(200));
  });
});

/** Every example's values as JSONL under `field`, keyed by example id. */
function jsonlOf(values: Float32Array, field: 'probs' | 'logits'): string {
  return data.ids.map((id, i) => JSON.stringify({ example: id, [field]: Array.from(values.subarray(i * C, (i + 1) * C)) })).join('\n') + '\n';
}

const hasMkfifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;

describe('ingest: only regular files are read', () => {
  it.skipIf(!hasMkfifo)('a FIFO named like a run.json, an epoch file (JSONL, NPY, NPZ, Parquet, cartography) or an index CSV is refused by name at once, not waited on; nothing is written', async () => {
    const probs = randomProbabilities(N, C, 40);
    const manifest = { name: 'teacher', role: 'teacher', epochs: 1 };
    const cases: [string, Record<string, string | Buffer>, string][] = [
      ['run.json', { 'epoch-1.jsonl': goodJsonl(1) }, 'run.json'],
      ['epoch-1.jsonl', {}, 'epoch-1.jsonl'],
      ['epoch-1.npy', { 'epoch-1.index.csv': indexCsv(data.ids) }, 'epoch-1.npy'],
      ['epoch-1.npz', {}, 'epoch-1.npz'],
      ['epoch-1.parquet', {}, 'epoch-1.parquet'],
      // The index is found when its NPY is read, not when the folder is listed: refused by the descriptor it opened.
      ['epoch-1.index.csv', { 'epoch-1.npy': encodeNpy(probs, [N, C]) }, 'epoch-1.index.csv'],
    ];
    for (const [fifo, files, named] of cases) {
      const dir = freshDir();
      if (fifo !== 'run.json') fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(manifest));
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
      expect(makeFifo(path.join(dir, fifo))).toBe(true);
      await expectRefused(dir, new RegExp(`^${escaped(path.join(dir, named))}: is not a regular file \\(a named pipe, socket or device\\?\\): the ingest reads regular files only$`));
    }
    const cartography = freshDir();
    fs.writeFileSync(path.join(cartography, 'dynamics_epoch_0.jsonl'), '');
    expect(makeFifo(path.join(cartography, 'dynamics_epoch_1.jsonl'))).toBe(true);
    await expectRefused(cartography, new RegExp(`^${escaped(path.join(cartography, 'dynamics_epoch_1.jsonl'))}: is not a regular file`));
  });

  it.skipIf(!hasMkfifo)('an NPY opened as a FIFO (one swapped in after the folder was listed) is refused by its open descriptor, without blocking', async () => {
    const fifo = path.join(freshDir(), 'epoch-1.npy');
    expect(makeFifo(fifo)).toBe(true);
    await expect(openNpy(fifo)).rejects.toThrow(new RegExp(`^${escaped(fifo)}: is not a regular file`));
  });

  it.skipIf(!hasMkfifo)('an NPZ or a Parquet file opened as a FIFO is refused by its open descriptor too, without blocking', async () => {
    const npz = path.join(freshDir(), 'epoch-1.npz');
    const parquet = path.join(freshDir(), 'epoch-1.parquet');
    expect([makeFifo(npz), makeFifo(parquet)]).toEqual([true, true]);
    await expect(readNpz(npz, ['probs'])).rejects.toThrow(new RegExp(`^${escaped(npz)}: is not a regular file`));
    await expect(readParquetPredictions(parquet, 3)).rejects.toThrow(new RegExp(`^${escaped(parquet)}: is not a regular file`));
    await expect(readParquetTopK(parquet, 2, () => {})).rejects.toThrow(new RegExp(`^${escaped(parquet)}: is not a regular file`));
  });
});

describe('ingest: a folder holding a run.json and run folders below it', () => {
  it('is refused naming the run folders that would be left out; its run.json as PATH ingests that run alone', async () => {
    const root = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    writeRunAt(path.join(root, 'student-b'), { name: 'b', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(2) });
    writeRunAt(path.join(root, 'student-a'), { name: 'a', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(3) });
    // A folder below without a run.json (plots, training_dynamics/) is no run and no reason to refuse.
    fs.mkdirSync(path.join(root, 'plots'));
    await expectRefused(root, new RegExp(`^${escaped(root)}: this folder holds a run\\.json, so it is one run, but run folders below it hold their own \\(${escaped(path.join('student-a', 'run.json'))}, ${escaped(path.join('student-b', 'run.json'))}\\), which would be left out: .*give its run\\.json as PATH$`));
    expect((await ingest(path.join(root, 'run.json'))).runs.map((r) => r.name)).toEqual(['teacher']);
  });
});

describe('ingest: notes on what the analytics will not show', () => {
  it('a student with no teacher (a student-only ingest; two teachers and no "teacher") is ingested with a note naming it and why; one teacher needs none', async () => {
    const alone = writeRunAt(freshDir(), { name: 's', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(1) });
    expect((await ingest(alone)).notes).toEqual(['student "s" has no teacher (this ingest holds no teacher run): name one with "teacher" in its run.json, ingested with it; report and findings compare a student with its teacher']);
    const two = freshDir();
    writeRunAt(path.join(two, 't1'), { name: 't1', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(2) });
    writeRunAt(path.join(two, 't2'), { name: 't2', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(3) });
    writeRunAt(path.join(two, 'u'), { name: 'u', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(4) });
    writeRunAt(path.join(two, 'v'), { name: 'v', role: 'student', teacher: 't2', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(5) });
    expect((await ingest(two)).notes).toEqual(['student "u" has no teacher (this ingest holds 2 teachers ("t1", "t2") and its run.json names none): name one with "teacher" in its run.json, ingested with it; report and findings compare a student with its teacher']);
    const one = freshDir();
    writeRunAt(path.join(one, 't'), { name: 't', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(6) });
    writeRunAt(path.join(one, 's'), { name: 's', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(7) });
    expect((await ingest(one)).notes).toEqual([]);
  });

  it('probabilities given as logits (JSONL "logits", NPY values logits) are softmaxed as asked, with a note naming the file; real logits get none', async () => {
    const probs = randomProbabilities(N, C, 41);
    const jsonlDir = writeRunAt(freshDir(), { name: 'j', role: 'teacher', epochs: 2 }, { 'epoch-1.jsonl': jsonlOf(probs, 'logits'), 'epoch-2.jsonl': jsonlOf(randomProbabilities(N, C, 42), 'logits') });
    const result = await ingest(jsonlDir);
    expect(result.notes).toEqual([
      `run "j": every row given as logits in all 2 epochs is already a probability vector (values in [0, 1] summing to 1 within 0.001), e.g. in ${path.join(jsonlDir, 'epoch-1.jsonl')}; they were softmaxed as logits, as asked, which flattens probabilities: if they are probabilities, give them as such ("probs" in place of "logits" on each line)`,
    ]);
    // Stored as the softmax of the values given, as asked: flatter than the probabilities.
    const stored = db.prepare('SELECT count(*) FROM prediction_matrices WHERE run_id = ?').pluck().get(result.runs[0]!.id) as number;
    expect(stored).toBeGreaterThan(0);
    const npyDir = writeRunAt(freshDir(), { name: 'n', role: 'teacher', epochs: 1, values: 'logits' }, { 'epoch-1.npy': encodeNpy(probs, [N, C]), 'epoch-1.index.csv': indexCsv(data.ids) });
    expect((await ingest(npyDir)).notes).toEqual([expect.stringMatching(new RegExp(`^run "n": every row given as logits in its epoch is already a probability vector .* e\\.g\\. in ${escaped(path.join(npyDir, 'epoch-1.npy'))}; .*\\("values": "probs" in run\\.json\\)$`))]);
    // One row that is no probability vector (it sums to 2) makes them logits: no note.
    const logits = Float32Array.from(probs);
    logits.set([1, 1, 0, 0], 8);
    expect((await ingest(writeRunAt(freshDir(), { name: 'l', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': jsonlOf(logits, 'logits') }))).notes).toEqual([]);
  });
});

describe('ingest: NPZ and NPY are read only as far as needed', () => {
  it('an NPZ holding arrays the ingest does not use (embeddings) never decodes them: one that is no readable array is no obstacle', async () => {
    const probs = randomProbabilities(N, C, 43);
    const archive = await npz({ probs: encodeNpy(probs, [N, C]), embeddings: Buffer.from('not an array, and never read'), index: int64Npy(data.ids) });
    const result = await ingest(writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npz': archive }));
    expect(result.runs.map((r) => r.name)).toEqual(['teacher']);
    // The arrays it does not read are still named when one it needs is missing.
    const noIndex = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npz': await npz({ probs: encodeNpy(probs, [N, C]), embeddings: Buffer.from('x') }) });
    await expectRefused(noIndex, /epoch-1\.npz: an NPZ file needs arrays "probs" \(or "logits"\) and "index"; it holds probs, embeddings$/);
  });

  it('an NPY header with the wrong class count or a row count other than its index is refused before its data is read (here: none)', async () => {
    const noData = (shape: number[]) => encodeNpy(new Float32Array(0), shape);
    const classes = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npy': noData([N, C + 1]), 'epoch-1.index.csv': indexCsv(data.ids) });
    await expectRefused(classes, new RegExp(`^${escaped(path.join(classes, 'epoch-1.npy'))}: 5 classes per row where the dataset has 4$`));
    const rows = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npy': noData([N + 2, C]), 'epoch-1.index.csv': indexCsv(data.ids) });
    await expectRefused(rows, new RegExp(`^${escaped(path.join(rows, 'epoch-1.index.csv'))}: 40 example keys for the 42 rows of epoch-1\\.npy \\(the first line is the header`));
  });

  it('an NPY of more than 2 GiB is refused at once saying what to write instead (a sparse file: nothing is read)', async () => {
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.index.csv': indexCsv(data.ids) });
    const file = path.join(dir, 'epoch-1.npy');
    const rows = 2 ** 27; // 2^27 rows × 4 float32 = 2 GiB of data
    const header = encodeNpy(new Float32Array(0), [rows, C]);
    fs.writeFileSync(file, header);
    fs.truncateSync(file, header.length + rows * C * 4);
    await expectRefused(dir, new RegExp(`^${escaped(file)}: its 536,870,912 values \\(2\\.0 GiB\\) are more than one \\.npy file may hold here \\(2 GiB\\): split it per split or epoch .*Parquet parts.*top k`));
  });
});

describe('ingest: index CSVs', () => {
  it('a UTF-16 index CSV (a BOM, or NUL bytes) is refused as UTF-16, asking for UTF-8', async () => {
    const probs = randomProbabilities(N, C, 44);
    for (const [bytes, message] of [
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(indexCsv(data.ids), 'utf16le')]), 'UTF-16 text \\(its byte-order mark says so\\): save it as UTF-8'],
      [Buffer.from(indexCsv(data.ids), 'utf16le'), 'holds NUL bytes \\(UTF-16 text\\?\\): save it as UTF-8'],
    ] as const) {
      const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npy': encodeNpy(probs, [N, C]), 'epoch-1.index.csv': bytes });
      await expectRefused(dir, new RegExp(`^${escaped(path.join(dir, 'epoch-1.index.csv'))}: ${message}$`));
    }
  });

  it('an index CSV without its header line says its first line was read as the header and what a header is', async () => {
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.npy': encodeNpy(randomProbabilities(N, C, 45), [N, C]), 'epoch-1.index.csv': data.ids.join('\n') + '\n' });
    await expectRefused(dir, new RegExp(`^${escaped(path.join(dir, 'epoch-1.index.csv'))}: 39 example keys for the 40 rows of epoch-1\\.npy; its first line, "${data.ids[0]}", is read as the header, not a key: begin the file with a header line \\(any name, e\\.g\\. "example"\\)$`));
  });
});

describe('ingest: JSONL lines, cartography folders and run names', () => {
  it('a JSONL line far longer than a row of C values and its key is refused by file and line before it is parsed', async () => {
    const lines = goodJsonl(46).split('\n');
    lines[2] = JSON.stringify({ example: data.ids[2], probs: Array.from({ length: 10_000 }, () => 0.0001) });
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': lines.join('\n') });
    await expectRefused(dir, new RegExp(`^${escaped(path.join(dir, 'epoch-1.jsonl'))}, row 3: the line is [\\d,]+ characters long; a row of 4 classes and its key need at most 4,352: is this the dataset's file\\?$`));
    // A top-k run's bound is its k, not the class count.
    const topK = data.ids.map((id, i) => JSON.stringify({ example: id, top_classes: [data.labels[i]], top_probs: [0.97], label_prob: 0.97, pad: i === 0 ? 'x'.repeat(64 * 3 + 4096) : '' }));
    await expectRefused(writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1, topK: 1 }, { 'epoch-1.jsonl': topK.join('\n') }), /row 1: the line is [\d,]+ characters long; a top-k row \(k = 1\) and its key need at most 4,288/);
  });

  it('a bare cartography folder with an epoch file missing names the missing file (there is no manifest to be outside of)', async () => {
    const dir = path.join(freshDir(), 'model');
    const dynamics = path.join(dir, 'training_dynamics');
    fs.mkdirSync(dynamics, { recursive: true });
    for (const e of [0, 1, 3]) fs.writeFileSync(path.join(dynamics, `dynamics_epoch_${e}.jsonl`), '');
    await expectRefused(dir, new RegExp(`^${escaped(dynamics)}: dynamics_epoch_2\\.jsonl is missing: the folder holds cartography files up to dynamics_epoch_3\\.jsonl`));
  });

  it('a run name of only white space is refused as blank, like a blank experiment name', async () => {
    const dir = writeRunAt(freshDir(), { name: ' \t ', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(47) });
    await expectRefused(dir, new RegExp(`^${escaped(path.join(dir, 'run.json'))}: name: a run name cannot be blank$`));
  });
});

describe.skipIf(!fs.existsSync('out/main/cli.js'))('disobey ingest, the command', () => {
  const bin = path.resolve('bin/disobey.js');
  const databasePath = () => db.name;

  it('prints notes on one line each, a line break in a run name escaped', () => {
    const dir = writeRunAt(freshDir(), { name: 'stu\nde', role: 'student', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(48) });
    const r = spawnSync(process.execPath, [bin, 'ingest', dir, '--dataset', String(data.datasetId), '--db', databasePath()], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('\nNote: student "stu\\x0Ade" has no teacher (this ingest holds no teacher run): name one with "teacher" in its run.json, ingested with it; report and findings compare a student with its teacher.\n');
  });

  it('refuses a --db file that does not exist in one line naming it, creating nothing', () => {
    const dir = writeRunAt(freshDir(), { name: 'teacher', role: 'teacher', epochs: 1 }, { 'epoch-1.jsonl': goodJsonl(49) });
    const missing = path.join(freshDir(), 'typo.sqlite');
    const r = spawnSync(process.execPath, [bin, 'ingest', dir, '--dataset', '1', '--db', missing], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`disobey: no database ${missing}: ingest adds runs to a dataset imported there, so it must exist (check --db; disobey import creates one)\n`);
    expect(fs.readdirSync(path.dirname(missing))).toEqual([]);
  });

  /** A run of many epochs (each a link to one small NPY and its index): long enough to interrupt. */
  function longRun(): string {
    const dir = writeRunAt(freshDir(), { name: 'long', role: 'teacher', epochs: 20_000 }, { 'base.npy': encodeNpy(randomProbabilities(N, C, 50), [N, C]), 'base.csv': indexCsv(data.ids) });
    for (let e = 1; e <= 20_000; e++) {
      fs.symlinkSync('base.npy', path.join(dir, `epoch-${e}.npy`));
      fs.symlinkSync('base.csv', path.join(dir, `epoch-${e}.index.csv`));
    }
    return dir;
  }

  it.each([
    ['Ctrl-C (SIGINT to the process group, as a terminal sends it)', 'SIGINT', true],
    ['SIGTERM to the command', 'SIGTERM', false],
  ] as const)('%s during the ingest removes what it wrote and exits non-zero saying nothing was written', async (_, signal, group) => {
    const dir = longRun();
    const before = counts();
    const child = spawn(process.execPath, [bin, 'ingest', dir, '--dataset', String(data.datasetId), '--db', databasePath()], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupted once epochs are being written: the experiment exists, half-written.
    const deadline = Date.now() + 20_000;
    while ((db.prepare('SELECT count(*) FROM prediction_matrices').pluck().get() as number) <= before[2]! && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(counts()[0]).toBe(before[0]! + 1);
    process.kill(group ? -child.pid! : child.pid!, signal);
    expect(await exited).toBe(1);
    expect(stderr).toBe('disobey: ingest cancelled; nothing was written\n');
    expect(counts()).toEqual(before);
  }, 30_000);
});
