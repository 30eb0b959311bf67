// Reads ZIP archives (APPNOTE 6.3) through their central directory, ZIP64 included: entries
// stored or deflated, each read on demand and checked against its size and CRC-32. Nothing is
// extracted to disk, so entry names never become paths.
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import { ImportError } from '../../shared/errors.js';

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
  read(entry: ZipEntry): Promise<Buffer>;
  close(): Promise<void>;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
/** one entry is read into memory whole; a larger one is no dataset file */
const MAX_ENTRY_BYTES = 1 << 30;

export async function openZip(file: string): Promise<ZipArchive> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
  try {
    const entries = await readCentralDirectory(handle, file);
    return {
      entries,
      read: (entry) => readEntry(handle, file, entry),
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

async function readCentralDirectory(handle: fs.FileHandle, file: string): Promise<Map<string, ZipEntry>> {
  const fileSize = (await handle.stat()).size;
  // The end record is 22 bytes plus a comment of at most 65,535.
  const tailLength = Math.min(fileSize, 22 + U16_MAX);
  const tail = await readAt(handle, fileSize - tailLength, tailLength);
  let end = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END_OF_CENTRAL) {
      end = i;
      break;
    }
  }
  if (end < 0) throw corrupt(file, 'no end of central directory record');
  const endOffset = fileSize - tailLength + end;
  let count = tail.readUInt16LE(end + 10);
  let centralSize = tail.readUInt32LE(end + 12);
  let centralOffset = tail.readUInt32LE(end + 16);
  if (count === U16_MAX || centralSize === U32_MAX || centralOffset === U32_MAX) {
    if (endOffset < 20) throw corrupt(file, 'ZIP64 locator missing');
    const locator = await readAt(handle, endOffset - 20, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw corrupt(file, 'ZIP64 locator missing');
    const end64Offset = Number(locator.readBigUInt64LE(8));
    const end64 = await readAt(handle, end64Offset, 56);
    if (end64.length < 56 || end64.readUInt32LE(0) !== ZIP64_END) throw corrupt(file, 'ZIP64 end record missing');
    count = Number(end64.readBigUInt64LE(32));
    centralSize = Number(end64.readBigUInt64LE(40));
    centralOffset = Number(end64.readBigUInt64LE(48));
  }
  if (centralOffset + centralSize > fileSize) throw corrupt(file, 'the central directory lies past the end of the file (truncated?)');
  const central = await readAt(handle, centralOffset, centralSize);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > central.length || central.readUInt32LE(at) !== CENTRAL_HEADER) throw corrupt(file, `central directory entry ${i + 1} is damaged`);
    const nameLength = central.readUInt16LE(at + 28);
    const extraLength = central.readUInt16LE(at + 30);
    const commentLength = central.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: central.toString('utf8', at + 46, at + 46 + nameLength),
      flags: central.readUInt16LE(at + 8),
      method: central.readUInt16LE(at + 10),
      crc: central.readUInt32LE(at + 16),
      compressedSize: central.readUInt32LE(at + 20),
      size: central.readUInt32LE(at + 24),
      localOffset: central.readUInt32LE(at + 42),
    };
    readZip64Extra(central.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), entry);
    entries.set(entry.name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** ZIP64's extra field holds, in order, whichever of the sizes and the offset overflowed 32 bits. */
function readZip64Extra(extra: Buffer, entry: ZipEntry): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = (): number => {
        const value = field + 8 <= at + 4 + length && field + 8 <= extra.length ? Number(extra.readBigUInt64LE(field)) : NaN;
        field += 8;
        return value;
      };
      if (entry.size === U32_MAX) entry.size = next();
      if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
      if (entry.localOffset === U32_MAX) entry.localOffset = next();
      return;
    }
    at += 4 + length;
  }
}

async function readEntry(handle: fs.FileHandle, file: string, entry: ZipEntry): Promise<Buffer> {
  if (entry.flags & 0x0001) throw new ImportError(`${entry.name} is encrypted; Disobey reads only unencrypted archives`, { file });
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ImportError(`${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`, { file });
  }
  if (!Number.isFinite(entry.size) || entry.size > MAX_ENTRY_BYTES) throw new ImportError(`${entry.name} is larger than 1 GiB`, { file });
  const header = await readAt(handle, entry.localOffset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_HEADER) throw corrupt(file, `${entry.name}: local header missing`);
  const dataStart = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = await readAt(handle, dataStart, entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw corrupt(file, `${entry.name} is cut short (truncated file?)`);
  let data: Buffer;
  if (entry.method === 0) {
    data = raw;
  } else {
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (err) {
      throw new ImportError(`${entry.name} is damaged: ${(err as Error).message}`, { file }, { cause: err });
    }
  }
  if (data.length !== entry.size) throw new ImportError(`${entry.name} is damaged: ${data.length} bytes instead of ${entry.size}`, { file });
  if (zlib.crc32(data) !== entry.crc) throw new ImportError(`${entry.name} is damaged: its CRC-32 does not match`, { file });
  return data;
}
