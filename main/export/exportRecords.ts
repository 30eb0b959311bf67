// One exported example and its two spellings: a CSV record (also a ZIP's manifest.csv) with a
// `p:<run>@<epoch>:<class>` column per run and class, and a JSONL object with a `runs` array.
// An image set's CSV also carries each image, `image_shape` and a `pixel<k>` column per byte, so
// it imports back. The CSV's text columns (split, label_name, note, text, file) are
// spreadsheet-safe; JSONL is exact.
import type { ImageShape } from '../../shared/domain.js';
import { csvRecord, csvText, float32Text, type CsvCell } from './csvText.js';
import type { ExportRun } from './exportRuns.js';

export interface ExportRecord {
  id: number;
  split: string;
  index: number;
  label: number;
  labelName: string;
  /** the label training saw: the noisy label where label noise flipped it, else the label */
  trainLabel: number;
  note: string;
  text: string | null;
  /** the image's path inside a ZIP */
  file: string | null;
  /** the image's bytes (ExportLayout.pixels), height × width × channels */
  pixels: Uint8Array | null;
  /** per run (ExportLayout.runs order), null where that run recorded nothing for the example */
  probs: (Float32Array | null)[];
}

export interface ExportLayout {
  classNames: string[];
  /** a `text` column (text datasets) */
  text: boolean;
  /** a `file` column (image datasets in a ZIP) */
  file: boolean;
  /** `image_shape` and pixel columns of this shape (image datasets as CSV) */
  pixels: ImageShape | null;
  runs: ExportRun[];
}

/** `28x28x1`: height x width x channels, as the CSV importer reads it back. */
export const imageShapeText = (shape: ImageShape) => `${shape.height}x${shape.width}x${shape.channels}`;

const pixelCount = (shape: ImageShape) => shape.height * shape.width * shape.channels;
/** '0' … '255', so a 784-pixel row is a join, not 784 number conversions. */
const BYTE_TEXT = Array.from({ length: 256 }, (_, i) => String(i));

export function probabilityColumns(layout: ExportLayout): string[] {
  return layout.runs.flatMap((run) => layout.classNames.map((name) => `p:${run.columnName}@${run.epoch}:${name}`));
}

export function csvHeader(layout: ExportLayout): string {
  return csvRecord([
    'id', 'split', 'index', 'label', 'label_name', 'train_label', 'note',
    ...(layout.text ? ['text'] : []),
    ...(layout.file ? ['file'] : []),
    ...(layout.pixels ? ['image_shape'] : []),
    ...probabilityColumns(layout),
    // pixel0 is byte 0 of the row-major height × width × channels image (numpy's flat index)
    ...(layout.pixels ? Array.from({ length: pixelCount(layout.pixels) }, (_, k) => `pixel${k}`) : []),
  ]);
}

export function csvRow(layout: ExportLayout, r: ExportRecord): string {
  const fields: CsvCell[] = [r.id, csvText(r.split), r.index, r.label, csvText(r.labelName), r.trainLabel, csvText(r.note)];
  if (layout.text) fields.push(csvText(r.text ?? ''));
  if (layout.file) fields.push(csvText(r.file ?? ''));
  if (layout.pixels) fields.push(imageShapeText(layout.pixels));
  const classes = layout.classNames.length;
  for (const probs of r.probs) {
    for (let c = 0; c < classes; c++) fields.push(probs && c < probs.length ? float32Text(probs[c]!) : '');
  }
  const record = csvRecord(fields);
  if (!layout.pixels) return record;
  const count = pixelCount(layout.pixels);
  if (r.pixels?.length !== count) throw new Error(`example ${r.id} has ${r.pixels?.length ?? 0} pixel bytes, its dataset's images ${count}`);
  const cells = new Array<string>(count);
  for (let k = 0; k < count; k++) cells[k] = BYTE_TEXT[r.pixels[k]!]!;
  return `${record.slice(0, -2)},${cells.join(',')}\r\n`;
}

export function jsonlLine(layout: ExportLayout, r: ExportRecord): string {
  const head = JSON.stringify({
    id: r.id,
    split: r.split,
    index: r.index,
    label: r.label,
    label_name: r.labelName,
    train_label: r.trainLabel,
    note: r.note,
    ...(layout.text ? { text: r.text ?? '' } : {}),
    ...(layout.file ? { file: r.file } : {}),
  });
  // Probabilities as their shortest float32 text; JSON.stringify would spell each float32 as a 17-digit double.
  const runs = layout.runs.map((run, i) => {
    const probs = r.probs[i];
    const values = probs ? `[${Array.from(probs, (p) => float32Text(p) || 'null').join(',')}]` : 'null';
    return `{"runId":${run.runId},"name":${JSON.stringify(run.name)},"role":"${run.role}","epoch":${run.epoch},"probs":${values}}`;
  });
  return `${head.slice(0, -1)},"runs":[${runs.join(',')}]}\n`;
}

/** `images/<split>/<label name, tamed>/<id>.png`: names keep letters, digits, space . _ -; others become _. */
export function imageEntryName(split: string, labelName: string, id: number, extension = 'png'): string {
  let folder = labelName.normalize('NFC').replace(/[^\p{L}\p{N} ._-]/gu, '_').trim().slice(0, 100);
  if (folder === '' || /^\.+$/.test(folder)) folder = '_';
  return `images/${split}/${folder}/${id}.${extension}`;
}
