// Load benchmark (issue 7): web mode on a 70,000-example experiment while a real training run
// writes every epoch through the app's own workers; 20 keep-alive clients in a child process
// (so the server's latency is measured, not the clients' event loop) loop over the explorer's
// calls for DISOBEY_LOAD_SECONDS (default 60). Goals: no errors, no "database is locked", p95 ≤ 200 ms.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TOKEN_HEADER } from '../shared/contract.js';
import { createRandom } from '../shared/seededRandom.js';
import { ensureSampleDataset } from '../main/data/sampleDataset.js';
import { createAppServices } from '../main/services/appServices.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { startWebServer } from '../main/web/webServer.js';
import { trainingPriority } from '../main/workers/workerPriority.js';
import { createDeviationFixture } from './deviationFixture.js';
import { percentile, type BenchRow } from './table.js';
import { createStore } from '../main/store/store.js';

const CLIENT_FLAG = '--disobey-load-client';
const CONCURRENCY = Number(process.env.DISOBEY_LOAD_CLIENTS ?? 20);
const P95_GOAL_MS = 200;

/** What the client process needs to build its requests. */
interface LoadPlan {
  base: string;
  token: string;
  seconds: number;
  concurrency: number;
  seed: number;
  fixture: { experimentId: number; datasetId: number; teacherRunId: number; studentRunIds: number[]; firstExampleId: number; examples: number; setId: number };
  training: { experimentId: number; datasetId: number; firstExampleId: number; examples: number };
}

interface Sample {
  op: string;
  ms: number;
  error?: string;
}

interface ClientResult {
  samples: Sample[];
  seconds: number;
}

// Child mode: this bundle forked with CLIENT_FLAG runs the clients and nothing else.
if (process.argv.includes(CLIENT_FLAG)) {
  const plan = await new Promise<LoadPlan>((resolve) => process.once('message', (m) => resolve(m as LoadPlan)));
  const result = await runClients(plan);
  await new Promise<void>((resolve) => process.send!(result, () => resolve()));
  process.exit(0);
}

export async function benchLoad(): Promise<BenchRow[]> {
  const seconds = Number(process.env.DISOBEY_LOAD_SECONDS ?? 60);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-load-'));
  const databasePath = path.join(dir, 'load.db');
  const db = openDatabase(databasePath);
  let services: ReturnType<typeof createAppServices> | undefined;
  let server: Awaited<ReturnType<typeof startWebServer>> | undefined;
  try {
    const sampleId = await ensureSampleDataset(createStore(db));
    if (sampleId === null) throw new Error('the sample dataset did not load');
    const fixture = createDeviationFixture(db, { examples: 70_000, students: 4, epochs: 3, seed: 7, name: 'load fixture' });
    const firstId = (datasetId: number) => db.prepare('SELECT min(id) AS first, count(*) AS n FROM examples WHERE dataset_id = ?').get(datasetId) as { first: number; n: number };
    const fixtureExamples = firstId(fixture.datasetId);
    const sampleExamples = firstId(sampleId);

    services = createAppServices({ store: createStore(db), databasePath });
    server = await startWebServer({ services });
    const call = (name: string, args: unknown) => services!.dispatch(name, args, 'http');
    const set = (await call('createCuratedSet', {
      datasetId: fixture.datasetId,
      name: 'load: hard examples',
      exampleIds: Array.from({ length: 300 }, (_, i) => fixtureExamples.first + i * 200),
    })) as { id: number };

    // The writer: a teacher and a one-hot student on the sample, trained side by side by the
    // app's worker pool, with far more epochs than the window lasts.
    const run = (name: string, hidden: number[], seed: number) => ({
      name,
      model: { arch: 'mlp', hidden },
      optimizer: { kind: 'adam', lr: 0.001 },
      batchSize: 128,
      epochs: 10_000,
      seed,
    });
    const training = (await call('startExperiment', {
      spec: { name: 'load: training while reading', datasetId: sampleId, teacher: run('teacher', [128], 1), students: [run('student', [32], 2)] },
    })) as { id: number };
    const epochsWritten = db.prepare('SELECT coalesce(sum(epochs_done), 0) FROM runs WHERE experiment_id = ?').pluck();
    const runsOf = db.prepare('SELECT id, role, status, epochs_done, error FROM runs WHERE experiment_id = ?');
    // Readers start once both runs have an epoch recorded: the training experiment is then explorable.
    const started = Date.now();
    while ((db.prepare('SELECT min(epochs_done) FROM runs WHERE experiment_id = ?').pluck().get(training.id) as number) < 1) {
      if (Date.now() - started > 180_000) throw new Error(`training wrote no epoch in 180 s: ${JSON.stringify(runsOf.all(training.id))}`);
      await sleep(250);
    }
    const trainMetrics = db.prepare("SELECT m.seconds FROM epoch_metrics m JOIN runs r ON r.id = m.run_id WHERE r.experiment_id = ? AND m.split = 'train' AND m.seconds IS NOT NULL AND m.epoch > ? ORDER BY m.run_id, m.epoch");
    const epochsBefore = epochsWritten.get(training.id) as number;
    const lastEpochBefore = db.prepare('SELECT max(epochs_done) FROM runs WHERE experiment_id = ?').pluck().get(training.id) as number;
    const epochSecondsBefore = trainMetrics.pluck().all(training.id, 0) as number[];

    const plan: LoadPlan = {
      base: `http://127.0.0.1:${server.port}`,
      token: server.token,
      seconds,
      concurrency: CONCURRENCY,
      seed: 11,
      fixture: { ...fixture, firstExampleId: fixtureExamples.first, examples: fixtureExamples.n, setId: set.id },
      training: { experimentId: training.id, datasetId: sampleId, firstExampleId: sampleExamples.first, examples: sampleExamples.n },
    };
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const windowStart = Date.now();
    const result = await runClientProcess(plan);
    const windowSeconds = (Date.now() - windowStart) / 1000;
    lag.disable();
    const epochsAfter = epochsWritten.get(training.id) as number;
    const runStates = runsOf.all(training.id) as { id: number; role: string; status: string; epochs_done: number; error: string | null }[];
    const epochSecondsDuring = (trainMetrics.pluck().all(training.id, lastEpochBefore) as number[]);
    await call('cancelTraining', { experimentId: training.id });

    const all = result.samples;
    const latencies = all.map((s) => s.ms).sort((a, b) => a - b);
    const errors = all.filter((s) => s.error);
    const locked = errors.filter((s) => /database is locked|SQLITE_BUSY/i.test(s.error!)).length;
    const writerLocked = runStates.filter((r) => r.error && /database is locked|SQLITE_BUSY/i.test(r.error)).length;
    const failedRuns = runStates.filter((r) => r.status === 'failed');
    const p95 = percentile(latencies, 95);
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    const byOp = new Map<string, number[]>();
    for (const s of all) byOp.set(s.op, [...(byOp.get(s.op) ?? []), s.ms]);
    const opSummary = [...byOp]
      .map(([op, xs]) => [op, xs.sort((a, b) => a - b)] as const)
      .sort((a, b) => percentile(b[1], 95) - percentile(a[1], 95))
      .map(([op, xs]) => `${op} ${xs.length}× p50 ${xs.length ? percentile(xs, 50).toFixed(0) : '-'} p95 ${percentile(xs, 95).toFixed(0)} max ${xs.at(-1)!.toFixed(0)}`);
    const label = `load: ${plan.concurrency} readers × ${seconds} s while training`;
    const epochs = epochsAfter - epochsBefore;
    const rows: BenchRow[] = [
      { benchmark: `${label}: requests`, measured: `${all.length.toLocaleString('en')} (${(all.length / result.seconds).toFixed(1)} req/s)`, goal: '', pass: null, note: `explorer mix on 70,000 examples × 5 runs × 3 epochs + the training experiment; clients in a child process, keep-alive` },
      { benchmark: `${label}: latency`, measured: `p50 ${ms(percentile(latencies, 50))}, p95 ${ms(p95)}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies.at(-1) ?? NaN)}`, goal: `p95 ≤ ${P95_GOAL_MS} ms`, pass: p95 <= P95_GOAL_MS, note: `server event loop delay p99 ${ms(lag.percentile(99) / 1e6)}, max ${ms(lag.max / 1e6)}` },
      { benchmark: `${label}: errors`, measured: String(errors.length), goal: '0', pass: errors.length === 0, note: errors.length ? `first: ${errors[0]!.op}: ${errors[0]!.error!.slice(0, 160)}` : '' },
      { benchmark: `${label}: "database is locked"`, measured: `${locked} readers, ${writerLocked} writer runs`, goal: '0', pass: locked === 0 && writerLocked === 0, note: failedRuns.length ? `failed runs: ${failedRuns.map((r) => `${r.role} ${r.error ?? ''}`).join('; ')}` : `WAL; readers' busy_timeout 5 s, the training workers' 120 s; workers at ${trainingPriority()} priority (DISOBEY_TRAIN_PRIORITY)` },
      {
        benchmark: `${label}: epochs written`,
        measured: `${epochs} in ${windowSeconds.toFixed(0)} s`,
        goal: '> 0',
        pass: epochs > 0 && failedRuns.length === 0,
        note: `teacher + student on 10,000 sample images, 12,000 predictions per epoch; train seconds per epoch before readers ${mean(epochSecondsBefore).toFixed(1)}, during ${mean(epochSecondsDuring).toFixed(1)}`,
      },
      { benchmark: `${label}: by call (p95 order)`, measured: '', goal: '', pass: null, note: opSummary.join('; ') },
    ];
    return rows;
  } finally {
    services?.dispose();
    await server?.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Forks this bundle in client mode, hands it the plan and waits for its samples. */
function runClientProcess(plan: LoadPlan): Promise<ClientResult> {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, [CLIENT_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: ClientResult | undefined;
    const timer = setTimeout(() => child.kill(), (plan.seconds + 120) * 1000);
    child.on('message', (m) => (result = m as ClientResult));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`the load client process ended without results (code ${code}, signal ${signal})`));
    });
    child.send(plan);
  });
}

// ---- client side (the child process) ----

interface Request {
  op: string;
  path: string;
  body?: unknown;
}

/** The explorer's traffic: weights roughly what a user browsing deviations sends. */
function requestMix(plan: LoadPlan, random: ReturnType<typeof createRandom>): () => Request {
  const f = plan.fixture;
  const [s1, s2] = [f.studentRunIds[0]!, f.studentRunIds[1]!];
  const pick = <T>(xs: readonly T[]): T => xs[random.int(xs.length)]!;
  const fixtureExample = () => f.firstExampleId + random.int(f.examples);
  const trainingExample = () => plan.training.firstExampleId + random.int(plan.training.examples);
  const brush = () => Array.from({ length: 200 + random.int(800) }, fixtureExample);
  const filters: (() => object)[] = [
    () => ({}),
    () => ({ split: 'train', ranges: [{ measure: 'teacherProb', max: 0.5 }] }),
    () => ({ underfit: { delta: 0.5 } }),
    () => ({ correctness: [{ runId: f.teacherRunId, correct: true }, { runId: pick(f.studentRunIds), correct: false }] }),
    () => ({ disagree: { runA: s1, runB: s2 } }),
    () => ({ ranges: [{ measure: 'studentLabelProbStd', min: 0.1 }] }),
    () => ({ labels: [random.int(10), random.int(10)], predicted: { runId: s1, classes: [random.int(10)] } }),
    () => ({ ranges: [{ measure: 'gradCosKd', max: 0 }] }),
    () => ({ curatedSet: { setId: f.setId } }),
    () => ({ exampleIds: brush() }),
    () => ({ split: 'test', ranges: [{ measure: 'deviation', max: -0.2 }, { measure: 'kl', min: 0.1 }] }),
  ];
  const sorts = ['id', 'label', 'deviation', 'kl', 'teacherProb', 'studentPhi', 'studentLabelProbStd', 'gradNormKd', 'teacherEntropy'] as const;
  // A user looks at one student at a time, mostly at its last epoch.
  const scope = () => ({ experimentId: f.experimentId, studentRunId: pick(f.studentRunIds), ...(random.next() < 0.2 ? { epoch: 1 + random.int(3) } : {}) });
  const call = (name: string, body: unknown, op = name): Request => ({ op, path: `/api/call/${name}`, body });
  const weighted: [number, () => Request][] = [
    [34, () => call('queryExamples', { ...scope(), filter: pick(filters)(), sort: { column: pick(sorts), descending: random.next() < 0.5 }, offset: 100 * random.int(10), limit: 100 })],
    [8, () => call('deviationScatter', { ...scope(), ...(random.next() < 0.3 ? { split: 'test' } : {}) })],
    [10, () => call('exampleTrajectory', { experimentId: f.experimentId, exampleId: fixtureExample() })],
    [8, () => call('getExample', { exampleId: fixtureExample() })],
    [4, () => call('listCuratedSets', random.next() < 0.5 ? {} : { datasetId: f.datasetId })],
    [16, () => ({ op: 'image', path: `/media/example/${random.next() < 0.5 ? fixtureExample() : trainingExample()}.png` })],
    [6, () => call('queryExamples', { experimentId: plan.training.experimentId, sort: { column: pick(sorts), descending: true }, limit: 100 }, 'queryExamples (training)')],
    [3, () => call('deviationScatter', { experimentId: plan.training.experimentId }, 'deviationScatter (training)')],
    [3, () => call('exampleTrajectory', { experimentId: plan.training.experimentId, exampleId: trainingExample() }, 'exampleTrajectory (training)')],
    [1, () => call('deviationReport', { experimentId: f.experimentId, bootstrap: 0 })],
  ];
  const total = weighted.reduce((a, [w]) => a + w, 0);
  return () => {
    let x = random.next() * total;
    for (const [w, make] of weighted) if ((x -= w) < 0) return make();
    return weighted[0]![1]();
  };
}

async function runClients(plan: LoadPlan): Promise<ClientResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const url = new URL(plan.base);
  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = started + plan.seconds * 1000;

  function send(request: Request): Promise<void> {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const t = performance.now();
    let retried = false;
    return new Promise((resolve) => {
      const attempt = () => {
        const done = (error?: string) => {
          samples.push({ op: request.op, ms: performance.now() - t, ...(error ? { error } : {}) });
          resolve();
        };
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            path: request.path,
            method: body === undefined ? 'GET' : 'POST',
            headers: { [TOKEN_HEADER]: plan.token, ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              if (res.statusCode === 200) return done();
              const text = Buffer.concat(chunks).toString('utf8');
              let message = text.slice(0, 300);
              try {
                const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
                message = `${parsed.error?.code ?? ''} ${parsed.error?.message ?? message}`;
              } catch {
                // not JSON: the raw text is the message
              }
              done(`HTTP ${res.statusCode}: ${message}`);
            });
            res.on('error', (err) => done(err.message));
          },
        );
        req.on('error', (err: NodeJS.ErrnoException) => {
          // A keep-alive socket the server closed as it was reused: browsers resend such a request
          // once, and so does this client (Node's documented pattern), timing both attempts.
          if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) {
            retried = true;
            attempt();
          } else done(err.message);
        });
        req.end(body);
      };
      attempt();
    });
  }

  const readers = Array.from({ length: plan.concurrency }, async (_, i) => {
    const next = requestMix(plan, createRandom(plan.seed * 1000 + i));
    while (performance.now() < deadline) await send(next());
  });
  await Promise.all(readers);
  agent.destroy();
  return { samples, seconds: (performance.now() - started) / 1000 };
}
