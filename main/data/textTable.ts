// Text datasets as CSV (RFC 4180) or JSONL with `text` and `label` (and optional `split`,
// `group`): one file, split here unless it has a split column, or a folder of <split>.csv files.
// A `label_name` column (a curated-set export's) names the class and is read instead of `label`.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImageShape, SkippedFile } from '../../shared/domain.js';
import { ImportError } from '../../shared/errors.js';
import { restoreNeutralizedFormula } from '../../shared/spreadsheetText.js';
import { orderClassNames } from './classOrder.js';
import { escapeFileName, utf8FileName } from './fileNames.js';
import { excerpt, listNames } from './messageExcerpt.js';
import { compareNatural, sortNatural } from './naturalOrder.js';
import type { ParsedDataset, ParsedExample, ReportProgress } from './parsedDataset.js';
import { imageShapeOf, pixelColumnsOf, readPixels } from './pixelTable.js';
import { normalizeSplitName } from './splitNames.js';
import { stratifiedSplit } from './stratifiedSplit.js';

export type TextTableFormat = 'csv' | 'jsonl';

export interface TextTableOptions {
  /** the format of a single file whose extension does not say (.csv, .jsonl, .ndjson do) */
  format?: TextTableFormat;
  /** share of each class that goes to test when the rows carry no split */
  testFraction: number;
  seed: number;
}

/** One CSV record; `line` is the 1-based line where it starts (records may span lines). */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** A row before labels become class indices: those need every file read first. */
export interface RawRecord {
  text: string;
  label: string;
  /** with a `label_name` column: the row's `label` (the class index it had), which can restore the class order */
  labelIndex?: string | null;
  split: string | null;
  group: string | null;
  file: string;
  line: number;
}

const COMMA = ','.charCodeAt(0);
const QUOTE = '"'.charCodeAt(0);
const CR = '\r'.charCodeAt(0);
const LF = '\n'.charCodeAt(0);
// Integer labels index classes "0".."K-1"; a huge one is an id, not a class index.
const MAX_INTEGER_LABEL = 99_999;

/** Formats by extension, for files given directly and for <split>.<ext> files in a folder. */
export function textTableFormatOf(file: string): TextTableFormat | null {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return null;
}

export async function importTextTable(inputPath: string, options: TextTableOptions, report: ReportProgress = () => {}): Promise<ParsedDataset> {
  const source = path.resolve(inputPath);
  const stat = await fs.stat(source).catch(() => null);
  if (!stat) throw new ImportError(`no such file or directory: ${source}`);
  const skipped: SkippedFile[] = [];
  const files = stat.isDirectory() ? await findSplitFiles(source, skipped) : [singleFile(source, options.format)];
  const format = files[0]?.format as TextTableFormat;

  const records: RawRecord[] = [];
  /** CSV files with pixel columns (the first file decides): every row's image, and their one shape */
  let images: { shape: ImageShape; pixels: Uint8Array[] } | null = null;
  report('parse', 0, files.length);
  for (const [done, entry] of files.entries()) {
    const text = decodeUtf8(await readFile(entry.file), entry.file);
    const table: CsvTable = entry.format === 'csv' ? csvTable(text, entry.file) : { records: jsonlRecords(text, entry.file), images: null };
    const fileRecords = table.records;
    if (fileRecords.length === 0) throw new ImportError('no rows: the file holds no examples', { file: entry.file });
    if (done === 0 && table.images?.shape) images = { shape: table.images.shape, pixels: [] };
    if ((images === null) !== (table.images === null)) {
      throw new ImportError(`${images ? 'no pixel columns' : 'pixel columns'}, unlike ${path.basename(files[0]!.file)}; every file holds images or every file holds texts`, { file: entry.file });
    }
    if (images && table.images?.shape) {
      const [a, b] = [images.shape, table.images.shape];
      if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
        throw new ImportError(`images of ${b.height}x${b.width}x${b.channels}, unlike ${path.basename(files[0]!.file)}'s ${a.height}x${a.width}x${a.channels}`, { file: entry.file });
      }
      // one at a time: a spread into push passes every row as an argument, past V8's ~120,000
      for (const row of table.images.pixels) images.pixels.push(row);
    }
    if (entry.split !== null) for (const record of fileRecords) record.split = entry.split;
    else requireSplitEverywhereOrNowhere(fileRecords);
    for (const record of fileRecords) records.push(record);
    report('parse', done + 1, files.length);
  }

  const dataset = textDataset(records, { source, format, where: files.map((f) => f.file).join(', '), ...options });
  if (!images) return { ...dataset, skipped };
  const pixels = images.pixels;
  // The same labels, splits and groups as a text table's; the pixels take the texts' place.
  return {
    ...dataset,
    kind: 'image',
    shape: images.shape,
    examples: dataset.examples.map(({ text: _text, ...example }, i) => ({ ...example, pixels: pixels[i] as Uint8Array })),
    skipped,
  };
}

/** Turns parsed rows (every file read) into a dataset: class names, labels, splits, groups. */
export function textDataset(
  records: RawRecord[],
  options: { source: string; format: TextTableFormat; where: string; testFraction: number; seed: number },
): ParsedDataset {
  const classNames = classNamesOf(records);
  const labelOf = labelIndexer(records, classNames);
  const labels = records.map(labelOf);
  if (new Set(labels).size < 2) {
    throw new ImportError(`every row has label "${excerpt(records[0]?.label ?? '')}": a single class cannot be classified`, { file: options.where });
  }
  const splits = records[0]?.split !== null ? records.map((r) => r.split as string) : stratifiedSplit(labels, options.testFraction, options.seed);
  const groups = groupIds(records);
  const examples: ParsedExample[] = records.map((record, i) => ({
    split: splits[i] as string,
    label: labels[i] as number,
    text: record.text,
    group: groups[i] ?? null,
    sourceRef: `${path.basename(record.file)}:${record.line}`,
  }));
  return { kind: 'text', format: options.format, source: options.source, classNames, shape: null, examples };
}

/** Parses CSV text (header included) into records; every record must match the header's width. */
export function parseCsv(text: string, file: string): CsvRow[] {
  return [...csvRows(text, file)];
}

/** parseCsv one record at a time, so a caller can turn each into something smaller (pixels) as it goes. */
export function* csvRows(text: string, file: string): Generator<CsvRow, void, undefined> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = body.length;
  let width = -1;
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const recordStart = i;
    const fields: string[] = [];
    for (;;) {
      if (body.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        let value = '';
        let j = i + 1;
        for (;;) {
          const close = body.indexOf('"', j);
          if (close < 0) throw new ImportError('unterminated quoted field: a " opened on this row is never closed', { file, row: quoteLine });
          const chunk = body.slice(j, close);
          value += chunk;
          line += countLineFeeds(chunk);
          if (body.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            j = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        if (i < n && !isFieldEnd(body, i)) {
          throw new ImportError('unexpected text after a closing quote (a quote inside a quoted field is written "")', { file, row: line });
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < n && !isFieldEnd(body, j)) j++;
        fields.push(body.slice(i, j));
        i = j;
      }
      if (i < n && body.charCodeAt(i) === COMMA) {
        i++;
        continue;
      }
      break;
    }
    const blank = i === recordStart;
    if (body.charCodeAt(i) === CR) i++;
    if (body.charCodeAt(i) === LF) {
      i++;
      line++;
    }
    if (blank) continue;
    if (width < 0) width = fields.length;
    else if (fields.length !== width) throw new ImportError(`${fields.length} fields, but the header has ${width}`, { file, row: startLine });
    yield { line: startLine, fields };
  }
}

/** Decodes strict UTF-8 (a BOM is dropped); a bad byte is reported with its line. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    const line = firstInvalidLine(bytes);
    // Every line decodes: the text is longer than a JavaScript string can be.
    if (line === null) throw new ImportError(`${(bytes.length / (1 << 20)).toFixed(0)} MB of text is too large to read as one string`, { file }, { cause: err });
    throw new ImportError(`invalid UTF-8 on line ${line}; save the file as UTF-8`, { file, row: line }, { cause: err });
  }
}

function firstInvalidLine(bytes: Uint8Array): number | null {
  // A line feed byte never occurs inside a multi-byte UTF-8 sequence, so lines decode on their own.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(LF, start);
    const stop = end < 0 ? bytes.length : end;
    try {
      decoder.decode(bytes.subarray(start, stop));
    } catch {
      return line;
    }
    if (end < 0) return null;
    start = end + 1;
  }
}

function isFieldEnd(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === COMMA || c === LF || (c === CR && text.charCodeAt(i + 1) === LF);
}

function countLineFeeds(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** A CSV file's rows, and with pixel columns each row's image (RawRecord.text is then ''). */
export interface CsvTable {
  records: RawRecord[];
  /** null for a text table; shape null only when the file has no rows */
  images: { shape: ImageShape | null; pixels: Uint8Array[] } | null;
}

export function csvRecords(text: string, file: string): RawRecord[] {
  return csvTable(text, file).records;
}

export function csvTable(text: string, file: string): CsvTable {
  const rows = csvRows(text, file);
  const first = rows.next();
  if (first.done) throw new ImportError('the file is empty: expected a header row with text and label columns', { file });
  const header = first.value;
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const place = { file, row: header.line };
  const column = (name: string, required: boolean): number => {
    const index = names.indexOf(name);
    if (index < 0 && required) throw new ImportError(`missing column "${name}" (found columns: ${listNames(header.fields)})`, place);
    if (index >= 0 && names.indexOf(name, index + 1) >= 0) throw new ImportError(`column "${name}" appears more than once`, place);
    return index;
  };
  const pixelColumns = pixelColumnsOf(names, place);
  const textColumn = column('text', false);
  if (textColumn < 0 && !pixelColumns) throw new ImportError(missingTextMessage(names, header.fields), place);
  // Which one the table holds would be a guess, and the other column's data would be lost.
  if (textColumn >= 0 && pixelColumns) {
    throw new ImportError(`both a "text" column and pixel columns (${header.fields[pixelColumns.fields[0]!]}…): a CSV dataset holds texts or images, not both`, place);
  }
  const labelNameColumn = column('label_name', false);
  const labelColumn = column('label', labelNameColumn < 0);
  const splitColumn = column('split', false);
  const groupColumn = column('group', false);
  // A `label_name` column marks our own export, whose text cells were neutralised against
  // spreadsheet formulas (docs/database.md, "CSV exports"): the apostrophe it added comes off.
  const ours = labelNameColumn >= 0;
  const cell = (value: string) => (ours ? restoreNeutralizedFormula(value) : value);
  const images: CsvTable['images'] = pixelColumns ? { shape: null, pixels: [] } : null;
  let shapeText: string | null = null;
  const records: RawRecord[] = [];
  for (const { line, fields } of rows) {
    const label = cell((fields[labelNameColumn >= 0 ? labelNameColumn : labelColumn] as string).trim());
    if (label === '') throw new ImportError(labelNameColumn >= 0 ? 'empty label_name' : 'empty label', { file, row: line });
    const split = splitColumn >= 0 ? (fields[splitColumn] as string) : null;
    if (split !== null && split.trim() === '') throw new ImportError('empty split', { file, row: line });
    const group = groupColumn >= 0 ? (fields[groupColumn] as string).trim() || null : null;
    if (images && pixelColumns) {
      // Every row's image_shape must be the first row's: one dataset has one image shape.
      const rowShape = pixelColumns.shapeField >= 0 ? (fields[pixelColumns.shapeField] as string).trim() : null;
      if (images.shape === null) {
        images.shape = imageShapeOf(pixelColumns.fields.length, rowShape, { file, row: line });
        shapeText = rowShape;
      } else if (rowShape !== shapeText) {
        const shape = imageShapeOf(pixelColumns.fields.length, rowShape, { file, row: line });
        if (shape.height !== images.shape.height || shape.width !== images.shape.width || shape.channels !== images.shape.channels) {
          throw new ImportError(`image_shape ${rowShape} differs from the first row's ${shapeText}; one dataset holds one image shape`, { file, row: line });
        }
      }
      images.pixels.push(readPixels(fields, pixelColumns, { file, row: line }));
    }
    records.push({
      text: textColumn >= 0 && !images ? cell(fields[textColumn] as string) : '',
      label,
      ...(labelNameColumn >= 0 ? { labelIndex: labelColumn >= 0 ? (fields[labelColumn] as string).trim() : null } : {}),
      split: split === null ? null : normalizeSplitName(split, { file, row: line }),
      group,
      file,
      line,
    });
  }
  return { records, images };
}

/** Why a CSV without a text column cannot be read, in one short line that says what to do. */
function missingTextMessage(names: readonly string[], columns: readonly string[]): string {
  if (names.includes('label_name') && names.includes('id')) {
    // A curated-set export of images written before exports carried pixels: only ids and probabilities.
    return 'this CSV export of an image set holds no pixels (no pixel0… columns: exported before CSVs carried them, or its images are larger than 4096 values), so its images cannot come back; export the set as ZIP and import that';
  }
  return `missing column "text" (found columns: ${listNames(columns)}); a CSV dataset needs text and label columns, or label and pixel0… columns`;
}

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function jsonlRecords(text: string, file: string): RawRecord[] {
  const records: RawRecord[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (source.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      // A parser that recurses can run out of stack on deep nesting: that is this row's fault too.
      const what = err instanceof RangeError ? 'the JSON nests too deeply to read' : `bad JSON: ${excerpt((err as Error).message)}`;
      throw new ImportError(what, { file, row: line }, { cause: err });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ImportError('expected a JSON object like {"text": "...", "label": "..."}', { file, row: line });
    }
    // Keys match case-insensitively, as CSV headers do.
    const fields = new Map(Object.entries(value).map(([key, v]) => [key.toLowerCase(), v as unknown]));
    const textValue = fields.get('text');
    if (typeof textValue !== 'string') {
      // A curated-set JSONL export of images: ids, labels and probabilities, no pixels.
      const imageExport = textValue === undefined && fields.has('label_name') && fields.has('id');
      throw new ImportError(
        imageExport
          ? 'a JSONL export of an image set holds no pixels, so its images cannot come back; export the set as CSV or ZIP and import that'
          : textValue === undefined ? 'missing "text"' : `"text" must be a string, found ${jsonType(textValue)}`,
        { file, row: line },
      );
    }
    const splitValue = fields.get('split');
    if (splitValue !== undefined && splitValue !== null && typeof splitValue !== 'string') {
      throw new ImportError(`"split" must be a string, found ${jsonType(splitValue)}`, { file, row: line });
    }
    const groupValue = fields.get('group');
    if (groupValue !== undefined && groupValue !== null && typeof groupValue !== 'string' && typeof groupValue !== 'number') {
      throw new ImportError(`"group" must be a string or a number, found ${jsonType(groupValue)}`, { file, row: line });
    }
    for (const key of ['text', 'label', 'label_name', 'split', 'group']) {
      const v = fields.get(key);
      // "\ud800" parses, but no UTF-8 holds it: SQLite would keep bytes no reader can decode.
      if (typeof v === 'string' && LONE_SURROGATE.test(v)) throw new ImportError(`"${key}" holds a lone UTF-16 surrogate (a \\ud800–\\udfff escape without its pair), which is not text`, { file, row: line });
    }
    const labelName = fields.get('label_name');
    records.push({
      text: textValue,
      ...(labelName === undefined
        ? { label: jsonLabel(fields.get('label'), file, line) }
        : { label: jsonLabel(labelName, file, line, 'label_name'), labelIndex: jsonIndex(fields.get('label')) }),
      split: typeof splitValue === 'string' ? normalizeSplitName(splitValue, { file, row: line }) : null,
      group: groupValue === undefined || groupValue === null || groupValue === '' ? null : String(groupValue),
      file,
      line,
    });
  }
  return records;
}

function jsonLabel(value: unknown, file: string, line: number, key = 'label'): string {
  if (value === undefined || value === null) throw new ImportError(`missing "${key}"`, { file, row: line });
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  // An object or array is named, not written out: it may be huge, or nested too deeply to print.
  const found = typeof value === 'object' ? jsonType(value) : excerpt(typeof value === 'number' ? String(value) : JSON.stringify(value));
  throw new ImportError(`"${key}" must be a class name or a non-negative integer, found ${found}`, { file, row: line });
}

function jsonIndex(value: unknown): string | null {
  return typeof value === 'number' || typeof value === 'string' ? String(value).trim() : null;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function requireSplitEverywhereOrNowhere(records: RawRecord[]): void {
  const withSplit = records.find((r) => r.split !== null);
  const without = records.find((r) => r.split === null);
  if (withSplit && without) {
    throw new ImportError(`no split, though line ${withSplit.line} has one; give every row a split or none`, { file: without.file, row: without.line });
  }
}

/** Labels by name (label_name) in their original order; integer labels name classes "0".."K-1"; otherwise the distinct labels sorted naturally. */
function classNamesOf(records: RawRecord[]): string[] {
  if (byName(records)) return orderClassNames(records.map((r) => ({ name: r.label, index: r.labelIndex ?? null })));
  if (records.every((r) => /^\d+$/.test(r.label))) {
    let max = 0;
    for (const record of records) {
      const value = Number(record.label);
      if (value > MAX_INTEGER_LABEL) {
        throw new ImportError(`integer label ${excerpt(record.label)} is too large to be a class index (at most ${MAX_INTEGER_LABEL})`, { file: record.file, row: record.line });
      }
      max = Math.max(max, value);
    }
    return Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  return sortNatural(new Set(records.map((r) => r.label)));
}

function byName(records: RawRecord[]): boolean {
  return records.every((r) => r.labelIndex !== undefined);
}

function labelIndexer(records: RawRecord[], classNames: string[]): (record: RawRecord) => number {
  if (!byName(records) && records.every((r) => /^\d+$/.test(r.label))) return (record) => Number(record.label);
  const index = new Map(classNames.map((name, i) => [name, i]));
  return (record) => index.get(record.label) as number;
}

/** Integer groups as given; any other group names numbered in order of first appearance. */
function groupIds(records: RawRecord[]): (number | null)[] {
  const given = records.map((r) => r.group);
  if (given.every((g) => g === null || /^-?\d+$/.test(g))) {
    return given.map((g) => (g === null ? null : Number(g)));
  }
  const ids = new Map<string, number>();
  return given.map((g) => {
    if (g === null) return null;
    let id = ids.get(g);
    if (id === undefined) ids.set(g, (id = ids.size));
    return id;
  });
}

interface TableFile {
  file: string;
  format: TextTableFormat;
  /** the split its name gives (folder form), else null */
  split: string | null;
}

function singleFile(file: string, hint: TextTableFormat | undefined): TableFile {
  const format = textTableFormatOf(file) ?? hint;
  if (!format) throw new ImportError('cannot tell the format: expected a .csv, .jsonl or .ndjson file', { file });
  return { file, format, split: null };
}

/** The folder form: train.csv, test.csv, ood-foo.jsonl…; the file name is the split. Other files go to `skipped`. */
async function findSplitFiles(dir: string, skipped: SkippedFile[]): Promise<TableFile[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { encoding: 'buffer' });
  } catch (err) {
    throw new ImportError(`cannot read the folder: ${(err as Error).message}`, { file: dir }, { cause: err });
  }
  const tables: string[] = [];
  for (const raw of entries) {
    if (raw[0] === 0x2e) continue; // hidden
    const name = utf8FileName(raw);
    if (name === null) {
      skipped.push({ path: escapeFileName(raw), reason: 'the name is not valid UTF-8' });
      continue;
    }
    if (textTableFormatOf(name) !== null) tables.push(name);
    else skipped.push({ path: name, reason: 'not a .csv, .jsonl or .ndjson file' });
  }
  skipped.sort((a, b) => compareNatural(a.path, b.path));
  const names = sortNatural(tables);
  if (names.length === 0) throw new ImportError('no <split>.csv or <split>.jsonl files found (e.g. train.csv and test.csv)', { file: dir });
  const files: TableFile[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const split = normalizeSplitName(path.basename(name, path.extname(name)), { file });
    const format = textTableFormatOf(name) as TextTableFormat;
    const other = seen.get(split);
    if (other) throw new ImportError(`two files for split "${split}" (also ${other})`, { file });
    seen.set(split, file);
    if (files[0] && files[0].format !== format) {
      throw new ImportError(`mixed formats: ${files[0].file} is ${files[0].format} but this file is ${format}`, { file });
    }
    files.push({ file, format, split });
  }
  return files;
}

async function readFile(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
}
