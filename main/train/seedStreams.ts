// Independent random streams derived from one run seed: a weight initialiser per parameter, a
// shuffle and dropout masks per epoch. Deriving from (seed, purpose, epoch, …) rather than drawing
// from one running stream is what lets a run resumed at epoch k see exactly the batches it would
// have seen uninterrupted.
import { createRandom, type SeededRandom } from '../../shared/seededRandom.js';

/** Purposes keep streams apart: the shuffle of epoch 3 never equals the dropout of epoch 3. */
export const SeedPurpose = { init: 1, shuffle: 2, dropout: 3, jacobianDirections: 4, projectionHeads: 5 } as const;

/** Mixes integers into one 32-bit seed (murmur3's finaliser applied after each part). */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Fold both 32-bit halves so seeds up to 2^53 stay distinct.
    for (const word of [part >>> 0, Math.floor(part / 0x1_0000_0000) >>> 0]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

export function randomStream(...parts: number[]): SeededRandom {
  return createRandom(deriveSeed(...parts));
}

/** The order of the training examples in `epoch`: a function of (seed, epoch) only. */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = randomStream(seed, SeedPurpose.shuffle, epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order;
}
