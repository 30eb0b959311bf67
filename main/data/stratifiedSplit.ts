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
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const counts = testCounts(classes.map((label) => (byClass.get(label) ?? []).length), testFraction);
  classes.forEach((label, c) => {
    const members = byClass.get(label) ?? [];
    for (const i of random.shuffle([...members]).slice(0, counts[c])) splits[i] = 'test';
  });
  return splits;
}

/**
 * Test examples per class: n × fraction each, rounded so that they add up to the whole's share
 * (largest remainders first, ties to the lower label), every class keeping one training example. Rounding each class
 * on its own lost the test split: 100 classes of 2 at 0.2 rounded every 0.4 down to none.
 */
function testCounts(sizes: readonly number[], fraction: number): number[] {
  const cap = (c: number) => Math.max(0, sizes[c]! - 1); // a lone example cannot be split
  const counts = sizes.map((n, c) => Math.min(cap(c), Math.floor(n * fraction)));
  const remainder = sizes.map((n) => n * fraction - Math.floor(n * fraction));
  const want = Math.min(Math.round(sizes.reduce((a, n) => a + n, 0) * fraction), sizes.reduce((a, _, c) => a + cap(c), 0));
  const order = sizes.map((_, c) => c).sort((a, b) => remainder[b]! - remainder[a]! || a - b);
  let given = counts.reduce((a, n) => a + n, 0);
  for (const c of order) {
    if (given >= want) break;
    if (counts[c]! < cap(c)) {
      counts[c]!++;
      given++;
    }
  }
  return counts;
}
