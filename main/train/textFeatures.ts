// Text to model inputs: a tokenizer, a vocabulary of the top-K train-split tokens (plain JSON, so
// it is stored with the run and test texts are encoded with the very same ids), padded token-id
// sequences, and the bag-of-words / TF-IDF vectors the bow-mlp model computes from them.

/** Id 0 pads sequences; id 1 stands for every token outside the vocabulary. */
export const PAD_ID = 0;
export const UNKNOWN_ID = 1;
const FIRST_TOKEN_ID = 2;

export interface Vocabulary {
  version: 1;
  /** tokens[i] has id i + 2; most frequent first */
  tokens: string[];
  /** documents of the train split containing each id (index = id); used for IDF */
  documentFrequency: number[];
  documentCount: number;
}

// Letters and digits with inner apostrophes ("don't", "l'homme"); everything else separates.
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

/** Lower-cased Unicode words in reading order. */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/** Total ids, the two reserved ones included: what a model's vocabSize must cover. */
export function vocabularySize(vocabulary: Vocabulary): number {
  return vocabulary.tokens.length + FIRST_TOKEN_ID;
}

/**
 * The `vocabSize − 2` most frequent tokens of the TRAIN texts (ties by first appearance, so
 * the result does not depend on the hash order of a Map), with document frequencies for IDF.
 */
export function buildVocabulary(trainTexts: Iterable<string>, vocabSize: number): Vocabulary {
  if (!Number.isInteger(vocabSize) || vocabSize < FIRST_TOKEN_ID + 1) {
    throw new RangeError(`vocabSize must be an integer ≥ 3 (two ids are reserved), got ${vocabSize}`);
  }
  const counts = new Map<string, { count: number; firstSeen: number; docs: number }>();
  const documents: string[][] = [];
  for (const text of trainTexts) {
    const tokens = tokenize(text);
    documents.push(tokens);
    const seenHere = new Set<string>();
    for (const token of tokens) {
      let entry = counts.get(token);
      if (!entry) {
        entry = { count: 0, firstSeen: counts.size, docs: 0 };
        counts.set(token, entry);
      }
      entry.count++;
      if (!seenHere.has(token)) {
        entry.docs++;
        seenHere.add(token);
      }
    }
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1].count - a[1].count || a[1].firstSeen - b[1].firstSeen);
  const kept = ranked.slice(0, vocabSize - FIRST_TOKEN_ID);
  const tokens = kept.map(([token]) => token);
  const keptSet = new Set(tokens);
  const documentFrequency = [0, 0, ...kept.map(([, entry]) => entry.docs)];
  // The unknown id's document frequency: documents with at least one token left out.
  documentFrequency[UNKNOWN_ID] = documents.filter((doc) => doc.some((token) => !keptSet.has(token))).length;
  return { version: 1, tokens, documentFrequency, documentCount: documents.length };
}

const indexCache = new WeakMap<Vocabulary, Map<string, number>>();
function tokenIndex(vocabulary: Vocabulary): Map<string, number> {
  let index = indexCache.get(vocabulary);
  if (!index) {
    index = new Map(vocabulary.tokens.map((token, i) => [token, i + FIRST_TOKEN_ID]));
    indexCache.set(vocabulary, index);
  }
  return index;
}

/** Token ids, n × maxLen row-major: the first maxLen tokens of each text, padded with 0. */
export function encodeTokenIds(texts: readonly string[], vocabulary: Vocabulary, maxLen: number): Int32Array {
  const index = tokenIndex(vocabulary);
  const out = new Int32Array(texts.length * maxLen); // zero-filled = padded
  texts.forEach((text, row) => {
    const tokens = tokenize(text);
    const length = Math.min(tokens.length, maxLen);
    for (let t = 0; t < length; t++) out[row * maxLen + t] = index.get(tokens[t] as string) ?? UNKNOWN_ID;
  });
  return out;
}

/** Smoothed IDF per id, ln((1 + N) / (1 + df)) + 1 (scikit-learn's); the padding id gets 0. */
export function idfWeights(vocabulary: Vocabulary): Float32Array {
  const size = vocabularySize(vocabulary);
  const idf = new Float32Array(size);
  for (let id = FIRST_TOKEN_ID - 1; id < size; id++) {
    idf[id] = Math.log((1 + vocabulary.documentCount) / (1 + (vocabulary.documentFrequency[id] ?? 0))) + 1;
  }
  idf[PAD_ID] = 0;
  return idf;
}

/**
 * n × vocabSize bag-of-words vectors from token ids: counts (times IDF when `idf` is given),
 * each row scaled to unit L2 norm so long and short texts feed the MLP on one scale. The
 * bow-mlp model computes exactly this inside its forward pass (test/unit/train-text.test.ts).
 */
export function bagOfWords(ids: Int32Array, maxLen: number, vocabSize: number, idf?: Float32Array): Float32Array {
  const n = Math.floor(ids.length / maxLen);
  const out = new Float32Array(n * vocabSize);
  for (let row = 0; row < n; row++) {
    const base = row * vocabSize;
    for (let t = 0; t < maxLen; t++) {
      const raw = ids[row * maxLen + t] as number;
      if (raw === PAD_ID) continue;
      // Ids past the model's vocabulary count as unknown, as in the models' forward pass.
      const id = raw < 0 || raw >= vocabSize ? UNKNOWN_ID : raw;
      out[base + id] = (out[base + id] as number) + 1;
    }
    let norm = 0;
    for (let v = 0; v < vocabSize; v++) {
      const weighted = (out[base + v] as number) * (idf ? (idf[v] as number) : 1);
      out[base + v] = weighted;
      norm += weighted * weighted;
    }
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let v = 0; v < vocabSize; v++) out[base + v] = (out[base + v] as number) * scale;
    }
  }
  return out;
}
