// `disobey ingest`: runs trained elsewhere (docs/ingest.md) into an experiment on an imported
// dataset, checked whole before anything is written.
import type Database from 'better-sqlite3';
import { ingestRuns } from '../data/runIngest.js';

export interface IngestCommandOptions {
  path: string;
  datasetId: number;
  experimentName: string | undefined;
  json: boolean;
}

export async function ingestCommand(db: Database.Database, options: IngestCommandOptions): Promise<void> {
  const showProgress = process.stderr.isTTY && !options.json;
  const result = await ingestRuns(db, { path: options.path, datasetId: options.datasetId, experimentName: options.experimentName }, (stage, done, total) => {
    if (showProgress) process.stderr.write(`\r${stage} ${done}/${total} run-epochs   `);
  });
  if (showProgress) process.stderr.write('\n');
  if (options.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`experiment ${result.experimentId}: ${result.runs.length} runs ingested`);
  for (const r of result.runs) console.log(`  run ${r.id}  ${r.role.padEnd(7)}  ${r.name}  (${r.epochs} epochs)`);
}
