// CSV cells against formula injection (OWASP): which text gets an apostrophe, that the rule is
// undone exactly, and that numbers and our own cells are written as they are.
import { describe, expect, it } from 'vitest';
import { neutralizeFormula, restoreNeutralizedFormula } from '../../shared/spreadsheetText.js';
import { csvField, csvRecord, csvText } from '../../main/export/csvText.js';
import { parseCsv } from '../../main/data/textTable.js';

describe('spreadsheet-safe text', () => {
  it('puts an apostrophe before text starting with = + - @ tab or CR, and before apostrophes that precede one', () => {
    const cases: [string, string][] = [
      ['=1+2', "'=1+2"],
      ['+cmd', "'+cmd"],
      ['-a', "'-a"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\t=x', "'\t=x"],
      ['\r=x', "'\r=x"],
      ["'=x", "''=x"],
      ["''-x", "'''-x"],
      ['-', "'-"],
      ['--1', "'--1"],
      ['1-1', '1-1'],
      [' =x', ' =x'],
      ["'quoted", "'quoted"],
      ['plain', 'plain'],
      ['', ''],
      // plain numbers, signed or with an exponent, are numbers to a spreadsheet and stay as they are
      ['-1', '-1'],
      ['-0.5', '-0.5'],
      ['+3', '+3'],
      ['-.5', '-.5'],
      ['-2.5e3', '-2.5e3'],
      ['-1e-7', '-1e-7'],
      ['-1,5', "'-1,5"],
      ['-1e', "'-1e"],
    ];
    expect(cases.map(([text]) => neutralizeFormula(text))).toEqual(cases.map(([, cell]) => cell));
  });

  it('is undone exactly by restoreNeutralizedFormula, for every mix of apostrophes, triggers and numbers', () => {
    const starts = ['', "'", "''", "'''"];
    const seconds = ['=', '+', '-', '@', '\t', '\r', "'", 'a', '1', ' ', '.'];
    const tails = ['', '1', '0.5', 'x', 'e3', '=1', "'"];
    let checked = 0;
    for (const a of starts) {
      for (const b of seconds) {
        for (const c of tails) {
          const text = a + b + c;
          const cell = neutralizeFormula(text);
          expect(restoreNeutralizedFormula(cell), JSON.stringify(text)).toBe(text);
          // a spreadsheet sees no formula: the cell starts with an apostrophe, a safe character, or is a number
          expect(/^[=+\-@\t\r]/.test(cell) && Number.isNaN(Number(cell)), JSON.stringify(cell)).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBe(4 * 11 * 7);
  });

  it('quotes a neutralised text cell; numbers and our own strings are written as they are', () => {
    expect(csvField(csvText('=1+2'))).toBe(`"'=1+2"`);
    expect(csvField(csvText('=HYPERLINK("x")'))).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(csvText('plain'))).toBe('plain');
    expect(csvField(csvText('a,b'))).toBe('"a,b"');
    expect(csvField(csvText('-0.5'))).toBe('-0.5');
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField('-0.5')).toBe('-0.5');
    const texts = ['=1+2', '\r=x', "'@y", 'plain'];
    expect(parseCsv(csvRecord(texts.map(csvText)), 'x.csv')[0]!.fields.map(restoreNeutralizedFormula)).toEqual(texts);
  });
});
