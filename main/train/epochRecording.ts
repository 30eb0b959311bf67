// After each epoch: every split's logits from the model, the split's loss and accuracy against
// the training labels, handed to the store as one transaction (experimentRunner.ts).
import type { SplitData } from './trainingData.js';

export interface SplitOutputs {
  exampleIds: Int32Array;
  labels: Int32Array;
  logits: Float32Array;
  metrics: { split: string; loss: number; accuracy: number }[];
}

/** Mean cross-entropy and accuracy of row-major logits against labels. */
export function lossAndAccuracy(logits: Float32Array, labels: ArrayLike<number>, numClasses: number): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    let max = -Infinity;
    let top = 0;
    for (let c = 0; c < numClasses; c++) {
      const z = logits[o + c]!;
      if (z > max) {
        max = z;
        top = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[o + c]! - max);
    lossSum += Math.log(sum) + max - logits[o + labels[i]!]!;
    if (top === labels[i]) correct++;
  }
  return { loss: n ? lossSum / n : 0, accuracy: n ? correct / n : 0 };
}

/**
 * Every split's logits, loss and accuracy. `predict` gives inference-mode logits for n rows,
 * batchSize at a time (EpochEndInfo.predictLogits: on every thread the run trains with).
 */
export async function predictAllSplits(
  predict: (x: Float32Array | Int32Array, n: number, batchSize: number) => Promise<Float32Array>,
  numClasses: number,
  splits: readonly SplitData[],
): Promise<SplitOutputs> {
  const logits: Float32Array[] = [];
  for (const s of splits) logits.push(await predict(s.x, s.n, RECORDING_BATCH));
  return splitOutputs(splits, logits, numClasses);
}

/** Rows a recording pass predicts at a time. */
export const RECORDING_BATCH = 512;

/** The splits' outputs from their logits (one row-major array per split, in split order). */
export function splitOutputs(splits: readonly SplitData[], logits: readonly Float32Array[], numClasses: number): SplitOutputs {
  const total = splits.reduce((n, s) => n + s.n, 0);
  const C = numClasses;
  const out: SplitOutputs = { exampleIds: new Int32Array(total), labels: new Int32Array(total), logits: new Float32Array(total * C), metrics: [] };
  let offset = 0;
  splits.forEach((s, i) => {
    const rows = logits[i] as Float32Array;
    out.exampleIds.set(s.exampleIds, offset);
    out.labels.set(s.y, offset);
    out.logits.set(rows, offset * C);
    out.metrics.push({ split: s.split, ...lossAndAccuracy(rows, s.y, C) });
    offset += s.n;
  });
  return out;
}
