// `npm run bench`: the project's benchmark suite, printed as one table.
import os from 'node:os';
import { benchDatasets } from './datasetBench.js';
import { formatTable, type BenchRow } from './table.js';

const rows: BenchRow[] = [];
rows.push(...(await benchDatasets()));
console.log(`Disobey benchmarks — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);
console.log(formatTable(rows));
