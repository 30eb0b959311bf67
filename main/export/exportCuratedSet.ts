// Exports a curated set as CSV, JSONL or ZIP (manifest.csv, plus a PNG per image), in example id
// order, in batches: the event loop stays free, progress is reported and cancellation honoured
// between batches. The file appears at its path only when complete (outputFile.ts).
import type { ExportCuratedSetArgs, ExportResult } from '../../shared/curatedSets.js';
import type { DatasetSummary } from '../../shared/domain.js';
import { CancelledError, DomainError } from '../../shared/errors.js';
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
}

export interface ExportControl {
  signal: AbortSignal;
  onProgress: (stage: string, done: number, total: number) => void;
}

type ExportArgs = Omit<ExportCuratedSetArgs, 'taskId'>;

const ROW_BATCH = 1000;
const IMAGE_BATCH = 500;

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
  const images = args.format === 'zip' && dataset.kind === 'image';
  // A CSV of small images carries the pixels (a ZIP has them as PNGs; JSONL stays ids and
  // numbers); larger images would make rows of tens of thousands of cells: their CSV holds none.
  if (args.format === 'csv' && dataset.kind === 'image' && !dataset.shape) throw new DomainError('INTERNAL', `dataset ${dataset.id} is an image dataset without an image shape`);
  const shape = dataset.shape;
  const pixels = args.format === 'csv' && dataset.kind === 'image' && shape && shape.height * shape.width * shape.channels <= MAX_CSV_PIXELS ? shape : null;
  const layout: ExportLayout = { classNames: dataset.classNames, text: dataset.kind === 'text', file: images, pixels, runs };
  // The members as they are now: rows are read in batches of this snapshot.
  const ids = sources.sets.memberIds(set.id);
  const out = await createOutputFile(args.path, args.overwrite);
  try {
    let rows: number;
    if (args.format === 'zip') {
      const zip = createZipWriter(out);
      const manifest = await zip.startDeflated('manifest.csv');
      const written = await writeRecords(sources, set.id, ids, layout, control, 'manifest', async (text) => manifest.write(Buffer.from(text, 'utf8')), csvHeader(layout), csvRow);
      await manifest.end();
      if (images) await writeImages(sources, dataset, written, control, zip.addStored);
      await zip.finish();
      rows = written.length;
    } else {
      const write = (text: string) => out.write(Buffer.from(text, 'utf8'));
      const header = args.format === 'csv' ? csvHeader(layout) : '';
      rows = (await writeRecords(sources, set.id, ids, layout, control, 'write', write, header, args.format === 'csv' ? csvRow : jsonlLine)).length;
    }
    throwIfCancelled(control.signal);
    const bytes = await out.publish();
    return { path: args.path, format: args.format, rows, bytes };
  } catch (err) {
    await out.discard();
    throw err;
  }
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError('export cancelled; nothing was written');
}

/** Writes every member still in the set as text, batch by batch; returns the ids written. */
async function writeRecords(
  sources: ExportSources,
  setId: number,
  ids: readonly number[],
  layout: ExportLayout,
  control: ExportControl,
  stage: string,
  write: (text: string) => Promise<void>,
  header: string,
  format: (layout: ExportLayout, record: ExportRecord) => string,
): Promise<number[]> {
  const cursors = layout.runs.map((run) => probabilityCursor(run.matrix));
  const written: number[] = [];
  if (header) await write(header);
  control.onProgress(stage, 0, ids.length);
  for (let start = 0; start < ids.length; start += ROW_BATCH) {
    throwIfCancelled(control.signal);
    const batch = ids.slice(start, start + ROW_BATCH);
    const pixelsOf = layout.pixels ? new Map(sources.sets.pixels(batch).map((r) => [r.id, r.pixels])) : null;
    let text = '';
    for (const row of sources.sets.exportRows(setId, batch)) {
      const record: ExportRecord = {
        id: row.id,
        split: row.split,
        index: row.idx,
        label: row.label,
        labelName: layout.classNames[row.label] ?? String(row.label),
        trainLabel: row.noisy_label ?? row.label,
        note: row.note,
        text: row.text,
        file: layout.file ? imageEntryName(row.split, layout.classNames[row.label] ?? String(row.label), row.id) : null,
        pixels: pixelsOf?.get(row.id) ?? null,
        probs: cursors.map((probsOf) => probsOf(row.id)),
      };
      text += format(layout, record);
      written.push(row.id);
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
  control.onProgress('images', 0, ids.length);
  for (let start = 0; start < ids.length; start += IMAGE_BATCH) {
    throwIfCancelled(control.signal);
    const batch = ids.slice(start, start + IMAGE_BATCH);
    const rows = sources.sets.pixels(batch);
    if (rows.length !== batch.length) {
      const found = new Set(rows.map((r) => r.id));
      throw new DomainError('CONFLICT', `example ${batch.find((id) => !found.has(id))} was deleted during the export`);
    }
    for (const r of rows) {
      if (!r.pixels) throw new DomainError('INTERNAL', `example ${r.id} has no pixels`);
      await add(imageEntryName(r.split, dataset.classNames[r.label] ?? String(r.label), r.id), encodeExamplePng(r.pixels, shape));
    }
    control.onProgress('images', Math.min(start + IMAGE_BATCH, ids.length), ids.length);
  }
}
