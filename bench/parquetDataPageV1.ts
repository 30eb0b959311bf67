// Rewrites a Parquet file's Version-2 data pages (all hyparquet-writer writes) as Version-1 pages,
// the default of pyarrow and Spark, so tests can read the same values through both page formats.
// From the Parquet format (parquet-format's README, "Data Pages", and parquet.thrift's
// DataPageHeader / DataPageHeaderV2): a V1 page's body is one compressed block holding the
// repetition levels, then the definition levels — each RLE/bit-packed after its byte length as a
// 4-byte little-endian integer, present only where the column's maximum level is above 0 — then
// the values; V2 puts the levels uncompressed in front, without lengths (they are in its header),
// and compresses only the values. Dictionary pages and the values' encoding are the same in both.
import fs from 'node:fs';
import { parquetMetadata, type CompressionCodec } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getSchemaPath } from 'hyparquet/src/schema.js';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';

const MAGIC = new TextEncoder().encode('PAR1');

// hyparquet-writer types its arguments with its own copy of hyparquet's types (an older version)
type WriterPageHeader = Parameters<typeof writePageHeader>[1];
type WriterMetadata = Parameters<typeof writeMetadata>[1];

function compress(codec: CompressionCodec, bytes: Uint8Array): Uint8Array {
  if (codec === 'UNCOMPRESSED') return bytes;
  if (codec === 'SNAPPY') return snappyCompress(bytes);
  throw new Error(`rewriting ${codec} pages is not supported here`);
}

/** Rewrites `file` (in place unless `out` is given) with every data page as Version 1; answers how many pages it rewrote. */
export function rewriteAsDataPageV1(file: string, out = file): number {
  const source = fs.readFileSync(file);
  const buffer = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  const writer = new ByteWriter();
  writer.appendBytes(MAGIC);
  let rewritten = 0;
  for (const group of metadata.row_groups) {
    const groupStart = writer.offset;
    let groupBytes = 0;
    for (const chunk of group.columns) {
      const meta = chunk.meta_data!;
      const schemaPath = getSchemaPath(metadata.schema, meta.path_in_schema);
      const maxRepetition = getMaxRepetitionLevel(schemaPath);
      const maxDefinition = getMaxDefinitionLevel(schemaPath);
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
      const reader = { view: new DataView(buffer, start, Number(meta.total_compressed_size)), offset: 0 };
      const chunkStart = writer.offset;
      let uncompressed = 0;
      let dictionaryOffset: bigint | undefined;
      let dataOffset: bigint | undefined;
      while (reader.offset < reader.view.byteLength) {
        const headerStart = reader.offset;
        const header = parquetHeader(reader);
        const body = new Uint8Array(buffer, start + reader.offset, header.compressed_page_size);
        reader.offset += header.compressed_page_size;
        const v2 = header.data_page_header_v2;
        if (header.type !== 'DATA_PAGE_V2' || !v2) {
          // a dictionary page (or a page already V1) is the same in both versions
          if (header.type === 'DICTIONARY_PAGE') dictionaryOffset ??= BigInt(writer.offset);
          else dataOffset ??= BigInt(writer.offset);
          writer.appendBytes(new Uint8Array(buffer, start + headerStart, reader.offset - headerStart));
          uncompressed += reader.offset - headerStart - header.compressed_page_size + header.uncompressed_page_size;
          continue;
        }
        const repetitionBytes = v2.repetition_levels_byte_length;
        const levelBytes = repetitionBytes + v2.definition_levels_byte_length;
        const values = body.subarray(levelBytes);
        const valuesSize = header.uncompressed_page_size - levelBytes;
        const plainValues = v2.is_compressed !== false && valuesSize > 0 ? decompressPage(values, valuesSize, meta.codec, compressors) : values;
        const page = new ByteWriter();
        if (maxRepetition > 0) {
          page.appendUint32(repetitionBytes);
          page.appendBytes(body.subarray(0, repetitionBytes));
        }
        if (maxDefinition > 0) {
          page.appendUint32(v2.definition_levels_byte_length);
          page.appendBytes(body.subarray(repetitionBytes, levelBytes));
        }
        page.appendBytes(plainValues);
        const plain = page.getBytes();
        const packed = compress(meta.codec, plain);
        dataOffset ??= BigInt(writer.offset);
        const pageStart = writer.offset;
        writePageHeader(writer, {
          type: 'DATA_PAGE',
          uncompressed_page_size: plain.length,
          compressed_page_size: packed.length,
          data_page_header: { num_values: v2.num_values, encoding: v2.encoding as NonNullable<WriterPageHeader['data_page_header']>['encoding'], definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
        });
        uncompressed += writer.offset - pageStart + plain.length;
        writer.appendBytes(packed);
        rewritten++;
      }
      meta.data_page_offset = dataOffset ?? BigInt(chunkStart);
      meta.dictionary_page_offset = dictionaryOffset;
      meta.total_compressed_size = BigInt(writer.offset - chunkStart);
      meta.total_uncompressed_size = BigInt(uncompressed);
      meta.encoding_stats = meta.encoding_stats?.map((s) => (s.page_type === 'DATA_PAGE_V2' ? { ...s, page_type: 'DATA_PAGE' } : s));
      meta.bloom_filter_offset = undefined;
      meta.bloom_filter_length = undefined;
      chunk.file_offset = BigInt(chunkStart);
      // the page indexes pointed into the old layout
      chunk.offset_index_offset = undefined;
      chunk.offset_index_length = undefined;
      chunk.column_index_offset = undefined;
      chunk.column_index_length = undefined;
      groupBytes += uncompressed;
    }
    group.file_offset = BigInt(groupStart);
    group.total_compressed_size = BigInt(writer.offset - groupStart);
    group.total_byte_size = BigInt(groupBytes);
  }
  writeMetadata(writer, metadata as unknown as WriterMetadata);
  writer.appendBytes(MAGIC);
  fs.writeFileSync(out, writer.getBytes());
  return rewritten;
}
