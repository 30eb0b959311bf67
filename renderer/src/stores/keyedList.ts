// The stores' lists of things with ids (datasets, experiments, curated sets): one way to put a
// fresh copy in place.

/** Replaces the item with the same id, or appends it; returns it. */
export function upsertById<T extends { id: number }>(list: T[], item: T): T {
  const i = list.findIndex((x) => x.id === item.id);
  if (i >= 0) list.splice(i, 1, item);
  else list.push(item);
  return item;
}
