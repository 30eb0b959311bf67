// Assigns train/test to sources that carry no split (root/<class>/*, one CSV), per class,
// so a rare class is not left out of test by chance.
import { createRandom } from '../../shared/seededRandom.js';

/** Returns a split name ('train' or 'test') per label, in the labels' order. */
export function stratifiedSplit(labels: readonly number[], testFraction: number, seed: number): string[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const members = byClass.get(label);
    if (members) members.push(i);
    else byClass.set(label, [i]);
  });
  const splits = labels.map(() => 'train');
  const random = createRandom(seed);
  // Classes in label order, so the draw does not depend on which class happens to come first.
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label) ?? [];
    // A class keeps at least one training example; a lone example cannot be split.
    const testCount = Math.min(members.length - 1, Math.round(members.length * testFraction));
    for (const i of random.shuffle([...members]).slice(0, testCount)) splits[i] = 'test';
  }
  return splits;
}
