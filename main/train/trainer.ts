// The training loop of one run: per epoch a seeded shuffle that depends only on (seed, epoch), the
// loss of the epoch's phase (SPEC.md V1–V3), one optimiser step per batch, and the weights handed
// out after every epoch. No database and no worker here: those call this.
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { CancelledError, DomainError } from '../../shared/errors.js';
import { lossAtEpoch, type LossSpec, type RunSpec } from '../../shared/experimentSpec.js';
import type { Tf } from './backend.js';
import { distillationLoss, oneHotCrossEntropy } from './losses.js';
import { learningRateAt } from './lrSchedule.js';
import { buildModel, type ClassifierModel, type ModelInput } from './models.js';
import { createOptimizer, type OptimizerState } from './optimizers.js';
import { deriveSeed, epochPermutation, SeedPurpose } from './seedStreams.js';

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
  /** the model as trained so far, for recording predictions; valid only during the callback */
  model: ClassifierModel;
}

export interface TrainRunOptions {
  tf: Tf;
  spec: RunSpec;
  data: { train: TrainingSplit };
  numClasses: number;
  input: ModelInput;
  /** required when any phase uses a kd loss */
  teacherLogits?: TeacherLogitsSource;
  /** first epoch to train (0-based); with initialWeights and initialOptimizerState, a resume */
  startEpoch?: number;
  initialWeights?: readonly Float32Array[];
  initialOptimizerState?: OptimizerState;
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

/** Copies the rows `indices` of a row-major array (rowLength numbers each) into one block. */
function gatherRows<T extends Float32Array | Int32Array>(source: T, rowLength: number, indices: Int32Array): T {
  const out = new (source.constructor as new (length: number) => T)(indices.length * rowLength);
  for (let i = 0; i < indices.length; i++) {
    const from = (indices[i] as number) * rowLength;
    out.set(source.subarray(from, from + rowLength), i * rowLength);
  }
  return out;
}

async function teacherRows(source: TeacherLogitsSource, numClasses: number, indices: Int32Array): Promise<Float32Array> {
  const rows = typeof source === 'function' ? await source('train', indices) : gatherRows(source, numClasses, indices);
  if (rows.length !== indices.length * numClasses) {
    throw new DomainError('VALIDATION_ERROR', `teacher logits: expected ${indices.length * numClasses} numbers for ${indices.length} examples, got ${rows.length}`);
  }
  return rows;
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
  for (let epoch = startEpoch; epoch < spec.epochs; epoch++) {
    if (lossAtEpoch(spec.phases, epoch).kind === 'kd' && !options.teacherLogits) {
      throw new DomainError('SPEC_ERROR', `epoch ${epoch} distils (kd loss) but no teacher logits were given`, { field: 'phases' });
    }
  }

  const model = buildModel(tf, spec.model, input, numClasses, spec.seed);
  const trainable = model.parameters.filter((p) => p.trainable);
  const variables = trainable.map((p) => p.variable);
  const optimizer = createOptimizer(tf, spec.optimizer, trainable);
  try {
    if (options.initialWeights) model.setWeights(options.initialWeights);
    if (options.initialOptimizerState) optimizer.setState(options.initialOptimizerState);

    const batches = Math.ceil(train.n / spec.batchSize);
    const shape = inputShape(input);
    const summaries: EpochSummary[] = [];
    for (let epoch = startEpoch; epoch < spec.epochs; epoch++) {
      const loss = lossAtEpoch(spec.phases, epoch);
      const learningRate = learningRateAt(spec.lrSchedule, spec.optimizer.lr, epoch, spec.epochs);
      const order = epochPermutation(train.n, spec.seed, epoch);
      const epochStarted = performance.now();
      let lossSum = 0;
      for (let batch = 0; batch < batches; batch++) {
        if (signal?.aborted) throw new CancelledError(`training "${spec.name}" was cancelled in epoch ${epoch}`);
        const batchStarted = performance.now();
        const indices = order.subarray(batch * spec.batchSize, Math.min((batch + 1) * spec.batchSize, train.n));
        const size = indices.length;
        const xValues = gatherRows(train.x, rowLength, indices);
        const yValues = gatherRows(train.y, 1, indices);
        const teacherValues = loss.kind === 'kd' ? await teacherRows(options.teacherLogits as TeacherLogitsSource, numClasses, indices) : undefined;
        const dropoutSeed = deriveSeed(spec.seed, SeedPurpose.dropout, epoch, batch);

        const batchLoss = tf.tidy(() => {
          const x = tf.tensor(xValues, [size, ...shape], textInput ? 'int32' : 'float32');
          const y = tf.tensor1d(yValues, 'int32') as Tensor1D;
          const teacher = teacherValues ? (tf.tensor2d(teacherValues, [size, numClasses]) as Tensor2D) : undefined;
          const { value, grads } = tf.variableGrads(() => {
            const logits = model.forward(x, { training: true, dropoutSeed });
            return loss.kind === 'kd' ? distillationLoss(tf, logits, teacher as Tensor2D, y, loss) : oneHotCrossEntropy(tf, logits, y);
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
      if (options.onEpochEnd) await options.onEpochEnd(epoch, model.getWeights(), { summary, optimizerState: optimizer.getState(), model });
    }
    return { model, epochs: summaries, weights: model.getWeights(), optimizerState: optimizer.getState() };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
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
    const rows = tf.tidy(() => {
      const batch = tf.tensor(x.subarray(start * rowLength, end * rowLength), [end - start, ...shape], dtype);
      return model.predictLogits(batch).dataSync() as Float32Array;
    });
    logits.set(rows, start * classes);
  }
  return { logits };
}
