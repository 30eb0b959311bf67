// A dataset as model inputs: every split's examples in id order with their training labels
// (the noisy label where noise flipped it), and the preprocessing built from the train split
// only (image normalisation, or the text vocabulary), stored with each run.
import type { ModelSpec } from '../../shared/experimentSpec.js';
import { DomainError } from '../../shared/errors.js';
import type { Store, TrainingExampleRow } from '../store/store.js';
import { computeNormalisation, normalisedZero, normaliseImages, type ImageNormalisation } from './imageNormalisation.js';
import type { ModelInput } from './models.js';
import { buildVocabulary, encodeTokenIds, idfWeights, vocabularySize, type Vocabulary } from './textFeatures.js';

/** Token sequence length for text models that do not set one (bag-of-words, embedding bag). */
const DEFAULT_TEXT_LENGTH = 256;

export interface SplitData {
  split: string;
  exampleIds: Int32Array;
  /** training labels: coalesce(noisy_label, label) */
  y: Int32Array;
  x: Float32Array | Int32Array;
  n: number;
}

export type Preprocessing = { kind: 'image'; normalisation: ImageNormalisation } | { kind: 'text'; maxLen: number; vocabulary: Vocabulary };

export interface TrainingData {
  datasetId: number;
  numClasses: number;
  input: ModelInput;
  splits: SplitData[];
  train: SplitData;
  preprocessing: Preprocessing;
}

const TEXT_ARCHS = new Set(['bow-mlp', 'embedding-bag', 'transformer']);

/** Nothing trains on an image dataset imported by reference with --train-size 0: refused by its id. */
export function refuseWithoutTrainingImages(dataset: { kind: string; height: number | null }, datasetId: number): void {
  if (dataset.kind === 'image' && !dataset.height) {
    throw new DomainError('SPEC_ERROR', `dataset ${datasetId} keeps its images by reference without training images (imported with training size 0, --train-size 0): to train here, import the folder again with a training size above 0; runs trained elsewhere can be ingested into it`, { field: 'datasetId' });
  }
}

export function loadTrainingData(store: Store, datasetId: number, model: ModelSpec, trainSplit = 'train'): TrainingData {
  const dataset = store.datasets.header(datasetId);
  if (!dataset) throw new DomainError('SPEC_ERROR', `no dataset with id ${datasetId}`, { field: 'datasetId' });
  const isTextModel = TEXT_ARCHS.has(model.arch);
  if (isTextModel !== (dataset.kind === 'text')) {
    throw new DomainError('SPEC_ERROR', `the ${model.arch} model needs ${isTextModel ? 'a text' : 'an image'} dataset; dataset ${datasetId} holds ${dataset.kind}s`, { field: 'model.arch' });
  }
  refuseWithoutTrainingImages(dataset, datasetId);
  const numClasses = dataset.classNames.length;
  const rows = store.examples.trainingRows(datasetId, dataset.kind);
  const bySplit = new Map<string, TrainingExampleRow[]>();
  for (const r of rows) {
    let list = bySplit.get(r.split);
    if (!list) bySplit.set(r.split, (list = []));
    list.push(r);
  }
  const trainRows = bySplit.get(trainSplit);
  if (!trainRows?.length) {
    throw new DomainError('SPEC_ERROR', `dataset ${datasetId} has no ${trainSplit} split to train on (splits: ${[...bySplit.keys()].join(', ')})`, { field: trainSplit === 'train' ? 'datasetId' : 'trainSplit' });
  }

  let preprocessing: Preprocessing;
  let input: ModelInput;
  let encode: (list: TrainingExampleRow[]) => Float32Array | Int32Array;
  if (dataset.kind === 'image') {
    const { height, width, channels } = dataset as { height: number; width: number; channels: number };
    const rowBytes = height * width * channels;
    const concat = (list: TrainingExampleRow[]) => {
      const out = new Uint8Array(list.length * rowBytes);
      list.forEach((r, i) => out.set(r.pixels!, i * rowBytes));
      return out;
    };
    const normalisation = computeNormalisation(concat(trainRows), channels);
    preprocessing = { kind: 'image', normalisation };
    input = { kind: 'image', height, width, channels, background: normalisedZero(normalisation) };
    encode = (list) => normaliseImages(concat(list), normalisation);
  } else {
    const vocabSize = 'vocabSize' in model ? model.vocabSize : 5000;
    const maxLen = model.arch === 'transformer' ? model.maxLen : DEFAULT_TEXT_LENGTH;
    const vocabulary = buildVocabulary(trainRows.map((r) => r.text ?? ''), vocabSize);
    preprocessing = { kind: 'text', maxLen, vocabulary };
    const useIdf = model.arch === 'bow-mlp' && model.tfidf;
    // The model's table has vocabSize rows even when the train split has fewer distinct tokens;
    // the ids past the vocabulary never occur, so their IDF weight is irrelevant (0).
    const idf = new Float32Array(vocabSize);
    if (useIdf) idf.set(idfWeights(vocabulary));
    input = { kind: 'text', vocabSize: vocabularySize(vocabulary), maxLen, ...(useIdf ? { idf } : {}) };
    encode = (list) => encodeTokenIds(list.map((r) => r.text ?? ''), vocabulary, maxLen);
  }

  const splits: SplitData[] = [...bySplit].map(([split, list]) => ({
    split,
    exampleIds: Int32Array.from(list, (r) => r.id),
    y: Int32Array.from(list, (r) => r.y),
    x: encode(list),
    n: list.length,
  }));
  return { datasetId, numClasses, input, splits, train: splits.find((s) => s.split === trainSplit)!, preprocessing };
}
