// Reads ZIP archives (APPNOTE 6.3) through their central directory, ZIP64 included: entries
// stored or deflated, each read on demand and checked against its size and CRC-32. Nothing is
// extracted to disk, so entry names never become paths. Archives come from users (curated-set
// ZIPs, .npz files), so every number in them is checked before it sizes a read or an allocation:
// entries must lie inside the data area, one after another without overlapping (the
// overlapping-files ZIP bomb), under unique names, and inflate to no more than they declare.
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import { ImportError } from '../../shared/errors.js';
import { excerpt } from './messageExcerpt.js';
import { openRegularFile } from '../regularFile.js';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export interface ZipArchive {
  /** entries by name (folders, whose names end in "/", included) */
  entries: Map<string, ZipEntry>;
  /** An entry's bytes; one that would inflate past `maxBytes` (default MAX_ENTRY_BYTES) is refused before it is read. */
  read(entry: ZipEntry, maxBytes?: number): Promise<Buffer>;
  close(): Promise<void>;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const ENCRYPTED = 0x0001;
/**
 * The most one entry may inflate to unless the caller asks for less: an entry is read into memory
 * whole (a Buffer, then whatever the importer builds from it), and 1 GiB is already more than any
 * .npz of predictions or curated-set file we expect. A declared size past it is refused before a
 * byte is read; a deflate stream that runs past its declared size stops there.
 */
export const MAX_ENTRY_BYTES = 1 << 30;

export async function openZip(file: string): Promise<ZipArchive> {
  let handle: fs.FileHandle;
  try {
    // without waiting on a pipe in the file's place (regularFile.ts)
    const opened = await openRegularFile(file);
    if (!opened) throw new ImportError('is not a regular file (a pipe, device, socket or folder is not read)', { file });
    handle = opened.handle;
  } catch (err) {
    throw err instanceof ImportError ? err : new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
  try {
    const { entries, dataEnds } = await readCentralDirectory(handle, file);
    return {
      entries,
      read: (entry, maxBytes = MAX_ENTRY_BYTES) => readEntry(handle, file, entry, dataEnds.get(entry), maxBytes),
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function corrupt(file: string, what: string): ImportError {
  return new ImportError(`not a ZIP archive, or a damaged one: ${what}`, { file });
}

/** Megabytes (2^20 bytes) for messages: whole when whole, else one decimal. */
function megabytes(bytes: number): string {
  return bytes % (1 << 20) === 0 ? String(bytes / (1 << 20)) : (bytes / (1 << 20)).toFixed(1);
}

/** Reads up to `length` bytes at `position`; callers have checked both against the file size. */
async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** A 64-bit field as a number, or NaN past 2^53 (no file is that large, so it is refused as out of range). */
function readU64(buffer: Buffer, at: number): number {
  const value = buffer.readBigUInt64LE(at);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(value);
}

const inRange = (value: number, limit: number): boolean => Number.isSafeInteger(value) && value >= 0 && value <= limit;

interface CentralDirectory {
  entries: Map<string, ZipEntry>;
  /** where each entry's local header, data and descriptor must end: the next entry's start, or the central directory's */
  dataEnds: Map<ZipEntry, number>;
}

async function readCentralDirectory(handle: fs.FileHandle, file: string): Promise<CentralDirectory> {
  const fileSize = (await handle.stat()).size;
  if (fileSize < 22) throw corrupt(file, fileSize === 0 ? 'the file is empty' : 'no end of central directory record');
  // The end record is 22 bytes plus a comment of at most 65,535.
  const tailLength = Math.min(fileSize, 22 + U16_MAX);
  const tail = await readAt(handle, fileSize - tailLength, tailLength);
  // The last signature whose comment ends the file; a comment may itself hold the signature's bytes.
  let end = -1;
  let fallback = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== END_OF_CENTRAL) continue;
    if (i + 22 + tail.readUInt16LE(i + 20) === tail.length) {
      end = i;
      break;
    }
    if (fallback < 0) fallback = i;
  }
  if (end < 0) end = fallback;
  if (end < 0) throw corrupt(file, 'no end of central directory record');
  const endOffset = fileSize - tailLength + end;
  if (end + 22 + tail.readUInt16LE(end + 20) > tail.length) throw corrupt(file, 'the archive comment runs past the end of the file (truncated?)');
  if (tail.readUInt16LE(end + 4) !== 0 || tail.readUInt16LE(end + 6) !== 0) throw corrupt(file, 'archives split over several disks are not supported');
  let count = tail.readUInt16LE(end + 10);
  let centralSize = tail.readUInt32LE(end + 12);
  let centralOffset = tail.readUInt32LE(end + 16);
  // The central directory must end where the end records begin.
  let centralLimit = endOffset;
  if (count === U16_MAX || centralSize === U32_MAX || centralOffset === U32_MAX) {
    if (endOffset < 20) throw corrupt(file, 'ZIP64 locator missing');
    const locator = await readAt(handle, endOffset - 20, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw corrupt(file, 'ZIP64 locator missing');
    const end64Offset = readU64(locator, 8);
    if (!inRange(end64Offset, endOffset - 20 - 56)) throw corrupt(file, 'the ZIP64 end record lies outside the file');
    const end64 = await readAt(handle, end64Offset, 56);
    if (end64.length < 56 || end64.readUInt32LE(0) !== ZIP64_END) throw corrupt(file, 'ZIP64 end record missing');
    if (end64.readUInt32LE(16) !== 0 || end64.readUInt32LE(20) !== 0) throw corrupt(file, 'archives split over several disks are not supported');
    count = readU64(end64, 32);
    centralSize = readU64(end64, 40);
    centralOffset = readU64(end64, 48);
    centralLimit = end64Offset;
  }
  if (!inRange(centralOffset, centralLimit) || !inRange(centralSize, centralLimit - centralOffset)) {
    throw corrupt(file, 'the central directory lies past the end of the file (truncated?)');
  }
  // Every record takes at least 46 bytes, so a count the directory cannot hold is refused before the loop.
  if (!Number.isSafeInteger(count) || count * 46 > centralSize) throw corrupt(file, `the central directory cannot hold the ${count} entries it declares`);
  const central = await readAt(handle, centralOffset, centralSize);
  const entries = new Map<string, ZipEntry>();
  const nameLengths = new Map<ZipEntry, number>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > central.length || central.readUInt32LE(at) !== CENTRAL_HEADER) throw corrupt(file, `central directory entry ${i + 1} is damaged`);
    const nameLength = central.readUInt16LE(at + 28);
    const extraLength = central.readUInt16LE(at + 30);
    const commentLength = central.readUInt16LE(at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > central.length) throw corrupt(file, `central directory entry ${i + 1} runs past the directory's end`);
    const entry: ZipEntry = {
      name: central.toString('utf8', at + 46, at + 46 + nameLength),
      flags: central.readUInt16LE(at + 8),
      method: central.readUInt16LE(at + 10),
      crc: central.readUInt32LE(at + 16),
      compressedSize: central.readUInt32LE(at + 20),
      size: central.readUInt32LE(at + 24),
      localOffset: central.readUInt32LE(at + 42),
    };
    const label = excerpt(entry.name, 200);
    if (central.readUInt16LE(at + 34) !== 0) throw corrupt(file, `${label} starts on another disk`);
    if (!readZip64Extra(central.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), entry)) {
      throw corrupt(file, `${label}: its ZIP64 extra field is missing or cut short`);
    }
    if (entries.has(entry.name)) throw corrupt(file, `two entries are named ${label}`);
    entries.set(entry.name, entry);
    nameLengths.set(entry, nameLength);
    at = next;
  }
  if (at !== central.length) throw corrupt(file, `the central directory holds ${central.length - at} bytes past its ${count} entries`);
  return { entries, dataEnds: dataLayout(entries, nameLengths, centralOffset, file) };
}

/**
 * Checks that the entries' local records lie one after another in the data area without
 * overlapping, from the sizes the central directory gives (a local header is at least 30 bytes
 * and the entry's name); returns where each entry's record must end.
 */
function dataLayout(entries: Map<string, ZipEntry>, nameLengths: Map<ZipEntry, number>, centralOffset: number, file: string): Map<ZipEntry, number> {
  const ordered = [...entries.values()];
  for (const entry of ordered) {
    const label = excerpt(entry.name, 200);
    if (!inRange(entry.localOffset, centralOffset) || !inRange(entry.compressedSize, centralOffset) || !inRange(entry.size, Number.MAX_SAFE_INTEGER)) {
      throw corrupt(file, `${label} runs past the end of the data (truncated?)`);
    }
  }
  ordered.sort((a, b) => a.localOffset - b.localOffset);
  const ends = new Map<ZipEntry, number>();
  ordered.forEach((entry, i) => {
    const following = ordered[i + 1];
    const limit = following ? following.localOffset : centralOffset;
    if (entry.localOffset + 30 + nameLengths.get(entry)! + entry.compressedSize > limit) {
      if (!following) throw corrupt(file, `${excerpt(entry.name, 200)} runs past the end of the data (truncated?)`);
      throw corrupt(file, `the entries ${excerpt(entry.name, 200)} and ${excerpt(following.name, 200)} overlap`);
    }
    ends.set(entry, limit);
  });
  return ends;
}

/**
 * ZIP64's extra field holds, in order, whichever of the sizes and the offset overflowed 32 bits;
 * false when the header asks for a value the field does not hold.
 */
function readZip64Extra(extra: Buffer, entry: ZipEntry): boolean {
  const wanted = [entry.size, entry.compressedSize, entry.localOffset].filter((v) => v === U32_MAX).length;
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (at + 4 + length > extra.length) break;
    if (id === 0x0001) {
      if (length < 8 * wanted) return false;
      let field = at + 4;
      const next = (): number => {
        const value = readU64(extra, field);
        field += 8;
        return value;
      };
      if (entry.size === U32_MAX) entry.size = next();
      if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
      if (entry.localOffset === U32_MAX) entry.localOffset = next();
      return true;
    }
    at += 4 + length;
  }
  return wanted === 0;
}

async function readEntry(handle: fs.FileHandle, file: string, entry: ZipEntry, dataEnd: number | undefined, maxBytes: number): Promise<Buffer> {
  const label = excerpt(entry.name, 200);
  if (dataEnd === undefined) throw new ImportError(`${label} is not an entry of this archive`, { file });
  if (entry.flags & ENCRYPTED) throw new ImportError(`${label} is encrypted; Disobey reads only unencrypted archives`, { file });
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ImportError(`${label} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`, { file });
  }
  if (entry.size > maxBytes) throw new ImportError(`${label} inflates past ${megabytes(maxBytes)} MB (it declares ${(entry.size / (1 << 20)).toFixed(1)} MB)`, { file });
  if (entry.method === 0 && entry.size !== entry.compressedSize) throw corrupt(file, `${label} is stored, yet its sizes differ`);
  // The local header and its name in one read: the name must be the central directory's.
  const nameBytes = Buffer.byteLength(entry.name);
  const header = await readAt(handle, entry.localOffset, Math.min(30 + nameBytes, dataEnd - entry.localOffset));
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_HEADER) throw corrupt(file, `${label}: local header missing`);
  const localNameLength = header.readUInt16LE(26);
  if (localNameLength !== nameBytes || header.length < 30 + nameBytes || header.toString('utf8', 30) !== entry.name) {
    throw corrupt(file, `${label}: the local header names another file`);
  }
  if (header.readUInt16LE(8) !== entry.method) throw corrupt(file, `${label}: the local header gives another compression method`);
  const dataStart = entry.localOffset + 30 + localNameLength + header.readUInt16LE(28);
  if (dataStart + entry.compressedSize > dataEnd) throw corrupt(file, `${label} runs into the next entry`);
  const raw = await readAt(handle, dataStart, entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw corrupt(file, `${label} is cut short (truncated file?)`);
  let data: Buffer;
  if (entry.method === 0) {
    data = raw;
  } else {
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ImportError(`${label} inflates past the ${entry.size.toLocaleString('en-US')} bytes it declares (damaged, or a ZIP bomb)`, { file }, { cause: err });
      }
      throw new ImportError(`${label} is damaged: ${(err as Error).message}`, { file }, { cause: err });
    }
  }
  if (data.length !== entry.size) throw new ImportError(`${label} is damaged: ${data.length} bytes instead of ${entry.size}`, { file });
  if (zlib.crc32(data) !== entry.crc) throw new ImportError(`${label} is damaged: its CRC-32 does not match`, { file });
  return data;
}
