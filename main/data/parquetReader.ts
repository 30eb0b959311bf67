// Reads per-example predictions from a Parquet file (docs/ingest.md, "Predictions files"): a key
// column `example` and the C values of each row, as one list column or as C wide columns. The
// result has the NPY reader's shape, so the ingest checks both formats with the same code.
import type { FileHandle } from 'node:fs/promises';
import { parquetMetadata, parquetMetadataAsync, parquetRead, parquetSchema, type ColumnData, type CompressionCodec, type DecodedArray, type FileMetaData, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
// hyparquet's page decoders (its published src/*.js entry points): the top-k reader decodes list
// columns flat, which parquetRead cannot.
import { parquetHeader } from 'hyparquet/src/column.js';
import { convert, convertWithDictionary, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getMaxDefinitionLevel, getMaxRepetitionLevel } from 'hyparquet/src/schema.js';
import type { ColumnDecoder, DataPage } from 'hyparquet/src/types.js';
import { ImportError } from '../../shared/errors.js';
import { notRegularFile, type NpyArray } from './npyReader.js';
import { openRegularFile } from '../regularFile.js';

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

/** `classes`, the dataset's class count where known: each row of a list column is checked against it, naming the row that differs. */
export async function readParquetPredictions(file: string, classes?: number): Promise<ParquetPredictions> {
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
  const values = 'list' in layout ? listValues(layout.list, chunks.get(layout.kind) ?? [], rows, file, classes) : wideValues(layout.wide, chunks, rows, file);
  return { keys, values, kind: layout.kind };
}

/** A Parquet file opened without waiting on a pipe in its place, and checked to be a regular file (regularFile.ts). */
async function openParquet(file: string): Promise<FileHandle> {
  const opened = await openRegularFile(file).catch((err: unknown) => {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  });
  if (!opened) throw notRegularFile(file);
  return opened.handle;
}

async function readBytes(file: string): Promise<ArrayBuffer> {
  const handle = await openParquet(file);
  let bytes: Buffer;
  try {
    bytes = await handle.readFile();
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  } finally {
    await handle.close();
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

/** Keys of rows 0…rows-1 of `chunks`; errors number rows from `firstRow` (a row group's first row in its file). */
function readKeys(chunks: ColumnData[], rows: number, file: string, firstRow = 0): (string | number)[] {
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
      // The row as the file numbers it, for errors.
      const row = firstRow + rowStart + i;
      if (typeof key === 'string' || (typeof key === 'number' && Number.isSafeInteger(key))) {
        keys[rowStart + i] = key;
      } else if (typeof key === 'bigint') {
        if (key > largest || key < -largest) {
          throw new ImportError(`"${KEY_COLUMN}" ${key} is beyond ±${Number.MAX_SAFE_INTEGER}, the largest integer a key can be read as exactly`, { file, row });
        }
        keys[rowStart + i] = Number(key);
      } else if (typeof key === 'number') {
        throw new ImportError(`"${KEY_COLUMN}" ${key} is not an integer`, { file, row });
      } else {
        throw new ImportError(`"${KEY_COLUMN}" must be an integer or a string, not ${describe(key)}`, { file, row });
      }
    }
  }
  return keys;
}

function listValues(column: SchemaTree, chunks: ColumnData[], rows: number, file: string, expected?: number): ParquetPredictions['values'] {
  const name = column.element.name;
  let leaf = column;
  while (leaf.children.length > 0) leaf = leaf.children[0]!;
  // The dataset's class count, where given, is what every row must hold (a short row 0 is row 0's fault, not row 1's);
  // else row 0 fixes it and every other row must match.
  const first: unknown = chunks[0]?.columnData[0];
  const classes = expected ?? (Array.isArray(first) ? first.length : 0);
  const against = expected === undefined ? `row 0 holds ${classes}` : `the dataset has ${classes} classes`;
  const data = leaf.element.type === 'DOUBLE' ? new Float64Array(rows * classes) : new Float32Array(rows * classes);
  for (const { columnData, rowStart } of chunks) {
    for (let i = 0; i < columnData.length; i++) {
      const list: unknown = columnData[i];
      const row = rowStart + i;
      if (!Array.isArray(list)) throw new ImportError(`"${name}" is ${describe(list)}, not a list of numbers`, { file, row });
      if (list.length !== classes) {
        throw new ImportError(`"${name}" holds ${list.length} values where ${against}; every row needs the same number of classes`, { file, row });
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

/** One row group of a top-k Parquet file, flat: row r's k classes and probabilities at r·k … r·k + k − 1. */
export interface ParquetTopKBatch {
  /** the file's row (0-based) of this batch's first row */
  rowStart: number;
  keys: ArrayLike<string | number>;
  classes: ArrayLike<number>;
  probs: ArrayLike<number>;
  labelProbs: ArrayLike<number>;
}

const TOP_K_COLUMNS = { classes: 'top_classes', probs: 'top_probs', labelProb: 'label_prob' } as const;
const INTEGER_TYPES = ['INT32', 'INT64'];

/**
 * Reads a top-k predictions file (docs/ingest.md, "Many classes") one row group at a time, so a
 * part of any size costs one row group of memory: columns `example`, `top_classes` (list<int>),
 * `top_probs` (list<float>) and `label_prob` (float). The lists are decoded straight into flat
 * arrays — building one JS array per row cost more than everything else the ingest does.
 */
export async function readParquetTopK(file: string, k: number, onBatch: (batch: ParquetTopKBatch) => void): Promise<void> {
  const handle = await openParquet(file);
  try {
    const size = (await handle.stat()).size;
    const slice = async (start: number, end: number): Promise<ArrayBuffer> => {
      const bytes = new Uint8Array(end - start);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, start);
      if (bytesRead !== bytes.length) throw new ImportError(`the file ends at byte ${start + bytesRead}, before the ${end} its metadata promises (truncated?)`, { file });
      return bytes.buffer;
    };
    const head = size >= 4 ? Buffer.from(await slice(0, 4)).toString('latin1') : '';
    const tail = size >= 12 ? Buffer.from(await slice(size - 4, size)).toString('latin1') : '';
    if (head !== PARQUET_MAGIC || tail !== PARQUET_MAGIC) throw new ImportError('not a Parquet file (no PAR1 marker at its start and end; truncated or another format?)', { file });
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync({ byteLength: size, slice });
    } catch (err) {
      throw new ImportError(`not a readable Parquet file: ${(err as Error).message}`, { file }, { cause: err });
    }
    const columns = topKColumns(parquetSchema(metadata), file);
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows);
      // The four column chunks' byte ranges, read in one go (they usually lie side by side).
      const ranges = [columns.key, columns.classes, columns.probs, columns.labelProb].map((column) => {
        const meta = group.columns.find((c) => c.meta_data?.path_in_schema[0] === column.element.name)?.meta_data;
        if (!meta) throw new ImportError(`row group at row ${rowStart} has no column "${column.element.name}"`, { file });
        const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
        return { column, codec: meta.codec, start, end: start + Number(meta.total_compressed_size) };
      });
      const from = Math.min(...ranges.map((r) => r.start));
      const to = Math.max(...ranges.map((r) => r.end));
      if (rows > 0) {
        if (from < 0 || to > size) throw new ImportError(`not a readable Parquet file: the row group at row ${rowStart} lies at bytes ${from}…${to}, outside the file's ${size}`, { file });
        const bytes = new Uint8Array(await slice(from, to));
        const [key, classes, probs, labelProb] = ranges.map(({ column, codec, start, end }) => {
          try {
            return decodeColumnChunk(bytes.subarray(start - from, end - from), column, codec);
          } catch (err) {
            throw new ImportError(`not a readable Parquet file: column "${column.element.name}" of the row group at row ${rowStart}: ${(err as Error).message}`, { file }, { cause: err });
          }
        }) as [DecodedColumn, DecodedColumn, DecodedColumn, DecodedColumn];
        onBatch({
          rowStart,
          keys: flatKeys(key, rows, rowStart, file),
          classes: listOf(classes, TOP_K_COLUMNS.classes, k, rows, rowStart, file),
          probs: listOf(probs, TOP_K_COLUMNS.probs, k, rows, rowStart, file),
          labelProbs: flatOf(labelProb, TOP_K_COLUMNS.labelProb, rows, rowStart, file),
        });
      }
      rowStart += rows;
    }
  } finally {
    await handle.close();
  }
}

/** The four columns of a top-k file, each of the type it must be. */
function topKColumns(schema: SchemaTree, file: string): Record<'key' | 'classes' | 'probs' | 'labelProb', SchemaTree> {
  const find = (name: string, what: string) => {
    const column = schema.children.find((c) => c.element.name === name);
    if (!column) throw new ImportError(`a Parquet file of a top-k run needs columns "${KEY_COLUMN}", "${TOP_K_COLUMNS.classes}", "${TOP_K_COLUMNS.probs}" and "${TOP_K_COLUMNS.labelProb}" (${what} missing); it holds ${namesOf(schema.children)}`, { file });
    return column;
  };
  const key = find(KEY_COLUMN, `"${KEY_COLUMN}"`);
  if (key.children.length > 0 || !key.element.type || !KEY_TYPES.includes(key.element.type)) {
    throw new ImportError(`"${KEY_COLUMN}" must be a plain int32, int64 or string column, not ${key.element.type ?? 'a list or struct'}`, { file });
  }
  const classes = find(TOP_K_COLUMNS.classes, `"${TOP_K_COLUMNS.classes}"`);
  const classLeaf = listLeaf(classes, 'list<int32> or list<int64>', file);
  if (!INTEGER_TYPES.includes(classLeaf.element.type ?? '')) throw new ImportError(`"${TOP_K_COLUMNS.classes}" must hold int32 or int64 values, not ${classLeaf.element.type ?? 'a group'}`, { file });
  const probs = find(TOP_K_COLUMNS.probs, `"${TOP_K_COLUMNS.probs}"`);
  checkFloatLeaf(listLeaf(probs, 'list<float> or list<double>', file), `"${TOP_K_COLUMNS.probs}"`, file);
  const labelProb = find(TOP_K_COLUMNS.labelProb, `"${TOP_K_COLUMNS.labelProb}"`);
  if (labelProb.children.length > 0) throw new ImportError(`"${TOP_K_COLUMNS.labelProb}" must be a plain float or double column, not a list or struct`, { file });
  checkFloatLeaf(labelProb, `"${TOP_K_COLUMNS.labelProb}"`, file);
  return { key, classes, probs, labelProb };
}

/** The leaf of a LIST column (one repeated level on its single path down), or an error naming the type it must be. */
function listLeaf(column: SchemaTree, type: string, file: string): SchemaTree {
  let node = column;
  let repeated = node.element.repetition_type === 'REPEATED' ? 1 : 0;
  while (node.children.length === 1) {
    node = node.children[0]!;
    if (node.element.repetition_type === 'REPEATED') repeated++;
  }
  if (column.children.length === 0 || node.children.length > 0 || repeated !== 1) throw new ImportError(`"${column.element.name}" must be a list column (${type}, one list of topK values per row)`, { file });
  return node;
}

/** A column chunk's values (nulls left out) and its levels (empty where the schema has none). */
interface DecodedColumn {
  name: string;
  values: DecodedArray;
  definitionLevels: Uint8Array;
  repetitionLevels: Uint8Array;
  maxDefinitionLevel: number;
}

/**
 * Decodes every page of one column chunk, concatenating values and levels instead of assembling
 * rows (hyparquet's `parquetRead` builds an array per list). Levels are read into bytes with
 * hyparquet's RLE/bit-packed decoder: its own page readers put them in plain arrays of a page's
 * length, which cost more than everything else the ingest does (Version-1 pages, pyarrow's and
 * Spark's default, read that way took ~8× as long as Version-2 ones). Encodings other than plain
 * and dictionary go through hyparquet's page readers, their levels then copied into bytes.
 */
function decodeColumnChunk(bytes: Uint8Array, column: SchemaTree, codec: CompressionCodec): DecodedColumn {
  const schemaPath = pathTo(column);
  const leaf = schemaPath[schemaPath.length - 1]!;
  const decoder: ColumnDecoder = { pathInSchema: schemaPath.slice(1).map((s) => s.element.name), type: leaf.element.type!, element: leaf.element, schemaPath, codec, compressors, parsers: DEFAULT_PARSERS, utf8: true };
  const maxDefinitionLevel = getMaxDefinitionLevel(schemaPath);
  const maxRepetitionLevel = getMaxRepetitionLevel(schemaPath);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const values: DecodedArray[] = [];
  const definitionLevels: Uint8Array[] = [];
  const repetitionLevels: Uint8Array[] = [];
  let dictionary: DecodedArray | undefined;
  const readerOf = (b: Uint8Array) => ({ view: new DataView(b.buffer, b.byteOffset, b.byteLength), offset: 0 });
  const levels = (r: ReturnType<typeof readerOf>, max: number, count: number, length?: number): Uint8Array => {
    const out = new Uint8Array(max ? count : 0);
    if (max) readRleBitPackedHybrid(r, 32 - Math.clz32(max), out, length);
    return out;
  };
  while (reader.offset < bytes.byteLength - 1) {
    const header = parquetHeader(reader);
    const page = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      const plain = decompressPage(page, header.uncompressed_page_size, codec, compressors);
      const count = header.dictionary_page_header?.num_values ?? 0;
      dictionary = convert(readPlain(readerOf(plain), decoder.type, count, leaf.element.type_length), decoder);
      continue;
    }
    const v1 = header.type === 'DATA_PAGE' ? header.data_page_header : undefined;
    const v2 = header.type === 'DATA_PAGE_V2' ? header.data_page_header_v2 : undefined;
    if (!v1 && !v2) continue;
    const encoding = (v1 ?? v2)!.encoding;
    const count = (v1 ?? v2)!.num_values;
    if (encoding !== 'PLAIN' && encoding !== 'PLAIN_DICTIONARY' && encoding !== 'RLE_DICTIONARY') {
      const decoded: DataPage = v1 ? readDataPage(decompressPage(page, header.uncompressed_page_size, codec, compressors), v1, decoder) : readDataPageV2(page, header, decoder);
      values.push(convertWithDictionary(decoded.dataPage, dictionary, encoding, decoder));
      definitionLevels.push(Uint8Array.from(decoded.definitionLevels ?? []));
      repetitionLevels.push(Uint8Array.from(decoded.repetitionLevels));
      continue;
    }
    let rep: Uint8Array;
    let def: Uint8Array;
    let valueReader: ReturnType<typeof readerOf>;
    if (v1) {
      // Version 1 (pyarrow's and Spark's default): one compressed block holding each level run
      // after its 4-byte length (where the column has that level), then the values.
      valueReader = readerOf(decompressPage(page, header.uncompressed_page_size, codec, compressors));
      rep = levels(valueReader, maxRepetitionLevel, count);
      def = levels(valueReader, maxDefinitionLevel, count);
    } else {
      // Version 2 (what hyparquet-writer writes): uncompressed levels of known lengths, then the values.
      const h = v2!;
      const levelReader = readerOf(page);
      rep = levels(levelReader, maxRepetitionLevel, count, h.repetition_levels_byte_length);
      levelReader.offset = h.repetition_levels_byte_length;
      def = levels(levelReader, maxDefinitionLevel, count, h.definition_levels_byte_length);
      const levelBytes = h.repetition_levels_byte_length + h.definition_levels_byte_length;
      const rest = page.subarray(levelBytes);
      const size = header.uncompressed_page_size - levelBytes;
      valueReader = readerOf(h.is_compressed !== false && size ? decompressPage(rest, size, codec, compressors) : rest);
    }
    let present = def.length ? 0 : count;
    for (let i = 0; i < def.length; i++) if (def[i] === maxDefinitionLevel) present++;
    values.push(encoding === 'PLAIN' ? convert(readPlain(valueReader, decoder.type, present, leaf.element.type_length), decoder) : lookUp(valueReader, present, dictionary));
    definitionLevels.push(def);
    repetitionLevels.push(rep);
  }
  return { name: column.element.name, values: concatValues(values), definitionLevels: concatLevels(definitionLevels), repetitionLevels: concatLevels(repetitionLevels), maxDefinitionLevel };
}

/** A dictionary page's values for `count` RLE/bit-packed indices. */
function lookUp(reader: { view: DataView; offset: number }, count: number, dictionary: DecodedArray | undefined): DecodedArray {
  if (!dictionary) throw new Error('a dictionary-encoded page without a dictionary page before it');
  const indices = new Int32Array(count);
  const width = reader.view.getUint8(reader.offset++);
  if (width) readRleBitPackedHybrid(reader, width, indices, reader.view.byteLength - reader.offset);
  const out = ArrayBuffer.isView(dictionary) ? new (dictionary.constructor as new (n: number) => Float64Array)(count) : new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const at = indices[i]!;
    if (at >= dictionary.length) throw new Error(`dictionary index ${at} beyond its ${dictionary.length} values`);
    out[i] = dictionary[at] as number;
  }
  return out as DecodedArray;
}

function concatLevels(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The schema path from the root down a column's single line of children to its leaf. */
function pathTo(column: SchemaTree): SchemaTree[] {
  const path: SchemaTree[] = [{ element: { name: 'root' }, children: [column], count: 1 } as SchemaTree, column];
  let node = column;
  while (node.children.length === 1) path.push((node = node.children[0]!));
  return path;
}

function concatValues(parts: DecodedArray[]): DecodedArray {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const first = parts[0];
  if (first && ArrayBuffer.isView(first) && parts.every((p) => p.constructor === first.constructor)) {
    const out = new (first.constructor as new (n: number) => Int32Array)(total);
    let at = 0;
    for (const p of parts) {
      out.set(p as Int32Array, at);
      at += p.length;
    }
    return out;
  }
  const out: unknown[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]);
  return out;
}

/** A plain column's row-group values as numbers, a null refused with its row. */
function flatOf(column: DecodedColumn, name: string, rows: number, rowStart: number, file: string): ArrayLike<number> {
  checkNoNulls(column, rows, rowStart, file);
  const { values } = column;
  if (values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array) return values;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const value: unknown = values[i];
    if (typeof value === 'number') out[i] = value;
    else if (typeof value === 'bigint') out[i] = Number(value);
    else throw new ImportError(`"${name}" is ${describe(value)}, not a number`, { file, row: rowStart + i });
  }
  return out;
}

function checkNoNulls(column: DecodedColumn, rows: number, rowStart: number, file: string): void {
  const { definitionLevels, maxDefinitionLevel, values, name } = column;
  for (let i = 0; i < definitionLevels.length; i++) {
    if (definitionLevels[i] !== maxDefinitionLevel) throw new ImportError(`"${name}" is null`, { file, row: rowStart + i });
  }
  if (values.length !== rows) throw new ImportError(`column "${name}" decoded to ${values.length} rows where its row group has ${rows}`, { file, row: rowStart });
}

function flatKeys(column: DecodedColumn, rows: number, rowStart: number, file: string): ArrayLike<string | number> {
  checkNoNulls(column, rows, rowStart, file);
  const { values } = column;
  if (values instanceof Int32Array || values instanceof Uint32Array) return values;
  return readKeys([{ columnName: KEY_COLUMN, columnData: values, rowStart: 0, rowEnd: rows }], rows, file, rowStart);
}

/**
 * A list column's values for `rows` rows of exactly k values each. The usual file (no nulls, k
 * a row) passes one pass over its levels; otherwise the first bad row is found and named.
 */
function listOf(column: DecodedColumn, name: string, k: number, rows: number, rowStart: number, file: string): ArrayLike<number> {
  const { values, definitionLevels: def, repetitionLevels: rep, maxDefinitionLevel: maxDef } = column;
  let regular = rep.length === rows * k && values.length === rows * k && (def.length === 0 || def.length === rep.length);
  for (let i = 0; regular && i < rep.length; i++) regular = rep[i] === (i % k === 0 ? 0 : 1) && (def.length === 0 || def[i] === maxDef);
  if (!regular) {
    // Row r starts at each repetition level 0; a definition level below the maximum is a null (list or element).
    let row = -1;
    let count = 0;
    let nulls = 0;
    const check = () => {
      if (row < 0) return;
      if (nulls > 0) throw new ImportError(`"${name}" is null or holds a null; each row needs ${k} values (topK in run.json)`, { file, row: rowStart + row });
      if (count !== k) throw new ImportError(`"${name}" holds ${count} values where run.json says topK ${k}`, { file, row: rowStart + row });
    };
    for (let i = 0; i < rep.length; i++) {
      if (rep[i] === 0) {
        check();
        row++;
        count = 0;
        nulls = 0;
      }
      if (def.length && def[i]! < maxDef) nulls++;
      else count++;
    }
    check();
    throw new ImportError(`column "${name}" decoded to ${row + 1} rows where its row group has ${rows}`, { file, row: rowStart });
  }
  if (values instanceof Int32Array || values instanceof Float32Array || values instanceof Float64Array) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value === 'number') out[i] = value;
    else if (typeof value === 'bigint') out[i] = Number(value);
    else throw new ImportError(`"${name}"[${i % k}] is ${describe(value)}, not a number`, { file, row: rowStart + Math.floor(i / k) });
  }
  return out;
}
