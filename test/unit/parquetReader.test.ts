// The Parquet predictions reader behind `disobey ingest` (docs/ingest.md): the list and wide
// layouts round trip keys and values exactly, and every file it cannot take is refused with
// the file and, where one is to blame, the 0-based row.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readParquetPredictions, readParquetTopK } from '../../main/data/parquetReader.js';
import { ImportError } from '../../shared/errors.js';
import { makeTempDir } from '../helpers/tempDir.js';

type WriteOptions = Omit<Parameters<typeof parquetWriteFile>[0], 'filename'>;
type Column = WriteOptions['columnData'][number];
type Schema = NonNullable<WriteOptions['schema']>;

let dir: string;
let dispose: () => void;
beforeEach(() => ({ dir, dispose } = makeTempDir('disobey-parquet-')));
afterEach(() => dispose());

function write(name: string, options: WriteOptions): string {
  const file = path.join(dir, name);
  parquetWriteFile({ filename: file, ...options });
  return file;
}

/** The three-level LIST layout pyarrow, pandas and polars write for a list<float> column. */
function listSchema(keyType: 'INT32' | 'INT64' | 'STRING', column: string, valueType: 'FLOAT' | 'DOUBLE' | 'STRING'): Schema {
  const key = keyType === 'STRING' ? { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const } : { type: keyType };
  const value = valueType === 'STRING' ? { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const } : { type: valueType };
  return [
    { name: 'root', num_children: 2 },
    { name: 'example', repetition_type: 'OPTIONAL', ...key },
    { name: column, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', ...value },
  ];
}

function listFile(name: string, keys: Column['data'], rows: unknown[], options: Partial<WriteOptions> & { column?: string; keyType?: 'INT32' | 'INT64' | 'STRING'; valueType?: 'FLOAT' | 'DOUBLE' | 'STRING' } = {}): string {
  const { column = 'probs', keyType = 'INT32', valueType = 'FLOAT', ...rest } = options;
  return write(name, {
    columnData: [
      { name: 'example', data: keys },
      { name: column, data: rows },
    ],
    schema: listSchema(keyType, column, valueType),
    ...rest,
  });
}

function metadataOf(file: string) {
  const bytes = fs.readFileSync(file);
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/** Rounds like a float32 column stores its values. */
const f32 = (values: number[]) => Array.from(new Float32Array(values));

async function refusal(file: string): Promise<ImportError> {
  const err: unknown = await readParquetPredictions(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportError);
  return err as ImportError;
}

describe('readParquetPredictions: what it reads', () => {
  it('reads a snappy list column of float32 probs with int32 keys, in order across row groups', async () => {
    const probs = [
      [0.1, 0.2, 0.7],
      [0.5, 0.25, 0.25],
      [1, 0, 0],
      [0.3, 0.3, 0.4],
      [0.05, 0.9, 0.05],
    ];
    const file = listFile('probs.parquet', [4, 3, 2, 1, 0], probs, { rowGroupSize: 2 });
    const metadata = metadataOf(file);
    expect(metadata.row_groups).toHaveLength(3);
    expect(metadata.row_groups[0]!.columns[1]!.meta_data!.codec).toBe('SNAPPY');

    const result = await readParquetPredictions(file);
    expect(result.kind).toBe('probs');
    expect(result.keys).toEqual([4, 3, 2, 1, 0]);
    expect(result.values.shape).toEqual([5, 3]);
    expect(result.values.data).toBeInstanceOf(Float32Array);
    expect(Array.from(result.values.data)).toEqual(f32(probs.flat()));
  });

  it('reads a list column of double logits with string keys exactly, as Float64Array', async () => {
    const logits = [
      [-1.234567890123, 2.5, 0.1],
      [3.3333333333333, -0.0001, 1e-12],
    ];
    const file = listFile('logits.parquet', ['train:0', 'test:41'], logits, { column: 'logits', keyType: 'STRING', valueType: 'DOUBLE', codec: 'UNCOMPRESSED' });
    const result = await readParquetPredictions(file);
    expect(result.kind).toBe('logits');
    expect(result.keys).toEqual(['train:0', 'test:41']);
    expect(result.values.data).toBeInstanceOf(Float64Array);
    expect(Array.from(result.values.data)).toEqual(logits.flat());
  });

  it('reads wide columns p_0 … p_{C-1} in class order whatever their column order, with int64 keys as numbers', async () => {
    const file = write('wide.parquet', {
      columnData: [
        { name: 'p_2', data: new Float32Array([0.7, 0.25, 0]) },
        { name: 'example', data: new BigInt64Array([9007199254740991n, 0n, 12345678901n]) },
        { name: 'p_0', data: new Float32Array([0.1, 0.5, 1]) },
        { name: 'label', data: ['cat', 'dog', 'cat'] }, // another column: ignored
        { name: 'p_1', data: [0.2, 0.25, 0], type: 'FLOAT', nullable: true }, // nullable, as pyarrow writes it
      ],
    });
    const result = await readParquetPredictions(file);
    expect(result.kind).toBe('probs');
    expect(result.keys).toEqual([Number.MAX_SAFE_INTEGER, 0, 12345678901]);
    expect(result.values.shape).toEqual([3, 3]);
    expect(result.values.data).toBeInstanceOf(Float32Array);
    expect(Array.from(result.values.data)).toEqual(f32([0.1, 0.2, 0.7, 0.5, 0.25, 0.25, 1, 0, 0]));
  });

  it('reads wide logit_ columns, widening to Float64Array when one is double', async () => {
    const file = write('wide-logits.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([7, 8]) },
        { name: 'logit_0', data: new Float32Array([1.5, -2]) },
        { name: 'logit_1', data: new Float64Array([0.123456789012, 3]) },
      ],
    });
    const result = await readParquetPredictions(file);
    expect(result.kind).toBe('logits');
    expect(result.keys).toEqual([7, 8]);
    expect(result.values.data).toBeInstanceOf(Float64Array);
    expect(Array.from(result.values.data)).toEqual([1.5, 0.123456789012, -2, 3]);
  });

  it('reads float16 wide columns into a Float32Array', async () => {
    const file = write('half.parquet', {
      columnData: [
        { name: 'example', data: ['a', 'b'] },
        { name: 'p_0', data: [0.25, 1], type: 'FLOAT16' },
        { name: 'p_1', data: [0.75, 0], type: 'FLOAT16' },
      ],
    });
    const result = await readParquetPredictions(file);
    expect(result.values.data).toBeInstanceOf(Float32Array);
    expect(Array.from(result.values.data)).toEqual([0.25, 0.75, 1, 0]);
  });

  it('reads gzip-compressed files (codecs beyond snappy come from hyparquet-compressors)', async () => {
    const file = listFile('gzip.parquet', [0, 1], [[0.25, 0.75], [0.5, 0.5]], {
      codec: 'GZIP',
      compressors: { GZIP: (input: Uint8Array) => new Uint8Array(zlib.gzipSync(input)) },
    });
    expect(metadataOf(file).row_groups[0]!.columns[0]!.meta_data!.codec).toBe('GZIP');
    const result = await readParquetPredictions(file);
    expect(Array.from(result.values.data)).toEqual([0.25, 0.75, 0.5, 0.5]);
  });
});

describe('readParquetPredictions: what it refuses', () => {
  it('refuses a file that is not Parquet, or whose footer is corrupt', async () => {
    const text = path.join(dir, 'text.parquet');
    fs.writeFileSync(text, 'example,probs\n1,"[0.5, 0.5]"\n');
    expect((await refusal(text)).message).toBe(`${text}: not a Parquet file (no PAR1 marker at its start and end; truncated or another format?)`);

    const good = fs.readFileSync(listFile('good.parquet', [0], [[1, 0]]));
    const corrupt = path.join(dir, 'corrupt.parquet');
    const bytes = Buffer.from(good);
    bytes.writeUInt32LE(bytes.length * 4, bytes.length - 8); // footer length past the file's start
    fs.writeFileSync(corrupt, bytes);
    const err = await refusal(corrupt);
    expect(err.message).toMatch(/corrupt\.parquet: not a readable Parquet file: /);
    expect(err.place).toEqual({ file: corrupt });

    const truncated = path.join(dir, 'truncated.parquet');
    fs.writeFileSync(truncated, good.subarray(0, good.length - 10));
    expect((await refusal(truncated)).message).toMatch(/not a Parquet file/);
  });

  it('refuses a file without an "example" column, or with one that is not int or string', async () => {
    const noKey = write('nokey.parquet', { columnData: [{ name: 'p_0', data: new Float32Array([1]) }] });
    expect((await refusal(noKey)).message).toBe(`${noKey}: a Parquet predictions file needs a column "example"; it holds p_0`);
    const doubleKey = write('doublekey.parquet', {
      columnData: [
        { name: 'example', data: new Float64Array([1.5]) },
        { name: 'p_0', data: new Float32Array([1]) },
      ],
    });
    expect((await refusal(doubleKey)).message).toMatch(/"example" must be a plain int32, int64 or string column, not DOUBLE/);
  });

  it('refuses both probs and logits, and neither', async () => {
    const both = write('both.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([0]) },
        { name: 'p_0', data: new Float32Array([1]) },
        { name: 'logit_0', data: new Float32Array([0]) },
      ],
    });
    expect((await refusal(both)).message).toMatch(/both\.parquet: holds both p_0 … and logit_0 …; keep exactly one of probs or logits/);
    const listAndWide = write('list-and-wide.parquet', {
      columnData: [
        { name: 'example', data: [0] },
        { name: 'probs', data: [[1]] },
        { name: 'p_0', data: new Float32Array([1]) },
      ],
      schema: [...listSchema('INT32', 'probs', 'FLOAT').map((e) => (e.name === 'root' ? { ...e, num_children: 3 } : e)), { name: 'p_0', type: 'FLOAT', repetition_type: 'REQUIRED' }],
    });
    expect((await refusal(listAndWide)).message).toMatch(/holds both "probs" and p_0 …/);
    const neither = write('neither.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([0]) },
        { name: 'score', data: new Float32Array([1]) },
      ],
    });
    expect((await refusal(neither)).message).toBe(`${neither}: needs a list column "probs" or "logits", or columns p_0 … p_{C-1} or logit_0 … logit_{C-1}; it holds example, score`);
  });

  it('refuses ragged list rows, naming the first row that differs from row 0', async () => {
    const file = listFile('ragged.parquet', [0, 1, 2], [[0.5, 0.5], [0.5, 0.5], [1]]);
    const err = await refusal(file);
    expect(err.message).toBe(`${file}, row 2: "probs" holds 1 values where row 0 holds 2; every row needs the same number of classes`);
    expect(err.place).toEqual({ file, row: 2 });
  });

  it('refuses nulls: a key, a whole list, a list element, a wide value', async () => {
    const nullKey = listFile('null-key.parquet', [0, null], [[1], [1]]);
    expect(await refusal(nullKey)).toMatchObject({ message: `${nullKey}, row 1: "example" must be an integer or a string, not null`, place: { file: nullKey, row: 1 } });
    const nullList = listFile('null-list.parquet', [0, 1], [[1, 0], null]);
    expect(await refusal(nullList)).toMatchObject({ message: `${nullList}, row 1: "probs" is null, not a list of numbers`, place: { row: 1 } });
    const nullElement = listFile('null-element.parquet', [0, 1, 2], [[1, 0], [0, 1], [0.5, null]]);
    expect(await refusal(nullElement)).toMatchObject({ message: `${nullElement}, row 2: "probs"[1] is null, not a number`, place: { row: 2 } });
    const nullWide = write('null-wide.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([0, 1, 2, 3]) },
        { name: 'p_0', data: new Float32Array([1, 1, 1, 0]) },
        { name: 'p_1', data: [0, 0, 0, null], type: 'FLOAT' },
      ],
    });
    expect(await refusal(nullWide)).toMatchObject({ message: `${nullWide}, row 3: p_1 is null, not a number`, place: { row: 3 } });
  });

  it('refuses non-numeric values and a flat probs column', async () => {
    const strings = listFile('strings.parquet', [0], [['0.5', '0.5']], { valueType: 'STRING' });
    expect((await refusal(strings)).message).toBe(`${strings}: "probs" must hold float or double values, not BYTE_ARRAY (UTF8)`);
    const wideString = write('wide-string.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([0]) },
        { name: 'p_0', data: new Float32Array([1]) },
        { name: 'p_1', data: ['0'], type: 'STRING' },
      ],
    });
    expect((await refusal(wideString)).message).toMatch(/p_1 must hold float or double values, not BYTE_ARRAY/);
    const wideInt = write('wide-int.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([0]) },
        { name: 'logit_0', data: new Int32Array([3]) },
      ],
    });
    expect((await refusal(wideInt)).message).toMatch(/logit_0 must hold float or double values, not INT32/);
    const flat = write('flat.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([0]) },
        { name: 'probs', data: new Float64Array([1]) },
      ],
    });
    expect((await refusal(flat)).message).toMatch(/"probs" must be a list column \(list<float> or list<double>, one list per row\); for one column per class name them p_0 …/);
  });

  it('refuses a gap in the wide columns', async () => {
    const file = write('gap.parquet', {
      columnData: [
        { name: 'example', data: new Int32Array([0]) },
        { name: 'p_0', data: new Float32Array([0.5]) },
        { name: 'p_1', data: new Float32Array([0.5]) },
        { name: 'p_3', data: new Float32Array([0]) },
      ],
    });
    expect((await refusal(file)).message).toBe(`${file}: columns p_0 … p_3 must be contiguous, but p_2 is missing`);
  });

  it('refuses an int64 key beyond Number.MAX_SAFE_INTEGER, naming its row', async () => {
    const file = listFile('big-key.parquet', [0n, 9007199254740992n], [[1], [1]], { keyType: 'INT64' });
    const err = await refusal(file);
    expect(err.message).toBe(`${file}, row 1: "example" 9007199254740992 is beyond ±9007199254740991, the largest integer a key can be read as exactly`);
    expect(err.place).toEqual({ file, row: 1 });
  });
});

describe('readParquetTopK', () => {
  /** A top-k file as pyarrow writes it (three-level lists, dictionary pages where they pay), via hyparquet-writer's row path. */
  function topKFile(name: string, keys: Column['data'], classes: unknown[], probs: unknown[], labelProbs: Column['data'], options: { keyType?: 'INT32' | 'INT64' | 'STRING'; classType?: 'INT32' | 'INT64' | 'FLOAT'; rowGroupSize?: number } = {}): string {
    const { keyType = 'INT32', classType = 'INT32', rowGroupSize } = options;
    // The key element of the dense layout's schema: the same key column.
    const key = listSchema(keyType, 'probs', 'FLOAT').slice(1, 2);
    const list = (column: string, type: 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE') => [
      { name: column, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL' as const, type },
    ];
    return write(name, {
      columnData: [
        { name: 'example', data: keys },
        { name: 'top_classes', data: classes },
        { name: 'top_probs', data: probs },
        { name: 'label_prob', data: labelProbs },
      ],
      schema: [{ name: 'root', num_children: 4 }, ...key, ...list('top_classes', classType), ...list('top_probs', 'FLOAT'), { name: 'label_prob', type: 'DOUBLE', repetition_type: 'REQUIRED' }],
      ...(rowGroupSize ? { rowGroupSize } : {}),
    });
  }

  async function readAll(file: string, k: number) {
    const batches: { rowStart: number; keys: (string | number)[]; classes: number[]; probs: number[]; labelProbs: number[] }[] = [];
    await readParquetTopK(file, k, (b) => batches.push({ rowStart: b.rowStart, keys: Array.from(b.keys), classes: Array.from(b.classes), probs: Array.from(b.probs), labelProbs: Array.from(b.labelProbs) }));
    return batches;
  }

  it('hands back each row group flat, in row order: keys, k classes and probabilities a row, p(label)', async () => {
    const n = 7;
    const classes = Array.from({ length: n }, (_, i) => [i % 3, (i + 1) % 3]);
    const probs = Array.from({ length: n }, (_, i) => f32([0.5 + i / 100, 0.25]));
    const file = topKFile('top.parquet', Array.from({ length: n }, (_, i) => `train:${i}`), classes, probs, Float64Array.from({ length: n }, (_, i) => i / 1000), { keyType: 'STRING', rowGroupSize: 3 });
    const batches = await readAll(file, 2);
    expect(batches.map((b) => b.rowStart)).toEqual([0, 3, 6]);
    expect(batches.flatMap((b) => b.keys)).toEqual(Array.from({ length: n }, (_, i) => `train:${i}`));
    expect(batches.flatMap((b) => b.classes)).toEqual(classes.flat());
    expect(batches.flatMap((b) => b.probs)).toEqual(probs.flat());
    expect(batches.flatMap((b) => b.labelProbs)).toEqual(Array.from({ length: n }, (_, i) => i / 1000));
  });

  it('reads int64 classes and keys as numbers, and an empty file as no batch', async () => {
    const file = topKFile('int64.parquet', [5n, 6n], [[3n, 1n], [0n, 2n]], [[0.5, 0.2], [0.6, 0.1]], new Float64Array([0.1, 0.05]), { keyType: 'INT64', classType: 'INT64' });
    const [batch] = await readAll(file, 2);
    expect(batch!.keys).toEqual([5, 6]);
    expect(batch!.classes).toEqual([3, 1, 0, 2]);
    expect(await readAll(topKFile('empty.parquet', new Int32Array(0), [], [], new Float64Array(0)), 2)).toEqual([]);
  });

  it('names the file, the 0-based row and the column of a list that is null or of another length than k', async () => {
    const file = topKFile('short.parquet', new Int32Array([0, 1, 2, 3]), [[0, 1], [1, 2], [2], [0, 1]], [[0.5, 0.2], [0.5, 0.2], [0.5], [0.5, 0.2]], new Float64Array(4), { rowGroupSize: 2 });
    const err = await readAll(file, 2).catch((e: unknown) => e as ImportError);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toBe(`${file}, row 2: "top_classes" holds 1 values where run.json says topK 2`);
    const nulls = topKFile('null.parquet', new Int32Array([0, 1]), [[0, 1], [1, 2]], [[0.5, 0.2], [0.5, null]], new Float64Array(2));
    expect(((await readAll(nulls, 2).catch((e: unknown) => e)) as Error).message).toBe(`${nulls}, row 1: "top_probs" is null or holds a null; each row needs 2 values (topK in run.json)`);
  });

  it('numbers a bad key by its row in the file, not in its row group', async () => {
    const file = topKFile('big-key-top.parquet', [1n, 2n, 9007199254740992n], [[0, 1], [1, 2], [2, 0]], [[0.5, 0.2], [0.5, 0.2], [0.5, 0.2]], new Float64Array(3), { keyType: 'INT64', rowGroupSize: 2 });
    expect(((await readAll(file, 2).catch((e: unknown) => e)) as Error).message).toBe(`${file}, row 2: "example" 9007199254740992 is beyond ±9007199254740991, the largest integer a key can be read as exactly`);
  });

  it('refuses a file whose columns are not the top-k layout', async () => {
    const dense = listFile('dense.parquet', new Int32Array([0]), [[1]]);
    expect(((await readAll(dense, 2).catch((e: unknown) => e)) as Error).message).toBe(`${dense}: a Parquet file of a top-k run needs columns "example", "top_classes", "top_probs" and "label_prob" ("top_classes" missing); it holds example, probs`);
    const floats = topKFile('float-classes.parquet', new Int32Array([0]), [[0.5, 1.5]], [[0.5, 0.2]], new Float64Array(1), { classType: 'FLOAT' });
    expect(((await readAll(floats, 2).catch((e: unknown) => e)) as Error).message).toBe(`${floats}: "top_classes" must hold int32 or int64 values, not FLOAT`);
  });
});
