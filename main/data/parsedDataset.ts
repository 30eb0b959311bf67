// What every importer produces before anything touches the database: the whole dataset
// parsed and checked in memory, so a bad file fails before a single row is written.
import type { DatasetFormat, DatasetKind, ImageShape, SkippedFile } from '../../shared/domain.js';

export interface ParsedExample {
  split: string;
  /** index into classNames (the clean label) */
  label: number;
  /** the training label when label noise flipped it (train split only); absent when clean */
  noisyLabel?: number;
  /** raw pixels, height × width × channels, uint8 (image datasets) */
  pixels?: Uint8Array;
  /** UTF-8 text (text datasets) */
  text?: string;
  /** optional per-example group id from the source (e.g. a `group` column) */
  group?: number | null;
  /** where the example came from: a file path, or `file:row` */
  sourceRef: string;
}

export interface ParsedDataset {
  kind: DatasetKind;
  format: DatasetFormat;
  source: string;
  classNames: string[];
  shape: ImageShape | null;
  examples: ParsedExample[];
  /** files the importer passed over, with the reason (image folders), sorted by path */
  skipped?: SkippedFile[];
}

/** Reports progress of a stage: `report(stage, done, total)`. */
export type ReportProgress = (stage: string, done: number, total: number) => void;
