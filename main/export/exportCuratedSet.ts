// Exports a curated set as CSV, JSONL or ZIP (manifest.csv, plus a PNG per image), in example id
// order, in batches: progress is reported and cancellation honoured between batches, and the
// work gives way to quick calls every few milliseconds (ExportControl.turn). The file appears at
// its path only when complete (outputFile.ts). A ZIP of a dataset stored by reference holds the
// original files byte for byte under their paths in the dataset's folder (a file moved or changed
// since the import refuses the export, naming it), or the stored thumbnails on request.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExportCuratedSetArgs, ExportResult } from '../../shared/curatedSets.js';
import type { DatasetSummary } from '../../shared/domain.js';
import { CancelledError, DomainError, ValidationError } from '../../shared/errors.js';
import type { PredictionMatrices } from '../analytics/predictionMatrices.js';
import type { Store } from '../store/store.js';
import { encodeExamplePng } from './examplePng.js';
import { csvHeader, csvRow, imageEntryName, jsonlLine, type ExportLayout, type ExportRecord } from './exportRecords.js';
import { chooseExportRuns, probabilityCursor } from './exportRuns.js';
import { createOutputFile } from './outputFile.js';
import { createZipWriter } from './zipWriter.js';

export interface ExportSources {
  sets: Store['curatedSets'];
  datasets: Store['datasets'];
  experiments: Store['experiments'];
  matrices: PredictionMatrices;
  imageSources: Store['imageSources'];
  /** a referenced example's original bytes, checked against the SHA-256 recorded at import (services/exampleOriginals.ts) */
  readOriginal: (exampleId: number) => Promise<{ data: Uint8Array }>;
}

/** What a ZIP's images are: PNGs of stored pixels, the originals, or the thumbnails. */
type ZipImages = NonNullable<ExportResult['images']>;
/** The path of an example's image inside the ZIP, as its manifest row names it. */
type EntryName = (id: number, split: string, label: number) => string;

export interface ExportControl {
  signal: AbortSignal;
  onProgress: (stage: string, done: number, total: number) => void;
  /**
   * Gives way to the calls a person waits on (main/services/foregroundGate.ts ForegroundGate.turn);
   * absent, one turn of the event loop. Awaited once per GIVE_WAY_MS of work.
   */
  turn?: () => Promise<void>;
}

type ExportArgs = Omit<ExportCuratedSetArgs, 'taskId'>;

const ROW_BATCH = 1000;
const IMAGE_BATCH = 500;
/**
 * Work between two turns at most. Writes to the file resolve without a turn of the event loop, so
 * a 12,000-member ZIP once held a quick call (appInfo) up to 0.3 s, six at once 1.4 s.
 */
const GIVE_WAY_MS = 10;
/** Text written at once at most (characters): a batch's rows run to megabytes with many runs' probabilities. */
const TEXT_PIECE = 64 * 1024;

/** Awaits `control.turn` (or a turn of the event loop) when GIVE_WAY_MS of work ran since the last one. */
function pacer(control: ExportControl): () => Promise<void> {
  const turn = control.turn ?? (() => nextTurn());
  let since = performance.now();
  return async () => {
    if (performance.now() - since < GIVE_WAY_MS) return;
    await turn();
    since = performance.now();
  };
}

/** The largest image (height × width × channels bytes) a CSV export writes as pixel columns: 64×64 grey, 32×32 colour. */
export const MAX_CSV_PIXELS = 4096;

export async function exportCuratedSet(sources: ExportSources, args: ExportArgs, control: ExportControl): Promise<ExportResult> {
  const set = sources.sets.getSet(args.setId);
  const dataset = sources.datasets.getDataset(set.datasetId);
  const runs = chooseExportRuns(sources.experiments, sources.matrices, {
    datasetId: set.datasetId,
    experimentId: args.experimentId,
    epoch: args.epoch,
    newestExperiment: () => sources.sets.newestRecordedExperiment(set.datasetId),
  });
  const reference = dataset.kind === 'image' ? sources.imageSources.imageSource(dataset.id) : null;
  if (args.images && (args.format !== 'zip' || !reference)) {
    throw new ValidationError(
      args.format !== 'zip'
        ? `the choice of images (${args.images}) applies to ZIP exports only, not ${args.format.toUpperCase()}`
        : `dataset ${dataset.id} stores its pixels: its ZIP holds a PNG of each image, there are no ${args.images === 'originals' ? 'original files' : 'thumbnails'} to choose`,
      { field: 'images' },
    );
  }
  const zipImages: ZipImages | null = args.format !== 'zip' || dataset.kind !== 'image' ? null : reference ? (args.images ?? 'originals') : 'png';
  const entryName = zipImages ? entryNames(sources, dataset, zipImages) : null;
  // A CSV of small images carries the pixels (a ZIP has them as files; JSONL stays ids and
  // numbers); larger images would make rows of tens of thousands of cells: their CSV holds none.
  // A reference dataset imported with no training size has no pixels at all.
  if (args.format === 'csv' && dataset.kind === 'image' && !dataset.shape && !reference) throw new DomainError('INTERNAL', `dataset ${dataset.id} is an image dataset without an image shape`);
  const shape = dataset.shape;
  const pixels = args.format === 'csv' && dataset.kind === 'image' && shape && shape.height * shape.width * shape.channels <= MAX_CSV_PIXELS ? shape : null;
  const layout: ExportLayout = { classNames: dataset.classNames, text: dataset.kind === 'text', file: entryName !== null, pixels, runs };
  // The members as they are now: rows are read in batches of this snapshot.
  const ids = sources.sets.memberIds(set.id);
  const out = await createOutputFile(args.path, args.overwrite);
  try {
    let rows: number;
    if (args.format === 'zip') {
      const zip = createZipWriter(out);
      const manifest = await zip.startDeflated('manifest.csv');
      const written = await writeRecords(sources, set.id, ids, layout, entryName, control, 'manifest', async (text) => manifest.write(Buffer.from(text, 'utf8')), csvHeader(layout), csvRow);
      await manifest.end();
      if (zipImages === 'png') await writeImages(sources, dataset, written.ids, control, zip.addStored);
      else if (zipImages) await writeFiles(sources, zipImages, written, control, zip.addStored);
      await zip.finish();
      rows = written.ids.length;
    } else {
      const write = (text: string) => out.write(Buffer.from(text, 'utf8'));
      const header = args.format === 'csv' ? csvHeader(layout) : '';
      rows = (await writeRecords(sources, set.id, ids, layout, null, control, 'write', write, header, args.format === 'csv' ? csvRow : jsonlLine)).ids.length;
    }
    throwIfCancelled(control.signal);
    const bytes = await out.publish();
    return { path: args.path, format: args.format, rows, bytes, ...(zipImages ? { images: zipImages } : {}) };
  } catch (err) {
    await out.discard();
    throw err;
  }
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError('export cancelled; nothing was written');
}

/** What writeRecords wrote: the ids, and each one's image path in the ZIP (when it has a file column). */
interface WrittenRows {
  ids: number[];
  files: (string | null)[];
}

/** Writes every member still in the set as text, batch by batch; returns the ids written. */
async function writeRecords(
  sources: ExportSources,
  setId: number,
  ids: readonly number[],
  layout: ExportLayout,
  entryName: EntryName | null,
  control: ExportControl,
  stage: string,
  write: (text: string) => Promise<void>,
  header: string,
  format: (layout: ExportLayout, record: ExportRecord) => string,
): Promise<WrittenRows> {
  const cursors = layout.runs.map((run) => probabilityCursor(run.matrix));
  const written: WrittenRows = { ids: [], files: [] };
  const giveWay = pacer(control);
  if (header) await write(header);
  control.onProgress(stage, 0, ids.length);
  for (let start = 0; start < ids.length; start += ROW_BATCH) {
    await giveWay();
    throwIfCancelled(control.signal);
    const batch = ids.slice(start, start + ROW_BATCH);
    const pixelsOf = layout.pixels ? new Map(sources.sets.pixels(batch).map((r) => [r.id, r.pixels])) : null;
    let text = '';
    for (const row of sources.sets.exportRows(setId, batch)) {
      await giveWay();
      const record: ExportRecord = {
        id: row.id,
        split: row.split,
        index: row.idx,
        label: row.label,
        labelName: layout.classNames[row.label] ?? String(row.label),
        trainLabel: row.noisy_label ?? row.label,
        note: row.note,
        text: row.text,
        file: entryName ? entryName(row.id, row.split, row.label) : null,
        pixels: pixelsOf?.get(row.id) ?? null,
        probs: cursors.map((probsOf) => probsOf(row.id)),
      };
      text += format(layout, record);
      written.ids.push(row.id);
      written.files.push(record.file);
      // in pieces: a ZIP's manifest is deflated as it is written, a piece at a time
      if (text.length >= TEXT_PIECE) {
        await write(text);
        text = '';
      }
    }
    await write(text);
    control.onProgress(stage, Math.min(start + ROW_BATCH, ids.length), ids.length);
  }
  return written;
}

/** One stored PNG per exported image example, at the path its manifest row names. */
async function writeImages(
  sources: ExportSources,
  dataset: DatasetSummary,
  ids: readonly number[],
  control: ExportControl,
  add: (name: string, data: Uint8Array) => Promise<void>,
): Promise<void> {
  const shape = dataset.shape;
  if (!shape) throw new DomainError('INTERNAL', `dataset ${dataset.id} is an image dataset without an image shape`);
  const giveWay = pacer(control);
  control.onProgress('images', 0, ids.length);
  for (let start = 0; start < ids.length; start += IMAGE_BATCH) {
    await giveWay();
    throwIfCancelled(control.signal);
    const batch = ids.slice(start, start + IMAGE_BATCH);
    const rows = sources.sets.pixels(batch);
    if (rows.length !== batch.length) {
      const found = new Set(rows.map((r) => r.id));
      throw new DomainError('CONFLICT', `example ${batch.find((id) => !found.has(id))} was deleted during the export`);
    }
    for (const r of rows) {
      if (!r.pixels) throw new DomainError('INTERNAL', `example ${r.id} has no pixels`);
      await giveWay();
      await add(pngEntryName(dataset, r.id, r.split, r.label), encodeExamplePng(r.pixels, shape));
    }
    control.onProgress('images', Math.min(start + IMAGE_BATCH, ids.length), ids.length);
  }
}

const pngEntryName = (dataset: DatasetSummary, id: number, split: string, label: number) => imageEntryName(split, dataset.classNames[label] ?? String(label), id);

function entryNames(sources: ExportSources, dataset: DatasetSummary, images: ZipImages): EntryName {
  if (images === 'png') return (id, split, label) => pngEntryName(dataset, id, split, label);
  // The originals keep their paths in the dataset's folder ('/'-separated, inside it: the import checked).
  if (images === 'originals') return (id) => sources.imageSources.exampleFile(id).path;
  const extension = thumbnailExtension(sources.imageSources.imageSource(dataset.id)?.thumbnailType ?? '');
  return (id, split, label) => imageEntryName(split, dataset.classNames[label] ?? String(label), id, extension);
}

function thumbnailExtension(type: string): string {
  if (type === 'image/webp') return 'webp';
  if (type === 'image/jpeg') return 'jpg';
  if (type === 'image/png') return 'png';
  throw new DomainError('INTERNAL', `thumbnails stored as ${type || 'an unknown type'}`);
}

/**
 * A reference dataset's images, one by one: the original files byte for byte (each read and
 * checked against its recorded SHA-256), or the stored thumbnails. A file that is missing or
 * changed refuses the whole export, naming the file; nothing is written.
 */
async function writeFiles(
  sources: ExportSources,
  images: 'originals' | 'thumbnails',
  written: WrittenRows,
  control: ExportControl,
  add: (name: string, data: Uint8Array) => Promise<void>,
): Promise<void> {
  const total = written.ids.length;
  const giveWay = pacer(control);
  control.onProgress(images, 0, total);
  for (let i = 0; i < total; i++) {
    await giveWay();
    if (i % IMAGE_BATCH === 0) throwIfCancelled(control.signal);
    const id = written.ids[i] as number;
    let data: Uint8Array;
    if (images === 'originals') {
      try {
        data = (await sources.readOriginal(id)).data;
      } catch (err) {
        if (!(err instanceof DomainError) || err.code === 'INTERNAL') throw err;
        throw new DomainError(
          err.code,
          `the export was refused, nothing was written: ${err.message}. Export the thumbnails instead, or relocate the dataset to where its files are now`,
          err.place,
          { cause: err },
        );
      }
    } else {
      const thumbnail = sources.imageSources.thumbnail(id);
      if (!thumbnail) throw new DomainError('CONFLICT', `example ${id} was deleted during the export`);
      data = thumbnail.data;
    }
    await add(written.files[i] as string, data);
    if ((i + 1) % 50 === 0 || i + 1 === total) control.onProgress(images, i + 1, total);
  }
}
