// The contract's curated-set calls: create (from ids and/or an explorer filter), rename, delete,
// add and remove members, notes, member pages, and the export as a cancellable task with progress.
// Every change emits curatedSetsChanged; the analytics read membership live, so no cache to clear.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnalysisScope, ExampleFilter } from '../../shared/analytics.js';
import type { CuratedSetSummary, ExportResult } from '../../shared/curatedSets.js';
import type { ParsedArgs } from '../../shared/contract.js';
import { DownloadExportQuery, exportFileName, MAX_SET_MEMBERS } from '../../shared/curatedSets.js';
import { ValidationError } from '../../shared/errors.js';
import { describeZodError } from '../../shared/zodIssues.js';
import { createProgressTracker } from '../../shared/progress.js';
import { createPredictionMatrices } from '../analytics/predictionMatrices.js';
import { exportCuratedSet } from '../export/exportCuratedSet.js';
import { readExampleOriginal } from './exampleOriginals.js';
import type { Store } from '../store/store.js';
import type { EventBus } from './eventBus.js';
import type { TaskRegistry } from './taskRegistry.js';
import { processIsAlive } from '../processAlive.js';

export interface CuratedSetDeps {
  events: EventBus;
  tasks: TaskRegistry;
  /** ids of every example a filter passes, in id order (analyticsService.filteredIds) */
  filteredIds: (scope: AnalysisScope, filter: ExampleFilter) => ArrayLike<number>;
  /** an export's step behind the quick calls in flight (analyticsService.turn); absent, one turn of the event loop */
  turn?: () => Promise<void>;
}

/** Matrices an export reads stay cached this long at most; the analytics keep their own cache. */
const EXPORT_MATRIX_CACHE_BYTES = 256 * 1024 * 1024;

/** Web mode's download folders in the temp folder: `disobey-download-<pid>-XXXXXX`, so a sweep can tell whose they are. */
export const DOWNLOAD_DIR_PREFIX = 'disobey-download-';
/** A download folder unchanged this long is stale even if a process with its pid lives (pids are reused). */
const STALE_DOWNLOAD_MS = 60 * 60 * 1000;

/**
 * Removes download folders a crashed or killed server left behind: those whose process is gone,
 * and any unchanged for an hour (a reused pid, or an older build's name without one). Removing the
 * folder of a download still being sent is harmless on POSIX, where the open file reads on; on
 * Windows the removal fails and the next sweep tries again. Returns how many were removed.
 */
export function sweepStaleDownloads(tmpDir = os.tmpdir(), now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(tmpDir).filter((name) => name.startsWith(DOWNLOAD_DIR_PREFIX));
  } catch {
    return 0; // no temp folder to sweep
  }
  for (const name of names) {
    const dir = path.join(tmpDir, name);
    try {
      const pid = /^disobey-download-(\d+)-/.exec(name)?.[1];
      const ownerGone = pid !== undefined && !processIsAlive(Number(pid));
      if (!ownerGone && now - fs.statSync(dir).mtimeMs <= STALE_DOWNLOAD_MS) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // gone already, or in use (Windows): the next sweep tries again
    }
  }
  return removed;
}

export function createCuratedSetHandlers(store: Store, { events, tasks, filteredIds, turn }: CuratedSetDeps) {
  const { curatedSets: sets, experiments, datasets, imageSources } = store;
  const matrices = createPredictionMatrices(store.predictions, EXPORT_MATRIX_CACHE_BYTES);

  function changed(set: CuratedSetSummary): CuratedSetSummary {
    events.emit({ type: 'curatedSetsChanged', datasetId: set.datasetId });
    return set;
  }

  /** Every example of the dataset that the explorer's filter passes, in id order. */
  function idsFromFilter(datasetId: number, source: NonNullable<ParsedArgs<'createCuratedSet'>['fromFilter']>): number[] {
    const experiment = experiments.getExperiment(source.experimentId);
    if (experiment.datasetId !== datasetId) {
      throw new ValidationError(`experiment ${source.experimentId} is on dataset ${experiment.datasetId}, not on dataset ${datasetId} of the set`, { field: 'fromFilter' });
    }
    const { filter, ...scope } = source;
    const ids = filteredIds(scope, filter);
    if (ids.length > MAX_SET_MEMBERS) throw new ValidationError(`the filter passes ${ids.length} examples, more than the ${MAX_SET_MEMBERS} a set holds`, { field: 'fromFilter' });
    return Array.from(ids);
  }

  /** `stop` cancels the task as cancelTask would (web mode: the client left or the server closes). */
  async function runExport({ taskId: requestedId, ...args }: ParsedArgs<'exportCuratedSet'>, stop?: AbortSignal): Promise<ExportResult> {
    const task = tasks.start(requestedId);
    const tracker = createProgressTracker();
    let last = { stage: '', percent: -1 };
    const cancel = () => tasks.cancel(task.taskId);
    stop?.addEventListener('abort', cancel);
    if (stop?.aborted) cancel();
    try {
      const result = await exportCuratedSet({ sets, datasets, experiments, matrices, imageSources, readOriginal: (id) => readExampleOriginal(imageSources, id) }, args, {
        signal: task.signal,
        turn,
        onProgress: (stage, done, total) => {
          // about one event per percent of each stage
          const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
          if (stage === last.stage && percent === last.percent) return;
          last = { stage, percent };
          events.emit({ type: 'progress', taskId: task.taskId, kind: 'export', ...tracker.update(stage, done, total) });
        },
      });
      events.emit({ type: 'taskFinished', taskId: task.taskId, kind: 'export', ok: true });
      return result;
    } catch (err) {
      events.emit({ type: 'taskFinished', taskId: task.taskId, kind: 'export', ok: false, error: (err as Error).message });
      throw err;
    } finally {
      stop?.removeEventListener('abort', cancel);
      task.finish();
      // A whole matrix per run was read for this export; the next one reads them afresh.
      matrices.clear();
    }
  }

  /**
   * Web mode's download: the export written to a fresh temporary folder (the file named after
   * the set), handed to the server to stream, then removed with its folder. `stop` cancels it
   * while it is written; a failed or cancelled export leaves no folder.
   */
  async function exportToTemporaryFile(query: unknown, stop?: AbortSignal): Promise<{ file: string; fileName: string; bytes: number; remove(): void }> {
    const parsed = DownloadExportQuery.safeParse(query);
    if (!parsed.success) throw new ValidationError(`invalid download: ${describeZodError(parsed.error)}`);
    const set = sets.getSet(parsed.data.setId);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${DOWNLOAD_DIR_PREFIX}${process.pid}-`));
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    const fileName = exportFileName(set.name, parsed.data.format);
    try {
      const result = await runExport({ ...parsed.data, path: path.join(dir, fileName), overwrite: false }, stop);
      return { file: result.path, fileName, bytes: result.bytes, remove };
    } catch (err) {
      remove();
      throw err;
    }
  }

  return {
    exportToTemporaryFile,
    /** the queries, for the CLI's listing and name look-up */
    queries: sets,
    handlers: {
      listCuratedSets: ({ datasetId }: ParsedArgs<'listCuratedSets'>) => {
        if (datasetId !== undefined) datasets.requireDataset(datasetId); // a clear NOT_FOUND beats an empty list
        return sets.listSets(datasetId);
      },
      createCuratedSet: (args: ParsedArgs<'createCuratedSet'>) => {
        const ids = [...(args.fromFilter ? idsFromFilter(args.datasetId, args.fromFilter) : []), ...(args.exampleIds ?? [])];
        if (ids.length > MAX_SET_MEMBERS) throw new ValidationError(`${ids.length} examples; a set holds at most ${MAX_SET_MEMBERS}`, { field: 'exampleIds' });
        return changed(sets.createSet({ datasetId: args.datasetId, name: args.name, description: args.description ?? '' }, ids, args.note));
      },
      updateCuratedSet: ({ setId, name, description }: ParsedArgs<'updateCuratedSet'>) => changed(sets.updateSet(setId, { name, description })),
      /** deleted: false when there was no such set (as deleteDataset) */
      deleteCuratedSet: ({ setId }: ParsedArgs<'deleteCuratedSet'>) => {
        const set = sets.findSet(setId);
        const deleted = set !== null && sets.deleteSet(setId);
        if (deleted) changed(set);
        return { deleted };
      },
      addToCuratedSet: ({ setId, exampleIds, note }: ParsedArgs<'addToCuratedSet'>) => changed(sets.addMembers(setId, exampleIds, note)),
      removeFromCuratedSet: ({ setId, exampleIds }: ParsedArgs<'removeFromCuratedSet'>) => changed(sets.removeMembers(setId, exampleIds)),
      setCuratedNote: ({ setId, exampleId, note }: ParsedArgs<'setCuratedNote'>) => {
        const updated = sets.setNote(setId, exampleId, note);
        if (updated) changed(sets.getSet(setId));
        return { updated };
      },
      listCuratedSetMembers: ({ setId, offset, limit }: ParsedArgs<'listCuratedSetMembers'>) => sets.membersPage(setId, offset, limit),
      curatedSetsOfExample: ({ exampleId }: ParsedArgs<'curatedSetsOfExample'>) => sets.setsOfExample(exampleId),
      exportCuratedSet: (args: ParsedArgs<'exportCuratedSet'>) => runExport(args),
    },
  };
}

export type CuratedSetHandlers = ReturnType<typeof createCuratedSetHandlers>;
