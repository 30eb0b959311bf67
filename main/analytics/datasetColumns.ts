// A dataset's examples as columns in id order — the row order of every prediction matrix —
// cached per dataset, since examples never change after their import.
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Store } from '../store/store.js';

export interface DatasetColumns {
  datasetId: number;
  kind: 'image' | 'text';
  classNames: string[];
  classGroups: number[][];
  ids: Int32Array;
  /** index into splitNames */
  split: Uint16Array;
  splitNames: string[];
  index: Int32Array;
  label: Int32Array;
  /** coalesce(noisy_label, label): what the models were trained on */
  trainLabel: Int32Array;
  /** row of an example id, or undefined (ids ascend: a binary search) */
  rowOf(id: number): number | undefined;
  /** lower-cased texts (text datasets; loaded on first use) */
  lowerTexts(): string[] | null;
  snippet(row: number): string | null;
}

const SNIPPET_CHARS = 160;

/** The index of a split in `splitNames`, or a ValidationError listing the splits there are. */
export function splitIndexOf(dataset: Pick<DatasetColumns, 'splitNames'>, split: string): number {
  const si = dataset.splitNames.indexOf(split);
  if (si < 0) throw new ValidationError(`split "${split}" does not exist (splits: ${dataset.splitNames.join(', ')})`, { field: 'split' });
  return si;
}

/** Binary search: ids ascend. */
function rowOfId(ids: Int32Array, id: number): number | undefined {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] === id) return mid;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export function createDatasetColumnsCache(store: Pick<Store, 'datasets' | 'examples'>) {
  const { datasets, examples } = store;
  const cache = new Map<string, DatasetColumns>();

  function load(datasetId: number): DatasetColumns {
    const d = datasets.header(datasetId);
    if (!d) throw new NotFoundError(`no dataset with id ${datasetId}`);
    const key = `${datasetId}:${d.createdAt}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const { ids: idsJson, splits: splitJson, indices: indexJson, labels: labelJson, trainLabels: trainJson } = examples.columnsOf(datasetId);
    const parsedIds = JSON.parse(idsJson) as number[];
    // Aggregate order is SQLite's scan order; sort defensively should it ever differ.
    const order = parsedIds.every((id, i) => i === 0 || id > parsedIds[i - 1]!)
      ? null
      : Int32Array.from(parsedIds, (_, i) => i).sort((x, y) => parsedIds[x]! - parsedIds[y]!);
    const column = (json: string) => {
      const values = Int32Array.from(JSON.parse(json) as number[]);
      return order ? order.map((i) => values[i]!) : values;
    };
    const ids = column(idsJson);
    const index = column(indexJson);
    const label = column(labelJson);
    const trainLabel = column(trainJson);
    const splitNames: string[] = [];
    const splitIndex = new Map<string, number>();
    const splitOfRow = JSON.parse(splitJson) as string[];
    const split = new Uint16Array(ids.length);
    for (let r = 0; r < ids.length; r++) {
      const name = splitOfRow[order ? order[r]! : r]!;
      let si = splitIndex.get(name);
      if (si === undefined) {
        si = splitNames.push(name) - 1;
        splitIndex.set(name, si);
      }
      split[r] = si;
    }
    let lower: string[] | null | undefined;
    let raw: (string | null)[] | undefined;
    const rawTexts = () => (raw ??= examples.textsOf(datasetId));
    const columns: DatasetColumns = {
      datasetId,
      kind: d.kind,
      classNames: d.classNames,
      classGroups: d.classGroups,
      ids,
      split,
      splitNames,
      index,
      label,
      trainLabel,
      rowOf: (id) => rowOfId(ids, id),
      lowerTexts: () => (lower === undefined ? (lower = d.kind === 'text' ? rawTexts().map((t) => (t ?? '').toLowerCase()) : null) : lower),
      // A page's snippets are point reads until a text filter has loaded every text: loading a
      // million texts for a page of 100 was ~0.5 s.
      snippet: (row) => (d.kind === 'text' ? (((raw ? raw[row] : examples.textOf(ids[row]!)) ?? '').slice(0, SNIPPET_CHARS)) : null),
    };
    for (const old of cache.keys()) if (old.startsWith(`${datasetId}:`)) cache.delete(old);
    cache.set(key, columns);
    return columns;
  }

  return { get: load, clear: () => cache.clear() };
}

export type DatasetColumnsCache = ReturnType<typeof createDatasetColumnsCache>;
