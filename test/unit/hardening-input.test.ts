// Bad input to the importers (issue 15, items 9–12b): labels that are not scalars, ZIP members
// that inflate too far, images too large to hold, names that are not UTF-8 and symbolic links,
// and 10,000 seeded malformed archives, each refused by name or read back as it was written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../shared/errors.js';
import { importImageFolder } from '../../main/data/imageFolder.js';
import { encodePng } from '../../main/data/png.js';
import { importTextTable } from '../../main/data/textTable.js';
import { importZipDataset } from '../../main/data/zipDataset.js';
import { openZip } from '../../main/data/zipReader.js';
import { importError } from '../helpers/importError.js';
import { tempDirPerTest } from '../helpers/tempDir.js';
import { baseArchives, crc32, malformedArchives, putTogether, takeApart, zipInMemory, type BaseArchive } from '../helpers/malformedZips.js';

let dir: string;
tempDirPerTest('disobey-hardening-', (made) => (dir = made));

const split = { testFraction: 0.25, seed: 3 };
const MB = 1 << 20;

function write(rel: string, content: string | Buffer): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A path below the test folder from raw bytes: names that are not UTF-8 cannot be written as strings. */
const rawPath = (...parts: number[][]) => Buffer.concat([Buffer.from(dir), ...parts.map((p) => Buffer.concat([Buffer.from('/'), Buffer.from(p)]))]);

const tinyPng = (salt: number) => encodePng(Uint8Array.from({ length: 12 }, (_, i) => (i * 17 + salt * 29) % 256), 4, 3, 1);

/**
 * A black 8-bit grey PNG, valid to the last byte, made without holding its pixels: its rows (a
 * zero filter byte and zero pixels) are zero bytes, deflated a megabyte at a time. 16000×16000
 * is 256 MB of pixels in about 250 KB.
 */
async function blackPng(width: number, height: number): Promise<Buffer> {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))), 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), no interlace
  const deflate = zlib.createDeflate({ level: 1 });
  const compressed: Buffer[] = [];
  deflate.on('data', (c: Buffer) => compressed.push(c));
  const finished = new Promise((resolve) => deflate.on('end', resolve));
  const zeros = Buffer.alloc(1 << 20);
  for (let left = (width + 1) * height; left > 0; left -= zeros.length) {
    if (!deflate.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await finished;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', Buffer.concat(compressed)), chunk('IEND', Buffer.alloc(0))]);
}

let hugePng: Promise<Buffer> | null = null;
/** One 16000×16000 PNG for the tests that need it. */
const png16000 = () => (hugePng ??= blackPng(16000, 16000));

describe('JSONL labels that are not class names (item 9)', () => {
  it('refuses a label nested 5,000 deep by file and row, in one short message', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const file = write('deep.jsonl', `{"text":"a","label":"x"}\n{"text":"b","label":${deep}}\n{"text":"c","label":"y"}\n`);
    const err = await importError(importTextTable(file, split));
    expect(err.place).toEqual({ file, row: 2 });
    expect(err.message).toBe(`${file}, row 2: "label" must be a class name or a non-negative integer, found an array`);
  });

  it('refuses an object label_name and an object label by row, without writing the object out', async () => {
    const big = JSON.stringify({ a: 'x'.repeat(10_000), b: [1, 2, 3] });
    const byName = write('byname.jsonl', `{"text":"a","label_name":"x","label":0}\n{"text":"b","label_name":${big},"label":1}\n`);
    expect((await importError(importTextTable(byName, split))).message).toBe(`${byName}, row 2: "label_name" must be a class name or a non-negative integer, found an object`);
    const plain = write('plain.jsonl', `{"text":"a","label":${big}}\n`);
    expect((await importError(importTextTable(plain, split))).message).toBe(`${plain}, row 1: "label" must be a class name or a non-negative integer, found an object`);
  });

  it('cuts a label quoted in a message to 200 characters', async () => {
    const huge = '9'.repeat(100_000);
    const file = write('ids.jsonl', `{"text":"a","label":"1"}\n{"text":"b","label":"${huge}"}\n`);
    const err = await importError(importTextTable(file, split));
    expect(err.place).toEqual({ file, row: 2 });
    expect(err.message).toBe(`${file}, row 2: integer label ${'9'.repeat(199)}… is too large to be a class index (at most 99999)`);
    const one = write('one.csv', `text,label\na,${'z'.repeat(5000)}\nb,${'z'.repeat(5000)}\n`);
    expect((await importError(importTextTable(one, split))).message).toBe(`${one}: every row has label "${'z'.repeat(199)}…": a single class cannot be classified`);
  });
});

describe('ZIP members that inflate too far (item 10)', () => {
  it('refuses a curated-set manifest that inflates past 256 MB before inflating it, naming the archive and the member', async () => {
    // 300 MB of zeros streamed through the exporter's deflate writer: about 300 KB on disk.
    const zero = Buffer.alloc(MB);
    const file = write('bomb.zip', await zipInMemory(async (zip) => {
      const manifest = await zip.startDeflated('manifest.csv');
      for (let i = 0; i < 300; i++) await manifest.write(zero);
      await manifest.end();
    }));
    expect(fs.statSync(file).size).toBeLessThan(MB);
    const err = await importError(importZipDataset(file, split));
    expect(err.place).toEqual({ file });
    expect(err.message).toBe(`${file}: manifest.csv inflates past 256 MB (it declares 300.0 MB)`);
  });

  it('refuses a member whose deflate stream runs past the size it declares', async () => {
    const zip = await zipInMemory(async (w) => {
      const entry = await w.startDeflated('probs.npy');
      await entry.write(Buffer.alloc(10 * MB, 7));
      await entry.end();
    });
    const parts = takeApart(zip);
    parts.records[0]!.header.writeUInt32LE(1000, 24); // the central directory's size lies
    const file = write('liar.zip', putTogether(parts));
    const archive = await openZip(file);
    try {
      const err = await importError(archive.read(archive.entries.get('probs.npy')!));
      expect(err.message).toBe(`${file}: probs.npy inflates past the 1,000 bytes it declares (damaged, or a ZIP bomb)`);
    } finally {
      await archive.close();
    }
  });

  it('refuses a member declaring more than 1 GiB before reading a byte of it', async () => {
    const parts = takeApart(await zipInMemory(async (w) => {
      const entry = await w.startDeflated('probs.npy');
      await entry.write(Buffer.alloc(1000, 1));
      await entry.end();
    }));
    parts.records[0]!.header.writeUInt32LE(0x80000000, 24);
    const file = write('huge.zip', putTogether(parts));
    const archive = await openZip(file);
    try {
      const err = await importError(archive.read(archive.entries.get('probs.npy')!));
      expect(err.message).toBe(`${file}: probs.npy inflates past 1024 MB (it declares 2048.0 MB)`);
    } finally {
      await archive.close();
    }
  });
});

describe('images too large to hold (item 11)', () => {
  it('refuses 16000×16000 PNGs in an image folder by name, from their header alone', async () => {
    const png = await png16000();
    expect(png.length).toBeLessThan(2 * MB);
    expect(await sharp(png).metadata()).toMatchObject({ width: 16000, height: 16000, channels: 1 });
    write('a/big.png', png);
    write('b/big.png', png);
    const started = performance.now();
    const err = await importError(importImageFolder(dir, split));
    expect(err.place.file).toBe(path.join(dir, 'a', 'big.png'));
    expect(err.message).toBe(`${path.join(dir, 'a', 'big.png')}: the image is 16000×16000 pixels, past the 4096×4096 limit (raise it with maxImageSide, or --max-image-side on the command line)`);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('takes images past 4096 on a side when maxImageSide is raised, and refuses them by default', async () => {
    const wide = await sharp({ create: { width: 5000, height: 2, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer();
    write('a/1.png', wide);
    write('b/1.png', wide);
    expect((await importError(importImageFolder(dir, split))).message).toContain('the image is 5000×2 pixels, past the 4096×4096 limit');
    const ds = await importImageFolder(dir, { ...split, maxImageSide: 5000 });
    expect(ds.shape).toEqual({ height: 2, width: 5000, channels: 3 });
    expect(Array.from(ds.examples[0]!.pixels!.subarray(0, 6))).toEqual([10, 20, 30, 10, 20, 30]);
  });

  it('refuses a 16000×16000 PNG inside a curated-set ZIP by its path in the archive', async () => {
    const big = await png16000();
    const file = write('set.zip', await zipInMemory(async (zip) => {
      await zip.addStored('manifest.csv', Buffer.from('split,label_name,file\ntrain,a,images/0.png\ntrain,b,images/1.png\n'));
      await zip.addStored('images/0.png', big);
      await zip.addStored('images/1.png', big);
    }));
    const err = await importError(importZipDataset(file, split));
    expect(err.place).toEqual({ file: `${file}/images/0.png` });
    expect(err.message).toBe(`${file}/images/0.png: the image is 16000×16000 pixels, past the 4096×4096 limit (raise it with maxImageSide, or --max-image-side on the command line)`);
  });
});

describe('files an image folder skips (item 12)', () => {
  it('skips names that are not UTF-8, symbolic links out of the folder, broken ones and linked folders, saying which and why', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.png'), tinyPng(9));
      for (const [rel, salt] of [['cat/a.png', 1], ['cat/b.png', 2], ['dog/c.png', 3], ['dog/d.png', 4]] as const) write(rel, tinyPng(salt));
      fs.writeFileSync(rawPath([0x63, 0x61, 0x74], [0xe9, 0x2e, 0x70, 0x6e, 0x67]), tinyPng(5)); // cat/<0xE9>.png: Latin-1, not UTF-8
      fs.mkdirSync(rawPath([0xff, 0x66, 0x69, 0x73, 0x68]));
      fs.writeFileSync(rawPath([0xff, 0x66, 0x69, 0x73, 0x68], [0x65, 0x2e, 0x70, 0x6e, 0x67]), tinyPng(6)); // <0xFF>fish/e.png
      fs.symlinkSync('../cat/a.png', path.join(dir, 'dog', 'inside.png'));
      fs.symlinkSync(path.join(outside, 'secret.png'), path.join(dir, 'dog', 'outside.png'));
      fs.symlinkSync(path.join(dir, 'dog', 'gone.png'), path.join(dir, 'dog', 'broken.png'));
      fs.symlinkSync('../dog', path.join(dir, 'cat', 'more'));
      write('cat/notes.txt', 'not an image');

      const ds = await importImageFolder(dir, split);
      expect(ds.classNames).toEqual(['cat', 'dog']);
      expect(ds.examples.map((e) => e.sourceRef).sort()).toEqual(['cat/a.png', 'cat/b.png', 'dog/c.png', 'dog/d.png', 'dog/inside.png']);
      const inside = ds.examples.find((e) => e.sourceRef === 'dog/inside.png')!;
      expect(Array.from(inside.pixels!)).toEqual(Array.from(ds.examples.find((e) => e.sourceRef === 'cat/a.png')!.pixels!));
      expect(ds.skipped).toEqual([
        { path: '\\xFFfish', reason: 'the name is not valid UTF-8' },
        { path: 'cat/\\xE9.png', reason: 'the name is not valid UTF-8' },
        { path: 'cat/more', reason: 'a symbolic link to a folder (not followed)' },
        { path: 'cat/notes.txt', reason: 'not an image file (PNG, JPEG, WebP, GIF, TIFF or BMP)' },
        { path: 'dog/broken.png', reason: 'a broken symbolic link' },
        { path: 'dog/outside.png', reason: 'a symbolic link to a file outside the dataset folder (not followed)' },
      ]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('files a text-table folder skips (item 12)', () => {
  it('skips names that are not UTF-8 and files that are no tables, saying which and why', async () => {
    write('train.csv', 'text,label\na,x\nb,y\n');
    write('test.csv', 'text,label\nc,x\nd,y\n');
    write('README.md', '# notes');
    write('.hidden.csv', 'ignored');
    fs.writeFileSync(rawPath([0x76, 0x61, 0x6c, 0xe9, 0x2e, 0x63, 0x73, 0x76]), 'text,label\ne,x\n'); // val<0xE9>.csv
    const ds = await importTextTable(dir, split);
    expect(ds.examples.map((e) => e.sourceRef)).toEqual(['test.csv:2', 'test.csv:3', 'train.csv:2', 'train.csv:3']);
    expect(ds.skipped).toEqual([
      { path: 'README.md', reason: 'not a .csv, .jsonl or .ndjson file' },
      { path: 'val\\xE9.csv', reason: 'the name is not valid UTF-8' },
    ]);
  });
});

/** Refused as the house style asks: an ImportError whose place and message name the archive. */
function refusalProblem(err: unknown, file: string): string | null {
  if (!(err instanceof ImportError)) return `${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
  if (!err.place.file?.startsWith(file) || !err.message.startsWith(file)) return `does not name the file: ${err.message}`;
  if (err.message.length > 600) return `message of ${err.message.length} characters`;
  return null;
}

type Outcome = 'refused at open' | 'refused at read' | 'read back';

/** Opens the archive and reads every entry; throws (with what went wrong) unless each step is refused properly or reads back true. */
async function readEverything(file: string, contents: Map<string, Buffer>): Promise<Outcome> {
  let archive;
  try {
    archive = await openZip(file);
  } catch (err) {
    const problem = refusalProblem(err, file);
    if (problem) throw new Error(`open: ${problem}`);
    return 'refused at open';
  }
  try {
    let refused = false;
    for (const entry of archive.entries.values()) {
      let data: Buffer;
      try {
        data = await archive.read(entry);
      } catch (err) {
        const problem = refusalProblem(err, file);
        if (problem) throw new Error(`read ${entry.name}: ${problem}`);
        refused = true;
        continue;
      }
      if (data.length !== entry.size || crc32(data) !== entry.crc) throw new Error(`${entry.name}: ${data.length} bytes read, not its declared size or CRC`);
      const original = contents.get(entry.name);
      if (original && crc32(original) === entry.crc && !data.equals(original)) throw new Error(`${entry.name}: other bytes than were written`);
    }
    return refused ? 'refused at read' : 'read back';
  } finally {
    await archive.close();
  }
}

describe('the ZIP reader on malformed archives (item 12b)', () => {
  async function bases(): Promise<BaseArchive[]> {
    const manifest = Buffer.from(`split,label,label_name,file\n${Array.from({ length: 40 }, (_, i) => `train,${i % 2},${i % 2 ? 'b' : 'a'},images/${i % 3}.png`).join('\n')}\n`);
    const curated = await baseArchives(
      [{ name: 'manifest.csv', bytes: manifest, deflate: true }, ...[0, 1, 2].map((i) => ({ name: `images/${i}.png`, bytes: tinyPng(i) }))],
      'curated',
    );
    const npy = (n: number) => Buffer.concat([Buffer.from('\x93NUMPY\x01\x00'), Buffer.from([118, 0]), Buffer.from(`{'descr': '<f4', 'fortran_order': False, 'shape': (${n},), }`.padEnd(117) + '\n'), Buffer.from(new Float32Array(n).map((_, i) => i / n).buffer)]);
    const npz = await baseArchives([{ name: 'index.npy', bytes: npy(16) }, { name: 'probs.npy', bytes: npy(64), deflate: true }, { name: 'empty.npy', bytes: Buffer.alloc(0) }], 'npz');
    return [...curated, ...npz];
  }

  it('reads back every base, plain and ZIP64-laid-out, byte for byte', async () => {
    for (const base of await bases()) {
      const file = write(`${base.label}.zip`, putTogether(base.parts, { zip64: base.zip64 }));
      const archive = await openZip(file);
      try {
        expect([...archive.entries.keys()]).toEqual([...base.contents.keys()]);
        for (const [name, bytes] of base.contents) expect((await archive.read(archive.entries.get(name)!)).equals(bytes)).toBe(true);
      } finally {
        await archive.close();
      }
    }
  });

  it('refuses two entries of one name, naming it', async () => {
    const [base] = await bases();
    const parts = { ...base!.parts, records: [...base!.parts.records, base!.parts.records[1]!] };
    const file = write('twice.zip', putTogether(parts));
    const err = await importError(openZip(file));
    expect(err.message).toBe(`${file}: not a ZIP archive, or a damaged one: two entries are named images/0.png`);
  });

  it('refuses entries whose bytes overlap (the overlapping-files ZIP bomb)', async () => {
    const [base] = await bases();
    const copy = { ...base!.parts.records[1]!, name: Buffer.from('images/again.png') };
    const file = write('overlap.zip', putTogether({ ...base!.parts, records: [...base!.parts.records, copy] }));
    const err = await importError(openZip(file));
    expect(err.message).toBe(`${file}: not a ZIP archive, or a damaged one: the entries images/0.png and images/again.png overlap`);
  });

  it('refuses a ZIP64 size that the extra field does not hold, and one past the end of the file', async () => {
    const [base] = await bases();
    const cut = { ...base!.parts, records: base!.parts.records.map((r, i) => (i === 2 ? { ...r, header: Buffer.from(r.header) } : r)) };
    cut.records[2]!.header.writeUInt32LE(0xffffffff, 20);
    const missing = write('missing64.zip', putTogether(cut));
    expect((await importError(openZip(missing))).message).toBe(`${missing}: not a ZIP archive, or a damaged one: images/1.png: its ZIP64 extra field is missing or cut short`);

    const parts = takeApart(putTogether(base!.parts, { zip64: true }));
    parts.records[3]!.extra.writeBigUInt64LE(2n ** 40n, 12); // the compressed size
    const past = write('past64.zip', putTogether(parts, { zip64: false }));
    expect((await importError(openZip(past))).message).toBe(`${past}: not a ZIP archive, or a damaged one: images/2.png runs past the end of the data (truncated?)`);
  });

  it('refuses by name, or reads back as written, each of 10,000 seeded malformed archives', async () => {
    const all = await bases();
    const tally: Record<Outcome, number> = { 'refused at open': 0, 'refused at read': 0, 'read back': 0 };
    const failures: string[] = [];
    const baseline = process.memoryUsage().arrayBuffers;
    let peakGrowth = 0;
    let slowest = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    let count = 0;
    for (const archive of malformedArchives(all, 10_000, 15)) {
      // A new file each time: rewriting one file in place makes ext4 flush it on every close.
      const file = path.join(dir, `fuzz-${count}.zip`);
      fs.writeFileSync(file, archive.bytes);
      const t0 = performance.now();
      try {
        tally[await readEverything(file, archive.base.contents)]++;
      } catch (err) {
        failures.push(`#${count} ${archive.label}: ${(err as Error).message.slice(0, 300)}`);
      }
      slowest = Math.max(slowest, performance.now() - t0);
      fs.unlinkSync(file);
      if (count % 50 === 0) peakGrowth = Math.max(peakGrowth, process.memoryUsage().arrayBuffers - baseline);
      count++;
    }
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    console.log(`ZIP fuzz: ${count} archives in ${seconds.toFixed(1)} s (${((user + system) / 1e6).toFixed(1)} s of CPU), slowest ${slowest.toFixed(0)} ms, ${JSON.stringify(tally)}`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(count).toBe(10_000);
    // Every kind of ending happens: the mix holds intact archives as well as broken ones.
    expect(Object.values(tally).every((n) => n > 100)).toBe(true);
    expect(slowest).toBeLessThan(2000);
    expect(peakGrowth).toBeLessThan(64 * MB);
  }, 120_000);
});
