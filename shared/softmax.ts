// Probabilities from one model's logits, computed stably (SPEC.md, Notation): what a trained
// epoch stores for each example.

/** Writes softmax(logits[offset … offset + C)) into `out` (length C). */
export function softmaxInto(logits: ArrayLike<number>, offset: number, numClasses: number, out: Float32Array): void {
  let max = -Infinity;
  for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[offset + c]!);
  let sum = 0;
  for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[offset + c]! - max);
  const logSum = Math.log(sum) + max;
  for (let c = 0; c < numClasses; c++) out[c] = Math.exp(logits[offset + c]! - logSum);
}
