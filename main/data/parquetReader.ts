// Reads per-example predictions from a Parquet file (docs/ingest.md, "Predictions files"): a key
// column `example` and the C values of each row, as one list column or as C wide columns. The
// result has the NPY reader's shape, so the ingest checks both formats with the same code.
import fs from 'node:fs/promises';
import { parquetMetadata, parquetRead, parquetSchema, type ColumnData, type FileMetaData, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ImportError } from '../../shared/errors.js';
import type { NpyArray } from './npyReader.js';

export interface ParquetPredictions {
  /** Row r's example key: a number for integer keys, a string for string keys. */
  keys: (string | number)[];
  /** [n, C] in row order; Float32Array unless a value column is double. */
  values: Extract<NpyArray, { kind: 'float' }>;
  kind: 'probs' | 'logits';
}

type ValueKind = ParquetPredictions['kind'];

/** Where the C values of a row live: one list column, or one column per class. */
type ValueLayout = { kind: ValueKind; list: SchemaTree } | { kind: ValueKind; wide: SchemaTree[] };

const KEY_COLUMN = 'example';
const KEY_TYPES = ['INT32', 'INT64', 'BYTE_ARRAY'];
const WIDE_PREFIX: Record<ValueKind, string> = { probs: 'p_', logits: 'logit_' };
const PARQUET_MAGIC = 'PAR1';

export async function readParquetPredictions(file: string): Promise<ParquetPredictions> {
  const bytes = await readBytes(file);
  const metadata = readMetadata(bytes, file);
  const columns = parquetSchema(metadata).children;
  const keyColumn = columns.find((c) => c.element.name === KEY_COLUMN);
  if (!keyColumn) throw new ImportError(`a Parquet predictions file needs a column "${KEY_COLUMN}"; it holds ${namesOf(columns)}`, { file });
  const keyType = keyColumn.element.type;
  if (keyColumn.children.length > 0 || !keyType || !KEY_TYPES.includes(keyType)) {
    throw new ImportError(`"${KEY_COLUMN}" must be a plain int32, int64 or string column, not ${keyType ?? 'a list or struct'}`, { file });
  }
  const layout = findValueLayout(columns, file);
  const valueColumns = 'list' in layout ? [layout.list] : layout.wide;

  const chunks = await readColumns(bytes, metadata, [keyColumn, ...valueColumns].map((c) => c.element.name), file);
  const rows = Number(metadata.num_rows);
  const keys = readKeys(chunks.get(KEY_COLUMN) ?? [], rows, file);
  const values = 'list' in layout ? listValues(layout.list, chunks.get(layout.kind) ?? [], rows, file) : wideValues(layout.wide, chunks, rows, file);
  return { keys, values, kind: layout.kind };
}

async function readBytes(file: string): Promise<ArrayBuffer> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
  // hyparquet wants a plain ArrayBuffer; copy only when Node handed back a view into a larger one.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
}

function readMetadata(bytes: ArrayBuffer, file: string): FileMetaData {
  const text = (from: number) => Buffer.from(bytes, from, 4).toString('latin1');
  if (bytes.byteLength < 12 || text(0) !== PARQUET_MAGIC || text(bytes.byteLength - 4) !== PARQUET_MAGIC) {
    throw new ImportError('not a Parquet file (no PAR1 marker at its start and end; truncated or another format?)', { file });
  }
  try {
    return parquetMetadata(bytes);
  } catch (err) {
    throw new ImportError(`not a readable Parquet file: ${(err as Error).message}`, { file }, { cause: err });
  }
}

/** Picks the one value layout the file uses; two of them (or none) is an error, not a guess. */
function findValueLayout(columns: SchemaTree[], file: string): ValueLayout {
  const found: { label: string; layout: ValueLayout }[] = [];
  for (const kind of ['probs', 'logits'] as const) {
    const list = columns.find((c) => c.element.name === kind);
    if (list) found.push({ label: `"${kind}"`, layout: { kind, list } });
    const wide = columns.filter((c) => isWideColumn(c.element.name, WIDE_PREFIX[kind]));
    if (wide.length > 0) found.push({ label: `${WIDE_PREFIX[kind]}0 …`, layout: { kind, wide } });
  }
  if (found.length === 0) {
    throw new ImportError(`needs a list column "probs" or "logits", or columns p_0 … p_{C-1} or logit_0 … logit_{C-1}; it holds ${namesOf(columns)}`, { file });
  }
  if (found.length > 1) throw new ImportError(`holds both ${found.map((f) => f.label).join(' and ')}; keep exactly one of probs or logits, in one layout`, { file });
  const { layout } = found[0]!;
  if ('list' in layout) checkListColumn(layout.list, file);
  else layout.wide = orderWideColumns(layout.wide, WIDE_PREFIX[layout.kind], file);
  return layout;
}

/** `p_7` for class 7; digits without a leading zero, so `p_07` is not taken for `p_7`. */
function isWideColumn(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && /^(0|[1-9]\d*)$/.test(name.slice(prefix.length));
}

function checkListColumn(column: SchemaTree, file: string): void {
  const name = column.element.name;
  // A Parquet LIST is a group whose single path down to one leaf repeats exactly once.
  let node = column;
  let repeated = node.element.repetition_type === 'REPEATED' ? 1 : 0;
  while (node.children.length === 1) {
    node = node.children[0]!;
    if (node.element.repetition_type === 'REPEATED') repeated++;
  }
  if (column.children.length === 0 || node.children.length > 0 || repeated !== 1) {
    throw new ImportError(`"${name}" must be a list column (list<float> or list<double>, one list per row); for one column per class name them ${name === 'probs' ? 'p_0' : 'logit_0'} …`, { file });
  }
  checkFloatLeaf(node, `"${name}"`, file);
}

/** Sorts p_0 … p_{C-1} by class and refuses a gap (a missing class would shift every later one). */
function orderWideColumns(columns: SchemaTree[], prefix: string, file: string): SchemaTree[] {
  const byClass = new Map<number, SchemaTree>();
  for (const c of columns) byClass.set(Number(c.element.name.slice(prefix.length)), c);
  const ordered: SchemaTree[] = [];
  for (let k = 0; k < byClass.size; k++) {
    const column = byClass.get(k);
    if (!column) {
      const highest = Math.max(...byClass.keys());
      throw new ImportError(`columns ${prefix}0 … ${prefix}${highest} must be contiguous, but ${prefix}${k} is missing`, { file });
    }
    if (column.children.length > 0) throw new ImportError(`${column.element.name} must be a plain float or double column, not a list or struct`, { file });
    checkFloatLeaf(column, column.element.name, file);
    ordered.push(column);
  }
  return ordered;
}

function checkFloatLeaf(leaf: SchemaTree, label: string, file: string): void {
  const { type, logical_type, converted_type } = leaf.element;
  if (type === 'FLOAT' || type === 'DOUBLE' || logical_type?.type === 'FLOAT16') return;
  const annotation = logical_type?.type ?? converted_type;
  throw new ImportError(`${label} must hold float or double values, not ${type ?? 'a group'}${annotation ? ` (${annotation})` : ''}`, { file });
}

/**
 * Reads whole columns as hyparquet decodes them (typed arrays where it can), each column's
 * chunks in row order and covering rows 0…n-1, without ever turning them into row objects.
 */
async function readColumns(bytes: ArrayBuffer, metadata: FileMetaData, names: string[], file: string): Promise<Map<string, ColumnData[]>> {
  const chunks = new Map<string, ColumnData[]>(names.map((n) => [n, []]));
  try {
    await parquetRead({ file: bytes, metadata, columns: names, compressors, onChunk: (chunk) => chunks.get(chunk.columnName)?.push(chunk) });
  } catch (err) {
    throw new ImportError(`not a readable Parquet file: ${(err as Error).message}`, { file }, { cause: err });
  }
  const rows = Number(metadata.num_rows);
  for (const [name, list] of chunks) {
    // Row groups decode concurrently, so chunks arrive in any order.
    list.sort((a, b) => a.rowStart - b.rowStart);
    let next = 0;
    for (const chunk of list) {
      if (chunk.rowStart !== next) break;
      next = chunk.rowEnd;
    }
    if (next !== rows) throw new ImportError(`column "${name}" decoded to ${next} rows where the file says ${rows}`, { file });
  }
  return chunks;
}

function readKeys(chunks: ColumnData[], rows: number, file: string): (string | number)[] {
  const keys = new Array<string | number>(rows);
  const largest = BigInt(Number.MAX_SAFE_INTEGER);
  for (const { columnData, rowStart } of chunks) {
    // Typed arrays (required int columns) need no per-value type test.
    if (columnData instanceof Int32Array || columnData instanceof Uint32Array) {
      for (let i = 0; i < columnData.length; i++) keys[rowStart + i] = columnData[i]!;
      continue;
    }
    for (let i = 0; i < columnData.length; i++) {
      const key: unknown = columnData[i];
      const row = rowStart + i;
      if (typeof key === 'string' || (typeof key === 'number' && Number.isSafeInteger(key))) {
        keys[row] = key;
      } else if (typeof key === 'bigint') {
        if (key > largest || key < -largest) {
          throw new ImportError(`"${KEY_COLUMN}" ${key} is beyond ±${Number.MAX_SAFE_INTEGER}, the largest integer a key can be read as exactly`, { file, row });
        }
        keys[row] = Number(key);
      } else if (typeof key === 'number') {
        throw new ImportError(`"${KEY_COLUMN}" ${key} is not an integer`, { file, row });
      } else {
        throw new ImportError(`"${KEY_COLUMN}" must be an integer or a string, not ${describe(key)}`, { file, row });
      }
    }
  }
  return keys;
}

function listValues(column: SchemaTree, chunks: ColumnData[], rows: number, file: string): ParquetPredictions['values'] {
  const name = column.element.name;
  let leaf = column;
  while (leaf.children.length > 0) leaf = leaf.children[0]!;
  // Row 0 fixes the number of classes; every other row must match it.
  const first: unknown = chunks[0]?.columnData[0];
  const classes = Array.isArray(first) ? first.length : 0;
  const data = leaf.element.type === 'DOUBLE' ? new Float64Array(rows * classes) : new Float32Array(rows * classes);
  for (const { columnData, rowStart } of chunks) {
    for (let i = 0; i < columnData.length; i++) {
      const list: unknown = columnData[i];
      const row = rowStart + i;
      if (!Array.isArray(list)) throw new ImportError(`"${name}" is ${describe(list)}, not a list of numbers`, { file, row });
      if (list.length !== classes) {
        throw new ImportError(`"${name}" holds ${list.length} values where row 0 holds ${classes}; every row needs the same number of classes`, { file, row });
      }
      const offset = row * classes;
      for (let k = 0; k < classes; k++) {
        const value: unknown = list[k];
        if (typeof value !== 'number') throw new ImportError(`"${name}"[${k}] is ${describe(value)}, not a number`, { file, row });
        data[offset + k] = value;
      }
    }
  }
  return { kind: 'float', shape: [rows, classes], data };
}

function wideValues(columns: SchemaTree[], chunks: Map<string, ColumnData[]>, rows: number, file: string): ParquetPredictions['values'] {
  const classes = columns.length;
  const double = columns.some((c) => c.element.type === 'DOUBLE');
  const data = double ? new Float64Array(rows * classes) : new Float32Array(rows * classes);
  columns.forEach((column, k) => {
    const name = column.element.name;
    for (const { columnData, rowStart } of chunks.get(name) ?? []) {
      // Required float columns arrive as typed arrays: no nulls, no per-value test.
      if (columnData instanceof Float32Array || columnData instanceof Float64Array) {
        for (let i = 0; i < columnData.length; i++) data[(rowStart + i) * classes + k] = columnData[i]!;
        continue;
      }
      for (let i = 0; i < columnData.length; i++) {
        const value: unknown = columnData[i];
        if (typeof value !== 'number') throw new ImportError(`${name} is ${describe(value)}, not a number`, { file, row: rowStart + i });
        data[(rowStart + i) * classes + k] = value;
      }
    }
  });
  return { kind: 'float', shape: [rows, classes], data };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function namesOf(columns: SchemaTree[]): string {
  return columns.map((c) => c.element.name).join(', ') || 'no columns';
}
