// Every contract call against 500+ seeded hostile payloads over both transports (issue 7): the
// IPC path (answerIpcCall → dispatch, after a structured clone like Electron's) and HTTP (the
// real web server). Each is refused with VALIDATION_ERROR (HTTP 400, or 413 past the body limit),
// nothing answers 500 or INTERNAL, the database is unchanged and no file is written anywhere.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callNames, contract, TOKEN_HEADER, type CallArgs, type CallName } from '../../shared/contract.js';
import { ValidationError } from '../../shared/errors.js';
import { ensureSampleDataset } from '../../main/data/sampleDataset.js';
import { answerIpcCall } from '../../main/electron/ipcReply.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { containsHuge, hostilePayloads, rawBodies, TRAVERSAL_STRINGS } from '../helpers/hostilePayloads.js';
import { createStore } from '../../main/store/store.js';

const PAYLOADS_PER_CALL = 500;
const HUGE_PER_CALL = 6;
const MAX_BODY_BYTES = 1 << 20;
/** ids nothing in the database has */
const MISSING_IDS = [999_999, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];
/** calls that only read: they also get valid-shaped arguments naming ids that do not exist */
const READ_CALLS_WITH_IDS = [
  'getDataset', 'listExamples', 'getExample', 'getExperiment', 'runMetrics', 'deviationReport', 'queryExamples',
  'exampleTrajectory', 'deviationScatter', 'gradientView', 'listCuratedSetMembers', 'flipEvents', 'threeWayConfusion',
  'cartographyMap', 'classDeviationHeatmap', 'findings', 'seriesReport', 'measureHistogram',
] as const satisfies readonly CallName[];

type Bases = { [K in CallName]: CallArgs<K>[] };

let app: AppUnderTest;
let agent: http.Agent;
let datasetId: number;
let exampleId: number;
let setId: number;
let bases: Bases;
let escapeTargets: string[];
let databaseBefore: Record<string, string>;
let filesBefore: string[];
const payloads = new Map<CallName, unknown[]>();

/** Arguments each call accepts, with the seeded ids: the material hostile edits are planted in. */
function validBases(dir: string): Bases {
  const runSpec = {
    name: 'teacher',
    model: { arch: 'mlp' as const, hidden: [8] },
    optimizer: { kind: 'adam' as const, lr: 0.001 },
    batchSize: 32,
    epochs: 2,
    seed: 1,
  };
  const student = { ...runSpec, name: 'kd', phases: [{ from: 0, loss: { kind: 'kd' as const, alpha: 1, tau: 4, tauSquared: true } }] };
  const filter = { split: 'test', labels: [1], ranges: [{ measure: 'deviation' as const, min: -1, max: 1 }], curatedSet: { setId, member: true }, exampleIds: [exampleId], textContains: 'shirt' };
  return {
    appInfo: [{}],
    pickPath: [{ mode: 'openFile', title: 'Import', defaultPath: dir, filters: [{ name: 'CSV', extensions: ['csv'] }] }],
    completePath: [{ prefix: `${dir}/`, foldersOnly: true }],
    setTheme: [{ theme: 'dark' }],
    listDatasets: [{}],
    getDataset: [{ datasetId }],
    importDataset: [
      { path: path.join(dir, 'no-such-source'), format: 'csv', name: 'x', subset: 10, classes: ['a', 'b'], noise: { rate: 0.1, seed: 1 }, testFraction: 0.2, taskId: 'import-1' },
      { path: '../../etc/passwd', format: 'csv' },
    ],
    buildMechanismDataset: [{ name: 'dominoes', sources: [datasetId, datasetId], patch: true, labelMechanism: 'top', splits: [{ name: 'train', size: 10, settings: { top: 'keep', bottom: 'randomise', patch: 'remove' }, correlation: 0.5 }], seed: 1, taskId: 'build-1' }],
    deleteDataset: [{ datasetId }],
    deleteExperiment: [{ experimentId: 1 }],
    relocateDataset: [{ datasetId, root: dir }],
    setClassGroups: [{ datasetId, groups: [[0, 2, 6], [5, 7, 9]] }],
    listExamples: [{ datasetId, split: 'train', label: 1, noisyOnly: false, offset: 0, limit: 10 }],
    getExample: [{ exampleId }],
    cancelTask: [{ taskId: 'import-1' }],
    listExperiments: [{}],
    getExperiment: [{ experimentId: 1 }],
    startExperiment: [{ spec: { name: 'hostile', datasetId, teacher: runSpec, students: [student] }, backend: 'cpu' }],
    startPaperPreset: [{ datasetId, epochs: 1, backend: 'cpu' }],
    startMechanismPreset: [{ datasetId, epochs: 1, backend: 'cpu' }],
    runMetrics: [{ runId: 1 }],
    cancelTraining: [{ experimentId: 1 }],
    resumeRun: [{ runId: 1 }],
    deviationReport: [{ experimentId: 1, epoch: 1, split: 'test', classChoice: 'label', bootstrap: 10, bins: 10, hardFraction: 0.25, seed: 1 }],
    queryExamples: [{ experimentId: 1, studentRunId: 2, epoch: 1, classChoice: 'teacher-top', filter, sort: { column: 'kl', descending: true }, offset: 0, limit: 10 }],
    exampleTrajectory: [{ experimentId: 1, exampleId }],
    deviationScatter: [{ experimentId: 1, split: 'test', filter: { labels: [0], noisy: false } }],
    gradientView: [{ experimentId: 1, split: 'train', groups: [[0, 1]] }],
    findings: [{ experimentId: 1, bootstrap: 10, seed: 1 }],
    startFindingsPreset: [{ datasetId, epochs: 2, seeds: 2, backend: 'cpu' }],
    seriesReport: [{ experimentId: 1 }],
    flipEvents: [{ experimentId: 1, runIds: [1, 2], split: 'train', window: 1 }],
    threeWayConfusion: [{ experimentId: 1, studentRunId: 2, epoch: 1, split: 'test' }],
    cartographyMap: [{ experimentId: 1, studentRunId: 2, epoch: 1, classChoice: 'label', split: 'test', axes: 'deviation' }],
    classDeviationHeatmap: [{ experimentId: 1, studentRunId: 2, epoch: 1, classChoice: 'teacher-top', split: 'train' }],
    measureHistogram: [{ experimentId: 1, studentRunId: 2, epoch: 1, classChoice: 'label', measure: 'kl', filter: { split: 'train', labels: [1] }, bins: 30 }],
    eigenLab: [{ n: 10, p: 20, scales: { kind: 'geomspace', from: 3, to: 0.05 }, noise: 0, stepSize: 'auto', teacherSteps: 10, studentSteps: 10, record: 5, seed: 1 }],
    listCuratedSets: [{ datasetId }],
    createCuratedSet: [{ datasetId, name: 'hostile', description: 'd', exampleIds: [exampleId], note: 'n', fromFilter: { experimentId: 1, filter: { labels: [1] } } }],
    updateCuratedSet: [{ setId, name: 'renamed', description: 'd' }],
    deleteCuratedSet: [{ setId }],
    addToCuratedSet: [{ setId, exampleIds: [exampleId, exampleId + 1], note: 'n' }],
    removeFromCuratedSet: [{ setId, exampleIds: [exampleId] }],
    setCuratedNote: [{ setId, exampleId, note: 'n' }],
    listCuratedSetMembers: [{ setId, offset: 0, limit: 10 }],
    curatedSetsOfExample: [{ exampleId }],
    exportCuratedSet: [
      { setId, format: 'csv', path: path.join(dir, 'export.csv'), overwrite: false, taskId: 'export-1' },
      ...escapeTargets.map((target, i) => ({ setId, format: (['zip', 'jsonl', 'csv'] as const)[i % 3]!, path: target, overwrite: true })),
    ],
    exportTrainingManifest: [
      { experimentId: 1, studentRunId: 2, split: 'train', rules: [{ filter, weight: 0.5, reason: 'underfit' }], defaultWeight: 1, kind: 'curriculum', format: 'jsonl', path: path.join(dir, 'weights.csv'), overwrite: false },
      ...escapeTargets.map((target) => ({ experimentId: 1, rules: [{ filter: { underfit: { delta: 0.5 } }, weight: 0, reason: 'r' }], path: target, overwrite: true })),
    ],
    previewTrainingImages: [{ path: dir, trainSize: 32, count: 4 }],
  };
}

/** The payload as the server's parser sees it: JSON (NaN → null, undefined dropped); an empty body reads as {}. */
function overHttp(payload: unknown): unknown {
  const text = JSON.stringify(payload);
  return text === undefined ? {} : (JSON.parse(text) as unknown);
}

/** Refused by the call's schema as dispatch checks it (absent or null arguments read as {}). */
function refusedAs(name: CallName, wire: unknown): boolean {
  return !contract[name].args.safeParse(wire ?? {}).success;
}

function refusedOverBoth(name: CallName) {
  return (payload: unknown) => refusedAs(name, structuredClone(payload)) && refusedAs(name, overHttp(payload));
}

function seedOf(name: CallName): number {
  return createHash('sha256').update(`hostile:${name}`).digest().readUInt32LE(0);
}

/** Values only a structured clone carries (IPC): bigints, dates, maps, sets, typed arrays, regexps, errors. */
function cloneOnlyPayloads(name: CallName, base: Record<string, unknown>): unknown[] {
  const exotic: unknown[] = [10n, -1n, new Date(0), new Map([['datasetId', 1]]), new Set([1]), new Uint8Array([1, 2]), /x/, new Error('x'), new Array<number>(2), new Boolean(true), new String('x'), new Number(1)];
  const found: unknown[] = [...exotic];
  for (const key of Object.keys(base)) for (const value of exotic) found.push({ ...base, [key]: value });
  return found.filter((p) => refusedAs(name, structuredClone(p)));
}

function postCall(name: string, body: string | Buffer | undefined, encodedName = encodeURIComponent(name)) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: app.server.port,
        path: `/api/call/${encodedName}`,
        method: 'POST',
        headers: { host: `127.0.0.1:${app.server.port}`, 'content-type': 'application/json', [TOKEN_HEADER]: app.server.token },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `work` over `items` with at most `width` in flight. */
async function inParallel<T>(items: readonly T[], width: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
}

function describePayload(payload: unknown): string {
  try {
    return (JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(payload)).slice(0, 160);
  } catch {
    return String(payload).slice(0, 160);
  }
}

/** Every table's rows, hashed order-independently, with the row count: equal maps mean an unchanged database. */
function databaseFingerprint(db: Database.Database): Record<string, string> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  const out: Record<string, string> = { user_version: String(db.pragma('user_version', { simple: true })) };
  for (const table of tables) {
    const rowHashes: string[] = [];
    for (const row of db.prepare(`SELECT * FROM "${table}"`).raw().iterate() as IterableIterator<unknown[]>) {
      const hash = createHash('sha256');
      for (const value of row) hash.update(Buffer.isBuffer(value) ? Buffer.concat([Buffer.from('b:'), value]) : `${typeof value}:${String(value)}|`);
      rowHashes.push(hash.digest('hex'));
    }
    rowHashes.sort();
    out[table] = `${rowHashes.length} rows ${createHash('sha256').update(rowHashes.join('')).digest('hex')}`;
  }
  return out;
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => !/-(wal|shm|journal)$/.test(f)).sort();
}

beforeAll(async () => {
  app = await startAppUnderTest();
  agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  datasetId = (await ensureSampleDataset(createStore(app.db)))!;
  const first = (await app.services.dispatch('listExamples', { datasetId, limit: 3 }, 'ipc')) as { items: { id: number }[] };
  exampleId = first.items[0]!.id;
  const set = (await app.services.dispatch('createCuratedSet', { datasetId, name: 'seeded', exampleIds: first.items.map((e) => e.id), note: 'seed' }, 'ipc')) as { id: number };
  setId = set.id;
  const tag = 'disobey-hostile-escape';
  escapeTargets = [path.join(app.dir, '..', `${tag}.csv`), path.join(os.tmpdir(), `${tag}.zip`), path.join(app.dir, '..', '..', `${tag}.jsonl`), `/${tag}.csv`];
  bases = validBases(app.dir);
  for (const name of callNames) {
    const list = bases[name] as unknown[];
    payloads.set(
      name,
      list.flatMap((base, i) =>
        hostilePayloads(base, { seed: seedOf(name) + i, count: Math.ceil(PAYLOADS_PER_CALL / list.length), huge: Math.ceil(HUGE_PER_CALL / list.length), refused: refusedOverBoth(name) }),
      ),
    );
  }
  databaseBefore = databaseFingerprint(app.db);
  filesBefore = listFiles(app.dir);
});

afterAll(async () => {
  agent?.destroy();
  await app?.dispose();
});

describe('hostile payloads', () => {
  it('start from arguments each call accepts, with hostile edits each call refuses', () => {
    for (const name of callNames) {
      for (const base of bases[name]) expect(contract[name].args.safeParse(base).success, `${name} ${describePayload(base)}`).toBe(true);
      const list = payloads.get(name)!;
      expect(list.length, name).toBeGreaterThanOrEqual(500);
      expect(list.filter(containsHuge).length, name).toBeGreaterThanOrEqual(1);
    }
    for (const target of escapeTargets) expect(fs.existsSync(target), target).toBe(false);
  });

  it.each(callNames)('%s refuses every hostile payload over IPC with VALIDATION_ERROR', async (name) => {
    const list = [...payloads.get(name)!, ...cloneOnlyPayloads(name, bases[name][0] as Record<string, unknown>)];
    const failures: string[] = [];
    for (const payload of list) {
      const cloned = structuredClone(payload); // what ipcRenderer.invoke delivers
      const reply = await answerIpcCall(app.services, name, cloned);
      structuredClone(reply); // the reply must cross back
      if (reply.ok || reply.error.code !== 'VALIDATION_ERROR') failures.push(`${JSON.stringify(reply).slice(0, 200)} for ${describePayload(payload)}`);
      const thrown = await app.services.dispatch(name, cloned, 'ipc').then(
        () => null,
        (err: unknown) => err,
      );
      if (!(thrown instanceof ValidationError)) failures.push(`dispatch gave ${String(thrown)} for ${describePayload(payload)}`);
    }
    expect(failures).toEqual([]);
    expect(list.length).toBeGreaterThanOrEqual(500);
  });

  it.each(callNames)('%s refuses every hostile payload over HTTP with 400 (413 past 1 MiB), never 500', async (name) => {
    const base = bases[name][0] as Record<string, unknown>;
    const idKey = Object.keys(base).find((k) => /Id$/.test(k)) ?? 'datasetId';
    const bodies: (string | Buffer | undefined)[] = payloads.get(name)!.map((p) => JSON.stringify(p));
    for (const raw of rawBodies(idKey, JSON.stringify(base))) {
      const text = raw.toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text || '{}');
      } catch {
        bodies.push(raw); // not JSON: refused before any call
        continue;
      }
      if (Buffer.byteLength(raw) > MAX_BODY_BYTES || refusedAs(name, parsed)) bodies.push(raw);
    }
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    await inParallel(bodies, 8, async (body) => {
      const res = await postCall(name, body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const size = body === undefined ? 0 : Buffer.byteLength(body);
      const expected = size > MAX_BODY_BYTES ? 413 : 400;
      let code: unknown;
      try {
        const reply = JSON.parse(res.body) as { ok: boolean; error: { code: string } };
        code = reply.ok === false ? reply.error.code : 'ok';
      } catch {
        code = `unparseable ${res.body.slice(0, 80)}`;
      }
      if (res.status !== expected || code !== 'VALIDATION_ERROR') failures.push(`${res.status} ${String(code)} (expected ${expected}) for ${describePayload(body?.toString().slice(0, 160))}`);
    });
    expect(failures).toEqual([]);
    expect(bodies.length).toBeGreaterThanOrEqual(500);
    expect(statuses.get(413), 'bodies past the limit').toBeGreaterThanOrEqual(1);
  });

  it('refuses hostile call names over both transports', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', '../../etc/passwd', 'listDatasets\0', "listDatasets'; DROP TABLE examples; --", 'x'.repeat(5000), '']) {
      const thrown = await app.services.dispatch(name, {}, 'ipc').catch((err: unknown) => err);
      expect(thrown, name).toBeInstanceOf(ValidationError);
      const res = await postCall(name, '{}');
      expect([res.status, JSON.parse(res.body).error.code], name).toEqual([400, 'VALIDATION_ERROR']);
    }
    for (const encoded of ['%E0%A4%A', '%', '%zz', '..%2F..%2Fetc%2Fpasswd', '%00']) {
      const res = await postCall('', '{}', encoded);
      expect([res.status, JSON.parse(res.body).error.code], encoded).toEqual([400, 'VALIDATION_ERROR']);
    }
  });

  it.each(READ_CALLS_WITH_IDS)('%s answers NOT_FOUND for well-formed ids that do not exist', async (name) => {
    const base = bases[name][0] as Record<string, unknown>;
    const idKeys = Object.keys(base).filter((k) => /Id$/.test(k) && k !== 'studentRunId');
    for (const missing of MISSING_IDS) {
      for (const key of idKeys) {
        const args = { ...base, [key]: missing };
        expect(contract[name].args.safeParse(args).success).toBe(true);
        const reply = await answerIpcCall(app.services, name, args);
        expect(reply.ok ? 'ok' : reply.error.code, `${name} ${key}=${missing}`).toBe('NOT_FOUND');
        const res = await postCall(name, JSON.stringify(args));
        expect([res.status, JSON.parse(res.body).error.code], `${name} ${key}=${missing}`).toEqual([404, 'NOT_FOUND']);
      }
    }
  });

  it('leaves the database, the temp folder and every traversal target untouched, and still answers', async () => {
    expect(databaseFingerprint(app.db)).toEqual(databaseBefore);
    expect(listFiles(app.dir)).toEqual(filesBefore);
    for (const target of [...escapeTargets, '/tmp/pwn.db']) expect(fs.existsSync(target), target).toBe(false);
    for (const target of TRAVERSAL_STRINGS.filter((t) => t.startsWith('/tmp/'))) expect(fs.existsSync(target), target).toBe(false);
    const res = await postCall('listDatasets', '{}');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).result.map((d: { id: number }) => d.id)).toEqual([datasetId]);
    const reply = await answerIpcCall(app.services, 'getDataset', { datasetId });
    expect(reply.ok && (reply.result as { id: number }).id).toBe(datasetId);
    // The fingerprint notices a one-field change: the equality above means something.
    await app.services.dispatch('setCuratedNote', { setId, exampleId, note: 'changed' }, 'ipc');
    expect(databaseFingerprint(app.db).curated_set_members).not.toBe(databaseBefore.curated_set_members);
  });
});
