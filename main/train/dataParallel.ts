// Data-parallel training steps: a batch is cut into a fixed number of shards (a function of the
// batch size only), each shard's gradient is taken on its own tape — by this thread or by a
// gradient worker thread (gradientWorker.ts) holding a replica of the model — and the shards'
// gradients are summed in shard order. The shards, not the threads, fix the arithmetic, so a run
// gives the same weights on 1, 2 or 8 threads: the thread count is a speed setting, never a result.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { LossSpec, ModelSpec } from '../../shared/experimentSpec.js';
import { appRoot } from '../paths.js';
import type { BackendKind, Tf } from './backend.js';
import { distillationLoss, oneHotCrossEntropy } from './losses.js';
import type { ClassifierModel, ModelInput } from './models.js';
import { deriveSeed } from './seedStreams.js';
import { readTensorInto } from './tensorValues.js';

/** Each shard holds at least this many examples: a batch of 128 is two shards, 256 four. */
export const SHARD_ROWS = 64;
/** At most this many shards (and so threads) per batch. */
export const MAX_SHARDS = 8;

/** How many shards a batch of `batchSize` is cut into: the same on every machine. */
export function shardCount(batchSize: number): number {
  return Math.max(1, Math.min(MAX_SHARDS, Math.floor(batchSize / SHARD_ROWS)));
}

/** [start, end) of each shard of a batch of `size` rows cut into `shards` near-equal parts. */
export function shardBounds(size: number, shards: number): [number, number][] {
  const parts = Math.min(shards, size);
  return Array.from({ length: parts }, (_, s) => [Math.floor((s * size) / parts), Math.floor(((s + 1) * size) / parts)]);
}

/**
 * Whether a step with this model and loss decomposes over examples: batch norm reads the whole
 * batch's statistics, and the contrastive and Jacobian losses read every example of the batch (or
 * a teacher model), so those train as one tape on this thread.
 */
export function shardable(model: ClassifierModel, loss: LossSpec): boolean {
  return (loss.kind === 'onehot' || loss.kind === 'kd') && !model.parameters.some((p) => !p.trainable && p.name.endsWith('.runningMean'));
}

export interface ShardInput {
  /** the shard's examples, row-major */
  x: Float32Array | Int32Array;
  y: Int32Array;
  /** teacher logits rows, for a kd loss */
  teacher?: Float32Array;
  /** the batch's dropout seed; shard s draws its masks from deriveSeed(seed, s) */
  dropoutSeed: number;
  /** the shard's index in the batch */
  index: number;
  /** shard rows ÷ batch rows: the shard's share of the batch mean */
  weight: number;
}

/**
 * One shard's loss (its share of the batch mean) and the gradients of `variables`, as tensors the
 * caller disposes. The same function runs on this thread and in every gradient worker, so a
 * shard's numbers do not depend on where it was computed.
 */
export function shardGradients(tf: Tf, model: ClassifierModel, variables: readonly Variable[], loss: LossSpec, shard: ShardInput): { value: number; grads: Tensor[] } {
  const shape = model.input.kind === 'image' ? [model.input.height, model.input.width, model.input.channels] : [model.input.maxLen];
  const rows = shard.y.length;
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor(shard.x, [rows, ...shape], model.input.kind === 'text' ? 'int32' : 'float32');
    const y = tf.tensor1d(shard.y, 'int32') as Tensor1D;
    const dropoutSeed = deriveSeed(shard.dropoutSeed, shard.index);
    const result = tf.variableGrads((): Scalar => {
      const logits = model.forward(x, { training: true, dropoutSeed });
      const mean =
        loss.kind === 'kd'
          ? distillationLoss(tf, logits, tf.tensor2d(shard.teacher as Float32Array, [rows, model.numClasses]) as Tensor2D, y, loss)
          : oneHotCrossEntropy(tf, logits, y);
      return tf.mul(mean, shard.weight) as Scalar;
    }, variables as Variable[]);
    // A variable the loss does not reach gets a zero gradient, as on every shard.
    return { value: result.value, grads: variables.map((v) => result.grads[v.name] ?? tf.zerosLike(v)) };
  });
  const number = value.dataSync()[0] as number;
  value.dispose();
  return { value: number, grads };
}

/** Messages to a gradient worker. */
export type GradientWorkerRequest =
  | { type: 'init'; backend: BackendKind; model: ModelSpec; input: ModelInput; numClasses: number; seed: number; weights: SharedArrayBuffer; grads: SharedArrayBuffer }
  | { type: 'step'; loss: LossSpec; shards: ShardInput[] }
  | { type: 'predict'; batches: { index: number; x: Float32Array | Int32Array; rows: number }[]; /** a snapshot to predict with, else the shared weights */ weights?: Float32Array };

/** Answers from a gradient worker. */
export type GradientWorkerReply =
  | { type: 'ready' }
  | { type: 'step'; values: [number, number][] }
  | { type: 'predict'; logits: [number, Float32Array][] }
  | { type: 'error'; message: string };

/** The trainable variables' lengths and their offsets in a flat Float32 layout. */
function layoutOf(variables: readonly Variable[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const v of variables) {
    offsets.push(total);
    total += v.size;
  }
  return { offsets, total };
}

/** Copies flat values into the variables (a worker's replica before each step). */
export function assignFlat(tf: Tf, variables: readonly Variable[], flat: Float32Array): void {
  const { offsets } = layoutOf(variables);
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(flat.subarray(offsets[i], (offsets[i] as number) + v.size), v.shape, 'float32'))));
}

/** Writes a shard's gradients into slot `index` of a flat [shards × total] buffer, and frees them. */
export function writeShardGrads(tf: Tf, target: Float32Array, grads: readonly Tensor[], index: number, total: number): void {
  let at = index * total;
  for (const g of grads) {
    readTensorInto(tf, g, target, at);
    at += g.size;
    g.dispose();
  }
}

/** Batch b of n rows taken batchSize at a time: its first row, its row count, and a copy of its values (posted to a worker). */
function batchOf(x: Float32Array | Int32Array, n: number, batchSize: number, b: number): { start: number; rows: number; x: Float32Array | Int32Array } {
  const rowLength = x.length / Math.max(n, 1);
  const start = b * batchSize;
  const rows = Math.min(batchSize, n - start);
  return { start, rows, x: x.slice(start * rowLength, (start + rows) * rowLength) };
}

/** The logits of each batch the workers' predict answers hold, by batch index. */
function* predictedBatches(replies: readonly GradientWorkerReply[]): Generator<[number, Float32Array]> {
  for (const reply of replies) {
    if (reply.type !== 'predict') throw new Error(`gradient worker answered ${reply.type} to a predict`);
    yield* reply.logits;
  }
}

/** Copies the variables' current values into the flat shared weights the workers read. */
function writeWeights(tf: Tf, variables: readonly Variable[], target: Float32Array): void {
  let at = 0;
  for (const v of variables) {
    readTensorInto(tf, v, target, at);
    at += v.size;
  }
}

/** The built gradient worker; `npm run build` writes it. */
export function gradientWorkerPath(): string {
  return path.join(appRoot(), 'out', 'main', 'gradient-worker.js');
}

/** Threads the machine offers one run: its cores, or DISOBEY_TRAIN_THREADS. */
export function machineThreads(): number {
  const fromEnv = Number(process.env.DISOBEY_TRAIN_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return os.availableParallelism();
}

/**
 * What runExperiment's `threads` option should be for a backend: the machine's threads for wasm
 * and cpu (one thread each without gradient workers); none for native TensorFlow, which threads itself.
 */
export function trainingThreads(backend: BackendKind): { backend: BackendKind; max: number } | undefined {
  return backend === 'wasm' || backend === 'cpu' ? { backend, max: machineThreads() } : undefined;
}

type Answer = { resolve(r: GradientWorkerReply): void; reject(e: Error): void };

class GradientWorker {
  private pending: Answer | null = null;
  /** requests asked while another was in flight, posted in order as each answer arrives */
  private readonly waiting: (Answer & { request: GradientWorkerRequest })[] = [];
  private failure: Error | null = null;
  constructor(readonly worker: Worker) {
    worker.unref();
    worker.on('message', (reply: GradientWorkerReply) => {
      const p = this.pending;
      this.pending = null;
      this.worker.unref();
      const next = this.waiting.shift();
      if (next) this.post(next.request, next);
      if (!p) return;
      if (reply.type === 'error') p.reject(new Error(`gradient worker: ${reply.message}`));
      else p.resolve(reply);
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of [this.pending, ...this.waiting.splice(0)]) p?.reject(err);
      this.pending = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a gradient worker exited (code ${code})`)));
  }

  /**
   * One request at a time, in the order asked: one asked while another is in flight (a run's
   * first step while the last run's predictions are still being made) waits its turn, and one
   * asked when the worker is free is posted at once. The worker keeps the process alive only
   * while it answers.
   */
  ask(request: GradientWorkerRequest): Promise<GradientWorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      if (this.pending) this.waiting.push({ request, resolve, reject });
      else this.post(request, { resolve, reject });
    });
  }

  private post(request: GradientWorkerRequest, answer: Answer): void {
    this.pending = answer;
    this.worker.ref();
    this.worker.postMessage(request);
  }
}

/** Workers per backend, kept between runs: starting one loads tfjs and its wasm (about half a second). */
const idleWorkers = new Map<BackendKind, GradientWorker[]>();

function workersFor(backend: BackendKind, count: number): GradientWorker[] {
  let list = idleWorkers.get(backend);
  if (!list) idleWorkers.set(backend, (list = []));
  const alive = list.filter((w) => w.worker.threadId >= 0);
  while (alive.length < count) alive.push(new GradientWorker(new Worker(gradientWorkerPath())));
  idleWorkers.set(backend, alive);
  return alive.slice(0, count);
}

/** Gradient workers running in this process. */
export function startedGradientWorkers(): number {
  return [...idleWorkers.values()].flat().filter((w) => w.worker.threadId >= 0).length;
}

/** Ends every gradient worker this process started (tests; a process that exits ends them too). */
export async function closeGradientWorkers(): Promise<void> {
  const all = [...idleWorkers.values()].flat();
  idleWorkers.clear();
  await Promise.all(all.map((w) => w.worker.terminate()));
}

/** Steps a run with workers takes with them before timing anything (the workers' first steps compile and allocate). */
export const WARM_UP_STEPS = 2;
/** Steps timed each way, interleaved (with workers, alone, with, …), before the run settles. */
export const PROBE_STEPS = 6;
/** Alone must beat the workers' median step by this factor to take over: a tie keeps the cores busy. */
const ALONE_MARGIN = 0.97;

/**
 * Whether a run's workers pay, from the wall times of interleaved steps taken with them and
 * without (this thread computing every shard): the medians compared, the workers kept unless
 * steps alone are clearly faster. A second core does not always pay: on a 2-core Xeon a 64-row
 * shard of a 784-256-10 MLP took 5.8–6.6 ms with the other core training against 3.3–4.0 ms
 * alone (memory-bound), while a CNN's took 16.8 against 16.1 (docs/scale.md).
 */
export function workersPay(withWorkers: readonly number[], alone: readonly number[]): boolean {
  const median = (xs: readonly number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  return !(median(alone) < ALONE_MARGIN * median(withWorkers));
}

/**
 * A run's data-parallel step: this thread computes shards 0, T, 2T, …, worker w the shards
 * w + 1, w + 1 + T, …, every shard's gradient lands in its own slot, and the slots are summed
 * in shard order. After WARM_UP_STEPS, PROBE_STEPS steps each way are timed, interleaved, and
 * the run keeps whichever is faster (workersPay): the shards, not the threads, fix the numbers,
 * so the choice changes the speed only.
 */
export class DataParallelSteps {
  private readonly layout: { offsets: number[]; total: number };
  private readonly weights: Float32Array;
  private readonly slots: Float32Array;
  /** the batch's rows in shared memory, for the workers' shards: posted as views, never copied */
  private rows: Float32Array | Int32Array | null = null;
  /** multi-shard steps taken with workers to hand; the probe's schedule counts them */
  private stepsTaken = 0;
  private readonly probe = { withWorkers: [] as number[], alone: [] as number[] };
  /** null while probing; then whether the workers take part */
  private settled: boolean | null = null;

  private constructor(
    private readonly tf: Tf,
    private readonly model: ClassifierModel,
    private readonly variables: readonly Variable[],
    readonly shards: number,
    private readonly workers: GradientWorker[],
    buffers: { weights: SharedArrayBuffer; grads: SharedArrayBuffer },
    /** the probe's clock (tests give their own) */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.layout = layoutOf(variables);
    this.weights = new Float32Array(buffers.weights);
    this.slots = new Float32Array(buffers.grads);
  }

  /** Threads that compute shards: this one and the workers, or this one alone once the probe found the workers do not pay. */
  get threads(): number {
    return this.settled === false ? 1 : this.workers.length + 1;
  }

  /** Whether this step's shards go to the workers too: always while warming up, alternately while probing, then as settled. */
  private workersNow(): boolean {
    if (this.settled !== null) return this.settled;
    const probing = this.stepsTaken - WARM_UP_STEPS;
    return probing < 0 || probing % 2 === 0;
  }

  /** Counts a multi-shard step and, while probing, its wall time; settles once both sides have PROBE_STEPS. */
  private timed(withWorkers: boolean, ms: number): void {
    const probing = this.settled === null && this.stepsTaken >= WARM_UP_STEPS;
    this.stepsTaken++;
    if (!probing) return;
    (withWorkers ? this.probe.withWorkers : this.probe.alone).push(ms);
    if (this.probe.alone.length >= PROBE_STEPS && this.probe.withWorkers.length >= PROBE_STEPS) this.settled = workersPay(this.probe.withWorkers, this.probe.alone);
  }

  /**
   * Starts min(threads, shards) − 1 workers holding replicas of `model` (on `backend`). With one
   * thread, or when the worker is not built, every shard is computed here: the same numbers.
   */
  static async start(options: { tf: Tf; backend: BackendKind | undefined; model: ClassifierModel; variables: readonly Variable[]; shards: number; threads: number; seed: number; now?: () => number }): Promise<DataParallelSteps> {
    const { tf, model, variables, shards } = options;
    const { total } = layoutOf(variables);
    const wanted = Math.max(0, Math.min(options.threads, shards) - 1);
    const canStart = wanted > 0 && options.backend !== undefined && fs.existsSync(gradientWorkerPath());
    const buffers = { weights: new SharedArrayBuffer(total * 4), grads: new SharedArrayBuffer(shards * total * 4) };
    const init: GradientWorkerRequest = { type: 'init', backend: options.backend as BackendKind, model: model.spec, input: model.input, numClasses: model.numClasses, seed: options.seed, ...buffers };
    let workers: GradientWorker[] = [];
    try {
      workers = canStart ? workersFor(options.backend as BackendKind, wanted) : [];
      await Promise.all(workers.map((w) => w.ask(init)));
    } catch (err) {
      // Threads change the speed only: a worker that cannot start (a packaged app's archive, a
      // missing backend) leaves the run to this thread, with the same numbers.
      process.emitWarning(`training on one thread: ${err instanceof Error ? err.message : String(err)}`);
      await closeGradientWorkers();
      workers = [];
    }
    return new DataParallelSteps(tf, model, variables, shards, workers, buffers, options.now);
  }

  /** The batch's loss (mean over its rows) and its gradients as tensors, in `variables` order. */
  async step(loss: LossSpec, batch: { x: Float32Array | Int32Array; y: Int32Array; teacher?: Float32Array; dropoutSeed: number }): Promise<{ value: number; grads: Tensor[] }> {
    const size = batch.y.length;
    const rowLength = batch.x.length / size;
    const classes = this.model.numClasses;
    const bounds = shardBounds(size, this.shards);
    // Every shard's rows are a view: of the batch here, of its copy in shared memory for a worker
    // (posting a view of an ordinary buffer would copy the whole buffer); the small arrays are sliced.
    const multi = this.workers.length > 0 && bounds.length > 1;
    const posting = multi && this.workersNow();
    const started = this.now();
    const sharedX = posting ? this.sharedRows(batch.x) : batch.x;
    const shardOf = (index: number, posted = false): ShardInput => {
      const [start, end] = bounds[index] as [number, number];
      const cut = <T extends Float32Array | Int32Array>(a: T, from: number, to: number): T => (posted ? (a.slice(from, to) as T) : (a.subarray(from, to) as T));
      return {
        x: (posted ? sharedX : batch.x).subarray(start * rowLength, end * rowLength),
        y: cut(batch.y, start, end),
        teacher: batch.teacher && cut(batch.teacher, start * classes, end * classes),
        dropoutSeed: batch.dropoutSeed,
        index,
        weight: (end - start) / size,
      };
    };
    const { total, offsets } = this.layout;
    const values = new Float64Array(bounds.length);
    const threads = this.workers.length + 1;
    let answers: Promise<GradientWorkerReply>[] = [];
    if (posting) {
      writeWeights(this.tf, this.variables, this.weights);
      answers = this.workers.map((w, i) => {
        const mine = bounds.map((_, s) => s).filter((s) => s % threads === i + 1);
        return mine.length ? w.ask({ type: 'step', loss, shards: mine.map((s) => shardOf(s, true)) }) : Promise.resolve({ type: 'step', values: [] } as GradientWorkerReply);
      });
    }
    const here = bounds.map((_, s) => s).filter((s) => answers.length === 0 || s % threads === 0);
    const computed = new Map<number, Tensor[]>();
    try {
      for (const s of here) {
        const result = shardGradients(this.tf, this.model, this.variables, loss, shardOf(s));
        values[s] = result.value;
        computed.set(s, result.grads);
      }
      for (const reply of await Promise.all(answers)) {
        if (reply.type !== 'step') throw new Error(`gradient worker answered ${reply.type} to a step`);
        for (const [s, value] of reply.values) values[s] = value;
      }
    } catch (err) {
      for (const grads of computed.values()) for (const g of grads) g.dispose();
      throw err;
    }
    // Shard order, whoever computed them: float32 additions in a fixed order, the same on any
    // number of threads (a worker's shard is read from its slot).
    const shardGrads = (s: number): Tensor[] =>
      computed.get(s) ?? this.variables.map((v, i) => this.tf.tensor(this.slots.subarray(s * total + (offsets[i] as number), s * total + (offsets[i] as number) + v.size), v.shape, 'float32'));
    let grads = shardGrads(0);
    for (let s = 1; s < bounds.length; s++) {
      const next = shardGrads(s);
      const summed = grads.map((g, i) => this.tf.add(g, next[i] as Tensor));
      for (const g of [...grads, ...next]) g.dispose();
      grads = summed;
    }
    let value = 0;
    for (let s = 0; s < bounds.length; s++) value += values[s] as number;
    if (multi) this.timed(posting, this.now() - started);
    return { value, grads };
  }

  /** `x` copied into the shared rows buffer (grown when a batch needs more). */
  private sharedRows(x: Float32Array | Int32Array): Float32Array | Int32Array {
    const text = x instanceof Int32Array;
    if (!this.rows || this.rows instanceof Int32Array !== text || this.rows.length < x.length) {
      const buffer = new SharedArrayBuffer(x.byteLength);
      this.rows = text ? new Int32Array(buffer) : new Float32Array(buffer);
    }
    const view = this.rows.subarray(0, x.length);
    view.set(x);
    return view;
  }

  /**
   * Inference-mode logits of several inputs, made by the workers alone from a copy of the weights
   * as they are now, while this thread goes on training: null unless the run settled on training
   * alone (workersPay), when the workers would otherwise idle. The same batches as `predict`, so
   * the same numbers.
   */
  predictAside(inputs: readonly { x: Float32Array | Int32Array; n: number }[], batchSize: number): Promise<Float32Array[]> | null {
    if (this.settled !== false || this.workers.length === 0) return null;
    const weights = new Float32Array(this.layout.total);
    writeWeights(this.tf, this.variables, weights);
    const classes = this.model.numClasses;
    // Every input's batches, numbered in one sequence and dealt round-robin to the workers.
    const batches = inputs.flatMap(({ x, n }, input) => Array.from({ length: Math.ceil(n / batchSize) }, (_, b) => ({ input, ...batchOf(x, n, batchSize, b) })));
    const answers = this.workers.map((w, i) => {
      const mine = batches.flatMap((batch, index) => (index % this.workers.length === i ? [{ index, x: batch.x, rows: batch.rows }] : []));
      return mine.length ? w.ask({ type: 'predict', batches: mine, weights }) : Promise.resolve({ type: 'predict', logits: [] } as GradientWorkerReply);
    });
    return Promise.all(answers).then((replies) => {
      const logits = inputs.map(({ n }) => new Float32Array(n * classes));
      for (const [index, rows] of predictedBatches(replies)) {
        const batch = batches[index] as (typeof batches)[number];
        (logits[batch.input] as Float32Array).set(rows, batch.start * classes);
      }
      return logits;
    });
  }

  /**
   * Inference-mode logits of n rows, computed `batchSize` rows at a time (the same batches as on
   * one thread), the batches dealt round-robin to this thread and the workers (settled alone or
   * not: no step runs meanwhile).
   */
  async predict(x: Float32Array | Int32Array, n: number, batchSize: number, predictHere: (x: Float32Array | Int32Array, rows: number) => Float32Array): Promise<Float32Array> {
    const classes = this.model.numClasses;
    const logits = new Float32Array(n * classes);
    const batches = Math.ceil(n / batchSize);
    const threads = this.workers.length + 1;
    let answers: Promise<GradientWorkerReply>[] = [];
    if (this.workers.length > 0 && batches > 1) {
      writeWeights(this.tf, this.variables, this.weights);
      answers = this.workers.map((w, i) => {
        const mine = Array.from({ length: batches }, (_, b) => b).filter((b) => b % threads === i + 1);
        return w.ask({ type: 'predict', batches: mine.map((b) => ({ index: b, ...batchOf(x, n, batchSize, b) })) });
      });
    }
    for (let b = 0; b < batches; b++) {
      if (answers.length > 0 && b % threads !== 0) continue;
      const { x: rowsX, rows } = batchOf(x, n, batchSize, b);
      logits.set(predictHere(rowsX, rows), b * batchSize * classes);
    }
    for (const [b, rows] of predictedBatches(await Promise.all(answers))) logits.set(rows, b * batchSize * classes);
    return logits;
  }
}
