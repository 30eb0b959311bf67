// Exports: a curated set to a file (a long task with progress, cancellable) or, in web mode, to
// the browser (the server streams it; progress arrives for the task id in the URL), and a training
// manifest to a file or as text for the browser to save.
import { defineStore } from 'pinia';
import type { CallArgs, CallResult } from '../../../shared/contract.js';
import { DOWNLOAD_EXPORT_PATH, type ExportFormat, type ExportImages } from '../../../shared/curatedSets.js';
import { api, withLaunchToken } from '../api.js';
import { useTasksStore, type Task } from './tasks.js';

export interface SetDownload {
  setId: number;
  format: ExportFormat;
  experimentId?: number | undefined;
  epoch?: number | undefined;
  /** a reference dataset's ZIP: originals (default) or thumbnails */
  images?: ExportImages | undefined;
}

/** The server path that streams a set's export; the task id lets its progress events find the task. */
export function setDownloadPath(args: SetDownload, taskId: string): string {
  const params = new URLSearchParams({ setId: String(args.setId), format: args.format, taskId });
  if (args.experimentId !== undefined) params.set('experimentId', String(args.experimentId));
  if (args.epoch !== undefined) params.set('epoch', String(args.epoch));
  if (args.images !== undefined) params.set('images', args.images);
  return `${DOWNLOAD_EXPORT_PATH}?${params}`;
}

/** Lets the browser save what `href` serves (a download URL or an object URL). */
export function startDownload(href: string, fileName = ''): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = fileName;
  link.click();
}

export const useExportsStore = defineStore('exports', () => {
  const tasks = useTasksStore();

  /** Writes a set's export: the task at once, the result (null when it failed or was cancelled) when written. */
  function exportSet(args: Omit<CallArgs<'exportCuratedSet'>, 'taskId'>): { task: Task; result: Promise<CallResult<'exportCuratedSet'> | null> } {
    return tasks.start('export', (taskId) => api.exportCuratedSet({ ...args, taskId }));
  }

  /** Web mode: the browser fetches the export; the task ends with the server's taskFinished event. */
  function downloadSet(args: SetDownload): Task {
    const task = tasks.begin('download');
    // The token in the URL, as images and the event stream carry it: the cookie alone fails in a
    // cross-site frame, which is sent none.
    startDownload(withLaunchToken(setDownloadPath(args, task.id)));
    return task;
  }

  function trainingManifest(args: CallArgs<'exportTrainingManifest'>): Promise<CallResult<'exportTrainingManifest'>> {
    return api.exportTrainingManifest(args);
  }

  return { exportSet, downloadSet, trainingManifest };
});
