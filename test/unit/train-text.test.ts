// Text features (tokens, a train-only vocabulary, ids, BoW/TF-IDF) and image normalisation:
// the inputs every model is trained and recorded on.
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../main/train/backend.js';
import { computeNormalisation, normaliseImages } from '../../main/train/imageNormalisation.js';
import { buildModel } from '../../main/train/models.js';
import {
  PAD_ID,
  UNKNOWN_ID,
  bagOfWords,
  buildVocabulary,
  encodeTokenIds,
  idfWeights,
  tokenize,
  vocabularySize,
} from '../../main/train/textFeatures.js';
import { parseModelSpec } from '../../shared/experimentSpec.js';

describe('tokenize', () => {
  it('lower-cases and splits on anything but letters, digits and inner apostrophes', () => {
    expect(tokenize("Don't PANIC: 42 towels—Ünïcode café, naïve!")).toEqual(["don't", 'panic', '42', 'towels', 'ünïcode', 'café', 'naïve']);
    expect(tokenize('  ...  ')).toEqual([]);
  });

  it('folds compatibility forms (NFKC), so full-width letters match ASCII', () => {
    expect(tokenize('ＡＢＣ abc')).toEqual(['abc', 'abc']);
  });
});

describe('vocabulary', () => {
  const train = ['the cat sat', 'the dog sat', 'the cat ran'];
  const vocab = buildVocabulary(train, 5); // 2 reserved ids + the 3 most frequent tokens

  it('keeps the most frequent train tokens, ties in order of first appearance, and is plain JSON', () => {
    expect(vocab.tokens).toEqual(['the', 'cat', 'sat']);
    expect(vocabularySize(vocab)).toBe(5);
    expect(JSON.parse(JSON.stringify(vocab))).toEqual(vocab);
  });

  it('counts document frequencies, the unknown id standing for every left-out token', () => {
    expect(vocab.documentFrequency).toEqual([0, 2, 3, 2, 2]); // dog and ran are unknown in 2 documents
    expect(vocab.documentCount).toBe(3);
  });

  it('encodes texts as ids padded with 0 and cut at maxLen; unseen words are unknown', () => {
    const ids = encodeTokenIds(['The cat', 'a zebra sat the cat'], vocab, 4);
    expect(Array.from(ids)).toEqual([2, 3, PAD_ID, PAD_ID, UNKNOWN_ID, UNKNOWN_ID, 4, 2]);
  });

  it('gives smoothed IDF ln((1+N)/(1+df)) + 1, and 0 to padding', () => {
    const idf = idfWeights(vocab);
    expect(idf[PAD_ID]).toBe(0);
    expect(idf[2]).toBeCloseTo(Math.log(4 / 4) + 1, 6); // "the" is in every document
    expect(idf[3]).toBeCloseTo(Math.log(4 / 3) + 1, 6);
  });

  it('refuses a vocabulary with no room beyond the reserved ids', () => {
    expect(() => buildVocabulary(train, 2)).toThrow('vocabSize');
  });
});

describe('bagOfWords', () => {
  it('counts ids per row (padding ignored, out-of-range ids as unknown) and scales rows to unit length', () => {
    const bag = bagOfWords(Int32Array.from([2, 2, 3, 0, 9, 0]), 3, 4);
    expect(Array.from(bag.subarray(0, 4)).map((v) => +v.toFixed(6))).toEqual([0, 0, +(2 / Math.sqrt(5)).toFixed(6), +(1 / Math.sqrt(5)).toFixed(6)]);
    expect(Array.from(bag.subarray(4, 8))).toEqual([0, 1, 0, 0]);
  });
});

describe('image normalisation', () => {
  it('computes per-channel mean and std over all pixels and maps them to mean 0, std 1', () => {
    // Two RGB pixels: channel 0 is 0/10, channel 1 is 5/5 (constant), channel 2 is 100/300.
    const pixels = Uint8Array.from([0, 5, 100, 10, 5, 200]);
    const norm = computeNormalisation(pixels, 3);
    expect(norm.mean).toEqual([5, 5, 150]);
    expect(norm.std).toEqual([5, 1, 50]); // a constant channel keeps std 1
    expect(Array.from(normaliseImages(pixels, norm))).toEqual([-1, 0, -1, 1, 0, 1]);
  });
});

describe.each(['cpu', 'wasm'] as const)('bow-mlp on %s', (backend) => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend(backend)).tf;
  });

  it('computes textFeatures.bagOfWords (TF-IDF) inside its forward pass', () => {
    const vocab = buildVocabulary(['red green blue', 'red red yellow', 'green green', 'blue sky'], 6);
    const idf = idfWeights(vocab);
    const maxLen = 5;
    const ids = encodeTokenIds(['red red blue', 'sky green unknownword', ''], vocab, maxLen);
    const spec = parseModelSpec({ arch: 'bow-mlp', vocabSize: 6, tfidf: true, hidden: [] });
    const model = buildModel(tf, spec, { kind: 'text', vocabSize: 6, maxLen, idf }, 3, 5);
    const expected = tf.tidy(() => {
      const [w, b] = [model.parameters[1]!.variable, model.parameters[2]!.variable];
      return tf.add(tf.matMul(tf.tensor2d(bagOfWords(ids, maxLen, 6, idf), [3, 6]), w as never), b).arraySync() as number[][];
    });
    const actual = tf.tidy(() => model.predictLogits(tf.tensor2d(ids, [3, maxLen], 'int32')).arraySync());
    actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 5)));
    model.dispose();
  });
});
