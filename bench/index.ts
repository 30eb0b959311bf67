// `npm run bench`: the project's benchmark suite, printed as one table.
import os from 'node:os';
import { benchAnalytics } from './analyticsBench.js';
import { benchDatasets } from './datasetBench.js';
import { benchExplorer } from './explorerBench.js';
import { benchLoad } from './loadBench.js';
import { benchTraining, runBenchChild } from './trainingBench.js';
import { benchLosses } from './lossCostBench.js';
import { benchIngest } from './ingestBench.js';
import { benchFindings } from './findingsBench.js';
import { benchPackage } from './packagePayload.js';
import { benchStorage } from './storageBench.js';
import { benchImages } from './imageBench.js';
import { benchImagenet, runImagenetChild } from './imagenetBench.js';
import { benchParquetPages } from './parquetPagesBench.js';
import { formatTable, type BenchRow } from './table.js';

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  await runBenchChild(process.argv.slice(childAt + 1));
  process.exit();
}

const imagenetChildAt = process.argv.indexOf('--imagenet-child');
if (imagenetChildAt >= 0) {
  await runImagenetChild(process.argv.slice(imagenetChildAt + 1));
  process.exit();
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const sections: [string, () => Promise<BenchRow[]> | BenchRow[]][] = [
  ['datasets', benchDatasets],
  ['training', benchTraining],
  ['analytics', benchAnalytics],
  ['explorer', benchExplorer],
  ['losses', benchLosses],
  ['load', benchLoad],
  ['ingest', benchIngest],
  ['findings', benchFindings],
];
const rows: BenchRow[] = [];
// Only on request: `package` packs the app with electron-builder (`npm run bench -- package`);
// `storage` measures the prediction data's bytes on disk and float16's effect on every measure;
// `images` generates and imports 100,000 photo files; `imagenet` ingests 53M top-5 rows from
// Parquet parts and times the analytics on them (docs/scale.md); `parquet-pages` reads top-k
// Parquet in Version-1 and Version-2 data pages.
const onRequest: [string, () => Promise<BenchRow[]>][] = [
  ['package', benchPackage],
  ['storage', benchStorage],
  ['images', benchImages],
  ['imagenet', benchImagenet],
  ['parquet-pages', benchParquetPages],
];
for (const [name, run] of sections) if (!only.length || only.includes(name)) rows.push(...(await run()));
for (const [name, run] of onRequest) if (only.includes(name)) rows.push(...(await run()));
console.log(`Disobey benchmarks — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);
console.log(formatTable(rows));
