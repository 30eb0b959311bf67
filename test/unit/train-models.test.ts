// Every model arch builds from its spec and trains a batch on cpu and wasm (text archs on token
// ids); initial weights depend on the seed alone; weights round-trip through Float32Arrays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { buildModel, type ModelInput } from '../../main/train/models.js';
import { trainRun } from '../../main/train/trainer.js';
import { DomainError } from '../../shared/errors.js';
import { parseModelSpec, parseRunSpec, type ModelSpecInput } from '../../shared/experimentSpec.js';

const IMAGE: ModelInput = { kind: 'image', height: 8, width: 8, channels: 2 };
const VOCAB = 40;
const MAX_LEN = 10;
const TEXT: ModelInput = { kind: 'text', vocabSize: VOCAB, maxLen: MAX_LEN, idf: Float32Array.from({ length: VOCAB }, (_, i) => (i === 0 ? 0 : 1 + (i % 3))) };
const CLASSES = 3;
const N = 12;

const archs: [string, ModelSpecInput, ModelInput][] = [
  ['softmax', { arch: 'softmax' }, IMAGE],
  ['mlp', { arch: 'mlp', hidden: [16, 8], dropout: 0.2 }, IMAGE],
  ['cnn', { arch: 'cnn', filters: [4, 6], dense: 8 }, IMAGE],
  ['resnet', { arch: 'resnet', blocks: [1, 1], width: 4 }, IMAGE],
  ['bow-mlp (tf-idf)', { arch: 'bow-mlp', vocabSize: VOCAB, tfidf: true, hidden: [8] }, TEXT],
  ['bow-mlp (counts)', { arch: 'bow-mlp', vocabSize: VOCAB, tfidf: false, hidden: [8] }, TEXT],
  ['embedding-bag', { arch: 'embedding-bag', vocabSize: VOCAB, dim: 8 }, TEXT],
  ['transformer', { arch: 'transformer', vocabSize: VOCAB, dim: 8, heads: 2, layers: 2, maxLen: MAX_LEN }, TEXT],
];

function examples(input: ModelInput): Float32Array | Int32Array {
  let s = 99;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  if (input.kind === 'image') return Float32Array.from({ length: N * input.height * input.width * input.channels }, () => next() * 2 - 1);
  // Token ids with some padding at the end of each row.
  return Int32Array.from({ length: N * MAX_LEN }, (_, i) => (i % MAX_LEN > 6 ? 0 : 1 + Math.floor(next() * (VOCAB - 1))));
}
const labels = Int32Array.from({ length: N }, (_, i) => i % CLASSES);

function inputTensor(tf: Tf, input: ModelInput, x: Float32Array | Int32Array) {
  return input.kind === 'image'
    ? tf.tensor4d(x as Float32Array, [N, input.height, input.width, input.channels])
    : tf.tensor2d(x as Int32Array, [N, MAX_LEN], 'int32');
}

describe.each(['cpu', 'wasm'] as const)('models on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend(backend)).tf;
  });

  it.each(archs)('%s builds, predicts [n, C] logits and trains one batch, every trainable weight moving', async (_label, modelSpec, input) => {
    const before = tf.memory().numTensors;
    const x = examples(input);
    const model = buildModel(tf, parseModelSpec(modelSpec), input, CLASSES, 3);
    const initial = model.getWeights();
    const logits = tf.tidy(() => model.predictLogits(inputTensor(tf, input, x)).arraySync());
    expect(logits).toHaveLength(N);
    expect(logits[0]).toHaveLength(CLASSES);
    model.dispose();

    const spec = parseRunSpec({ name: 'one batch', model: modelSpec, optimizer: { kind: 'adam', lr: 0.01 }, batchSize: N, epochs: 1, seed: 3 });
    const { model: trained, epochs } = await trainRun({ tf, spec, data: { train: { x, y: labels, n: N } }, numClasses: CLASSES, input });
    expect(Number.isFinite(epochs[0]!.meanLoss)).toBe(true);
    expect(epochs[0]!.meanLoss).toBeGreaterThan(0);
    const after = trained.getWeights();
    trained.parameters.forEach((p, i) => {
      const moved = after[i]!.some((v, j) => v !== initial[i]![j]);
      // Trainable weights all move under Adam; batch-norm running statistics move too; IDF stays.
      if (p.trainable || p.name.includes('running')) expect(moved, p.name).toBe(true);
      else expect(moved, p.name).toBe(false);
    });
    trained.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('restores weights exactly: setWeights(getWeights()) reproduces the predictions', () => {
    const input = IMAGE;
    const x = examples(input);
    const spec = parseModelSpec({ arch: 'resnet', blocks: [1], width: 4 });
    const a = buildModel(tf, spec, input, CLASSES, 1);
    const b = buildModel(tf, spec, input, CLASSES, 2);
    b.setWeights(a.getWeights());
    const [pa, pb] = [a, b].map((m) => tf.tidy(() => Array.from(m.predictLogits(inputTensor(tf, input, x)).dataSync())));
    expect(pb).toEqual(pa);
    expect(() => b.setWeights(a.getWeights().slice(1))).toThrow(DomainError);
    a.dispose();
    b.dispose();
  });

  it('refuses a text arch on images, and an image arch on text, with a SPEC_ERROR', () => {
    expect(() => buildModel(tf, parseModelSpec({ arch: 'transformer', vocabSize: VOCAB, maxLen: MAX_LEN }), IMAGE, CLASSES, 1)).toThrow('reads text');
    expect(() => buildModel(tf, parseModelSpec({ arch: 'cnn' }), TEXT, CLASSES, 1)).toThrow('reads images');
    expect(() => buildModel(tf, parseModelSpec({ arch: 'bow-mlp', vocabSize: VOCAB }), { kind: 'text', vocabSize: VOCAB, maxLen: MAX_LEN }, CLASSES, 1)).toThrow('IDF');
    expect(() => buildModel(tf, parseModelSpec({ arch: 'cnn', filters: [4, 4, 4, 4] }), IMAGE, CLASSES, 1)).toThrow('shrink');
  });
});

describe('cpu and wasm', () => {
  it.each(archs)('%s trains to the same weights on both backends (within float error)', async (_label, modelSpec, input) => {
    const spec = parseRunSpec({ name: 'same', model: modelSpec, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 }, batchSize: 4, epochs: 2, seed: 8 });
    const x = examples(input);
    const trained = async (backend: 'cpu' | 'wasm') => {
      const { tf } = await selectBackend(backend);
      const result = await trainRun({ tf, spec, data: { train: { x, y: labels, n: N } }, numClasses: CLASSES, input });
      result.model.dispose();
      return result;
    };
    const cpu = await trained('cpu');
    const wasm = await trained('wasm');
    cpu.epochs.forEach((e, i) => expect(wasm.epochs[i]!.meanLoss).toBeCloseTo(e.meanLoss, 4));
    cpu.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(wasm.weights[i]![j]! - v)).toBeLessThan(1e-3)));
  });
});

describe('initial weights', () => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend('cpu')).tf;
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('depend on the seed alone: the same on cpu and wasm, different for another seed', async () => {
    const spec = parseModelSpec({ arch: 'cnn', filters: [4], dense: 8 });
    const weightsOn = async (backend: 'cpu' | 'wasm', seed: number) => {
      await selectBackend(backend);
      const model = buildModel(tf, spec, IMAGE, CLASSES, seed);
      const weights = model.getWeights();
      model.dispose();
      return weights;
    };
    const cpu = await weightsOn('cpu', 11);
    expect(await weightsOn('wasm', 11)).toEqual(cpu);
    expect((await weightsOn('cpu', 12))[0]).not.toEqual(cpu[0]);
  });
});
