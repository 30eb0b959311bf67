// Class names for labels given by name. A curated-set export carries each row's original class
// index beside its name (`label`, `label_name`): where those agree, the original order comes back.
import { sortNatural } from './naturalOrder.js';

export interface NamedLabel {
  name: string;
  /** the class index the source gives with the name, if any */
  index: string | null;
}

/** The distinct names, by their given index when every row has one and names and indices pair one to one, else naturally. */
export function orderClassNames(labels: readonly NamedLabel[]): string[] {
  const indexOf = new Map<string, number>();
  const nameOf = new Map<number, string>();
  let consistent = true;
  for (const { name, index } of labels) {
    if (!consistent) break;
    if (index === null || !/^\d+$/.test(index)) {
      consistent = false;
      break;
    }
    const value = Number(index);
    if ((indexOf.has(name) && indexOf.get(name) !== value) || (nameOf.has(value) && nameOf.get(value) !== name)) consistent = false;
    indexOf.set(name, value);
    nameOf.set(value, name);
  }
  if (!consistent) return sortNatural(new Set(labels.map((l) => l.name)));
  return [...indexOf.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
}
