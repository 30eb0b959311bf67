// Messages between the app and the import worker thread.
import type { ImportOptions, SkippedFiles } from '../../shared/domain.js';
import type { WireError } from '../../shared/errors.js';

export interface ImportWorkerInput {
  databasePath: string;
  options: ImportOptions;
}

export type ImportWorkerMessage =
  | { type: 'progress'; stage: string; done: number; total: number }
  | { type: 'done'; datasetId: number; skipped: SkippedFiles }
  | { type: 'failed'; error: WireError };
