// Natural ordering for class, split and file names, so "2" sorts before "10" and
// "img9.png" before "img10.png".

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Compares naturally; falls back to code-unit order so distinct names never tie. */
export function compareNatural(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function sortNatural(names: Iterable<string>): string[] {
  return [...names].sort(compareNatural);
}
