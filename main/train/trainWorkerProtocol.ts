// Messages between the app and the training worker process.
import type { BackendKind } from './backend.js';
import type { TrainProgress } from './experimentRunner.js';

export type TrainWorkerRequest =
  | { type: 'train'; databasePath: string; experimentId: number; runIds?: number[]; backend?: BackendKind }
  | { type: 'cancel'; experimentId?: number };

export type TrainWorkerMessage =
  | { type: 'backend'; name: string }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'runChanged'; experimentId: number; runId: number }
  | { type: 'jobDone'; experimentId: number; ok: boolean; cancelled: boolean; error?: string };
