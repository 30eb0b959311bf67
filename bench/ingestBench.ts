// Ingest benchmark (issue 8 item 5): runs trained elsewhere, in the NPY + CSV index format, into
// a fresh database — by default 1,000,000 examples × 2 runs × 10 epochs × 10 classes
// (DISOBEY_BENCH_INGEST_EXAMPLES sets the size). Times `ingest` end to end and its peak RSS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingestRuns } from '../main/data/runIngest.js';
import { openDatabase } from '../main/store/openDatabase.js';
import { createPlainDataset, encodeNpy, randomProbabilities } from './ingestFixture.js';
import type { BenchRow } from './table.js';

const EPOCHS = 10;
const CLASSES = 10;

export async function benchIngest(): Promise<BenchRow[]> {
  const n = Number(process.env.DISOBEY_BENCH_INGEST_EXAMPLES ?? 1_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-ingest-'));
  const db = openDatabase(path.join(dir, 'ingest.db'));
  try {
    let t = performance.now();
    const data = createPlainDataset(db, n, CLASSES, 'ingest bench');
    const index = 'example\n' + data.ids.join('\n') + '\n';
    const root = path.join(dir, 'runs');
    for (const [run, role] of [['teacher', 'teacher'], ['student', 'student']] as const) {
      const runDir = path.join(root, run);
      fs.mkdirSync(runDir, { recursive: true });
      fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ name: run, role, epochs: EPOCHS, key: 'id' }));
      for (let e = 1; e <= EPOCHS; e++) {
        fs.writeFileSync(path.join(runDir, `epoch-${e}.npy`), encodeNpy(randomProbabilities(n, CLASSES, 100 * e + (role === 'teacher' ? 1 : 2)), [n, CLASSES]));
        fs.writeFileSync(path.join(runDir, `epoch-${e}.index.csv`), index);
      }
    }
    const generateS = (performance.now() - t) / 1000;

    let peakRss = process.memoryUsage().rss;
    const stageSeconds = { validate: 0, write: 0 };
    let stageStart = performance.now();
    let stage: 'validate' | 'write' = 'validate';
    t = performance.now();
    await ingestRuns(db, { path: root, datasetId: data.datasetId }, (s) => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (s !== stage) {
        stageSeconds[stage] = (performance.now() - stageStart) / 1000;
        stage = s;
        stageStart = performance.now();
      }
    });
    const seconds = (performance.now() - t) / 1000;
    stageSeconds[stage] = (performance.now() - stageStart) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const rows = 2 * EPOCHS * n;
    const size = `${n.toLocaleString('en')} examples × 2 runs × ${EPOCHS} epochs × ${CLASSES} classes`;
    return [
      {
        benchmark: 'ingest: NPY + CSV index, end to end',
        measured: `${seconds.toFixed(1)} s`,
        goal: n >= 1_000_000 ? '≤ 60 s' : '≤ 60 s at 1,000,000 (not this size)',
        pass: n >= 1_000_000 ? seconds <= 60 : null,
        note: `${size}; check ${stageSeconds.validate.toFixed(1)} s, write ${stageSeconds.write.toFixed(1)} s; ${Math.round(rows / seconds).toLocaleString('en')} prediction rows/s; files made in ${generateS.toFixed(1)} s`,
      },
      { benchmark: 'ingest: peak RSS', measured: `${(peakRss / 2 ** 20).toFixed(0)} MiB`, goal: '', pass: null, note: 'process.memoryUsage().rss, sampled per run-epoch' },
    ];
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
