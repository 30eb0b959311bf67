// The services host (issue 18 item 3), driven as the desktop app drives it, on real SQLite files:
// over a worker_threads MessageChannel, and in its own process (the built services-process entry,
// forked by Node as Electron's utilityProcess would start it). Calls are answered, a DomainError's
// code and place cross intact, events and the parent's dialogs and theme cross, the contract's
// cancel reaches a running import, a long analytics call in the host leaves the caller's event loop
// free (while the same call in-process stalls it), and shutdown closes the databases.
import Database from 'better-sqlite3';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviationFixture } from '../../bench/deviationFixture.js';
import type { AppEvent } from '../../shared/contract.js';
import type { PickPathArgs, ThemeChoice } from '../../shared/desktop.js';
import { DomainError } from '../../shared/errors.js';
import { answerIpcCall } from '../../main/electron/ipcReply.js';
import { servicesProcessPath } from '../../main/electron/servicesPort.js';
import { createAppServices } from '../../main/services/appServices.js';
import { nodePortLink, processLink } from '../../main/services/messagePeer.js';
import { connectServices, type RemoteSession, type ServicesClient } from '../../main/services/servicesClient.js';
import { hostServices } from '../../main/services/servicesHost.js';
import { createStore } from '../../main/store/store.js';
import { workerEntryPath } from '../../main/workers/launcher.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { encodeIdx } from '../unit/encodeIdx.js';

const temp = makeTempDir('disobey-host-');
const file = (name: string) => path.join(temp.dir, name);
const sampleDir = file('sample');
afterAll(() => temp.dispose());

/** Examples in the large experiment: its first analytics call takes about a second (two CPU cores). */
const LARGE = 40_000;
let large: { experimentId: number; studentRunIds: number[] };

beforeAll(() => {
  // a small stand-in for the embedded sample: 2×2 images, three classes
  fs.mkdirSync(sampleDir);
  for (const [prefix, n] of [['train', 12], ['t10k', 6]] as const) {
    fs.writeFileSync(path.join(sampleDir, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(encodeIdx([n, 2, 2], new Uint8Array(n * 4).map((_, i) => i % 256))));
    fs.writeFileSync(path.join(sampleDir, `${prefix}-labels-idx1-ubyte.gz`), zlib.gzipSync(encodeIdx([n], new Uint8Array(n).map((_, i) => i % 3))));
  }
  const db = openDatabase(file('large.db'));
  try {
    large = createDeviationFixture(db, { examples: LARGE, classes: 10, students: 3, epochs: 2 });
  } finally {
    db.close();
  }
}, 120_000);

/** The parent's side of the desktop hooks, recording what the host asked of it. */
function recordingParent() {
  const asked: PickPathArgs[] = [];
  const themes: ThemeChoice[] = [];
  const desktop = {
    pickPath: async (args: PickPathArgs) => (asked.push(args), '/picked/by/the/parent'),
    setTheme: (theme: ThemeChoice) => void themes.push(theme),
    versions: { node: process.versions.node, electron: '45.0.0-test' },
  };
  return { desktop, asked, themes };
}

function eventsOf(session: RemoteSession): AppEvent[] {
  const seen: AppEvent[] = [];
  session.services.events.subscribe((e) => seen.push(e));
  return seen;
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (err) {
    return err as DomainError;
  }
  throw new Error('expected the call to fail');
}

/** Until `check` holds (events cross asynchronously). */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Runs `work` while a 5 ms timer ticks in this process: how long the work took, and the longest
 * the timer waited between two ticks (the event loop's longest stall).
 */
async function timerDuring(work: () => Promise<unknown>): Promise<{ ms: number; longestStallMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const start = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const end = performance.now();
  return { ms: end - start, longestStallMs: Math.max(longest, end - last) };
}

describe('the services host over a MessageChannel', () => {
  let client: ServicesClient;
  let parent: ReturnType<typeof recordingParent>;
  let exited = 0;

  beforeAll(() => {
    const { port1, port2 } = new MessageChannel();
    hostServices(nodePortLink(port2), { exit: () => void exited++ });
    parent = recordingParent();
    client = connectServices(nodePortLink(port1), { desktop: parent.desktop });
  });

  it('answers contract calls from the database it opened, with the parent as the desktop', async () => {
    const session = await client.open(file('channel.db'), { sampleDir });
    const datasets = (await session.services.dispatch('listDatasets', {}, 'ipc')) as { name: string; classNames: string[] }[];
    expect(datasets.map((d) => d.name)).toEqual(['Fashion-MNIST sample']);
    expect(await session.services.dispatch('appInfo', {}, 'ipc')).toMatchObject({
      databasePath: file('channel.db'),
      transport: 'ipc',
      nativeDialogs: true,
      versions: { node: process.versions.node, electron: '45.0.0-test' },
    });
    // pickPath is validated in the host and answered by the parent's dialog; setTheme reaches the parent
    expect(await session.services.dispatch('pickPath', { mode: 'openFolder', title: 'Image folder' }, 'ipc')).toEqual({ path: '/picked/by/the/parent' });
    expect(parent.asked).toEqual([{ mode: 'openFolder', title: 'Image folder' }]);
    expect(await session.services.dispatch('setTheme', { theme: 'dark' }, 'ipc')).toEqual({ theme: 'dark' });
    await until(() => parent.themes.length === 1, 'the theme');
    expect(parent.themes).toEqual(['dark']);
    // example images cross as bytes: a PNG
    const { data: png } = await session.services.exampleImage(1);
    expect(png).toBeInstanceOf(Uint8Array);
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    session.close();
  });

  it('carries a DomainError across with its code, message and place, as the IPC reply sends it', async () => {
    const session = await client.open(file('errors.db'), { sampleDir });
    const missing = await rejection(session.services.dispatch('getDataset', { datasetId: 999 }, 'ipc'));
    expect(missing).toBeInstanceOf(DomainError);
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toMatch(/\b999\b/);
    const invalid = await rejection(session.services.dispatch('listExamples', { datasetId: 1, limit: 5000 }, 'ipc'));
    expect(invalid.code).toBe('VALIDATION_ERROR');
    expect(invalid.message).toMatch(/^invalid arguments for listExamples: limit/);
    expect(await answerIpcCall(session.services, 'getDataset', { datasetId: 999 })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: missing.message, place: {} } });

    // another process holds the write lock past the busy timeout: BUSY, naming the file
    const other = new Database(file('errors.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const busy = await rejection(session.services.dispatch('setClassGroups', { datasetId: 1, groups: [[0, 1]] }, 'ipc'));
      expect([busy.code, busy.place]).toEqual(['BUSY', { file: file('errors.db') }]);
      expect(busy.message).toContain(`${file('errors.db')} is busy`);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    session.close();
  }, 20_000);

  it("forwards the session's events, and only while it is open", async () => {
    const session = await client.open(file('events.db'), { sampleDir });
    const seen = eventsOf(session);
    await session.services.dispatch('setClassGroups', { datasetId: 1, groups: [[0, 2]] }, 'ipc');
    await until(() => seen.length > 0, 'datasetsChanged');
    expect(seen).toEqual([{ type: 'datasetsChanged' }]);
    session.close();
    // a closed session answers as a closed database does
    await expect(session.services.dispatch('listDatasets', {}, 'ipc')).rejects.toThrow(/not open/);
    expect(await session.services.dispatch('appInfo', {}, 'ipc')).toMatchObject({ databasePath: file('events.db') });
  });

  it.skipIf(!fs.existsSync(workerEntryPath('import')))('cancels a running import through the contract: CANCELLED crosses, the finish is an event, nothing lands', async () => {
    const session = await client.open(file('cancel.db'), { sampleDir });
    const seen = eventsOf(session);
    const importing = rejection(session.services.dispatch('importDataset', { path: sampleDir, format: 'idx', name: 'cancelled', taskId: 'import-1' }, 'ipc'));
    expect(await session.services.dispatch('cancelTask', { taskId: 'import-1' }, 'ipc')).toEqual({ cancelled: true });
    const cancelled = await importing;
    expect([cancelled.code, cancelled.message]).toEqual(['CANCELLED', 'import cancelled; nothing was written']);
    await until(() => seen.some((e) => e.type === 'taskFinished'), 'taskFinished');
    expect(seen.filter((e) => e.type === 'taskFinished')).toEqual([{ type: 'taskFinished', taskId: 'import-1', kind: 'import', ok: false, error: 'import cancelled; nothing was written' }]);
    expect(((await session.services.dispatch('listDatasets', {}, 'ipc')) as unknown[]).length).toBe(1);
    session.close();
  });

  it('closes every database on shutdown and then ends', async () => {
    const session = await client.open(file('shutdown.db'), { sampleDir });
    await session.services.dispatch('setClassGroups', { datasetId: 1, groups: [[1, 2]] }, 'ipc');
    expect(fs.existsSync(file('shutdown.db-wal'))).toBe(true); // open in WAL mode
    await client.shutdown();
    await until(() => exited === 1, 'the host to exit');
    // the last connection to close checkpoints and removes the WAL
    expect(fs.existsSync(file('shutdown.db-wal'))).toBe(false);
    await expect(session.services.dispatch('appInfo', {}, 'ipc')).rejects.toThrow(/the services process is not running/);
  });
});

describe.skipIf(!fs.existsSync(servicesProcessPath()))('the services host in its own process', () => {
  let child: ChildProcess;
  let client: ServicesClient;
  const exitCode = () => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

  function start(): void {
    // as Electron's utilityProcess.fork starts it, but over Node's IPC channel
    child = fork(servicesProcessPath(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    client = connectServices(processLink(child));
  }
  afterAll(() => void child?.kill());

  it("runs a long analytics call without stalling the caller's event loop, which the same call in-process stalls", async () => {
    start();
    const session = await client.open(file('large.db'), { sampleDir });
    const args = { experimentId: large.experimentId, studentRunId: large.studentRunIds[0], filter: {}, limit: 10 };
    const inHost = await timerDuring(() => session.services.dispatch('queryExamples', args, 'ipc'));

    const db = openDatabase(file('large.db'));
    const local = createAppServices({ store: createStore(db), databasePath: file('large.db') });
    let inProcess;
    try {
      inProcess = await timerDuring(() => local.dispatch('queryExamples', args, 'ipc'));
    } finally {
      local.dispose();
      db.close();
    }
    console.log(`queryExamples on ${LARGE} examples, first call: in the host ${inHost.ms.toFixed(0)} ms (longest stall here ${inHost.longestStallMs.toFixed(0)} ms); in-process ${inProcess.ms.toFixed(0)} ms (longest stall ${inProcess.longestStallMs.toFixed(0)} ms)`);
    // the measure sees a stall where there is one … (the call's length depends on the CPU: 115 ms
    // on one machine of this project, over 200 on another; ten ticks of the 5 ms timer suffice)
    expect(inProcess.ms).toBeGreaterThan(50);
    expect(inProcess.longestStallMs).toBeGreaterThan(inProcess.ms / 2);
    // … and the host's call of about the same length leaves this process's timer ticking (a
    // ratio, not milliseconds: on a starved machine both the call and every tick take longer)
    expect(inHost.ms).toBeGreaterThan(50);
    expect(inHost.longestStallMs).toBeLessThan(inHost.ms / 4);
    const page = (await session.services.dispatch('queryExamples', args, 'ipc')) as { total: number };
    expect(page.total).toBe(LARGE);
  }, 120_000);

  it('closes its databases and ends on shutdown', async () => {
    const session = await client.open(file('process.db'), { sampleDir });
    await session.services.dispatch('setClassGroups', { datasetId: 1, groups: [[0, 1]] }, 'ipc');
    expect(fs.existsSync(file('process.db-wal'))).toBe(true);
    await client.shutdown();
    expect(await exitCode()).toBe(0);
    expect(fs.existsSync(file('process.db-wal'))).toBe(false);
  });

  it('closes its databases when terminated, as quitting the desktop app does', async () => {
    start();
    const session = await client.open(file('terminated.db'), { sampleDir });
    await session.services.dispatch('setClassGroups', { datasetId: 1, groups: [[0, 1]] }, 'ipc');
    expect(fs.existsSync(file('terminated.db-wal'))).toBe(true);
    const lost = new Promise<void>((resolve) => client.onLost(resolve));
    child.kill('SIGTERM');
    expect(await exitCode()).toBe(0);
    await lost;
    expect(fs.existsSync(file('terminated.db-wal'))).toBe(false);
    await expect(session.services.dispatch('appInfo', {}, 'ipc')).rejects.toMatchObject({ code: 'INTERNAL', message: 'the services process is not running' });
  });
});
