// Dataset benchmarks: importing all of Fashion-MNIST from IDX, and filtered pages of the grid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImportOptions } from '../shared/domain.js';
import { importIntoDatabase } from '../main/data/importIntoDatabase.js';
import { createDatasetQueries } from '../main/store/datasetQueries.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { sampleDatasetDir } from '../main/paths.js';
import { percentile, type BenchRow } from './table.js';
import { createStore } from '../main/store/store.js';

const FULL_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

export async function benchDatasets(): Promise<BenchRow[]> {
  const full = fs.existsSync(FULL_FASHION_MNIST);
  const source = full ? FULL_FASHION_MNIST : sampleDatasetDir();
  const note = full ? '' : 'Debian dataset-fashion-mnist missing: measured on the 12k sample';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-'));
  const db = openDatabase(path.join(dir, 'bench.db'));
  try {
    const stages = new Map<string, number>();
    let stageStart = performance.now();
    let stage = '';
    const t0 = performance.now();
    const id = await importIntoDatabase(createStore(db), ImportOptions.parse({ path: source, format: 'idx', name: 'fmnist' }), (s) => {
      if (s !== stage) {
        const now = performance.now();
        if (stage) stages.set(stage, (stages.get(stage) ?? 0) + now - stageStart);
        stage = s;
        stageStart = now;
      }
    });
    const importMs = performance.now() - t0;
    if (stage) stages.set(stage, (stages.get(stage) ?? 0) + performance.now() - stageStart);
    const queries = createDatasetQueries(db);
    const summary = queries.getDataset(id);
    const total = summary.splits.reduce((n, s) => n + s.count, 0);

    // 300 filtered pages of 200: every class and split, from the first page to deep offsets.
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const label = i % 3 === 0 ? undefined : i % summary.classNames.length;
      const split = i % 5 === 0 ? undefined : i % 2 ? 'train' : 'test';
      const offset = (i * 977) % 5000;
      const start = performance.now();
      const page = queries.listExamples({ datasetId: id, split, label, offset, limit: 200 });
      times.push(performance.now() - start);
      if (page.items.length === 0 && page.total > offset) throw new Error('empty page');
    }
    times.sort((a, b) => a - b);
    const stageText = [...stages].map(([s, ms]) => `${s} ${(ms / 1000).toFixed(2)} s`).join(', ');
    return [
      { benchmark: `import ${total.toLocaleString('en')} Fashion-MNIST examples from IDX`, measured: `${(importMs / 1000).toFixed(2)} s`, goal: '≤ 5 s', pass: importMs <= 5000, note: [stageText, note].filter(Boolean).join('; ') },
      { benchmark: `filtered page of 200 of ${total.toLocaleString('en')} (p50)`, measured: `${percentile(times, 50).toFixed(2)} ms`, goal: '≤ 20 ms', pass: percentile(times, 50) <= 20 },
      { benchmark: `filtered page of 200 of ${total.toLocaleString('en')} (p95)`, measured: `${percentile(times, 95).toFixed(2)} ms`, goal: '≤ 20 ms', pass: percentile(times, 95) <= 20, note: 'count + page, class/split filters, offsets to 5,000' },
    ];
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
