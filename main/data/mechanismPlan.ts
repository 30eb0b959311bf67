// Which class each mechanism shows in each example of a split, before any pixels: labels are
// balanced over classes, kept mechanisms follow the label (the label mechanism always, the
// others in exactly round(correlation·size) examples), randomised ones ignore it.
import type { MechanismSetting } from '../../shared/mechanisms.js';
import { createRandom, type SeededRandom } from '../../shared/seededRandom.js';

export interface PlannedExample {
  label: number;
  /** per mechanism, in the build's mechanism order: the class shown, null where removed */
  classes: (number | null)[];
}

export interface SplitPlanInput {
  name: string;
  size: number;
  correlation: number;
  /** settings in the build's mechanism order */
  settings: MechanismSetting[];
}

/**
 * Plans one split. `labelIndex` is the label mechanism's position; where it is kept it shows the
 * label in every example. Another kept mechanism agrees with the label in exactly
 * round(correlation·size) examples (a seeded choice) and elsewhere shows a uniformly drawn
 * *other* class, so the agreement is the correlation exactly. Randomised mechanisms draw
 * uniformly from all classes, independent of the label.
 */
export function planSplit(split: SplitPlanInput, labelIndex: number, numClasses: number, random: SeededRandom): PlannedExample[] {
  const n = split.size;
  const labels = random.shuffle(Array.from({ length: n }, (_, i) => i % numClasses));
  const columns = split.settings.map((setting, m): (number | null)[] => {
    if (setting === 'remove') return labels.map(() => null);
    if (setting === 'randomise') return labels.map(() => random.int(numClasses));
    if (m === labelIndex || numClasses < 2) return labels.slice();
    const agree = new Uint8Array(n);
    const order = random.shuffle(Array.from({ length: n }, (_, i) => i));
    const agreeing = Math.round(split.correlation * n);
    for (let i = 0; i < agreeing; i++) agree[order[i]!] = 1;
    return labels.map((y, i) => (agree[i] ? y : (y + 1 + random.int(numClasses - 1)) % numClasses));
  });
  return labels.map((label, i) => ({ label, classes: columns.map((c) => c[i]!) }));
}

/** A split's own random stream: the seed and the split's name, so adding a split changes no other. */
export function splitRandom(seed: number, splitName: string, purpose: string): SeededRandom {
  let h = 0x811c9dc5; // FNV-1a over "purpose:seed:name"; mulberry32 has 32 bits of state anyway
  for (const ch of `${purpose}:${seed}:${splitName}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return createRandom(h >>> 0);
}
