// A streaming ZIP writer (APPNOTE 6.3): stored entries whose bytes are known (PNGs), and one
// deflated entry written as it is produced (the manifest), sized by a data descriptor. Archives
// with more than 65,534 entries or past 4 GiB get ZIP64 end records; one entry stays under 4 GiB.
import zlib from 'node:zlib';
import { ValidationError } from '../../shared/errors.js';

export interface ByteSink {
  readonly position: number;
  write(chunk: Uint8Array): Promise<void>;
}

interface CentralEntry {
  name: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const DATA_DESCRIPTOR = 0x08074b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const UTF8_NAMES = 0x0800;
const SIZES_AFTER_DATA = 0x0008;
const STORED = 0;
const DEFLATED = 8;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
/** version 4.5 (ZIP64), made on Unix so the external attributes carry a file mode */
const VERSION_MADE_BY = (3 << 8) | 45;
const FILE_MODE = 0o100644;
/** deflate input is compressed in pieces of this size, each ended by a sync flush */
const DEFLATE_PIECE = 256 * 1024;

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, Math.min(2107, date.getFullYear()));
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

function tooLarge(name: Buffer): ValidationError {
  return new ValidationError(`ZIP entry ${name.toString('utf8')} would exceed 4 GiB; export as CSV or JSONL instead`);
}

export function createZipWriter(sink: ByteSink, modified: Date = new Date()) {
  const stamp = dosDateTime(modified);
  const entries: CentralEntry[] = [];
  let open: string | null = null;

  function localHeader(name: Buffer, flags: number, method: number, crc: number, compressedSize: number, size: number): Buffer {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(flags, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(stamp.time, 10);
    header.writeUInt16LE(stamp.date, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(compressedSize, 18);
    header.writeUInt32LE(size, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(0, 28);
    return Buffer.concat([header, name]);
  }

  function entryName(name: string): Buffer {
    if (open !== null) throw new Error(`ZIP entry ${open} is still being written`);
    const bytes = Buffer.from(name, 'utf8');
    if (bytes.length === 0 || bytes.length > U16_MAX) throw new Error(`bad ZIP entry name ${JSON.stringify(name)}`);
    return bytes;
  }

  return {
    /** Adds an entry whose bytes are all here, stored as they are (PNGs are compressed already). */
    async addStored(nameText: string, data: Uint8Array): Promise<void> {
      const name = entryName(nameText);
      if (data.byteLength >= U32_MAX) throw tooLarge(name);
      const crc = zlib.crc32(data);
      entries.push({ name, flags: UTF8_NAMES, method: STORED, crc, compressedSize: data.byteLength, size: data.byteLength, offset: sink.position });
      await sink.write(localHeader(name, UTF8_NAMES, STORED, crc, data.byteLength, data.byteLength));
      await sink.write(data);
    },

    /** Starts a deflated entry fed piece by piece; its CRC and sizes follow the data. */
    async startDeflated(nameText: string) {
      const name = entryName(nameText);
      const flags = UTF8_NAMES | SIZES_AFTER_DATA;
      const offset = sink.position;
      await sink.write(localHeader(name, flags, DEFLATED, 0, 0, 0));
      open = nameText;
      let crc = 0;
      let size = 0;
      let compressedSize = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;

      async function compress(final: boolean): Promise<void> {
        const input = Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
        // Independent pieces ending in a sync flush (and the last in a final block) form one valid deflate stream.
        const output = zlib.deflateRawSync(input, { level: 6, finishFlush: final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH });
        compressedSize += output.byteLength;
        if (compressedSize >= U32_MAX) throw tooLarge(name);
        await sink.write(output);
      }

      return {
        async write(chunk: Uint8Array): Promise<void> {
          crc = zlib.crc32(chunk, crc);
          size += chunk.byteLength;
          if (size >= U32_MAX) throw tooLarge(name);
          pending.push(Buffer.from(chunk));
          pendingBytes += chunk.byteLength;
          if (pendingBytes >= DEFLATE_PIECE) await compress(false);
        },
        async end(): Promise<void> {
          await compress(true);
          const descriptor = Buffer.alloc(16);
          descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
          descriptor.writeUInt32LE(crc, 4);
          descriptor.writeUInt32LE(compressedSize, 8);
          descriptor.writeUInt32LE(size, 12);
          await sink.write(descriptor);
          entries.push({ name, flags, method: DEFLATED, crc, compressedSize, size, offset });
          open = null;
        },
      };
    },

    /** Writes the central directory and the end records. */
    async finish(): Promise<void> {
      if (open !== null) throw new Error(`ZIP entry ${open} is still being written`);
      const centralOffset = sink.position;
      for (const e of entries) {
        const zip64Offset = e.offset >= U32_MAX;
        const extra = zip64Offset ? Buffer.alloc(12) : Buffer.alloc(0);
        if (zip64Offset) {
          extra.writeUInt16LE(0x0001, 0);
          extra.writeUInt16LE(8, 2);
          extra.writeBigUInt64LE(BigInt(e.offset), 4);
        }
        const header = Buffer.alloc(46);
        header.writeUInt32LE(CENTRAL_HEADER, 0);
        header.writeUInt16LE(VERSION_MADE_BY, 4);
        header.writeUInt16LE(zip64Offset ? 45 : 20, 6);
        header.writeUInt16LE(e.flags, 8);
        header.writeUInt16LE(e.method, 10);
        header.writeUInt16LE(stamp.time, 12);
        header.writeUInt16LE(stamp.date, 14);
        header.writeUInt32LE(e.crc, 16);
        header.writeUInt32LE(e.compressedSize, 20);
        header.writeUInt32LE(e.size, 24);
        header.writeUInt16LE(e.name.length, 28);
        header.writeUInt16LE(extra.length, 30);
        header.writeUInt16LE(0, 32);
        header.writeUInt16LE(0, 34);
        header.writeUInt16LE(0, 36);
        header.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
        header.writeUInt32LE(zip64Offset ? U32_MAX : e.offset, 42);
        await sink.write(Buffer.concat([header, e.name, extra]));
      }
      const centralSize = sink.position - centralOffset;
      const zip64 = entries.length >= U16_MAX || centralOffset >= U32_MAX || centralSize >= U32_MAX;
      if (zip64) {
        const endOffset = sink.position;
        const end64 = Buffer.alloc(56);
        end64.writeUInt32LE(ZIP64_END, 0);
        end64.writeBigUInt64LE(44n, 4);
        end64.writeUInt16LE(VERSION_MADE_BY, 12);
        end64.writeUInt16LE(45, 14);
        end64.writeUInt32LE(0, 16);
        end64.writeUInt32LE(0, 20);
        end64.writeBigUInt64LE(BigInt(entries.length), 24);
        end64.writeBigUInt64LE(BigInt(entries.length), 32);
        end64.writeBigUInt64LE(BigInt(centralSize), 40);
        end64.writeBigUInt64LE(BigInt(centralOffset), 48);
        const locator = Buffer.alloc(20);
        locator.writeUInt32LE(ZIP64_LOCATOR, 0);
        locator.writeUInt32LE(0, 4);
        locator.writeBigUInt64LE(BigInt(endOffset), 8);
        locator.writeUInt32LE(1, 16);
        await sink.write(Buffer.concat([end64, locator]));
      }
      const end = Buffer.alloc(22);
      end.writeUInt32LE(END_OF_CENTRAL, 0);
      end.writeUInt16LE(0, 4);
      end.writeUInt16LE(0, 6);
      end.writeUInt16LE(Math.min(entries.length, U16_MAX), 8);
      end.writeUInt16LE(Math.min(entries.length, U16_MAX), 10);
      end.writeUInt32LE(Math.min(centralSize, U32_MAX), 12);
      end.writeUInt32LE(Math.min(centralOffset, U32_MAX), 16);
      end.writeUInt16LE(0, 20);
      await sink.write(end);
    },
  };
}

export type ZipWriter = ReturnType<typeof createZipWriter>;
