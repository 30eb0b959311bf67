// Per-example numbers derived from one model's logits, stored beside the probabilities so
// filters never decode BLOBs: softmax computed stably from logits (SPEC.md, Notation).

export interface PredictionStats {
  pLabel: number;
  pTop: number;
  topClass: number;
  margin: number;
  entropy: number;
  loss: number;
}

/** Writes softmax(logits) into `out` (length C) and returns the derived statistics. */
export function softmaxWithStats(logits: ArrayLike<number>, offset: number, numClasses: number, label: number, out: Float32Array): PredictionStats {
  let max = -Infinity;
  for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[offset + c]!);
  let sum = 0;
  for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[offset + c]! - max);
  const logSum = Math.log(sum) + max;
  let top = 0;
  let pTop = -1;
  let second = -1;
  let entropy = 0;
  for (let c = 0; c < numClasses; c++) {
    const logP = logits[offset + c]! - logSum;
    const p = Math.exp(logP);
    out[c] = p;
    if (p > 0) entropy -= p * logP;
    if (p > pTop) {
      second = pTop;
      pTop = p;
      top = c;
    } else if (p > second) second = p;
  }
  const logPLabel = logits[offset + label]! - logSum;
  return { pLabel: Math.exp(logPLabel), pTop, topClass: top, margin: pTop - Math.max(second, 0), entropy, loss: -logPLabel };
}
