// The terminal's dataset summary: names that cannot move the cursor, and a kind line that reads.
import { describe, expect, it } from 'vitest';
import type { DatasetSummary } from '../../shared/domain.js';
import { formatDataset, formatSkipped } from '../../main/cli/formatDataset.js';
import { printable, terminalJson, terminalText } from '../../main/cli/output.js';
import { readPixels } from '../../main/data/pixelTable.js';

const summary = (over: Partial<DatasetSummary>): DatasetSummary =>
  ({ id: 3, name: 'd', kind: 'text', format: 'csv', source: '/x', createdAt: '', shape: null, classNames: ['a', 'b'], classGroups: [], splits: [], ...over }) as DatasetSummary;

describe('the dataset summary', () => {
  it('writes control characters in names as escapes', () => {
    expect(printable('red\u001b[31m\nline\u007f')).toBe('red\\x1B[31m\\x0Aline\\x7F');
    const text = formatDataset(summary({ name: 'evil\u001b[2J', classNames: ['ok', 'new\nline'] }));
    expect(text).toContain('dataset 3 "evil\\x1B[2J" (text, 2 classes, from csv)');
    expect(text).toContain('classes: 0=ok, 1=new\\x0Aline');
    expect([...text].filter((c) => c !== '\n' && c.charCodeAt(0) < 32)).toEqual([]);
  });
  it('text for the terminal keeps its line breaks and tabs; JSON escapes DEL and C1 and reads back the same', () => {
    expect(terminalText('a\tb\nc\u001b[2J\u009b\r')).toBe('a\tb\nc\\x1B[2J\\x9B\\x0D');
    const value = { name: 'x\u007f\u0085\u009b\u001by', n: [1, 2] };
    const json = terminalJson(value);
    expect(json).toBe('{"name":"x\\u007f\\u0085\\u009b\\u001by","n":[1,2]}');
    expect(JSON.parse(json)).toEqual(value);
  });
  it('lists a skipped file whose name holds a line break on one line', () => {
    const text = formatSkipped({ count: 1, examples: [{ path: 'a/fake\ndisobey: all fine.txt', reason: 'not an image' }] });
    expect(text).toBe('skipped 1 file:\n  a/fake\\x0Adisobey: all fine.txt: not an image');
  });
  it('says "text" once, and an image dataset without stored pixels says so', () => {
    expect(formatDataset(summary({ kind: 'image', format: 'folder' }))).toContain('(image, no stored pixels, 2 classes, from folder)');
    expect(formatDataset(summary({ kind: 'image', shape: { height: 28, width: 28, channels: 1 } }))).toContain('(image 28×28×1, 2 classes');
  });
});

describe('pixel cells', () => {
  const columns = { fields: Int32Array.from([0]), start: 0, shapeField: -1 };
  const read = (cell: string) => readPixels([cell], columns, { file: 'f.csv', row: 2 })[0];
  it('are decimal whole numbers from 0 to 255 ("7.0" and " 7" too), not hex, exponents or binary', () => {
    expect([read('7'), read('7.0'), read(' 7'), read('255')]).toEqual([7, 7, 7, 255]);
    for (const cell of ['0x10', '1e2', '0b11', '256', '-1', '']) expect(() => read(cell), cell).toThrow(/expected a whole number from 0 to 255/);
  });
});
