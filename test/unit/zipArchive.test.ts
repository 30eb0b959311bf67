// The ZIP writer and reader: stored and streamed-deflate entries read back byte for byte, ZIP64
// end records past 65,535 entries, standard tools accept the archives, damage is reported by name.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openZip } from '../../main/data/zipReader.js';
import { createOutputFile } from '../../main/export/outputFile.js';
import { createZipWriter } from '../../main/export/zipWriter.js';
import { csvField, csvRecord, float32Text } from '../../main/export/csvText.js';
import { parseCsv } from '../../main/data/textTable.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: { dir: string; dispose: () => void };
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.dispose());

async function writeZip(file: string, fill: (zip: ReturnType<typeof createZipWriter>) => Promise<void>): Promise<number> {
  const out = await createOutputFile(file, false);
  const zip = createZipWriter(out);
  await fill(zip);
  await zip.finish();
  return out.publish();
}

async function readAll(file: string): Promise<Map<string, Buffer>> {
  const archive = await openZip(file);
  try {
    const result = new Map<string, Buffer>();
    for (const [name, entry] of archive.entries) result.set(name, await archive.read(entry));
    return result;
  } finally {
    await archive.close();
  }
}

const python = spawnSync('python3', ['-c', 'import zipfile'], { encoding: 'utf8' }).status === 0;

describe('ZIP archives', () => {
  it('reads back stored entries and a deflated entry streamed in many pieces, UTF-8 names included', async () => {
    const file = path.join(temp.dir, 'a.zip');
    const big = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `row ${i},${(i * 7919) % 1000}\r\n`).join(''));
    const binary = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31 + (i >> 3)) & 255));
    const bytes = await writeZip(file, async (zip) => {
      const manifest = await zip.startDeflated('manifest.csv');
      for (let at = 0; at < big.length; at += 7777) await manifest.write(big.subarray(at, at + 7777));
      await manifest.end();
      await zip.addStored('images/train/T-shirt_top/1.png', binary);
      await zip.addStored('images/test/Größe/2.png', Buffer.alloc(0));
    });
    expect(bytes).toBe(fs.statSync(file).size);
    expect(bytes).toBeLessThan(big.length / 2); // the manifest was compressed
    const entries = await readAll(file);
    expect([...entries.keys()]).toEqual(['manifest.csv', 'images/train/T-shirt_top/1.png', 'images/test/Größe/2.png']);
    expect(entries.get('manifest.csv')!.equals(big)).toBe(true);
    expect(entries.get('images/train/T-shirt_top/1.png')!.equals(binary)).toBe(true);
    expect(entries.get('images/test/Größe/2.png')!.length).toBe(0);
  });

  it.skipIf(!python)('writes archives that Python\'s zipfile (and unzip, where installed) test clean', async () => {
    const file = path.join(temp.dir, 'b.zip');
    await writeZip(file, async (zip) => {
      const manifest = await zip.startDeflated('manifest.csv');
      await manifest.write(Buffer.from('id,label\r\n1,a\r\n'.repeat(50_000)));
      await manifest.end();
      await zip.addStored('images/x/1.png', Buffer.from('not really a png'));
    });
    const check = spawnSync('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(z.testzip(), len(z.read("manifest.csv")), z.namelist())', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.stdout.trim()).toBe(`None 750000 ['manifest.csv', 'images/x/1.png']`);
    const unzip = spawnSync('unzip', ['-tq', file], { encoding: 'utf8' });
    if (!unzip.error) expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
  });

  it('switches to ZIP64 end records past 65,535 entries and reads them back', async () => {
    const file = path.join(temp.dir, 'many.zip');
    const n = 70_000;
    await writeZip(file, async (zip) => {
      for (let i = 0; i < n; i++) await zip.addStored(`f/${i}`, Buffer.from(String(i)));
    });
    const raw = fs.readFileSync(file);
    expect(raw.readUInt16LE(raw.length - 22 + 10)).toBe(0xffff);
    expect(raw.readUInt32LE(raw.length - 22 - 20)).toBe(0x07064b50);
    const archive = await openZip(file);
    try {
      expect(archive.entries.size).toBe(n);
      expect((await archive.read(archive.entries.get('f/69999')!)).toString()).toBe('69999');
    } finally {
      await archive.close();
    }
    if (python) {
      const check = spawnSync('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(len(z.namelist()), z.read("f/69999").decode())', file], { encoding: 'utf8' });
      expect(check.stdout.trim()).toBe(`${n} 69999`);
    }
  });

  it('names the damage: not a ZIP, a flipped byte (CRC), a truncated archive', async () => {
    const junk = path.join(temp.dir, 'junk.zip');
    fs.writeFileSync(junk, 'hello, I am not an archive');
    await expect(openZip(junk)).rejects.toThrow(/junk\.zip: not a ZIP archive, or a damaged one: no end of central directory record/);

    const file = path.join(temp.dir, 'c.zip');
    await writeZip(file, async (zip) => zip.addStored('data.bin', Buffer.from('0123456789')));
    const raw = fs.readFileSync(file);
    const at = raw.indexOf('0123456789');
    raw[at + 3] = raw[at + 3]! ^ 0xff;
    fs.writeFileSync(file, raw);
    const archive = await openZip(file);
    await expect(archive.read(archive.entries.get('data.bin')!)).rejects.toThrow(/c\.zip: data\.bin is damaged: its CRC-32 does not match/);
    await archive.close();

    fs.writeFileSync(file, raw.subarray(0, raw.length - 30));
    await expect(openZip(file)).rejects.toThrow(/not a ZIP archive, or a damaged one/);
  });
});

describe('CSV text', () => {
  it('quotes per RFC 4180 so the importer\'s parser reads the fields back', () => {
    const fields = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '', ' spaced '];
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(null)).toBe('');
    const text = csvRecord(fields) + csvRecord(fields.map((_, i) => i));
    expect(parseCsv(text, 'x.csv').map((r) => r.fields)).toEqual([fields, fields.map((_, i) => String(i))]);
  });

  it('writes float32 values as the shortest text that reads back to the same float32', () => {
    const values = Float32Array.from([0.1, 1 / 3, 1e-7, 0.5, 1, 0, 0.999999, 3.4028234663852886e38, 1.17549435e-38, 2 ** -149]);
    for (const v of values) {
      const text = float32Text(v);
      expect(Math.fround(Number(text)), text).toBe(v);
      expect(text.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
    // The same text as the slow, obviously right search: toPrecision(1…9) until it reads back.
    const reference = (v: number) => {
      for (let d = 1; d < 9; d++) if (Math.fround(Number(v.toPrecision(d))) === v) return String(Number(v.toPrecision(d)));
      return String(Number(v.toPrecision(9)));
    };
    let seed = 1;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const v = Math.fround(i % 3 === 0 ? Math.exp(-next() * 80) : i % 3 === 1 ? next() : -next() * 10 ** (next() * 40 - 20));
      expect(float32Text(v), String(v)).toBe(reference(v));
    }
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(float32Text(Math.fround(1e-7))).toBe('1e-7');
    expect(float32Text(Math.fround(1.5e-20))).toBe('1.5e-20');
    expect(float32Text(0.5)).toBe('0.5');
    expect(float32Text(NaN)).toBe('');
  });
});
