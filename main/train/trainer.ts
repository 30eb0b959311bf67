// The training loop of one run: per epoch a seeded shuffle that depends only on (seed, epoch), the
// loss of the epoch's phase (SPEC.md V1–V3, V5, V6), one optimiser step per batch, and the weights
// handed out after every epoch. No database and no worker here: those call this.
import type { Scalar, Tensor, Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { CancelledError, DomainError } from '../../shared/errors.js';
import { lossAtEpoch, lossModelConflict, lossNeedsTeacher, type ContrastiveLossSpec, type LossSpec, type RunSpec } from '../../shared/experimentSpec.js';
import type { BackendKind, Tf } from './backend.js';
import { DataParallelSteps, shardable, shardCount } from './dataParallel.js';
import { contrastiveDistillationLoss, createProjectionHeads, type ProjectionHeads } from './contrastiveDistillation.js';
import { directionalDerivatives, jacobianMatchingLoss, randomUnitDirections } from './jacobianMatching.js';
import { distillationLoss, oneHotCrossEntropy } from './losses.js';
import { learningRateAt } from './lrSchedule.js';
import { buildModel, type ClassifierModel, type ModelInput } from './models.js';
import { createOptimizer, type OptimizedVariable, type OptimizerState } from './optimizers.js';
import { deriveSeed, epochPermutation, SeedPurpose } from './seedStreams.js';
import { readTensor } from './tensorValues.js';

/** Examples row-major: image pixels n × H·W·C (normalised float32) or token ids n × maxLen (int32). */
export interface TrainingSplit {
  x: Float32Array | Int32Array;
  /** training labels (the noisy ones where the dataset has label noise) */
  y: Int32Array;
  n: number;
}

/** The teacher's train-split logits, n × C, or a function giving the rows for some indices. */
export type TeacherLogitsSource = Float32Array | ((split: 'train', indices: Int32Array) => Float32Array | Promise<Float32Array>);

export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  examplesPerSecond: number;
}

export interface EpochSummary {
  epoch: number;
  /** the loss the epoch trained with (its phase's) */
  loss: LossSpec;
  /** batch losses averaged over examples */
  meanLoss: number;
  learningRate: number;
  seconds: number;
  examplesPerSecond: number;
}

export interface EpochEndInfo {
  summary: EpochSummary;
  /** with the weights, what resuming after this epoch needs */
  optimizerState: OptimizerState;
  /** a contrastive loss's projection heads (student's, teacher's); empty when the run has none */
  heads: Float32Array[];
  /** the model as trained so far, for recording predictions; valid only during the callback */
  model: ClassifierModel;
  /** inference-mode logits of n rows, batchSize at a time, on every thread the run trains with */
  predictLogits(x: Float32Array | Int32Array, n: number, batchSize: number): Promise<Float32Array>;
  /**
   * The same logits of every input, made on the run's gradient workers from this epoch's weights
   * while this thread trains the next epoch (DataParallelSteps.predictAside); null when the
   * workers take part in the steps, or there are none. Asked at most once per epoch end.
   */
  predictAside(inputs: readonly { x: Float32Array | Int32Array; n: number }[], batchSize: number): Promise<Float32Array[]> | null;
}

export interface TrainRunOptions {
  tf: Tf;
  spec: RunSpec;
  data: { train: TrainingSplit };
  numClasses: number;
  input: ModelInput;
  /** required when any phase uses a kd, jacobian or contrastive loss */
  teacherLogits?: TeacherLogitsSource;
  /** the trained teacher, for a jacobian loss (its directional derivatives are taken per batch) */
  teacherModel?: ClassifierModel;
  /** the teacher's penultimate features on the train split (inference mode), for a contrastive loss */
  teacherFeatures?: { dim: number; rows: TeacherLogitsSource };
  /** projection heads saved with the checkpoint `initialWeights` came from */
  initialHeads?: readonly Float32Array[];
  /** first epoch to train (0-based); with initialWeights and initialOptimizerState, a resume */
  startEpoch?: number;
  initialWeights?: readonly Float32Array[];
  initialOptimizerState?: OptimizerState;
  /**
   * Threads to train with, the backend the extra ones start (gradient worker threads). Batches of
   * onehot and kd steps are cut into shardCount(batchSize) shards whatever the count, so it
   * changes the speed, never the weights. Default: this thread only.
   */
  threads?: { backend: BackendKind; count: number; /** the thread probe's clock (tests give their own) */ now?: () => number };
  onBatch?: (info: BatchInfo) => void;
  onEpochEnd?: (epoch: number, weights: Float32Array[], info: EpochEndInfo) => Promise<void> | void;
  signal?: AbortSignal;
}

export interface TrainRunResult {
  /** the trained model; the caller disposes it */
  model: ClassifierModel;
  epochs: EpochSummary[];
  weights: Float32Array[];
  optimizerState: OptimizerState;
  heads: Float32Array[];
  /** threads that computed the gradients: this one and its gradient workers */
  threads: number;
}

function featuresPerExample(split: TrainingSplit): number {
  if (!Number.isInteger(split.n) || split.n < 1) throw new DomainError('VALIDATION_ERROR', `the training split needs at least one example, got n = ${split.n}`);
  if (split.y.length !== split.n) throw new DomainError('VALIDATION_ERROR', `${split.y.length} labels for ${split.n} examples`);
  if (split.x.length % split.n !== 0) throw new DomainError('VALIDATION_ERROR', `${split.x.length} input values do not divide into ${split.n} examples`);
  return split.x.length / split.n;
}

function inputShape(input: ModelInput): number[] {
  return input.kind === 'image' ? [input.height, input.width, input.channels] : [input.maxLen];
}

/**
 * Copies the rows `indices` of a row-major array (rowLength numbers each) into one block: the
 * start of `into` when given (a batch buffer reused from step to step: a fresh one per batch cost
 * page faults), else a new array.
 */
function gatherRows<T extends Float32Array | Int32Array>(source: T, rowLength: number, indices: Int32Array, into?: T): T {
  const out = into ? (into.subarray(0, indices.length * rowLength) as T) : new (source.constructor as new (length: number) => T)(indices.length * rowLength);
  for (let i = 0; i < indices.length; i++) {
    const from = (indices[i] as number) * rowLength;
    out.set(source.subarray(from, from + rowLength), i * rowLength);
  }
  return out;
}

async function teacherRows(source: TeacherLogitsSource, rowLength: number, indices: Int32Array, what = 'teacher logits'): Promise<Float32Array> {
  const rows = typeof source === 'function' ? await source('train', indices) : gatherRows(source, rowLength, indices);
  if (rows.length !== indices.length * rowLength) {
    throw new DomainError('VALIDATION_ERROR', `${what}: expected ${indices.length * rowLength} numbers for ${indices.length} examples, got ${rows.length}`);
  }
  return rows;
}

/** Refuses, before any training, a phase whose loss lacks what it reads (SPEC.md V2, V5, V6). */
function checkLossInputs(options: TrainRunOptions, startEpoch: number): void {
  const { spec, input } = options;
  for (let epoch = startEpoch; epoch < spec.epochs; epoch++) {
    const loss = lossAtEpoch(spec.phases, epoch);
    if (!lossNeedsTeacher(loss)) continue;
    if (!options.teacherLogits) {
      throw new DomainError('SPEC_ERROR', `epoch ${epoch} distils (${loss.kind} loss) but no teacher logits were given`, { field: 'phases' });
    }
    const conflict = lossModelConflict(loss, spec.model, 'student');
    if (conflict) throw new DomainError('SPEC_ERROR', conflict, { field: 'phases' });
    if (loss.kind === 'jacobian') {
      const teacher = options.teacherModel;
      if (!teacher) throw new DomainError('SPEC_ERROR', `epoch ${epoch} matches Jacobians but no teacher model was given`, { field: 'phases' });
      const teacherConflict = lossModelConflict(loss, teacher.spec, 'teacher');
      if (teacherConflict) throw new DomainError('SPEC_ERROR', teacherConflict, { field: 'phases' });
      if (JSON.stringify(inputShape(teacher.input)) !== JSON.stringify(inputShape(input))) {
        throw new DomainError('SPEC_ERROR', `the teacher reads ${inputShape(teacher.input).join('×')} inputs, the student ${inputShape(input).join('×')}: their Jacobians cannot be compared`, { field: 'phases' });
      }
    }
    if (loss.kind === 'contrastive') {
      if (!options.teacherFeatures) throw new DomainError('SPEC_ERROR', `epoch ${epoch} is contrastive but no teacher features were given`, { field: 'phases' });
    }
  }
}

/** The run's projection heads when any phase is contrastive (all phases share them), else none. */
function headsFor(options: TrainRunOptions, model: ClassifierModel): ProjectionHeads | undefined {
  const phase = options.spec.phases.find((p) => p.loss.kind === 'contrastive');
  if (!phase || !options.teacherFeatures) return undefined;
  const { dim } = phase.loss as ContrastiveLossSpec;
  const heads = createProjectionHeads(options.tf, model.featureDim, options.teacherFeatures.dim, dim, options.spec.seed);
  if (options.initialHeads) {
    const saved = options.initialHeads;
    const fits = saved.length === 2 && saved[0]?.length === heads.student.size && saved[1]?.length === heads.teacher.size;
    if (!fits) {
      heads.student.dispose();
      heads.teacher.dispose();
      throw new DomainError('SPEC_ERROR', `the checkpoint's projection heads (${saved.map((h) => h.length).join(', ') || 'none'}) do not fit this run's (${heads.student.size}, ${heads.teacher.size})`);
    }
    options.tf.tidy(() => {
      heads.student.assign(options.tf.tensor(saved[0] as Float32Array, heads.student.shape));
      heads.teacher.assign(options.tf.tensor(saved[1] as Float32Array, heads.teacher.shape));
    });
  }
  return heads;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains `spec` from `startEpoch` to `spec.epochs − 1`. Epoch e's batch order is
 * epochPermutation(n, seed, e) and its dropout masks derive from (seed, e, batch), so a run
 * resumed at epoch k (with the weights and optimiser state saved after epoch k − 1) produces the
 * same weights as one that never stopped. Same seed, same backend: identical losses and weights.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const { tf, spec, numClasses, input, signal } = options;
  const train = options.data.train;
  const rowLength = featuresPerExample(train);
  const expectedRow = inputShape(input).reduce((a, b) => a * b, 1);
  if (rowLength !== expectedRow) {
    throw new DomainError('VALIDATION_ERROR', `each example has ${rowLength} values, the ${input.kind} input expects ${expectedRow}`);
  }
  const textInput = input.kind === 'text';
  if (textInput !== train.x instanceof Int32Array) {
    throw new DomainError('VALIDATION_ERROR', textInput ? 'text models read int32 token ids' : 'image models read float32 pixels');
  }
  const startEpoch = options.startEpoch ?? 0;
  if (!Number.isInteger(startEpoch) || startEpoch < 0 || startEpoch > spec.epochs) {
    throw new DomainError('VALIDATION_ERROR', `startEpoch ${startEpoch} is outside 0–${spec.epochs}`);
  }
  checkLossInputs(options, startEpoch);

  const model = buildModel(tf, spec.model, input, numClasses, spec.seed);
  let heads: ProjectionHeads | undefined;
  try {
    heads = headsFor(options, model);
  } catch (err) {
    model.dispose();
    throw err;
  }
  // The heads train with the model, after its variables, so the optimiser's slots cover them too.
  const trainable: OptimizedVariable[] = [
    ...model.parameters.filter((p) => p.trainable),
    ...(heads ? [heads.student, heads.teacher].map((variable) => ({ variable, decay: true })) : []),
  ];
  const variables = trainable.map((p) => p.variable);
  const optimizer = createOptimizer(tf, spec.optimizer, trainable);
  /** One optimiser step from the shards' summed gradients; the heads (contrastive only) get none. */
  const shardedStep = async (steps: DataParallelSteps, loss: LossSpec, batch: Parameters<DataParallelSteps['step']>[1]): Promise<number> => {
    const { value, grads } = await steps.step(loss, batch);
    try {
      optimizer.apply(variables.map((_, i) => grads[i]), learningRateNow);
    } finally {
      for (const g of grads) g.dispose();
    }
    return value;
  };
  let learningRateNow = spec.optimizer.lr;
  // Steps whose loss decomposes over examples take their gradient shard by shard (dataParallel.ts).
  const shards = shardCount(spec.batchSize);
  const anyShardable = Array.from({ length: spec.epochs - startEpoch }, (_, i) => lossAtEpoch(spec.phases, startEpoch + i)).some((l) => shardable(model, l));
  let parallel: DataParallelSteps | undefined;
  const modelVariables = model.parameters.filter((p) => p.trainable).map((p) => p.variable);
  const headWeights = () => (heads ? [heads.student, heads.teacher].map((h) => readTensor(tf, h)) : []);
  try {
    if (options.initialWeights) model.setWeights(options.initialWeights);
    if (options.initialOptimizerState) optimizer.setState(options.initialOptimizerState);
    if (shards > 1 && anyShardable) {
      parallel = await DataParallelSteps.start({ tf, backend: options.threads?.backend, model, variables: modelVariables, shards, threads: options.threads?.count ?? 1, seed: spec.seed, now: options.threads?.now });
    }
    const predictLogits = async (x: Float32Array | Int32Array, n: number, batchSize: number): Promise<Float32Array> =>
      parallel ? parallel.predict(x, n, batchSize, (rows, count) => predictProbabilities(tf, model, rows, count, batchSize).logits) : predictProbabilities(tf, model, x, n, batchSize).logits;
    const predictAside = (inputs: readonly { x: Float32Array | Int32Array; n: number }[], batchSize: number) => parallel?.predictAside(inputs, batchSize) ?? null;

    const batches = Math.ceil(train.n / spec.batchSize);
    const shape = inputShape(input);
    // The batch's rows: every step's tensors copy them (or view them, on the cpu backend, until the step's tidy ends).
    const batchX = new (train.x.constructor as new (length: number) => Float32Array | Int32Array)(Math.min(spec.batchSize, train.n) * rowLength);
    const summaries: EpochSummary[] = [];
    for (let epoch = startEpoch; epoch < spec.epochs; epoch++) {
      const loss = lossAtEpoch(spec.phases, epoch);
      const learningRate = learningRateAt(spec.lrSchedule, spec.optimizer.lr, epoch, spec.epochs);
      learningRateNow = learningRate;
      const order = epochPermutation(train.n, spec.seed, epoch);
      const epochStarted = performance.now();
      let lossSum = 0;
      for (let batch = 0; batch < batches; batch++) {
        if (signal?.aborted) throw new CancelledError(`training "${spec.name}" was cancelled in epoch ${epoch}`);
        const batchStarted = performance.now();
        const indices = order.subarray(batch * spec.batchSize, Math.min((batch + 1) * spec.batchSize, train.n));
        const size = indices.length;
        const xValues = gatherRows(train.x, rowLength, indices, batchX);
        const yValues = gatherRows(train.y, 1, indices);
        const teacherValues = lossNeedsTeacher(loss) ? await teacherRows(options.teacherLogits as TeacherLogitsSource, numClasses, indices) : undefined;
        const teacherFeatures = options.teacherFeatures;
        const featureValues =
          loss.kind === 'contrastive' && teacherFeatures ? await teacherRows(teacherFeatures.rows, teacherFeatures.dim, indices, 'teacher features') : undefined;
        const directionValues =
          loss.kind === 'jacobian' ? randomUnitDirections(loss.directions, rowLength, deriveSeed(spec.seed, SeedPurpose.jacobianDirections, epoch, batch)) : undefined;
        const dropoutSeed = deriveSeed(spec.seed, SeedPurpose.dropout, epoch, batch);

        const batchLoss = parallel && shardable(model, loss)
          ? await shardedStep(parallel, loss, { x: xValues, y: yValues, teacher: teacherValues, dropoutSeed })
          : tf.tidy(() => {
          const x = tf.tensor(xValues, [size, ...shape], textInput ? 'int32' : 'float32');
          const y = tf.tensor1d(yValues, 'int32') as Tensor1D;
          const teacher = teacherValues ? (tf.tensor2d(teacherValues, [size, numClasses]) as Tensor2D) : undefined;
          const directions = directionValues && loss.kind === 'jacobian' ? (tf.tensor2d(directionValues, [loss.directions, rowLength]) as Tensor2D) : undefined;
          // The teacher's directional derivatives are constants of this step: taken outside the tape.
          const teacherJ =
            directions && loss.kind === 'jacobian' && options.teacherModel
              ? directionalDerivatives(tf, (xs) => (options.teacherModel as ClassifierModel).predictLogits(xs), x, directions, loss.fdStep)
              : undefined;
          const { value, grads } = tf.variableGrads((): Scalar => {
            switch (loss.kind) {
              case 'onehot':
                return oneHotCrossEntropy(tf, model.forward(x, { training: true, dropoutSeed }), y);
              case 'kd':
                return distillationLoss(tf, model.forward(x, { training: true, dropoutSeed }), teacher as Tensor2D, y, loss);
              case 'jacobian': {
                const logits = model.forward(x, { training: true, dropoutSeed });
                // Inference mode: no dropout, batch norm on running statistics, none of them updated.
                const studentJ = directionalDerivatives(tf, (xs) => model.forward(xs, { training: false }), x, directions as Tensor2D, loss.fdStep);
                return jacobianMatchingLoss(tf, logits, teacher as Tensor2D, studentJ, teacherJ as Tensor3D, loss);
              }
              case 'contrastive': {
                const { logits, features } = model.forwardWithFeatures(x, { training: true, dropoutSeed });
                const teacherF = tf.tensor2d(featureValues as Float32Array, [size, (teacherFeatures as { dim: number }).dim]);
                return contrastiveDistillationLoss(
                  tf,
                  { studentLogits: logits, teacherLogits: teacher as Tensor2D, studentFeatures: features, teacherFeatures: teacherF, labels: y },
                  heads as ProjectionHeads,
                  loss,
                );
              }
            }
          }, variables);
          optimizer.apply(variables.map((v) => grads[v.name] as Tensor | undefined), learningRate);
          return value.dataSync()[0] as number;
        });
        if (!Number.isFinite(batchLoss)) {
          throw new DomainError('VALIDATION_ERROR', `training "${spec.name}" diverged: loss ${batchLoss} in epoch ${epoch}, batch ${batch} (try a lower learning rate)`, { field: 'optimizer.lr' });
        }
        lossSum += batchLoss * size;
        const seconds = (performance.now() - batchStarted) / 1000;
        options.onBatch?.({ epoch, batch, batches, loss: batchLoss, examplesPerSecond: size / Math.max(seconds, 1e-9) });
        // Let an abort message (worker) or a progress write reach us between batches.
        if (signal) await yieldToEventLoop();
      }
      const seconds = (performance.now() - epochStarted) / 1000;
      const summary: EpochSummary = {
        epoch,
        loss,
        meanLoss: lossSum / train.n,
        learningRate,
        seconds,
        examplesPerSecond: train.n / Math.max(seconds, 1e-9),
      };
      summaries.push(summary);
      if (options.onEpochEnd) await options.onEpochEnd(epoch, model.getWeights(), { summary, optimizerState: optimizer.getState(), heads: headWeights(), model, predictLogits, predictAside });
    }
    return { model, epochs: summaries, weights: model.getWeights(), optimizerState: optimizer.getState(), heads: headWeights(), threads: parallel?.threads ?? 1 };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    heads?.student.dispose();
    heads?.teacher.dispose();
  }
}

/**
 * Inference-mode logits for n examples, n × C row-major, computed batchSize at a time so a
 * whole split never sits on the backend at once (for recording per-epoch predictions).
 */
export function predictProbabilities(tf: Tf, model: ClassifierModel, x: Float32Array | Int32Array, n: number, batchSize = 256): { logits: Float32Array } {
  const classes = model.numClasses;
  const shape = inputShape(model.input);
  const rowLength = shape.reduce((a, b) => a * b, 1);
  if (x.length !== n * rowLength) throw new DomainError('VALIDATION_ERROR', `${x.length} input values are not ${n} examples of ${rowLength}`);
  const logits = new Float32Array(n * classes);
  const dtype = model.input.kind === 'text' ? 'int32' : 'float32';
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    // The tidy returns the tensor, not its values: it would walk a typed array element by element.
    const rows = tf.tidy(() => model.predictLogits(tf.tensor(x.subarray(start * rowLength, end * rowLength), [end - start, ...shape], dtype)));
    logits.set(rows.dataSync() as Float32Array, start * classes);
    rows.dispose();
  }
  return { logits };
}

/**
 * Inference-mode penultimate features for n examples, n × featureDim row-major (the teacher's
 * side of a contrastive loss: fixed, so computed once per run).
 */
export function predictFeatures(tf: Tf, model: ClassifierModel, x: Float32Array | Int32Array, n: number, batchSize = 256): { dim: number; features: Float32Array } {
  const dim = model.featureDim;
  const shape = inputShape(model.input);
  const rowLength = shape.reduce((a, b) => a * b, 1);
  if (x.length !== n * rowLength) throw new DomainError('VALIDATION_ERROR', `${x.length} input values are not ${n} examples of ${rowLength}`);
  const features = new Float32Array(n * dim);
  const dtype = model.input.kind === 'text' ? 'int32' : 'float32';
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const rows = tf.tidy(() => model.forwardWithFeatures(tf.tensor(x.subarray(start * rowLength, end * rowLength), [end - start, ...shape], dtype), { training: false }).features);
    features.set(rows.dataSync() as Float32Array, start * dim);
    rows.dispose();
  }
  return { dim, features };
}
