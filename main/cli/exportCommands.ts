// `disobey sets` and `disobey export`: list curated sets, and export one (by name or id) as CSV,
// JSONL or ZIP through the same service the app calls, with progress on stderr; Ctrl-C and SIGTERM
// cancel it and leave no file.
import path from 'node:path';
import { contract } from '../../shared/contract.js';
import type { CuratedSetSummary, ExportFormat, ExportResult } from '../../shared/curatedSets.js';
import { DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { formatProgressLine } from '../../shared/progress.js';
import { describeZodError } from '../../shared/zodIssues.js';
import { createAnalyticsService } from '../analytics/analyticsService.js';
import { createCuratedSetHandlers } from '../services/curatedSets.js';
import { createEventBus } from '../services/eventBus.js';
import { createTaskRegistry } from '../services/taskRegistry.js';
import type { Store } from '../store/store.js';
import { cancelOnInterrupt } from './interrupt.js';
import { drawProgress, endProgress, printable, say, sayJson } from './output.js';

export interface ExportCommandOptions {
  set: string;
  out: string;
  format?: string | undefined;
  experiment?: number | undefined;
  epoch?: number | undefined;
  /** a reference dataset's ZIP: originals (default) or thumbnails */
  images?: string | undefined;
  force: boolean;
  json: boolean;
}

/** The format an output path's extension names, else null. */
export function exportFormatOf(file: string): ExportFormat | null {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.zip') return 'zip';
  return null;
}

function curatedSets(store: Store) {
  const events = createEventBus();
  const tasks = createTaskRegistry();
  return { events, tasks, ...createCuratedSetHandlers(store, { events, tasks, filteredIds: createAnalyticsService(store).filteredIds }) };
}

/** A set by its exact name, else by id when the argument is a whole number. */
function findSet(sets: ReturnType<typeof curatedSets>['queries'], nameOrId: string): CuratedSetSummary {
  const named = sets.findSetByName(nameOrId);
  if (named) return named;
  if (/^\d+$/.test(nameOrId) && Number(nameOrId) > 0) {
    const byId = sets.findSet(Number(nameOrId));
    if (byId) return byId;
  }
  const all = sets.listSets();
  const known = all.length ? `; the sets are: ${all.slice(0, 10).map((s) => `${s.id} "${printable(s.name)}"`).join(', ')}${all.length > 10 ? ', …' : ''}` : '; the database holds none yet';
  throw new NotFoundError(`no curated set named or numbered "${nameOrId}"${known}`);
}

export function setsCommand(store: Store, options: { json: boolean; dataset?: number | undefined }): void {
  const { handlers } = curatedSets(store);
  const list = handlers.listCuratedSets({ datasetId: options.dataset });
  if (options.json) {
    sayJson(list);
    return;
  }
  if (list.length === 0) {
    say('no curated sets yet: create them in the app (explorer selection, "Add to set")');
    return;
  }
  const datasets = new Map(store.datasets.listDatasets().map((d) => [d.id, d.name]));
  for (const s of list) {
    say(`set ${s.id} "${printable(s.name)}" · dataset ${s.datasetId} "${printable(datasets.get(s.datasetId) ?? '?')}" · ${s.size} example${s.size === 1 ? '' : 's'} · created ${s.createdAt}`);
    if (s.description) say(`  ${s.description.split('\n')[0]}`);
  }
}

export async function exportCommand(store: Store, options: ExportCommandOptions): Promise<void> {
  const service = curatedSets(store);
  const set = findSet(service.queries, options.set);
  const target = path.resolve(options.out);
  const format = options.format ?? exportFormatOf(target);
  if (format === null) throw new ValidationError(`cannot tell the format from ${path.basename(target)}: name it .csv, .jsonl or .zip, or pass --format`);
  const taskId = `cli-export-${process.pid}`;
  const parsed = contract.exportCuratedSet.args.safeParse({
    setId: set.id,
    format,
    path: target,
    experimentId: options.experiment,
    epoch: options.epoch,
    images: options.images,
    overwrite: options.force,
    taskId,
  });
  if (!parsed.success) throw new ValidationError(describeZodError(parsed.error));

  const showProgress = process.stderr.isTTY && !options.json;
  const unsubscribe = service.events.subscribe((e) => {
    // every stage (the rows, the manifest, the images) counts the set's examples
    if (showProgress && e.type === 'progress') drawProgress(formatProgressLine(e, 'examples'));
  });
  let result: ExportResult;
  try {
    // the export stops at its next batch and removes its partial file
    result = await cancelOnInterrupt(() => service.tasks.cancel(taskId), () => service.handlers.exportCuratedSet(parsed.data));
  } catch (err) {
    if (err instanceof DomainError && err.code === 'CONFLICT' && err.place.field === 'path') {
      throw new DomainError('CONFLICT', `${target} exists; --force overwrites it`, err.place);
    }
    throw err;
  } finally {
    unsubscribe();
    if (showProgress) endProgress();
  }
  if (options.json) sayJson(result);
  else say(`wrote ${result.rows} example${result.rows === 1 ? '' : 's'} of set ${set.id} "${printable(set.name)}" to ${result.path} (${result.format}${result.images && result.images !== 'png' ? ` with ${ZIP_IMAGE_WORDS[result.images]}` : ''}, ${formatBytes(result.bytes)})`);
}

/** what a reference dataset's ZIP holds, in the summary line (a pixels dataset's PNGs go unsaid, as before) */
const ZIP_IMAGE_WORDS: Record<'originals' | 'thumbnails', string> = {
  originals: 'the original files',
  thumbnails: 'the thumbnails',
};

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
