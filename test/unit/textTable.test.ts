// CSV and JSONL text datasets: the RFC 4180 parser's corners, strict UTF-8, label and split
// handling, and an ImportError naming the file and row for every bad input.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTextTable, parseCsv } from '../../main/data/textTable.js';
import { importError } from '../helpers/importError.js';
import { tempDirPerTest } from '../helpers/tempDir.js';

let dir: string;
tempDirPerTest('disobey-', (made) => (dir = made));

const split = { testFraction: 0.2, seed: 3 };

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** Writes a file into the test folder and imports it. */
const importWritten = (name: string, content: string) => importTextTable(write(name, content), split);

describe('parseCsv', () => {
  const fields = (text: string) => parseCsv(text, 'f.csv').map((r) => r.fields);

  it('reads quoted fields with commas, "" escapes and embedded newlines', () => {
    const text = 'text,label\n"hello, world",a\n"she said ""hi""",b\n"two\nlines",c\n';
    expect(fields(text)).toEqual([
      ['text', 'label'],
      ['hello, world', 'a'],
      ['she said "hi"', 'b'],
      ['two\nlines', 'c'],
    ]);
  });

  it('numbers records by the line they start on', () => {
    const rows = parseCsv('text,label\n"a\nb\nc",x\nplain,y\n', 'f.csv');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('accepts CRLF, keeps CRLF inside quotes, drops a BOM and skips blank lines', () => {
    expect(fields('\ufefftext,label\r\n"x\r\ny",1\r\n\r\nz,2')).toEqual([
      ['text', 'label'],
      ['x\r\ny', '1'],
      ['z', '2'],
    ]);
  });

  it('keeps empty fields, a trailing empty field and a quoted empty string', () => {
    expect(fields('a,b,c\n,,\n"",x,\n')).toEqual([
      ['a', 'b', 'c'],
      ['', '', ''],
      ['', 'x', ''],
    ]);
  });

  it('rejects an unterminated quote with the row where it opened', () => {
    expect(() => parseCsv('text,label\nok,1\n"never closed,2\nmore,3\n', 'bad.csv')).toThrow(/bad\.csv, row 3: unterminated quoted field/);
  });

  it('rejects a row whose field count differs from the header, naming the row', () => {
    expect(() => parseCsv('text,label\na,1\nb,2,extra\n', 'wide.csv')).toThrow('wide.csv, row 3: 3 fields, but the header has 2');
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsv('text,label\n"a"b,1\n', 'q.csv')).toThrow(/q\.csv, row 2: unexpected text after a closing quote/);
  });
});

describe('importTextTable', () => {
  it('imports one CSV with a split column: string labels naturally sorted, UTF-8 text, groups', async () => {
    const ds = await importWritten('reviews.csv', 'Text,Label,Split,Group\n"naïve café 日本",pos,train,g1\n"bad, very bad",neg,train,g2\n"meh\nok",class10,test,g1\nfine,class2,Test,\n');
    expect(ds.kind).toBe('text');
    expect(ds.format).toBe('csv');
    expect(ds.shape).toBeNull();
    expect(ds.classNames).toEqual(['class2', 'class10', 'neg', 'pos']);
    expect(ds.examples.map((e) => [e.text, e.label, e.split, e.group])).toEqual([
      ['naïve café 日本', 3, 'train', 0],
      ['bad, very bad', 2, 'train', 1],
      ['meh\nok', 1, 'test', 0],
      ['fine', 0, 'test', null],
    ]);
    expect(ds.examples.map((e) => e.sourceRef)).toEqual(['reviews.csv:2', 'reviews.csv:3', 'reviews.csv:4', 'reviews.csv:6']);
  });

  it('names integer labels "0".."K-1" and splits a file without a split column per class', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `row ${i},${i < 30 ? 0 : 2}`);
    const file = write('ints.csv', `text,label\n${rows.join('\n')}\n`);
    const ds = await importTextTable(file, split);
    expect(ds.classNames).toEqual(['0', '1', '2']);
    const count = (label: number, s: string) => ds.examples.filter((e) => e.label === label && e.split === s).length;
    expect([count(0, 'train'), count(0, 'test'), count(2, 'train'), count(2, 'test')]).toEqual([24, 6, 16, 4]);
    const again = await importTextTable(file, split);
    expect(again.examples.map((e) => e.split)).toEqual(ds.examples.map((e) => e.split));
    const otherSeed = await importTextTable(file, { ...split, seed: 4 });
    expect(otherSeed.examples.map((e) => e.split)).not.toEqual(ds.examples.map((e) => e.split));
  });

  it('imports JSONL with string or integer labels, CRLF and blank lines', async () => {
    const ds = await importWritten('data.jsonl', '{"text": "naïve café 日本", "label": 1, "split": "train"}\r\n\n{"text": "b", "label": "0", "split": "test", "group": 7}\n{"TEXT": "c", "Label": 1, "split": "train"}\n');
    expect(ds.format).toBe('jsonl');
    expect(ds.classNames).toEqual(['0', '1']);
    expect(ds.examples.map((e) => [e.text, e.label, e.split, e.group, e.sourceRef])).toEqual([
      ['naïve café 日本', 1, 'train', null, 'data.jsonl:1'],
      ['b', 0, 'test', 7, 'data.jsonl:3'],
      ['c', 1, 'train', null, 'data.jsonl:4'],
    ]);
  });

  it('imports a folder of <split>.csv files, the file name giving the split', async () => {
    write('train.csv', 'text,label\na,x\nb,y\n');
    write('test.csv', 'text,label\nc,y\n');
    write('ood-shifted.csv', 'text,label\nd,x\n');
    write('notes.txt', 'ignored');
    const ds = await importTextTable(dir, split);
    expect(ds.classNames).toEqual(['x', 'y']);
    expect(ds.examples.map((e) => [e.text, e.split])).toEqual([
      ['d', 'ood-shifted'],
      ['c', 'test'],
      ['a', 'train'],
      ['b', 'train'],
    ]);
  });

  it('imports a folder of <split>.jsonl files', async () => {
    write('train.jsonl', '{"text":"a","label":"x"}\n{"text":"b","label":"y"}\n');
    write('test.ndjson', '{"text":"c","label":"x"}\n');
    const ds = await importTextTable(dir, split);
    expect(ds.format).toBe('jsonl');
    expect(ds.examples.map((e) => e.split)).toEqual(['test', 'train', 'train']);
  });

  it('rejects a missing column, naming the file, the column and the columns found', async () => {
    const file = write('nolabel.csv', 'text,category\na,x\nb,y\n');
    const err = await importError(importTextTable(file, split));
    expect(err.message).toContain('nolabel.csv');
    expect(err.message).toContain('missing column "label"');
    expect(err.message).toContain('text, category');
  });

  it('rejects an empty file and a header-only file', async () => {
    const empty = write('empty.csv', '');
    expect((await importError(importTextTable(empty, split))).message).toContain('empty.csv');
    const headerOnly = write('header.csv', 'text,label\n');
    expect((await importError(importTextTable(headerOnly, split))).message).toMatch(/header\.csv: no rows/);
    const blankJsonl = write('blank.jsonl', '\n\n');
    expect((await importError(importTextTable(blankJsonl, split))).message).toMatch(/blank\.jsonl: no rows/);
  });

  it('rejects invalid UTF-8 with the line of the bad byte', async () => {
    const bytes = Buffer.concat([Buffer.from('text,label\nok,a\ncafé,b\n'), Buffer.from([0x62, 0xff, 0x61]), Buffer.from(',c\n')]);
    const file = write('latin.csv', bytes);
    const err = await importError(importTextTable(file, split));
    expect(err.message).toContain('latin.csv');
    expect(err.message).toContain('line 4');
    expect(err.place.row).toBe(4);
  });

  it('rejects a truncated multi-byte character at the end of a line', async () => {
    const bytes = Buffer.concat([Buffer.from('{"text":"a","label":"x"}\n{"text":"'), Buffer.from([0xe6, 0x97]), Buffer.from('","label":"y"}\n')]);
    const err = await importError(importTextTable(write('cut.jsonl', bytes), split));
    expect(err.message).toMatch(/cut\.jsonl, row 2: invalid UTF-8 on line 2/);
  });

  it('rejects a single class, naming the file', async () => {
    const file = write('one.csv', 'text,label\na,x\nb,x\n');
    const err = await importError(importTextTable(file, split));
    expect(err.message).toContain('one.csv');
    expect(err.message).toContain('a single class');
  });

  it('rejects bad JSON, non-string text and a missing label, naming the line', async () => {
    const badJson = write('bad.jsonl', '{"text":"a","label":"x"}\n{"text": oops}\n');
    expect((await importError(importTextTable(badJson, split))).message).toMatch(/bad\.jsonl, row 2: bad JSON/);
    const numberText = write('num.jsonl', '{"text":"a","label":"x"}\n\n{"text": 5, "label":"y"}\n');
    expect((await importError(importTextTable(numberText, split))).message).toMatch(/num\.jsonl, row 3: "text" must be a string/);
    const noLabel = write('nolabel.jsonl', '{"text":"a"}\n');
    expect((await importError(importTextTable(noLabel, split))).message).toMatch(/nolabel\.jsonl, row 1: missing "label"/);
    const array = write('array.jsonl', '["a", "x"]\n');
    expect((await importError(importTextTable(array, split))).message).toMatch(/array\.jsonl, row 1: expected a JSON object/);
  });

  it('rejects a row with too many fields and an empty label, naming the row', async () => {
    const wide = write('wide.csv', 'text,label\na,x\n"b,c",y,z\n');
    expect((await importError(importTextTable(wide, split))).message).toMatch(/wide\.csv, row 3: 3 fields/);
    const emptyLabel = write('nolab.csv', 'text,label\na,x\nb, \n');
    expect((await importError(importTextTable(emptyLabel, split))).message).toMatch(/nolab\.csv, row 3: empty label/);
  });

  it('rejects a bad split name and a split on only some rows', async () => {
    const badSplit = write('split.csv', 'text,label,split\na,x,train\nb,y,my split\n');
    expect((await importError(importTextTable(badSplit, split))).message).toMatch(/split\.csv, row 3: bad split name "my split"/);
    const partial = write('partial.jsonl', '{"text":"a","label":"x","split":"train"}\n{"text":"b","label":"y"}\n');
    expect((await importError(importTextTable(partial, split))).message).toMatch(/partial\.jsonl, row 2: no split/);
  });

  it('rejects a folder without split files, naming it', async () => {
    write('readme.md', '# nothing');
    const err = await importError(importTextTable(dir, split));
    expect(err.message).toContain(dir);
    expect(err.message).toContain('train.csv');
  });
});
