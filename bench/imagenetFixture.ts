// Top-k predictions as Parquet, the way a Spark, Ray or DDP job writes them (docs/ingest.md, "Many
// classes"; docs/scale.md): columns example, top_classes (list<int32>), top_probs (list<float>),
// label_prob (float), one file per worker. Used by the ImageNet-scale bench and the ingest tests.
// Row groups are written from flat arrays (levels computed here, not per row), so 53 million
// rows are minutes, not the hour hyparquet-writer's row-by-row encoding takes.
import { ParquetWriter } from 'hyparquet-writer';
import { writeColumn } from 'hyparquet-writer/src/column.js';
import { fileWriter } from 'hyparquet-writer/src/node.js';
import type { ColumnEncoder, PageData } from 'hyparquet-writer/src/types.js';

/** hyparquet-writer's own copy of hyparquet's schema type */
type SchemaElement = ParquetWriter['schema'][number];

/** Rows of a top-k file: row r's k classes and probabilities at r·k … r·k + k − 1. */
export interface TopKRowsToWrite {
  k: number;
  /** the example key of each row (ids or indices; strings such as "test:41") */
  keys: Int32Array | string[];
  classes: Int32Array;
  probs: Float32Array;
  labelProbs: Float32Array;
}

/** The three-level LIST layout pyarrow, Spark and polars write (nullable list, nullable elements). */
function listColumn(name: string, type: 'INT32' | 'FLOAT'): SchemaElement[] {
  return [
    { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', type },
  ];
}

/** Rows `from … to` of `rows` as one Parquet file (Snappy, row groups of `rowGroupSize`). */
export function writeTopKParquet(file: string, rows: TopKRowsToWrite, from = 0, to = rows.keys.length, rowGroupSize = 100_000): void {
  const { k } = rows;
  const stringKeys = Array.isArray(rows.keys);
  const key: SchemaElement = stringKeys ? { name: 'example', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' } : { name: 'example', type: 'INT32', repetition_type: 'REQUIRED' };
  const classes = listColumn('top_classes', 'INT32');
  const probs = listColumn('top_probs', 'FLOAT');
  const labelProb: SchemaElement = { name: 'label_prob', type: 'FLOAT', repetition_type: 'REQUIRED' };
  const schema: SchemaElement[] = [{ name: 'schema', num_children: 4 }, key, ...classes, ...probs, labelProb];
  const writer = new ParquetWriter({ writer: fileWriter(file), schema, statistics: false });
  const encoder = (path: SchemaElement[]): ColumnEncoder => ({
    columnName: path.map((e) => e.name).join('.'),
    element: path[path.length - 1]!,
    schemaPath: [schema[0]!, ...path],
    codec: 'SNAPPY',
    compressors: writer.compressors,
    stats: false,
    pageSize: 1 << 20,
    columnIndex: false,
    offsetIndex: true,
  });
  for (let start = from; start < to; start += rowGroupSize) {
    const end = Math.min(to, start + rowGroupSize);
    const n = end - start;
    const flat = (values: PageData['values']): PageData => ({ values, definitionLevels: [], repetitionLevels: [], maxDefinitionLevel: 0 });
    // A list of k present values: repetition 0 then 1 (k − 1 times), every definition level at its maximum (3).
    const repetitionLevels = Array.from({ length: n * k }, (_, i) => (i % k === 0 ? 0 : 1));
    const definitionLevels = new Array<number>(n * k).fill(3);
    const list = (values: Int32Array | Float32Array): PageData => ({ values: values.subarray(start * k, end * k), definitionLevels, repetitionLevels, maxDefinitionLevel: 3 });
    const columns = [
      writeColumn({ writer: writer.writer, column: encoder([key]), pageData: flat(stringKeys ? rows.keys.slice(start, end) : (rows.keys as Int32Array).subarray(start, end)) }),
      writeColumn({ writer: writer.writer, column: encoder(classes), pageData: list(rows.classes) }),
      writeColumn({ writer: writer.writer, column: encoder(probs), pageData: list(rows.probs) }),
      writeColumn({ writer: writer.writer, column: encoder([labelProb]), pageData: flat(rows.labelProbs.subarray(start, end)) }),
    ];
    const bytes = columns.reduce((a, c) => a + (c.chunk.meta_data?.total_compressed_size ?? 0n), 0n);
    writer.row_groups.push({ columns: columns.map((c) => c.chunk), total_byte_size: bytes, num_rows: BigInt(n), total_compressed_size: bytes });
    writer.pendingIndexes.push(...columns);
    writer.num_rows += BigInt(n);
  }
  void writer.finish();
}
