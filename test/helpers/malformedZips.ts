// Seeded malformed ZIP archives for fuzzing the reader (issue 15, item 12b): valid archives from
// the exporter's own writer, re-laid out with ZIP64 records, then broken the ways real damage and
// hostile archives break them: truncations, bit flips in the central directory and local headers,
// duplicated and overlapping entries, ZIP64 fields that lie, sizes and CRCs that lie, offsets past
// the end, comment lengths that lie, huge declared counts, zero-length files.
import zlib from 'node:zlib';
import { createZipWriter, type ZipWriter } from '../../main/export/zipWriter.js';
import { createRandom, type SeededRandom } from '../../shared/seededRandom.js';

const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/** An archive built in memory by the exporter's ZIP writer. */
export async function zipInMemory(fill: (zip: ZipWriter) => Promise<void>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let position = 0;
  const zip = createZipWriter(
    {
      get position() {
        return position;
      },
      async write(chunk) {
        chunks.push(Buffer.from(chunk));
        position += chunk.byteLength;
      },
    },
    new Date(2024, 0, 2, 3, 4, 6),
  );
  await fill(zip);
  await zip.finish();
  return Buffer.concat(chunks);
}

/** One central directory record, split into its parts so records can be copied and edited. */
interface CentralRecord {
  header: Buffer;
  name: Buffer;
  extra: Buffer;
  comment: Buffer;
}

/** A well-formed archive taken apart: the local data region and the central records. */
export interface ZipParts {
  data: Buffer;
  records: CentralRecord[];
}

export function takeApart(zip: Buffer): ZipParts {
  const end = zip.length - 22;
  if (zip.readUInt32LE(end) !== END_OF_CENTRAL) throw new Error('takeApart expects an archive without a comment');
  let count = zip.readUInt16LE(end + 10);
  let centralOffset = zip.readUInt32LE(end + 16);
  if (count === U16_MAX || centralOffset === U32_MAX) {
    const end64 = Number(zip.readBigUInt64LE(end - 20 + 8));
    count = Number(zip.readBigUInt64LE(end64 + 32));
    centralOffset = Number(zip.readBigUInt64LE(end64 + 48));
  }
  const records: CentralRecord[] = [];
  for (let at = centralOffset, i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_HEADER) throw new Error('takeApart: bad central record');
    const [n, e, c] = [zip.readUInt16LE(at + 28), zip.readUInt16LE(at + 30), zip.readUInt16LE(at + 32)];
    records.push({
      header: Buffer.from(zip.subarray(at, at + 46)),
      name: Buffer.from(zip.subarray(at + 46, at + 46 + n)),
      extra: Buffer.from(zip.subarray(at + 46 + n, at + 46 + n + e)),
      comment: Buffer.from(zip.subarray(at + 46 + n + e, at + 46 + n + e + c)),
    });
    at += 46 + n + e + c;
  }
  return { data: Buffer.from(zip.subarray(0, centralOffset)), records };
}

/** Every size and offset of a record moved into a ZIP64 extra field, as zip tools write past 4 GiB. */
function asZip64Record(record: CentralRecord): CentralRecord {
  if (record.extra.length > 0) return record; // damage already wrote its own extra field
  const header = Buffer.from(record.header);
  const extra = Buffer.alloc(28);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(24, 2);
  extra.writeBigUInt64LE(BigInt(header.readUInt32LE(24)), 4);
  extra.writeBigUInt64LE(BigInt(header.readUInt32LE(20)), 12);
  extra.writeBigUInt64LE(BigInt(header.readUInt32LE(42)), 20);
  header.writeUInt16LE(45, 6);
  header.writeUInt32LE(U32_MAX, 20);
  header.writeUInt32LE(U32_MAX, 24);
  header.writeUInt32LE(U32_MAX, 42);
  header.writeUInt16LE(extra.length, 30);
  return { ...record, header, extra };
}

/** Lays an archive out again: data, central directory, ZIP64 end records when asked, the end record. */
export function putTogether(parts: ZipParts, options: { zip64?: boolean; comment?: Buffer } = {}): Buffer {
  const records = options.zip64 ? parts.records.map(asZip64Record) : parts.records;
  const central = Buffer.concat(records.flatMap((r) => {
    const header = Buffer.from(r.header);
    header.writeUInt16LE(r.name.length, 28);
    header.writeUInt16LE(r.extra.length, 30);
    header.writeUInt16LE(r.comment.length, 32);
    return [header, r.name, r.extra, r.comment];
  }));
  const centralOffset = parts.data.length;
  const tail: Buffer[] = [];
  if (options.zip64) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(ZIP64_END, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE(45, 12);
    end64.writeUInt16LE(45, 14);
    end64.writeBigUInt64LE(BigInt(records.length), 24);
    end64.writeBigUInt64LE(BigInt(records.length), 32);
    end64.writeBigUInt64LE(BigInt(central.length), 40);
    end64.writeBigUInt64LE(BigInt(centralOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(ZIP64_LOCATOR, 0);
    locator.writeBigUInt64LE(BigInt(centralOffset + central.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(end64, locator);
  }
  const comment = options.comment ?? Buffer.alloc(0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL, 0);
  end.writeUInt16LE(options.zip64 ? U16_MAX : records.length, 8);
  end.writeUInt16LE(options.zip64 ? U16_MAX : records.length, 10);
  end.writeUInt32LE(options.zip64 ? U32_MAX : central.length, 12);
  end.writeUInt32LE(options.zip64 ? U32_MAX : centralOffset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([parts.data, central, ...tail, end, comment]);
}

/** A base archive to break, with what each entry holds. */
export interface BaseArchive {
  label: string;
  parts: ZipParts;
  zip64: boolean;
  contents: Map<string, Buffer>;
}

export interface MalformedArchive {
  bytes: Buffer;
  /** the base and the damage done, e.g. "curated64: lie-size, flip-central" */
  label: string;
}

const interesting = (r: SeededRandom, fileSize: number): number =>
  [0, 1, 2, 29, 30, 45, 46, 0x7fff, 0x8000, U16_MAX, 0x7fffffff, 0x80000000, U32_MAX - 1, U32_MAX, fileSize - 1, fileSize, fileSize + 1, r.int(U32_MAX)][r.int(18)]!;

const interesting64 = (r: SeededRandom, fileSize: number): bigint =>
  [0n, 1n, BigInt(fileSize), BigInt(fileSize + 1), 0x1_0000_0000n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(r.int(U32_MAX)) << 20n][r.int(10)]!;

type RecordMutation = (parts: ZipParts, r: SeededRandom, base: BaseArchive) => void;
type ByteMutation = (zip: Buffer, r: SeededRandom) => Buffer;

const pick = <T>(r: SeededRandom, items: readonly T[]): T => items[r.int(items.length)]!;
const copyRecord = (record: CentralRecord): CentralRecord => ({ header: Buffer.from(record.header), name: Buffer.from(record.name), extra: Buffer.from(record.extra), comment: Buffer.from(record.comment) });

/** Damage to the central records, before the archive is laid out again (its end records then agree). */
const recordMutations: Record<string, RecordMutation> = {
  'duplicate-entry': (p, r) => {
    if (p.records.length) p.records.splice(r.int(p.records.length + 1), 0, copyRecord(pick(r, p.records)));
  },
  'overlap-entries': (p, r) => {
    // A second name for an entry's bytes: the overlapping-files ZIP bomb.
    if (!p.records.length) return;
    const copy = copyRecord(pick(r, p.records));
    copy.name = Buffer.concat([copy.name, Buffer.from(`-${r.int(1000)}`)]);
    p.records.push(copy);
  },
  'offset-into-other-entry': (p, r) => {
    if (p.records.length < 2) return;
    const [a, b] = [pick(r, p.records), pick(r, p.records)];
    a.header.writeUInt32LE((b.header.readUInt32LE(42) + r.int(40)) >>> 0, 42);
  },
  'drop-entry': (p, r) => {
    if (p.records.length) p.records.splice(r.int(p.records.length), 1);
  },
  'reorder-entries': (p, r) => {
    r.shuffle(p.records);
  },
  'lie-size': (p, r) => {
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    const field = pick(r, [20, 24]);
    const was = rec.header.readUInt32LE(field);
    rec.header.writeUInt32LE(pick(r, [was + 1, Math.max(0, was - 1), was * 2, 0, 1 << 30, (1 << 30) + 1, U32_MAX - 1, r.int(U32_MAX)]) >>> 0, field);
  },
  'lie-crc': (p, r) => {
    if (p.records.length) pick(r, p.records).header.writeUInt32LE(r.int(U32_MAX), 16);
  },
  'offset-past-end': (p, r) => {
    if (p.records.length) pick(r, p.records).header.writeUInt32LE((p.data.length + r.int(1 << 20)) >>> 0, 42);
  },
  'set-central-field': (p, r) => {
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    const [offset, width] = pick(r, [[8, 2], [10, 2], [16, 4], [20, 4], [24, 4], [34, 2], [42, 4]] as const);
    const value = interesting(r, p.data.length);
    if (width === 2) rec.header.writeUInt16LE(value & U16_MAX, offset);
    else rec.header.writeUInt32LE(value >>> 0, offset);
  },
  'method-or-flags': (p, r) => {
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    if (r.next() < 0.5) rec.header.writeUInt16LE(pick(r, [0, 8, 9, 12, 14, 99, U16_MAX]), 10);
    else rec.header.writeUInt16LE(rec.header.readUInt16LE(8) ^ pick(r, [0x0001, 0x0008, 0x0040, 0x0800, 0x2000]), 8);
  },
  'zip64-extra-lies': (p, r) => {
    // A ZIP64 extra field whose values lie, are cut short, or stand where the header does not ask for them.
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    const extra = Buffer.alloc(4 + 8 * (1 + r.int(3)));
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(pick(r, [extra.length - 4, extra.length - 4 - 8, extra.length + 4, 0, U16_MAX]), 2);
    for (let at = 4; at + 8 <= extra.length; at += 8) extra.writeBigUInt64LE(interesting64(r, p.data.length), at);
    rec.extra = r.next() < 0.5 ? extra : Buffer.concat([rec.extra, extra]);
    for (const field of [20, 24, 42]) if (r.next() < 0.5) rec.header.writeUInt32LE(U32_MAX, field);
  },
  'zip64-extra-truncated': (p, r) => {
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    rec.extra = rec.extra.subarray(0, r.int(rec.extra.length + 1));
    for (const field of [20, 24, 42]) if (r.next() < 0.7) rec.header.writeUInt32LE(U32_MAX, field);
  },
  'rename-entry': (p, r) => {
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    rec.name = pick(r, [Buffer.alloc(0), Buffer.from('manifest.csv'), Buffer.from([0xff, 0xfe, 0x2f]), Buffer.from('../../etc/passwd'), Buffer.alloc(300, 0x41), Buffer.from('a\0b.npy')]);
  },
  'name-length-lies': (p, r) => {
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    // The declared length no longer matches the bytes: the next record is read from the wrong place.
    rec.name = r.next() < 0.5 ? rec.name.subarray(0, Math.max(0, rec.name.length - 1 - r.int(3))) : Buffer.concat([rec.name, Buffer.from([r.int(256)])]);
    rec.header.writeUInt16LE(rec.name.length + pick(r, [1, -1, 40, 1000]), 28);
  },
  'many-entries': (p, r) => {
    // Thousands of records for one entry's bytes.
    if (!p.records.length) return;
    const rec = pick(r, p.records);
    for (let i = 0; i < 200 + r.int(2000); i++) {
      const copy = copyRecord(rec);
      copy.name = Buffer.from(`x/${i}.npy`);
      p.records.push(copy);
    }
  },
};

/** Damage to the laid-out bytes: end records, local headers, truncation, stray bits. */
const byteMutations: Record<string, ByteMutation> = {
  truncate: (z, r) => z.subarray(0, r.int(z.length)),
  'truncate-tail': (z, r) => z.subarray(0, Math.max(0, z.length - 1 - r.int(120))),
  'zero-length': () => Buffer.alloc(0),
  'flip-bit': (z, r) => flip(z, r.int(z.length), r),
  'flip-central': (z, r) => {
    const at = lastIndexOf(z, CENTRAL_HEADER);
    const start = at < 0 ? 0 : Math.max(0, firstIndexOf(z, CENTRAL_HEADER));
    return flip(z, start + r.int(Math.max(1, z.length - start)), r);
  },
  'flip-local-header': (z, r) => {
    const starts = indicesOf(z, 0x04034b50);
    if (!starts.length) return z;
    return flip(z, pick(r, starts) + r.int(30), r);
  },
  'flip-end-record': (z, r) => {
    const at = lastIndexOf(z, END_OF_CENTRAL);
    return at < 0 ? z : flip(z, at + r.int(22), r);
  },
  'set-end-field': (z, r) => {
    const at = lastIndexOf(z, END_OF_CENTRAL);
    if (at < 0) return z;
    const out = Buffer.from(z);
    const [offset, width] = pick(r, [[4, 2], [6, 2], [8, 2], [10, 2], [12, 4], [16, 4], [20, 2]] as const);
    put(out, at + offset, width, interesting(r, z.length));
    return out;
  },
  'comment-length-lies': (z, r) => {
    const at = lastIndexOf(z, END_OF_CENTRAL);
    if (at < 0) return z;
    const out = Buffer.from(z);
    put(out, at + 20, 2, pick(r, [1, 22, 100, U16_MAX, r.int(U16_MAX)]));
    return out;
  },
  'huge-counts': (z, r) => {
    const out = Buffer.from(z);
    const end64 = lastIndexOf(out, ZIP64_END);
    if (end64 >= 0 && r.next() < 0.7) {
      put(out, end64 + pick(r, [24, 32]), 8, pick(r, [2n ** 62n, 2n ** 64n - 1n, 2n ** 32n, 10_000_000n]));
      return out;
    }
    const at = lastIndexOf(out, END_OF_CENTRAL);
    if (at >= 0) put(out, at + pick(r, [8, 10]), 2, pick(r, [U16_MAX, U16_MAX - 1, 10_000]));
    return out;
  },
  'zip64-end-lies': (z, r) => {
    const out = Buffer.from(z);
    const locator = lastIndexOf(out, ZIP64_LOCATOR);
    const end64 = lastIndexOf(out, ZIP64_END);
    if (locator >= 0 && r.next() < 0.4) put(out, locator + 8, 8, interesting64(r, z.length));
    else if (end64 >= 0) put(out, end64 + pick(r, [4, 24, 32, 40, 48]), 8, interesting64(r, z.length));
    return out;
  },
  'fake-zip64-end': (z, r) => {
    // A plain archive whose end record claims ZIP64 without any ZIP64 records.
    const at = lastIndexOf(z, END_OF_CENTRAL);
    if (at < 0) return z;
    const out = Buffer.from(z);
    if (r.next() < 0.5) put(out, at + 10, 2, U16_MAX);
    else put(out, at + pick(r, [12, 16]), 4, U32_MAX);
    return out;
  },
  'garbage-inserted': (z, r) => {
    const at = r.int(z.length + 1);
    const junk = Buffer.from(Array.from({ length: 1 + r.int(64) }, () => r.int(256)));
    return Buffer.concat([z.subarray(0, at), junk, z.subarray(at)]);
  },
  'overwrite-run': (z, r) => {
    const out = Buffer.from(z);
    const at = r.int(Math.max(1, z.length));
    const fill = pick(r, [0x00, 0xff, 0x50, 0x4b]);
    out.fill(fill, at, Math.min(out.length, at + 1 + r.int(16)));
    return out;
  },
  'local-sizes-lie': (z, r) => {
    const starts = indicesOf(z, 0x04034b50);
    if (!starts.length) return z;
    const out = Buffer.from(z);
    const at = pick(r, starts);
    put(out, at + pick(r, [26, 28]), 2, pick(r, [U16_MAX, 1000, 0, 1]));
    return out;
  },
};

/** Writes a little-endian field where it fits; damage near the end of a cut file may not. */
function put(out: Buffer, at: number, width: 2 | 4 | 8, value: number | bigint): void {
  if (at < 0 || at + width > out.length) return;
  if (width === 8) out.writeBigUInt64LE(BigInt(value), at);
  else if (width === 4) out.writeUInt32LE(Number(value) >>> 0, at);
  else out.writeUInt16LE(Number(value) & U16_MAX, at);
}

function flip(z: Buffer, at: number, r: SeededRandom): Buffer {
  if (z.length === 0) return z;
  const out = Buffer.from(z);
  out[at] = out[at]! ^ (1 << r.int(8));
  return out;
}

function indicesOf(z: Buffer, signature: number): number[] {
  const needle = Buffer.alloc(4);
  needle.writeUInt32LE(signature, 0);
  const found: number[] = [];
  for (let at = z.indexOf(needle); at >= 0; at = z.indexOf(needle, at + 1)) found.push(at);
  return found;
}

function firstIndexOf(z: Buffer, signature: number): number {
  return indicesOf(z, signature)[0] ?? -1;
}

function lastIndexOf(z: Buffer, signature: number): number {
  const needle = Buffer.alloc(4);
  needle.writeUInt32LE(signature, 0);
  return z.lastIndexOf(needle);
}

export const MUTATION_NAMES = [...Object.keys(recordMutations), ...Object.keys(byteMutations)];

/**
 * `count` damaged archives from the bases, the same ones for the same seed: each is a base with
 * one to three pieces of record damage and/or byte damage. A few keep their base's bytes or only
 * add a comment, so intact archives are in the mix too.
 */
export function* malformedArchives(bases: BaseArchive[], count: number, seed: number): Generator<MalformedArchive & { base: BaseArchive }> {
  const r = createRandom(seed);
  const recordNames = Object.keys(recordMutations);
  const byteNames = Object.keys(byteMutations);
  for (let i = 0; i < count; i++) {
    const base = bases[i % bases.length]!;
    const parts: ZipParts = { data: Buffer.from(base.parts.data), records: base.parts.records.map(copyRecord) };
    const done: string[] = [];
    const recordDamage = r.next() < 0.55 ? 1 + r.int(2) : 0;
    for (let k = 0; k < recordDamage; k++) {
      const name = pick(r, recordNames);
      recordMutations[name]!(parts, r, base);
      done.push(name);
    }
    const comment = r.next() < 0.1 ? Buffer.from(`comment ${i}: PK\x05\x06 inside a comment, with room after it for a whole end record`, 'latin1') : undefined;
    if (comment) done.push('comment');
    let bytes = putTogether(parts, { zip64: base.zip64, comment });
    const byteDamage = recordDamage === 0 || r.next() < 0.3 ? 1 + r.int(2) : 0;
    for (let k = 0; k < byteDamage; k++) {
      const name = pick(r, byteNames);
      bytes = byteMutations[name]!(bytes, r);
      done.push(name);
    }
    yield { bytes, label: `${base.label}: ${done.join(', ')}`, base };
  }
}

/** The bases: a curated-set export (deflated manifest with a data descriptor, stored PNGs) and an .npz, each plain and as ZIP64. */
export async function baseArchives(files: { name: string; bytes: Buffer; deflate?: boolean }[], label: string): Promise<BaseArchive[]> {
  const zip = await zipInMemory(async (w) => {
    for (const f of files) {
      if (f.deflate) {
        const entry = await w.startDeflated(f.name);
        await entry.write(f.bytes);
        await entry.end();
      } else {
        await w.addStored(f.name, f.bytes);
      }
    }
  });
  const parts = takeApart(zip);
  const contents = new Map(files.map((f) => [f.name, f.bytes]));
  return [
    { label, parts, zip64: false, contents },
    { label: `${label}64`, parts, zip64: true, contents },
  ];
}

export const crc32 = (bytes: Uint8Array): number => zlib.crc32(bytes);
