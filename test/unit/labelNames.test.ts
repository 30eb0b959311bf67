// Text tables with a `label_name` column (as curated-set exports write them): the name is the
// class, and the `label` beside it restores the original class order where it is consistent.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderClassNames } from '../../main/data/classOrder.js';
import { importTextTable } from '../../main/data/textTable.js';
import { importError } from '../helpers/importError.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: { dir: string; dispose: () => void };
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.dispose());

const split = { testFraction: 0.2, seed: 3 };
const write = (name: string, content: string) => {
  const file = path.join(temp.dir, name);
  fs.writeFileSync(file, content);
  return file;
};

describe('orderClassNames', () => {
  it('orders names by the index given with them, else naturally', () => {
    const named = (pairs: [string, string | null][]) => pairs.map(([name, index]) => ({ name, index }));
    expect(orderClassNames(named([['Sneaker', '7'], ['T-shirt/top', '0'], ['Sneaker', '7'], ['Coat', '4']]))).toEqual(['T-shirt/top', 'Coat', 'Sneaker']);
    expect(orderClassNames(named([['b', '1'], ['a', null]]))).toEqual(['a', 'b']);
    expect(orderClassNames(named([['b', '1'], ['a', '1']]))).toEqual(['a', 'b']); // two names, one index
    expect(orderClassNames(named([['b', '1'], ['b', '2'], ['a10', 'x'], ['a2', 'y']]))).toEqual(['a2', 'a10', 'b']);
  });
});

describe('label_name columns', () => {
  it('reads CSV classes by label_name, in the exported label order', async () => {
    const file = write('set.csv', 'id,split,index,label,label_name,train_label,note,text\r\n7,train,0,2,zebra,2,,striped\r\n8,train,1,0,yak,0,"a, note",hairy\r\n9,test,0,2,zebra,0,,"two\r\nlines"\r\n');
    const ds = await importTextTable(file, split);
    expect(ds.classNames).toEqual(['yak', 'zebra']);
    expect(ds.examples.map((e) => [e.split, e.label, e.text])).toEqual([['train', 1, 'striped'], ['train', 0, 'hairy'], ['test', 1, 'two\r\nlines']]);
  });

  it('reads JSONL label_name before label, and needs no label column', async () => {
    const file = write('set.jsonl', ['{"text":"a","label":3,"label_name":"Coat","split":"train"}', '{"text":"b","label":0,"label_name":"T-shirt/top","split":"test"}'].join('\n'));
    expect((await importTextTable(file, split)).classNames).toEqual(['T-shirt/top', 'Coat']);
    const bare = write('bare.csv', 'text,label_name\nx,b\ny,a\nz,b\n');
    expect((await importTextTable(bare, split)).classNames).toEqual(['a', 'b']);
    const err = await importError(importTextTable(write('empty.csv', 'text,label,label_name\nx,1,\n'), split));
    expect(err.message).toMatch(/empty\.csv, row 2: empty label_name/);
  });
});
