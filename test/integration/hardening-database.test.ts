// Concurrent and damaged databases (issue 15, items 4–8): two writers at once, a database from a
// newer version, a --db in a folder that does not exist, a read-only database, and resuming after
// the disk filled up. Real SQLite files, the real CLI process and web server.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../shared/contract.js';
import { ImportOptions } from '../../shared/domain.js';
import { DomainError } from '../../shared/errors.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { createAppServices, type AppServices } from '../../main/services/appServices.js';
import { planExperiment } from '../../main/services/experimentPlanner.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import { SCHEMA_VERSION } from '../../main/store/migrations.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createRunQueries } from '../../main/store/runQueries.js';
import { selectBackend } from '../../main/train/backend.js';
import { runExperiment } from '../../main/train/experimentRunner.js';
import { startWebServer, type WebServer } from '../../main/web/webServer.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { createStore } from '../../main/store/store.js';

const bin = path.resolve('bin/disobey.js');
const built = fs.existsSync('out/main/cli.js');
const temp = makeTempDir('disobey-hardening-');
afterAll(() => temp.dispose());

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function disobey(args: string[], env: NodeJS.ProcessEnv = {}): Exit {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function disobeyAsync(args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One contract call over HTTP, as the renderer makes it. */
function callApi(port: number, token: string, name: string, args: unknown): Promise<{ status: number; body: { ok: boolean; result?: unknown; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: `/api/call/${name}`,
        method: 'POST',
        headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', [TOKEN_HEADER]: token },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(args));
  });
}

/** The web app on `file`: services and server over one connection with the given busy timeout. */
async function startApp(file: string, busyTimeoutMs?: number) {
  const db = openDatabase(file, { busyTimeoutMs });
  const services: AppServices = createAppServices({ store: createStore(db), databasePath: file });
  const server: WebServer = await startWebServer({ services });
  return {
    db,
    call: (name: string, args: unknown) => callApi(server.port, server.token, name, args),
    async dispose() {
      services.dispose();
      await server.close();
      db.close();
    },
  };
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A small dataset written straight into `file` (no worker, no CLI). */
async function databaseWithSample(file: string, subset = 300): Promise<number> {
  const db = openDatabase(file);
  try {
    return await importIntoDatabase(createStore(db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm', subset }));
  } finally {
    db.close();
  }
}

describe.skipIf(!fs.existsSync(workerEntryPath('import')))('item 4: two writers on one database at once', () => {
  it('lands two imports sent through the web API while another process writes, numbering the default name they share', async () => {
    const file = path.join(temp.dir, 'concurrent.db');
    const app = await startApp(file);
    // Another process writes for 4 s (a long import, a training epoch) while both imports parse and
    // reach their own write. A deferred transaction read first and then failed at once on its stale
    // snapshot when the other write committed ("database is locked", HTTP 500).
    const writer = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `import Database from 'better-sqlite3';
       const db = new Database(${JSON.stringify(file)});
       db.exec("BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('other writer', 'x')");
       console.log('locked');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, 4000);`,
    ]);
    try {
      await new Promise<void>((resolve, reject) => {
        writer.stdout.once('data', () => resolve());
        writer.once('exit', (code) => reject(new Error(`the other writer exited (${code})`)));
      });
      const answers = await Promise.all([
        app.call('importDataset', { path: sampleDatasetDir(), subset: 500 }),
        app.call('importDataset', { path: sampleDatasetDir(), subset: 500 }),
      ]);
      expect(answers.map((a) => [a.status, a.body.error?.message ?? null])).toEqual([[200, null], [200, null]]);
      expect(app.db.prepare('SELECT name FROM datasets ORDER BY name').pluck().all()).toEqual(['fashion-mnist', 'fashion-mnist (2)']);
      expect(app.db.prepare('SELECT count(*) FROM examples').pluck().get()).toBe(2 * 1000);
      expect(app.db.prepare("SELECT value FROM meta WHERE key = 'other writer'").pluck().get()).toBe('x');
    } finally {
      writer.kill();
      await app.dispose();
    }
  }, 120_000);

  it('answers 503 BUSY naming the file when another process holds the write lock past the busy timeout', async () => {
    const file = path.join(temp.dir, 'busy.db');
    const datasetId = await databaseWithSample(file, 50);
    const app = await startApp(file, 300);
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const answer = await app.call('setClassGroups', { datasetId, groups: [[0, 6]] });
      expect(answer.status).toBe(503);
      expect(answer.body.error!.code).toBe('BUSY');
      expect(answer.body.error!.message).toContain(file);
      other.exec('ROLLBACK');
      const retried = await app.call('setClassGroups', { datasetId, groups: [[0, 6]] });
      expect(retried.status).toBe(200);
    } finally {
      other.close();
      await app.dispose();
    }
  });

  it.skipIf(!built)('lands two `disobey import` processes into one new database at once', async () => {
    const file = path.join(temp.dir, 'two-processes.db');
    const results = await Promise.all(['a', 'b'].map((name) => disobeyAsync(['import', sampleDatasetDir(), '--db', file, '--name', name, '--subset', '2000', '--json'])));
    expect(results.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT name, (SELECT count(*) FROM examples e WHERE e.dataset_id = d.id) FROM datasets d ORDER BY name').raw().all()).toEqual([['a', 4000], ['b', 4000]]);
    } finally {
      db.close();
    }
  }, 120_000);
});

describe('item 5: a database written by a newer version', () => {
  function newerDatabase(name: string): string {
    const file = path.join(temp.dir, name);
    const raw = new Database(file);
    raw.exec('CREATE TABLE future_things (x INTEGER); INSERT INTO future_things VALUES (42);');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    return file;
  }

  it('is refused naming the file, and left byte for byte as it was (journal mode included)', () => {
    const file = newerDatabase('newer.db');
    const before = sha256(file);
    expect(() => openDatabase(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was written by a newer version of Disobey`));
    expect(sha256(file)).toBe(before);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('newer.db'))).toEqual(['newer.db']);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it.skipIf(!built)('is refused by the CLI with one line, the file unchanged', () => {
    const file = newerDatabase('newer-cli.db');
    const before = sha256(file);
    const r = disobey(['datasets', '--db', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`disobey: ${file} was written by a newer version of Disobey (schema ${SCHEMA_VERSION + 1}; this version knows up to ${SCHEMA_VERSION}). Update Disobey to open it.\n`);
    expect(sha256(file)).toBe(before);
  });
});

describe('item 6: --db in a folder that does not exist', () => {
  it('is refused by openDatabase naming the path, creating nothing', () => {
    const file = path.join(temp.dir, 'no', 'such', 'folder', 'x.db');
    let thrown: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe('NOT_FOUND');
    expect((thrown as DomainError).message).toContain(file);
    expect(fs.existsSync(path.join(temp.dir, 'no'))).toBe(false);
  });

  it.skipIf(!built)('is refused by the CLI (import and datasets), while the default database is still created with its folders', () => {
    const file = path.join(temp.dir, 'missing', 'sub', 'cli.db');
    const imported = disobey(['import', sampleDatasetDir(), '--db', file, '--subset', '10']);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toBe(`disobey: cannot create the database ${file}: the folder ${path.dirname(file)} does not exist (create it first, or check the path)\n`);
    // a command that reads what a database holds refuses any --db file that does not exist
    const listed = disobey(['datasets', '--db', file]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toBe(`disobey: no database ${file}: datasets lists what a database holds, so it must exist (check --db; disobey import creates one)\n`);
    expect(fs.existsSync(path.join(temp.dir, 'missing'))).toBe(false);

    const dataHome = path.join(temp.dir, 'xdg-data');
    const r = disobey(['datasets', '--json'], { DISOBEY_DB: '', XDG_DATA_HOME: dataHome, HOME: temp.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(fs.existsSync(path.join(dataHome, 'Disobey', 'disobey.db'))).toBe(true);
  });
});

/**
 * A folder no process can write, root included: a read-only bind mount (root with CAP_SYS_ADMIN),
 * else chmod (anyone but root). As root without mounts nothing stops a write, so those tests skip.
 */
function readOnlyFolder(src: string, target: string): { how: string; undo: () => void } | null {
  fs.mkdirSync(target, { recursive: true });
  if (spawnSync('mount', ['--bind', '-o', 'ro', src, target]).status === 0) {
    let writable = true;
    try {
      fs.writeFileSync(path.join(target, 'probe'), 'x');
    } catch {
      writable = false;
    }
    if (!writable) return { how: 'read-only bind mount', undo: () => spawnSync('umount', ['-l', target]) };
    spawnSync('umount', ['-l', target]);
  }
  if (process.getuid?.() !== 0) {
    fs.rmdirSync(target);
    fs.renameSync(src, target);
    for (const f of fs.readdirSync(target)) fs.chmodSync(path.join(target, f), 0o444);
    fs.chmodSync(target, 0o555);
    return { how: 'chmod', undo: () => fs.chmodSync(target, 0o755) };
  }
  return null;
}

describe.skipIf(!built)('item 7: a read-only database', () => {
  const src = path.join(temp.dir, 'ro-src');
  const dir = path.join(temp.dir, 'ro');
  const file = path.join(dir, 'app.db');
  let readOnly: ReturnType<typeof readOnlyFolder> = null;

  beforeAll(async () => {
    fs.mkdirSync(src);
    await databaseWithSample(path.join(src, 'app.db'), 50);
    readOnly = readOnlyFolder(src, dir);
    if (!readOnly) console.warn('item 7 skipped: running as root without permission to mount, so no folder is read-only for this process');
  });
  afterAll(() => readOnly?.undo());

  it('is listed by `datasets` and `runs`, with one line saying writes are impossible', (ctx) => {
    if (!readOnly) return ctx.skip();
    const notice = `disobey: ${file} is read-only (the file or its folder cannot be written): reading it; imports, training and other writes are impossible\n`;
    const datasets = disobey(['datasets', '--db', file, '--json']);
    expect(datasets.stderr).toBe(notice);
    expect(datasets.code).toBe(0);
    expect(JSON.parse(datasets.stdout).map((d: { name: string; splits: { count: number }[] }) => [d.name, d.splits.map((s) => s.count)])).toEqual([['fm', [50, 50]]]);
    const runs = disobey(['runs', '--db', file, '--json']);
    expect([runs.code, runs.stderr, runs.stdout.trim()]).toEqual([0, notice, '[]']);
  });

  it('refuses a write command with READ_ONLY naming the file, before touching it', (ctx) => {
    if (!readOnly) return ctx.skip();
    const r = disobey(['import', sampleDatasetDir(), '--db', file, '--subset', '10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`disobey: ${file} is read-only (the file or its folder cannot be written); it can be read (datasets, runs, report, sets, export, serve) but not written\n`);
    let thrown: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as DomainError).code).toBe('READ_ONLY');
  });

  it('is browsed by `serve`, whose writes answer 409 READ_ONLY naming the file', async (ctx) => {
    if (!readOnly) return ctx.skip();
    const child = spawn(process.execPath, [bin, 'serve', '--db', file, '--port', '0', '--no-sample']);
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const deadline = Date.now() + 20_000;
      while (!/open http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const [, port, token] = /open http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(stdout) ?? [];
      expect(port, `serve printed: ${stdout} ${stderr}`).toBeDefined();
      expect(stdout).toContain(`Disobey web mode on ${file} (read-only: browsing only)`);
      expect(stderr).toContain('writes are impossible');
      const list = await callApi(Number(port), token!, 'listDatasets', {});
      expect(list.status).toBe(200);
      expect(list.body.result as unknown[]).toHaveLength(1);
      const write = await callApi(Number(port), token!, 'setClassGroups', { datasetId: 1, groups: [] });
      expect(write.status).toBe(409);
      expect(write.body.error!.code).toBe('READ_ONLY');
      expect(write.body.error!.message).toContain(file);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 30_000);
});

describe.skipIf(!built)('item 8: resuming after the disk filled up', () => {
  it('finishes the teacher, then trains the students that waited for it, and exits 0', async () => {
    const file = path.join(temp.dir, 'full.db');
    const datasetId = await databaseWithSample(file, 1000);
    const db = openDatabase(file);
    let teacherId = 0;
    try {
      const { experimentId } = planExperiment(createStore(db), {
        name: 'disk full',
        datasetId,
        teacher: { name: 'teacher', model: { arch: 'mlp', hidden: [4] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 64, epochs: 3, seed: 1 },
        students: [{ name: 'student', model: { arch: 'mlp', hidden: [4] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 64, epochs: 2, seed: 2, phases: [{ from: 0, loss: { kind: 'kd', tau: 2 } }] }],
      });
      const runs = createRunQueries(db);
      teacherId = runs.listRuns(experimentId).find((r) => r.role === 'teacher')!.id;
      const backend = await selectBackend('wasm');
      // The disk "fills up" after the teacher's first epoch: room is left for small writes (a run's
      // status, its checkpoint rewritten) but not for an epoch's 2,000 rows of probabilities.
      let full = false;
      await runExperiment({
        store: createStore(db),
        tf: backend.tf,
        backendName: backend.name,
        experimentId,
        onRunChanged: (_e, runId) => {
          const teacher = runs.getRun(teacherId);
          if (full || runId !== teacherId || teacher.epochsDone !== 1) return;
          const room = 2 * Math.ceil(teacher.checkpoint!.length / 4096) + 8;
          db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + room}`);
          full = true;
        },
      });
      const failed = runs.runSummary(teacherId);
      expect([failed.status, failed.epochsDone]).toEqual(['failed', 1]);
      expect(failed.error).toContain(file);
      expect(failed.error).toMatch(/disk is full/);
      const student = runs.listRuns(experimentId).find((r) => r.role === 'student')!;
      expect([student.status, student.error]).toEqual(['failed', `the teacher run ${teacherId} ("teacher") has not finished training (status failed); resuming run ${teacherId} trains it, then this run`]);
    } finally {
      db.close(); // space freed: a new connection has no page limit
    }

    const r = disobey(['resume', String(teacherId), '--db', file, '--backend', 'wasm', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const resumed = JSON.parse(r.stdout) as { runs: { name: string; status: string; epochsDone: number; error: string | null }[] };
    expect(resumed.runs.map((x) => [x.name, x.status, x.epochsDone, x.error])).toEqual([['teacher', 'done', 3, null], ['student', 'done', 2, null]]);
  }, 120_000);

  it('on a real full disk (a small tmpfs): the failure names the file, and resume after freeing space finishes the queue', async (ctx) => {
    const mountPoint = path.join(temp.dir, 'small-disk');
    fs.mkdirSync(mountPoint);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]).status !== 0) {
      console.warn('item 8 (tmpfs) skipped: this machine does not allow mounting a tmpfs');
      return ctx.skip();
    }
    try {
      const file = path.join(mountPoint, 'app.db');
      expect(disobey(['import', sampleDatasetDir(), '--db', file, '--name', 'fm', '--subset', '1000']).code).toBe(0);
      const specFile = path.join(temp.dir, 'tmpfs-experiment.json');
      fs.writeFileSync(
        specFile,
        JSON.stringify({
          name: 'real disk full',
          datasetId: 1,
          teacher: { name: 'teacher', model: { arch: 'mlp', hidden: [4] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 64, epochs: 30, seed: 1 },
          students: [{ name: 'student', model: { arch: 'mlp', hidden: [4] }, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 64, epochs: 1, seed: 2, phases: [{ from: 0, loss: { kind: 'kd', tau: 2 } }] }],
        }),
      );
      const training = disobeyAsync(['train', specFile, '--db', file, '--backend', 'wasm', '--json']);
      const watcher = new Database(file, { readonly: true });
      const filler = path.join(mountPoint, 'filler');
      try {
        const epochs = () => (watcher.prepare("SELECT epochs_done FROM runs WHERE role = 'teacher'").pluck().get() as number | undefined) ?? 0;
        const deadline = Date.now() + 60_000;
        while (epochs() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(epochs()).toBeGreaterThanOrEqual(1);
        // fill the disk to the last byte
        const fd = fs.openSync(filler, 'w');
        const chunk = Buffer.alloc(1 << 16, 1);
        try {
          for (;;) fs.writeSync(fd, chunk);
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          fs.closeSync(fd);
        }
      } finally {
        watcher.close();
      }
      const failed = await training;
      fs.rmSync(filler); // free the space
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(file);
      expect(failed.stderr).toMatch(/disk is full/);

      const runs = JSON.parse(disobey(['runs', '--db', file, '--json']).stdout) as { id: number; role: string; status: string }[];
      const teacher = runs.find((r) => r.role === 'teacher')!;
      expect(['failed', 'interrupted']).toContain(teacher.status);
      const r = disobey(['resume', String(teacher.id), '--db', file, '--backend', 'wasm', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { runs: { name: string; status: string; epochsDone: number }[] }).runs.map((x) => [x.name, x.status, x.epochsDone])).toEqual([['teacher', 'done', 30], ['student', 'done', 1]]);
    } finally {
      spawnSync('umount', ['-l', mountPoint]);
    }
  }, 180_000);
});
