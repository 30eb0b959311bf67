// `npm run bench -- parquet-pages`: the top-k Parquet reader on Version-1 data pages (pyarrow's and
// Spark's default) against Version-2 pages (hyparquet-writer's) of the same rows — 1,000,000 rows
// × top-5 of 1,000 classes by default (DISOBEY_BENCH_PARQUET_ROWS sets the count), in row groups of
// 100,000, Snappy — read alternately, so a machine's load falls on both alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readParquetTopK } from '../main/data/parquetReader.js';
import { createRandom } from '../shared/seededRandom.js';
import { writeTopKParquet, type TopKRowsToWrite } from './imagenetFixture.js';
import { rewriteAsDataPageV1 } from './parquetDataPageV1.js';
import type { BenchRow } from './table.js';

const K = 5;
const CLASSES = 1000;
const READS = 5;

function topKRows(n: number): TopKRowsToWrite {
  const random = createRandom(5);
  const classes = new Int32Array(n * K);
  const probs = new Float32Array(n * K);
  const labelProbs = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // k distinct classes (a random first one, then steps of 7), each taking up to half the mass left
    const first = random.int(CLASSES);
    let mass = 1;
    for (let j = 0; j < K; j++) {
      classes[i * K + j] = (first + 7 * j) % CLASSES;
      probs[i * K + j] = mass * 0.5 * random.next();
      mass -= probs[i * K + j]!;
    }
    labelProbs[i] = mass * 0.01 * random.next();
  }
  return { k: K, keys: Int32Array.from({ length: n }, (_, i) => i + 1), classes, probs, labelProbs };
}

export async function benchParquetPages(): Promise<BenchRow[]> {
  const n = Number(process.env.DISOBEY_BENCH_PARQUET_ROWS ?? 1_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-pages-'));
  try {
    const v2 = path.join(dir, 'v2.parquet');
    const v1 = path.join(dir, 'v1.parquet');
    writeTopKParquet(v2, topKRows(n), 0, n, 100_000);
    rewriteAsDataPageV1(v2, v1);
    const read = async (file: string) => {
      const t = performance.now();
      let rows = 0;
      await readParquetTopK(file, K, (batch) => (rows += batch.keys.length));
      if (rows !== n) throw new Error(`${file} read ${rows} rows, not ${n}`);
      return performance.now() - t;
    };
    await read(v2);
    await read(v1);
    const times: Record<'v1' | 'v2', number[]> = { v1: [], v2: [] };
    for (let i = 0; i < READS; i++) {
      times.v2.push(await read(v2));
      times.v1.push(await read(v1));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`;
    const ratio = median(times.v1) / median(times.v2);
    const size = `${n.toLocaleString('en')} rows × top-${K}`;
    const row = (version: 'v1' | 'v2', label: string): BenchRow => ({
      benchmark: `parquet top-k read: ${label}`,
      measured: `${Math.round(n / (median(times[version]) / 1000)).toLocaleString('en')} rows/s`,
      goal: '',
      pass: null,
      note: `${size}; median of ${READS} reads, ${range(times[version])}; ${(fs.statSync(version === 'v1' ? v1 : v2).size / 2 ** 20).toFixed(1)} MiB`,
    });
    return [
      row('v2', 'Version-2 pages'),
      row('v1', "Version-1 pages (pyarrow's and Spark's default)"),
      { benchmark: 'parquet top-k read: V1 time ÷ V2 time', measured: `${ratio.toFixed(2)}×`, goal: '≤ 1.25×', pass: ratio <= 1.25, note: `medians, reads alternated; fastest reads ${(Math.min(...times.v1) / Math.min(...times.v2)).toFixed(2)}×` },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
