// How large a model a spec may ask for: each size field has a documented maximum the schema
// refuses beyond, naming the field and the limit, and modelParameterCount counts exactly the
// weights buildModel makes, so the planner's total budget (MODEL_LIMITS.parameters) is the real one.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { buildModel, type ModelInput } from '../../main/train/models.js';
import { DomainError } from '../../shared/errors.js';
import { MODEL_LIMITS, modelParameterCount, modelSizeProblem, parseExperimentSpec, parseModelSpec, type ModelSpecInput } from '../../shared/experimentSpec.js';

const run = (model: ModelSpecInput) => ({ name: 'teacher', model, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 32, epochs: 1, seed: 1 });
const experiment = (model: ModelSpecInput) => ({ name: 'size', datasetId: 1, teacher: run(model), students: [{ ...run({ arch: 'mlp', hidden: [8] }), name: 'student' }] });

function specError(input: unknown): DomainError {
  try {
    parseExperimentSpec(input);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('the spec was accepted');
}

describe('model size limits in the spec', () => {
  it('refuses an MLP layer of a million units, naming the field and the limit', () => {
    const err = specError(experiment({ arch: 'mlp', hidden: [1_000_000] }));
    expect(err.code).toBe('SPEC_ERROR');
    expect(err.message).toBe('experiment spec: teacher.model.hidden.0: 1,000,000 units is more than 65,536');
    expect(err.place).toEqual({ field: 'teacher.model.hidden.0' });
  });

  it('refuses a billion units before any typed array is made', () => {
    expect(specError(experiment({ arch: 'mlp', hidden: [64, 1_000_000_000] })).message).toBe('experiment spec: teacher.model.hidden.1: 1,000,000,000 units is more than 65,536');
  });

  it.each<[string, ModelSpecInput, string]>([
    ['cnn filters', { arch: 'cnn', filters: [16, 4_097] }, 'teacher.model.filters.1: 4,097 filters is more than 4,096'],
    ['cnn dense', { arch: 'cnn', filters: [16], dense: 65_537 }, 'teacher.model.dense: 65,537 units is more than 65,536'],
    ['resnet width', { arch: 'resnet', width: 8_193 }, 'teacher.model.width: 8,193 channels is more than 8,192'],
    ['resnet blocks', { arch: 'resnet', blocks: [1, 65] }, 'teacher.model.blocks.1: 65 blocks is more than 64'],
    ['bow-mlp hidden', { arch: 'bow-mlp', hidden: [70_000] }, 'teacher.model.hidden.0: 70,000 units is more than 65,536'],
    ['embedding-bag dim', { arch: 'embedding-bag', dim: 10_000 }, 'teacher.model.dim: 10,000 dimensions is more than 8,192'],
    ['transformer dim', { arch: 'transformer', dim: 16_384, heads: 2 }, 'teacher.model.dim: 16,384 dimensions is more than 8,192'],
    ['transformer heads', { arch: 'transformer', dim: 512, heads: 512 }, 'teacher.model.heads: 512 heads is more than 256'],
  ])('refuses %s past its maximum', (_label, model, said) => {
    const err = specError(experiment(model));
    expect(err.code).toBe('SPEC_ERROR');
    expect(err.message).toBe(`experiment spec: ${said}`);
  });

  it('accepts every field at its maximum (the total is the planner’s to judge)', () => {
    const at: ModelSpecInput[] = [
      { arch: 'mlp', hidden: Array.from({ length: MODEL_LIMITS.hiddenLayers }, () => MODEL_LIMITS.hiddenUnits) },
      { arch: 'cnn', filters: [MODEL_LIMITS.convFilters], dense: MODEL_LIMITS.hiddenUnits },
      { arch: 'resnet', blocks: [MODEL_LIMITS.blocksPerStage], width: MODEL_LIMITS.resnetWidth },
      { arch: 'embedding-bag', dim: MODEL_LIMITS.dim },
      { arch: 'transformer', dim: MODEL_LIMITS.dim, heads: MODEL_LIMITS.heads },
    ];
    for (const model of at) expect(() => parseModelSpec(model), model.arch).not.toThrow();
  });
});

describe('modelParameterCount', () => {
  const image: ModelInput = { kind: 'image', height: 9, width: 7, channels: 3 };
  const text: ModelInput = { kind: 'text', vocabSize: 50, maxLen: 12, idf: new Float32Array(50).fill(1) };
  const cases: [string, ModelSpecInput, ModelInput][] = [
    ['softmax', { arch: 'softmax' }, image],
    ['mlp', { arch: 'mlp', hidden: [16, 8] }, image],
    ['mlp without hidden layers', { arch: 'mlp', hidden: [] }, image],
    ['cnn with dense', { arch: 'cnn', filters: [4, 6], dense: 8 }, image],
    ['cnn without dense', { arch: 'cnn', filters: [5] }, image],
    ['resnet', { arch: 'resnet', blocks: [2, 1, 1], width: 4 }, image],
    ['bow-mlp with tf-idf', { arch: 'bow-mlp', vocabSize: 50, tfidf: true, hidden: [8, 4] }, text],
    ['bow-mlp with counts', { arch: 'bow-mlp', vocabSize: 50, tfidf: false, hidden: [8] }, text],
    ['embedding-bag', { arch: 'embedding-bag', vocabSize: 50, dim: 6 }, text],
    ['transformer', { arch: 'transformer', vocabSize: 50, dim: 8, heads: 2, layers: 2, maxLen: 12 }, text],
  ];
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend('cpu')).tf;
  });

  it.each(cases)('counts every weight buildModel makes: %s', (_label, input, modelInput) => {
    const spec = parseModelSpec(input);
    const model = buildModel(tf, spec, modelInput, 5, 1);
    const built = model.parameters.reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
    model.dispose();
    expect(modelParameterCount(spec, modelInput.kind === 'image' ? modelInput : { kind: 'text' }, 5)).toBe(built);
  });

  it('refuses a model past the budget, saying its size, its input and the limit', () => {
    const wide = parseModelSpec({ arch: 'mlp', hidden: [65_536, 65_536] });
    expect(modelSizeProblem(wide, { kind: 'image', height: 28, width: 28, channels: 1 }, 10)).toBe(
      'the mlp model has 4,347,133,962 parameters on 28×28×1 images with 10 classes, more than the 100,000,000 one model may have: make it narrower or shallower',
    );
    const paper = parseModelSpec({ arch: 'mlp', hidden: [512] });
    expect(modelSizeProblem(paper, { kind: 'image', height: 28, width: 28, channels: 1 }, 10)).toBeUndefined();
    // a large vocabulary with a wide embedding: 200,000 × 8,192 weights
    expect(modelSizeProblem(parseModelSpec({ arch: 'embedding-bag', vocabSize: 200_000, dim: 8_192 }), { kind: 'text' }, 4)).toMatch(/1,638,432,772 parameters with 4 classes/);
  });
});
