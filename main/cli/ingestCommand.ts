// `disobey ingest`: runs trained elsewhere (docs/ingest.md) into an experiment on an imported
// dataset, all or nothing: a failure leaves the database as it was, and so does Ctrl-C or SIGTERM.
// Prints each run's recorded splits and what the ingest assumed (a bare cartography folder) or
// left out (splits not recorded, a student without a teacher).
import type { Storage } from '../../shared/experimentSpec.js';
import { createProgressTracker, formatProgressLine } from '../../shared/progress.js';
import { ingestRuns } from '../data/runIngest.js';
import type { Store } from '../store/store.js';
import { cancelOnInterrupt } from './interrupt.js';
import { drawProgress, endProgress, printable, say, sayJson } from './output.js';

export interface IngestCommandOptions {
  path: string;
  datasetId: number;
  experimentName: string | undefined;
  storage?: Storage;
  json: boolean;
}

export async function ingestCommand(store: Store, options: IngestCommandOptions): Promise<void> {
  const showProgress = process.stderr.isTTY && !options.json;
  const tracker = createProgressTracker();
  // Ctrl-C or SIGTERM: the ingest stops at its next epoch or file and deletes the experiment it
  // was writing, where the default would leave its runs interrupted and half their epochs stored.
  // It then fails with "ingest cancelled".
  const cancel = new AbortController();
  let result;
  try {
    result = await cancelOnInterrupt(
      () => cancel.abort(),
      () =>
        ingestRuns(store, { path: options.path, datasetId: options.datasetId, experimentName: options.experimentName, storage: options.storage, signal: cancel.signal }, (_, done, total) => {
          if (showProgress) drawProgress(formatProgressLine(tracker.update('ingest', done, total), 'run-epochs'));
        }),
    );
  } finally {
    if (showProgress) endProgress();
  }
  if (options.json) {
    sayJson(result);
    return;
  }
  say(`experiment ${result.experimentId}: ${result.runs.length} runs ingested`);
  for (const r of result.runs) say(`  run ${r.id}  ${r.role.padEnd(7)}  ${printable(r.name)}  (${r.epochs} epochs; ${r.splits.length === 1 ? 'split' : 'splits'} ${r.splits.join(', ')})`);
  // Notes quote run and folder names: a line break or escape in one is written escaped, the note stays one line.
  for (const note of result.notes) say(`Note: ${printable(note)}.`);
}
