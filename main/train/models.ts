// Classifiers built from a ModelSpec with plain tfjs ops and our own variables, so every weight
// (batch-norm running statistics and TF-IDF weights included) is seeded from the run seed, saved
// and restored as a Float32Array list, and dropout masks are drawn from per-batch seeds.
import type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import { DomainError } from '../../shared/errors.js';
import type { ModelSpec } from '../../shared/experimentSpec.js';
import type { Tf } from './backend.js';
import { canFuseConvReluPool, convReluPool, convReluPoolInference } from './convReluPool.js';
import { canUseSparseDense, sparseDense, sparseDenseInference } from './sparseDense.js';
import { deriveSeed, randomStream, SeedPurpose } from './seedStreams.js';
import { readTensor } from './tensorValues.js';
import { PAD_ID, UNKNOWN_ID } from './textFeatures.js';

export type ModelInput =
  /**
   * background: per channel, the normalised value of a 0 pixel (trainingData.ts); an image MLP's
   * first layer on wasm computes from the other pixels (sparseDense.ts). Absent means 0.
   */
  | { kind: 'image'; height: number; width: number; channels: number; background?: number[] }
  /** token ids, n × maxLen int32, 0 = padding; idf is required by bow-mlp with tfidf */
  | { kind: 'text'; vocabSize: number; maxLen: number; idf?: Float32Array };

export interface ModelParameter {
  name: string;
  shape: number[];
  variable: Variable;
  /** false for batch-norm running statistics and IDF weights */
  trainable: boolean;
  /** weight decay applies to weight matrices, kernels and embeddings, never biases or norms */
  decay: boolean;
}

export interface ForwardOptions {
  /** dropout on, batch norm on batch statistics (and its running averages updated) */
  training?: boolean;
  /** seeds this batch's dropout masks (see seedStreams.ts) */
  dropoutSeed?: number;
}

export interface ClassifierModel {
  readonly spec: ModelSpec;
  readonly input: ModelInput;
  readonly numClasses: number;
  /** every variable in a fixed order: the order of getWeights/setWeights */
  readonly parameters: readonly ModelParameter[];
  trainableVariables(): Variable[];
  /** logits [batch, numClasses] */
  forward(x: Tensor, options?: ForwardOptions): Tensor2D;
  /** inference-mode logits */
  predictLogits(x: Tensor): Tensor2D;
  /** logits and the penultimate features the classifier reads, [batch, featureDim] (SPEC.md V6) */
  forwardWithFeatures(x: Tensor, options?: ForwardOptions): { logits: Tensor2D; features: Tensor2D };
  /** width of the classifier's input */
  readonly featureDim: number;
  /** copies of every variable's values, in `parameters` order */
  getWeights(): Float32Array[];
  setWeights(weights: readonly Float32Array[]): void;
  dispose(): void;
}

type Init = 'he' | 'glorot' | 'embedding' | 'zeros' | 'ones' | Float32Array;

/** Creates the variables in construction order; each one's initial values come from its own seed. */
class ParameterBank {
  readonly parameters: ModelParameter[] = [];
  constructor(
    private readonly tf: Tf,
    private readonly seed: number,
  ) {}

  add(name: string, shape: number[], init: Init, options: { fanIn?: number; fanOut?: number; trainable?: boolean; decay?: boolean } = {}): Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = this.initialValues(size, shape, init, options.fanIn, options.fanOut);
    const trainable = options.trainable ?? true;
    const variable = this.tf.tidy(() => this.tf.variable(this.tf.tensor(values, shape, 'float32'), trainable));
    this.parameters.push({ name, shape, variable, trainable, decay: options.decay ?? false });
    return variable;
  }

  private initialValues(size: number, shape: number[], init: Init, fanIn?: number, fanOut?: number): Float32Array {
    if (init instanceof Float32Array) {
      if (init.length !== size) throw new Error(`initial values for [${shape.join(',')}] need ${size} numbers, got ${init.length}`);
      return Float32Array.from(init);
    }
    if (init === 'zeros') return new Float32Array(size);
    if (init === 'ones') return new Float32Array(size).fill(1);
    // Uniform limits with the variance of He (ReLU layers), Glorot (linear layers) and 1/dim (embeddings).
    const inFan = fanIn ?? shape[0] ?? 1;
    const outFan = fanOut ?? shape[shape.length - 1] ?? 1;
    const limit =
      init === 'he' ? Math.sqrt(6 / inFan) : init === 'glorot' ? Math.sqrt(6 / (inFan + outFan)) : Math.sqrt(3 / outFan);
    const random = randomStream(this.seed, SeedPurpose.init, this.parameters.length);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (2 * random.next() - 1) * limit;
    return values;
  }
}

interface Dense {
  w: Variable;
  b: Variable;
}
interface Norm {
  gamma: Variable;
  beta: Variable;
}
interface BatchNorm extends Norm {
  runningMean: Variable;
  runningVar: Variable;
}

/** Per-forward-call state: whether training, and a counter giving each dropout layer its own seed. */
interface PassContext {
  training: boolean;
  dropoutSeed: number;
  dropoutLayer: number;
  /** what the classifier layer read, set by Layers.classify */
  features?: Tensor2D;
}

type Forward = (x: Tensor, pass: PassContext) => Tensor2D;

const BATCH_NORM_MOMENTUM = 0.1; // PyTorch's convention: running = (1 − m)·running + m·batch
const NORM_EPSILON = 1e-5;

/** The building blocks, closed over `tf` and the bank so model definitions read like layer lists. */
class Layers {
  constructor(
    readonly tf: Tf,
    readonly bank: ParameterBank,
  ) {}

  /** the classifier's input width, recorded when the layer named 'classifier' is made */
  featureDim = 0;

  dense(name: string, inputs: number, outputs: number, init: 'he' | 'glorot'): Dense {
    if (name === 'classifier') this.featureDim = inputs;
    return {
      w: this.bank.add(`${name}.weight`, [inputs, outputs], init, { fanIn: inputs, fanOut: outputs, decay: true }),
      b: this.bank.add(`${name}.bias`, [outputs], 'zeros'),
    };
  }

  // Under a gradient tape tfjs runs a fused op with an activation unfused. Fusing only the bias
  // while training keeps the fused kernel, but its custom gradient then also computes the input
  // gradient of the first layer, which measured slower on wasm; so the activation stays fused.
  applyDense(x: Tensor2D, layer: Dense, activation: 'relu' | 'linear'): Tensor2D {
    return this.tf.fused.matMul({ a: x, b: layer.w as unknown as Tensor2D, bias: layer.b, activation }) as Tensor2D;
  }

  /**
   * A relu layer reading the flattened images: on wasm computed from the pixels that differ from
   * the background (sparseDense.ts), as an op with its own gradient in training and the bare
   * kernel in inference, unless a gradient is being taken through the inference pass (exact
   * Jacobians), which keeps tfjs's own ops.
   */
  applyInputDense(x: Tensor2D, layer: Dense, background: number[], pass: PassContext): Tensor2D {
    const tf = this.tf;
    const [w, b] = [layer.w as unknown as Tensor2D, layer.b as unknown as Tensor1D];
    if (canUseSparseDense(tf, w.shape[1] ?? 0)) {
      if (pass.training) return sparseDense(tf, x, w, b, { background, relu: true });
      if (!gradientTaken(tf)) return sparseDenseInference(tf, x, w, b, { background, relu: true });
    }
    return this.applyDense(x, layer, 'relu');
  }

  /** The final linear layer; remembers its input as the pass's penultimate features. */
  classify(features: Tensor2D, layer: Dense, pass: PassContext): Tensor2D {
    pass.features = features;
    return this.applyDense(features, layer, 'linear');
  }

  conv(name: string, size: number, inputs: number, outputs: number, bias: boolean): { w: Variable; b?: Variable } {
    const fanIn = size * size * inputs;
    return {
      w: this.bank.add(`${name}.weight`, [size, size, inputs, outputs], 'he', { fanIn, fanOut: size * size * outputs, decay: true }),
      b: bias ? this.bank.add(`${name}.bias`, [outputs], 'zeros') : undefined,
    };
  }

  applyConv(x: Tensor4D, layer: { w: Variable; b?: Variable }, stride: number, activation: 'relu' | 'linear'): Tensor4D {
    return this.tf.fused.conv2d({ x, filter: layer.w as unknown as Tensor4D, strides: stride, pad: 'same', bias: layer.b, activation });
  }

  batchNorm(name: string, channels: number): BatchNorm {
    return {
      gamma: this.bank.add(`${name}.gamma`, [channels], 'ones'),
      beta: this.bank.add(`${name}.beta`, [channels], 'zeros'),
      runningMean: this.bank.add(`${name}.runningMean`, [channels], 'zeros', { trainable: false }),
      runningVar: this.bank.add(`${name}.runningVar`, [channels], 'ones', { trainable: false }),
    };
  }

  applyBatchNorm(x: Tensor4D, bn: BatchNorm, pass: PassContext): Tensor4D {
    const tf = this.tf;
    const [beta, gamma] = [bn.beta as unknown as Tensor1D, bn.gamma as unknown as Tensor1D];
    if (!pass.training) {
      return tf.batchNorm4d(x, bn.runningMean as unknown as Tensor1D, bn.runningVar as unknown as Tensor1D, beta, gamma, NORM_EPSILON);
    }
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const count = x.size / (x.shape[3] ?? 1);
    // The running variance is the unbiased estimate, as in PyTorch; the update is not on the loss's path.
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    bn.runningMean.assign(tf.add(tf.mul(bn.runningMean, 1 - BATCH_NORM_MOMENTUM), tf.mul(mean, BATCH_NORM_MOMENTUM)));
    bn.runningVar.assign(tf.add(tf.mul(bn.runningVar, 1 - BATCH_NORM_MOMENTUM), tf.mul(unbiased, BATCH_NORM_MOMENTUM)));
    return tf.batchNorm4d(x, mean as Tensor1D, variance as Tensor1D, beta, gamma, NORM_EPSILON);
  }

  layerNorm(name: string, dim: number): Norm {
    return { gamma: this.bank.add(`${name}.gamma`, [dim], 'ones'), beta: this.bank.add(`${name}.beta`, [dim], 'zeros') };
  }

  applyLayerNorm<T extends Tensor>(x: T, norm: Norm): T {
    const tf = this.tf;
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, NORM_EPSILON))), norm.gamma), norm.beta) as T;
  }

  dropout<T extends Tensor>(x: T, rate: number, pass: PassContext): T {
    const layer = pass.dropoutLayer++;
    if (!pass.training || rate <= 0) return x;
    return this.tf.dropout(x, rate, undefined, deriveSeed(pass.dropoutSeed, layer)) as T;
  }
}

/** Whether a gradient tape records the ops run now (tf.grad, variableGrads): the engine's own test. */
function gradientTaken(tf: Tf): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

function flatten(tf: Tf, x: Tensor): Tensor2D {
  const batch = x.shape[0] ?? 0;
  return tf.reshape(x, [batch, x.size / Math.max(batch, 1)]);
}

function buildImageForward(layers: Layers, spec: ModelSpec, input: Extract<ModelInput, { kind: 'image' }>, numClasses: number): Forward {
  const tf = layers.tf;
  const pixels = input.height * input.width * input.channels;
  switch (spec.arch) {
    case 'softmax': {
      const out = layers.dense('classifier', pixels, numClasses, 'glorot');
      return (x, pass) => layers.classify(flatten(tf, x), out, pass);
    }
    case 'mlp': {
      const sizes = [pixels, ...spec.hidden];
      const hidden = spec.hidden.map((size, i) => layers.dense(`hidden${i}`, sizes[i] as number, size, 'he'));
      const out = layers.dense('classifier', sizes[sizes.length - 1] as number, numClasses, 'glorot');
      const background = input.background ?? [];
      return (x, pass) => {
        let h = flatten(tf, x);
        hidden.forEach((layer, i) => {
          h = layers.dropout(i === 0 ? layers.applyInputDense(h, layer, background, pass) : layers.applyDense(h, layer, 'relu'), spec.dropout, pass);
        });
        return layers.classify(h, out, pass);
      };
    }
    case 'cnn': {
      let channels = input.channels;
      let height = input.height;
      let width = input.width;
      const convs = spec.filters.map((filters, i) => {
        const conv = layers.conv(`conv${i}`, 3, channels, filters, true);
        channels = filters;
        height = Math.floor(height / 2);
        width = Math.floor(width / 2);
        return conv;
      });
      if (height < 1 || width < 1) {
        throw new DomainError('SPEC_ERROR', `${spec.filters.length} pooling steps shrink a ${input.height}×${input.width} image to nothing`, { field: 'model.filters' });
      }
      const flat = height * width * channels;
      const hidden = spec.dense !== undefined ? layers.dense('dense', flat, spec.dense, 'he') : undefined;
      const out = layers.dense('classifier', spec.dense ?? flat, numClasses, 'glorot');
      return (x, pass) => {
        let h = x as Tensor4D;
        // On wasm each block is one kernel (convReluPool.ts): in training an op with its own
        // gradient; in inference the bare kernel, unless a gradient is being taken through the
        // inference pass (Jacobian matching, input gradients), which keeps tfjs's own ops.
        const fused = canFuseConvReluPool(tf);
        const bare = fused && !pass.training && !gradientTaken(tf);
        convs.forEach((conv, i) => {
          const [w, b] = [conv.w as unknown as Tensor4D, conv.b as unknown as Tensor1D];
          if (pass.training && fused) h = convReluPool(tf, h, w, b, i > 0);
          else if (bare) h = convReluPoolInference(tf, h, w, b);
          else h = tf.maxPool(layers.applyConv(h, conv, 1, 'relu'), 2, 2, 'valid');
        });
        let f = flatten(tf, h);
        if (hidden) f = layers.applyDense(f, hidden, 'relu');
        return layers.classify(f, out, pass);
      };
    }
    case 'resnet': {
      // conv-BN-ReLU stem, then basic blocks (conv-BN-ReLU-conv-BN + shortcut, ReLU); each stage
      // after the first halves the resolution with a stride-2 conv and doubles the width.
      const stem = layers.conv('stem', 3, input.channels, spec.width, false);
      const stemBn = layers.batchNorm('stem.bn', spec.width);
      let channels = spec.width;
      const blocks = spec.blocks.flatMap((count, stage) =>
        Array.from({ length: count }, (_, j) => {
          const outChannels = spec.width * 2 ** stage;
          const stride = stage > 0 && j === 0 ? 2 : 1;
          const name = `stage${stage}.block${j}`;
          const block = {
            stride,
            conv1: layers.conv(`${name}.conv1`, 3, channels, outChannels, false),
            bn1: layers.batchNorm(`${name}.bn1`, outChannels),
            conv2: layers.conv(`${name}.conv2`, 3, outChannels, outChannels, false),
            bn2: layers.batchNorm(`${name}.bn2`, outChannels),
            projection:
              stride !== 1 || channels !== outChannels
                ? { conv: layers.conv(`${name}.shortcut`, 1, channels, outChannels, false), bn: layers.batchNorm(`${name}.shortcut.bn`, outChannels) }
                : undefined,
          };
          channels = outChannels;
          return block;
        }),
      );
      const out = layers.dense('classifier', channels, numClasses, 'glorot');
      return (x, pass) => {
        let h = tf.relu(layers.applyBatchNorm(layers.applyConv(x as Tensor4D, stem, 1, 'linear'), stemBn, pass));
        for (const block of blocks) {
          const main = tf.relu(layers.applyBatchNorm(layers.applyConv(h, block.conv1, block.stride, 'linear'), block.bn1, pass));
          const residual = layers.applyBatchNorm(layers.applyConv(main, block.conv2, 1, 'linear'), block.bn2, pass);
          const shortcut = block.projection
            ? layers.applyBatchNorm(layers.applyConv(h, block.projection.conv, block.stride, 'linear'), block.projection.bn, pass)
            : h;
          h = tf.relu(tf.add(residual, shortcut)) as Tensor4D;
        }
        return layers.classify(tf.mean(h, [1, 2]) as Tensor2D, out, pass);
      };
    }
    default:
      throw new DomainError('SPEC_ERROR', `the ${spec.arch} model reads text, but this dataset has images`, { field: 'model.arch' });
  }
}

/** Ids outside [0, vocabSize) become the unknown id, as textFeatures.bagOfWords counts them. */
function clampIds(tf: Tf, ids: Tensor, vocabSize: number): Tensor2D {
  const inRange = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, vocabSize));
  return tf.where(inRange, tf.cast(ids, 'int32'), tf.fill(ids.shape, UNKNOWN_ID, 'int32')) as Tensor2D;
}

/** [B, L] float mask of real (non-padding) tokens. */
function tokenMask(tf: Tf, ids: Tensor2D): Tensor2D {
  return tf.cast(tf.notEqual(ids, PAD_ID), 'float32') as Tensor2D;
}

/** Mean of [B, L, D] over the real tokens; an all-padding text gives zeros. */
function maskedMean(tf: Tf, h: Tensor3D, mask: Tensor2D): Tensor2D {
  const summed = tf.sum(tf.mul(h, tf.expandDims(mask, 2)), 1) as Tensor2D;
  return tf.div(summed, tf.maximum(tf.sum(mask, 1, true), 1));
}

function buildTextForward(layers: Layers, spec: ModelSpec, input: { vocabSize: number; maxLen: number; idf?: Float32Array }, numClasses: number): Forward {
  const tf = layers.tf;
  const bank = layers.bank;
  if (!('vocabSize' in spec)) {
    throw new DomainError('SPEC_ERROR', `the ${spec.arch} model reads images, but this dataset has text`, { field: 'model.arch' });
  }
  const vocabSize = spec.vocabSize;
  if (input.vocabSize > vocabSize) {
    throw new DomainError('SPEC_ERROR', `the vocabulary has ${input.vocabSize} ids but the model only ${vocabSize}`, { field: 'model.vocabSize' });
  }
  switch (spec.arch) {
    case 'bow-mlp': {
      if (spec.tfidf && input.idf?.length !== vocabSize) {
        throw new DomainError('SPEC_ERROR', `TF-IDF needs the vocabulary's ${vocabSize} IDF weights (textFeatures.idfWeights)`, { field: 'model.tfidf' });
      }
      // Kept as a (frozen) variable so a checkpoint carries the IDF it was trained with.
      const idf = spec.tfidf ? bank.add('idf', [vocabSize], input.idf as Float32Array, { trainable: false }) : undefined;
      const sizes = [vocabSize, ...spec.hidden];
      const hidden = spec.hidden.map((size, i) => layers.dense(`hidden${i}`, sizes[i] as number, size, 'he'));
      const out = layers.dense('classifier', sizes[sizes.length - 1] as number, numClasses, 'glorot');
      return (x, pass) => {
        const ids = clampIds(tf, x, vocabSize);
        const [batch = 0, length = 0] = ids.shape;
        // Counts per (row, id) by one segment sum over row·V + id: textFeatures.bagOfWords in tensor form.
        const segments = tf.reshape(tf.add(ids, tf.mul(tf.range(0, batch, 1, 'int32').reshape([batch, 1]), tf.scalar(vocabSize, 'int32'))), [batch * length]);
        const counts = tf.reshape(tf.unsortedSegmentSum(tf.reshape(tokenMask(tf, ids), [batch * length]), segments as Tensor1D, batch * vocabSize), [batch, vocabSize]);
        const weighted = idf ? tf.mul(counts, idf) : counts;
        const norm = tf.sqrt(tf.sum(tf.square(weighted), 1, true));
        let h = tf.div(weighted, tf.maximum(norm, 1e-12)) as Tensor2D;
        for (const layer of hidden) h = layers.applyDense(h, layer, 'relu');
        return layers.classify(h, out, pass);
      };
    }
    case 'embedding-bag': {
      // fastText-style: the mean of the token embeddings, then a linear classifier.
      const embedding = bank.add('embedding', [vocabSize, spec.dim], 'embedding', { decay: true });
      const out = layers.dense('classifier', spec.dim, numClasses, 'glorot');
      return (x, pass) => {
        const ids = clampIds(tf, x, vocabSize);
        return layers.classify(maskedMean(tf, tf.gather(embedding, ids) as Tensor3D, tokenMask(tf, ids)), out, pass);
      };
    }
    case 'transformer': {
      if (input.maxLen > spec.maxLen) {
        throw new DomainError('SPEC_ERROR', `texts are cut at ${input.maxLen} tokens but the transformer has positions for ${spec.maxLen}`, { field: 'model.maxLen' });
      }
      const { dim, heads } = spec;
      const headDim = dim / heads;
      const tokens = bank.add('tokenEmbedding', [vocabSize, dim], 'embedding', { decay: true });
      const positions = bank.add('positionEmbedding', [spec.maxLen, dim], 'embedding', { decay: true });
      const encoder = Array.from({ length: spec.layers }, (_, i) => ({
        norm1: layers.layerNorm(`layer${i}.norm1`, dim),
        qkv: layers.dense(`layer${i}.qkv`, dim, 3 * dim, 'glorot'),
        proj: layers.dense(`layer${i}.attentionOut`, dim, dim, 'glorot'),
        norm2: layers.layerNorm(`layer${i}.norm2`, dim),
        ff1: layers.dense(`layer${i}.ff1`, dim, 4 * dim, 'he'),
        ff2: layers.dense(`layer${i}.ff2`, 4 * dim, dim, 'glorot'),
      }));
      const finalNorm = layers.layerNorm('finalNorm', dim);
      const out = layers.dense('classifier', dim, numClasses, 'glorot');
      return (x, pass) => {
        const ids = clampIds(tf, x, vocabSize);
        const [batch = 0, length = 0] = ids.shape;
        const mask = tokenMask(tf, ids);
        // Padding keys get −1e9 before the softmax so no token attends to them.
        const keyBias = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [batch, 1, 1, length]);
        const rows = batch * length;
        let h = tf.add(tf.gather(tokens, ids), tf.slice(positions, [0, 0], [length, dim])) as Tensor3D;
        const toHeads = (t: Tensor) => tf.transpose(tf.reshape(t, [batch, length, heads, headDim]), [0, 2, 1, 3]);
        for (const block of encoder) {
          // Pre-norm encoder block: h + Attention(LN(h)), then h + FFN(LN(h)).
          const normed = tf.reshape(layers.applyLayerNorm(h, block.norm1), [rows, dim]) as Tensor2D;
          const qkv = layers.applyDense(normed, block.qkv, 'linear');
          const [q, k, v] = tf.split(qkv, 3, 1);
          const scores = tf.add(tf.div(tf.matMul(toHeads(q as Tensor), toHeads(k as Tensor), false, true), Math.sqrt(headDim)), keyBias);
          const context = tf.matMul(tf.softmax(scores), toHeads(v as Tensor));
          const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [rows, dim]) as Tensor2D;
          h = tf.add(h, tf.reshape(layers.applyDense(merged, block.proj, 'linear'), [batch, length, dim]));
          const normed2 = tf.reshape(layers.applyLayerNorm(h, block.norm2), [rows, dim]) as Tensor2D;
          const ff = layers.applyDense(layers.applyDense(normed2, block.ff1, 'relu'), block.ff2, 'linear');
          h = tf.add(h, tf.reshape(ff, [batch, length, dim]));
        }
        return layers.classify(maskedMean(tf, layers.applyLayerNorm(h, finalNorm), mask), out, pass);
      };
    }
  }
}

/**
 * Builds the classifier `spec` describes for `input`, its initial weights a function of `seed`
 * alone (the same on every backend: they are drawn in JavaScript, not by the backend).
 */
export function buildModel(tf: Tf, spec: ModelSpec, input: ModelInput, numClasses: number, seed: number): ClassifierModel {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new DomainError('SPEC_ERROR', `a classifier needs at least 2 classes, got ${numClasses}`);
  const bank = new ParameterBank(tf, seed);
  const layers = new Layers(tf, bank);
  let forwardFn: Forward;
  try {
    forwardFn = input.kind === 'image' ? buildImageForward(layers, spec, input, numClasses) : buildTextForward(layers, spec, input, numClasses);
  } catch (err) {
    for (const p of bank.parameters) p.variable.dispose();
    throw err;
  }
  const parameters = bank.parameters;
  const trainable = parameters.filter((p) => p.trainable).map((p) => p.variable);

  const passFor = (options: ForwardOptions): PassContext => ({ training: options.training ?? false, dropoutSeed: options.dropoutSeed ?? 0, dropoutLayer: 0 });
  const forward = (x: Tensor, options: ForwardOptions = {}): Tensor2D => tf.tidy(() => forwardFn(x, passFor(options)));
  const forwardWithFeatures = (x: Tensor, options: ForwardOptions = {}) =>
    tf.tidy(() => {
      const pass = passFor(options);
      const logits = forwardFn(x, pass);
      if (!pass.features) throw new Error(`the ${spec.arch} model has no classifier layer`);
      return { logits, features: pass.features };
    });

  return {
    spec,
    input,
    numClasses,
    parameters,
    trainableVariables: () => trainable.slice(),
    forward,
    predictLogits: (x) => forward(x, { training: false }),
    forwardWithFeatures,
    featureDim: layers.featureDim,
    getWeights: () => parameters.map((p) => readTensor(tf, p.variable)),
    setWeights(weights) {
      if (weights.length !== parameters.length) {
        throw new DomainError('SPEC_ERROR', `the checkpoint has ${weights.length} weight arrays, the model ${parameters.length}`);
      }
      parameters.forEach((p, i) => {
        const values = weights[i] as Float32Array;
        const size = p.shape.reduce((a, b) => a * b, 1);
        if (values.length !== size) {
          throw new DomainError('SPEC_ERROR', `checkpoint weight ${p.name} has ${values.length} numbers, the model needs ${size}`);
        }
      });
      tf.tidy(() => parameters.forEach((p, i) => p.variable.assign(tf.tensor(weights[i] as Float32Array, p.shape, 'float32'))));
    },
    dispose() {
      for (const p of parameters) p.variable.dispose();
    },
  };
}
