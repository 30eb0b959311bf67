// Web mode and the analytics CLI against what QA threw at them (probe-web): an exampleIdSet whose
// bits atob cannot decode, --rules from a device, a folder or nowhere, an overwrite onto a pipe or
// a link, report --examples cut off by a kill, "~/" completion, the server's own error codes, and
// refusals that name the flag the user typed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture, type DeviationFixture } from '../../bench/deviationFixture.js';
import { TOKEN_HEADER } from '../../shared/contract.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { makeTempDir } from '../helpers/tempDir.js';

const bin = path.resolve('bin/disobey.js');
const built = fs.existsSync('out/main/cli.js');
const temp = makeTempDir('disobey-hostile-web-cli-');
const db = path.join(temp.dir, 'cli.db');
const BAD_SET = { first: 1, bits: 'AAAAA' };
const BAD_BITS = 'not base64: 5 characters of data (4k + 1) do not decode to whole bytes';

let app: AppUnderTest;
let fixture: DeviationFixture;

interface Answer {
  status: number;
  body: { ok: boolean; result?: unknown; error?: { code: string; message: string; place?: { file?: string; field?: string } } };
}

function request(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const port = app.server.port;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: init.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...init.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Answer['body'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function post(name: string, args: unknown, headers: Record<string, string> = { [TOKEN_HEADER]: app.server.token }): Promise<Answer> {
  return request(`/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) });
}

function firstExampleId(): number {
  return (app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id LIMIT 1').get(fixture.datasetId) as { id: number }).id;
}

function disobey(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  app = await startAppUnderTest();
  fixture = createDeviationFixture(app.db, { examples: 200, classes: 4, students: 1, epochs: 2, seed: 5 });
  const handle = openDatabase(db);
  createDeviationFixture(handle, { examples: 4000, classes: 5, students: 2, epochs: 2, seed: 3 });
  handle.close();
});

afterAll(async () => {
  await app.dispose();
  temp.dispose();
});

describe('an exampleIdSet whose bits atob cannot decode (repro 01)', () => {
  it('is refused with 400 naming filter.exampleIdSet.bits by every call that takes a filter, never 500', async () => {
    const experimentId = fixture.experimentId;
    const filter = { exampleIdSet: BAD_SET };
    const calls: [string, unknown, string][] = [
      ['queryExamples', { experimentId, filter, limit: 1 }, 'filter.exampleIdSet.bits'],
      ['deviationScatter', { experimentId, filter }, 'filter.exampleIdSet.bits'],
      ['measureHistogram', { experimentId, measure: 'kl', filter }, 'filter.exampleIdSet.bits'],
      ['createCuratedSet', { datasetId: fixture.datasetId, name: 'x', fromFilter: { experimentId, filter } }, 'fromFilter.filter.exampleIdSet.bits'],
      ['exportTrainingManifest', { experimentId, rules: [{ filter, weight: 1, reason: 'r' }] }, 'rules.0.filter.exampleIdSet.bits'],
    ];
    for (const [name, args, field] of calls) {
      const answer = await post(name, args);
      expect([answer.status, answer.body.error?.code, answer.body.error?.message], name).toEqual([400, 'VALIDATION_ERROR', `invalid arguments for ${name}: ${field}: ${BAD_BITS}`]);
    }
  });

  it.skipIf(!built)('is named by the CLI as the --rule it came from', () => {
    const r = disobey('manifest', '--db', db, '--experiment', '1', '--rule', JSON.stringify({ filter: { exampleIdSet: BAD_SET }, weight: 1, reason: 'r' }));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`disobey: --rule 1 filter.exampleIdSet.bits: ${BAD_BITS} (see disobey help)`);
  });
});

describe.skipIf(!built)('manifest --rules FILE (repro 03)', () => {
  it('reads only a regular file of at most a few MB, and names --rules FILE in every refusal', () => {
    const base = ['manifest', '--db', db, '--experiment', '1', '--rules'];
    const missing = path.join(temp.dir, 'none.json');
    const big = path.join(temp.dir, 'big.json');
    fs.writeFileSync(big, `[${' '.repeat(5 << 20)}]`);
    const started = Date.now();
    expect(disobey(...base, '/dev/zero').stderr.trim()).toBe('disobey: --rules /dev/zero: not a regular file (a pipe, device or socket is not read) (see disobey help)');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(disobey(...base, temp.dir).stderr.trim()).toBe(`disobey: --rules ${temp.dir}: is a folder, not a file (see disobey help)`);
    expect(disobey(...base, missing).stderr.trim()).toBe(`disobey: --rules ${missing}: no such file (see disobey help)`);
    expect(disobey(...base, big).stderr.trim()).toBe(`disobey: --rules ${big}: ${(5 << 20) + 2} bytes; a rules file holds at most ${4 << 20} bytes (see disobey help)`);
  });

  it('names a bad rule of the file by its place in the file', () => {
    const rules = path.join(temp.dir, 'rules.json');
    fs.writeFileSync(rules, JSON.stringify([{ filter: {}, weight: 1, reason: 'ok' }, { filter: {}, weight: -2, reason: 'bad' }]));
    const r = disobey('manifest', '--db', db, '--experiment', '1', '--rule', '{"filter":{},"weight":1,"reason":"r"}', '--rules', rules);
    expect(r.stderr).toMatch(new RegExp(`^disobey: --rules ${rules.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} rule 2 weight: Too small`));
  });
});

describe('overwriting never replaces what is not a regular file (repro 04)', () => {
  it('refuses a FIFO or a symbolic link as the target of an export with overwrite, leaving it in place', async () => {
    const set = (await post('createCuratedSet', { datasetId: fixture.datasetId, name: 'pipes', exampleIds: [firstExampleId()] })).body;
    expect(set.ok).toBe(true);
    const setId = (set.result as { id: number }).id;
    const fifo = path.join(temp.dir, 'pipe.csv');
    const elsewhere = path.join(temp.dir, 'elsewhere.csv');
    const link = path.join(temp.dir, 'link.csv');
    spawnSync('mkfifo', [fifo]);
    fs.writeFileSync(elsewhere, 'kept\n');
    fs.symlinkSync(elsewhere, link);
    const exports: [string, (file: string) => unknown][] = [
      ['exportCuratedSet', (file) => ({ setId, format: 'csv', path: file, overwrite: true })],
      ['exportTrainingManifest', (file) => ({ experimentId: fixture.experimentId, rules: [{ filter: {}, weight: 1, reason: 'r' }], path: file, overwrite: true })],
    ];
    for (const [name, args] of exports) {
      for (const [file, kind] of [[fifo, 'a named pipe (FIFO)'], [link, 'a symbolic link']] as const) {
        const answer = await post(name, args(file));
        const hint = kind === 'a symbolic link' ? '; give the path it points to' : '';
        expect([answer.status, answer.body.error], `${name} ${kind}`).toEqual([400, { code: 'VALIDATION_ERROR', message: `${file} is ${kind}, not a regular file; Disobey only writes or replaces regular files${hint}`, place: { file, field: 'path' } }]);
      }
    }
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('kept\n');
    expect(fs.readdirSync(temp.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it.skipIf(!built)('refuses it from the CLI too (manifest --out FIFO --force)', () => {
    const fifo = path.join(temp.dir, 'cli-pipe.csv');
    spawnSync('mkfifo', [fifo]);
    const r = disobey('manifest', '--db', db, '--experiment', '1', '--rule', '{"filter":{},"weight":1,"reason":"r"}', '--out', fifo, '--force');
    expect(r.stderr.trim()).toBe(`disobey: ${fifo} is a named pipe (FIFO), not a regular file; Disobey only writes or replaces regular files`);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  });
});

describe.skipIf(!built)('report --examples FILE (repro 05)', () => {
  it('leaves no cut-off file when killed mid-write, so the re-run writes it whole', async () => {
    const dir = fs.mkdtempSync(path.join(temp.dir, 'examples-'));
    const target = path.join(dir, 'ex.csv');
    const args = [bin, 'report', '--db', db, '--bootstrap', '0', '--examples', target];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    // Killed the moment anything appears in the folder: the partial file, or (before) the target itself.
    const watcher = fs.watch(dir, () => child.kill('SIGKILL'));
    await new Promise((resolve) => child.once('exit', resolve));
    watcher.close();
    const whole = path.join(temp.dir, 'whole.csv');
    expect(disobey('report', '--db', db, '--bootstrap', '0', '--examples', whole).code).toBe(0);
    const expected = fs.readFileSync(whole, 'utf8');
    if (fs.existsSync(target)) expect(fs.readFileSync(target, 'utf8')).toBe(expected); // only if it had finished
    else {
      const rerun = disobey('report', '--db', db, '--bootstrap', '0', '--examples', target);
      expect(rerun.stderr).toBe('');
      expect(fs.readFileSync(target, 'utf8')).toBe(expected);
    }
    expect(fs.readdirSync(dir)).toEqual(['ex.csv']); // the killed run's partial is gone
  });

  it('names --examples when the folder is missing, the path is a folder, or the file exists', () => {
    const missing = path.join(temp.dir, 'missing', 'ex.csv');
    const existing = path.join(temp.dir, 'existing.csv');
    fs.writeFileSync(existing, 'mine\n');
    const run = (file: string) => disobey('report', '--db', db, '--bootstrap', '0', '--examples', file).stderr.trim();
    expect(run(missing)).toBe(`disobey: --examples ${missing}: the folder ${path.dirname(missing)} does not exist`);
    expect(run(temp.dir)).toBe(`disobey: --examples ${temp.dir}: ${temp.dir} is a folder; give a file name`);
    expect(run(existing)).toBe(`disobey: --examples ${existing}: already exists; Disobey never overwrites: choose another path`);
    expect(fs.readFileSync(existing, 'utf8')).toBe('mine\n');
  });
});

describe('completePath under the home folder (repro 06)', () => {
  it('lists the home folder for "~/" and its hidden entries for "~/.", as the path typed out does', async () => {
    const home = fs.mkdtempSync(path.join(temp.dir, 'home-'));
    fs.mkdirSync(path.join(home, 'projects'));
    fs.writeFileSync(path.join(home, '.profile'), '');
    const outer = process.env.HOME;
    process.env.HOME = home;
    try {
      const complete = async (prefix: string) => ((await app.call<{ entries: { path: string }[] }>('completePath', { prefix })).entries.map((e) => e.path));
      expect(await complete('~/')).toEqual([path.join(home, 'projects') + path.sep]);
      expect(await complete('~/.')).toEqual([path.join(home, '.profile')]);
      expect(await complete(`${home}/.`)).toEqual([path.join(home, '.profile')]);
      expect(await complete('~')).toEqual([path.join(home, 'projects') + path.sep]);
      expect(await complete('~/pro')).toEqual([path.join(home, 'projects') + path.sep]);
    } finally {
      process.env.HOME = outer;
    }
  });
});

describe("the web server's own refusals carry fitting codes", () => {
  it('answers a wrong token, a wrong method and an unknown page with FORBIDDEN or NOT_FOUND, a too large body with VALIDATION_ERROR', async () => {
    const token = { [TOKEN_HEADER]: app.server.token };
    const wrongToken = await post('listDatasets', {}, { [TOKEN_HEADER]: 'x'.repeat(32) });
    const getCall = await request('/api/call/listDatasets', { headers: token });
    const putPage = await request('/index.html', { method: 'PUT', headers: token });
    const missing = await request('/no/such/page.txt', { headers: token });
    const tooLarge = await request('/api/call/listDatasets', { method: 'POST', headers: { 'content-type': 'application/json', ...token }, body: Buffer.alloc((1 << 20) + 10, 0x20) });
    const badJson = await request('/api/call/listDatasets', { method: 'POST', headers: { 'content-type': 'application/json', ...token }, body: '{' });
    expect([wrongToken.status, wrongToken.body.error?.code]).toEqual([401, 'FORBIDDEN']);
    expect([getCall.status, getCall.body.error]).toEqual([405, { code: 'FORBIDDEN', message: 'calls use POST' }]);
    expect([putPage.status, putPage.body.error]).toEqual([405, { code: 'FORBIDDEN', message: 'method PUT not allowed: pages, events and media use GET' }]);
    expect([missing.status, missing.body.error]).toEqual([404, { code: 'NOT_FOUND', message: 'not found: /no/such/page.txt' }]);
    expect([tooLarge.status, tooLarge.body.error]).toEqual([413, { code: 'VALIDATION_ERROR', message: `request body too large: a call takes at most ${1 << 20} bytes` }]);
    expect([badJson.status, badJson.body.error?.code]).toEqual([400, 'VALIDATION_ERROR']);
  });
});

describe.skipIf(!built)('CLI refusals name the flag, not the field (repro 07)', () => {
  it('report --class, --experiment, --epoch and manifest --default-weight', () => {
    expect(disobey('report', '--db', db, '--class', 'foo').stderr.trim()).toBe('disobey: --class: Invalid option: expected one of "teacher-top"|"label"');
    expect(disobey('report', '--db', db, '--experiment', '0').stderr.trim()).toBe('disobey: --experiment: Too small: expected number to be >0');
    expect(disobey('report', '--db', db, '--epoch', '1.5').stderr.trim()).toBe('disobey: --epoch: Invalid input: expected int, received number');
    const weight = disobey('manifest', '--db', db, '--experiment', '1', '--rule', '{"filter":{},"weight":1,"reason":"r"}', '--default-weight=-1');
    expect(weight.stderr.trim()).toBe('disobey: --default-weight: Too small: expected number to be >=0 (see disobey help)');
    const student = disobey('manifest', '--db', db, '--experiment', '1', '--student', '0', '--rule', '{"filter":{},"weight":1,"reason":"r"}');
    expect(student.stderr.trim()).toBe('disobey: --student: Too small: expected number to be >0 (see disobey help)');
  });
});
