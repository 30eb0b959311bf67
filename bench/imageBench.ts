// Image folder by reference (issue 21 item 5): generated photos of 200–600 px, JPEG, PNG and
// WebP in turn, imported by reference end to end (walk, headers, hash, thumbnail, 64×64 tensor,
// one transaction). DISOBEY_BENCH_IMAGES sets the count (default 100,000): 240 distinct photos
// are generated and the rest are hard links to them, so the folder costs little disk and every
// file is still opened, hashed and decoded; the page cache then holds the bytes, as it would on
// a second import. Prints images/s per core, peak RSS, the database against the folder's bytes,
// and what that extrapolates to at ImageNet's 1,281,167 photos.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImportOptions } from '../shared/domain.js';
import { importWithSkipped } from '../main/data/importIntoDatabase.js';
import { openStore } from '../main/store/store.js';
import { writePhotoFolder } from './imageFixture.js';
import type { BenchRow } from './table.js';

const IMAGENET = 1_281_167;
const DISTINCT = 240;
const CLASSES = 10;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

export async function benchImages(): Promise<BenchRow[]> {
  const n = Number(process.env.DISOBEY_BENCH_IMAGES ?? 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-images-'));
  try {
    let t = performance.now();
    const pool = path.join(dir, 'pool');
    const made = await writePhotoFolder(pool, Math.min(DISTINCT, n), { classes: 1 });
    const root = path.join(dir, 'photos');
    let folderBytes = 0;
    for (let i = 0; i < n; i++) {
      const source = made.files[i % made.files.length] as string;
      const file = path.join(root, `class${i % CLASSES}`, `${String(i).padStart(7, '0')}${path.extname(source)}`);
      if (i < CLASSES) fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.linkSync(source, file);
      folderBytes += fs.statSync(source).size;
    }
    const generateS = (performance.now() - t) / 1000;

    const dbFile = path.join(dir, 'images.db');
    const store = openStore(dbFile);
    let peakRss = process.memoryUsage().rss;
    const rssAt: number[] = [];
    const cpuBefore = process.cpuUsage();
    t = performance.now();
    try {
      await importWithSkipped(store, ImportOptions.parse({ path: root, format: 'folder', store: 'reference', name: 'bench' }), (stage, done, total) => {
        const rss = process.memoryUsage().rss;
        peakRss = Math.max(peakRss, rss);
        if (stage === 'import' && (done === Math.floor(total / 10) || done === total)) rssAt.push(rss);
      });
    } finally {
      store.close();
    }
    const seconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    // CPU seconds of every thread (the main thread and libuv's pool): per core actually used, on a shared machine too.
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const dbBytes = fs.statSync(dbFile).size + (fs.existsSync(`${dbFile}-wal`) ? fs.statSync(`${dbFile}-wal`).size : 0);
    const cores = os.availableParallelism();
    const perCore = n / cpuSeconds;
    const ratio = dbBytes / folderBytes;
    const atScale = n >= 100_000;
    const size = `${n.toLocaleString('en')} photos, ${mb(folderBytes)} (${DISTINCT} distinct, the rest hard links), 10 classes`;
    return [
      {
        benchmark: 'images by reference: throughput',
        measured: `${perCore.toFixed(0)} images/s per core`,
        goal: '≥ 300 images/s per core',
        pass: perCore >= 300,
        note: `${size}; per CPU-second of all threads; wall ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(0)} images/s on ${cores} × ${os.cpus()[0]?.model ?? 'cpu'} (load average ${os.loadavg()[0]!.toFixed(1)}); 1.28M photos: ${(IMAGENET / perCore / cores / 3600).toFixed(1)} h on ${cores} free cores at this rate; files made in ${generateS.toFixed(1)} s`,
      },
      {
        benchmark: 'images by reference: peak memory',
        measured: mb(peakRss),
        goal: atScale ? '≤ 500 MB at 100,000 images' : '≤ 500 MB at 100,000 (not this size)',
        pass: atScale ? peakRss <= 500 * 2 ** 20 : null,
        note: `RSS at 10% of the files ${mb(rssAt[0] ?? 0)}, at 100% ${mb(rssAt.at(-1) ?? 0)} (flat: files stream through a bounded window)`,
      },
      {
        benchmark: 'images by reference: database size',
        measured: `${(100 * ratio).toFixed(1)}% of the folder`,
        goal: '≤ 15% of the source folder',
        pass: ratio <= 0.15,
        note: `${mb(dbBytes)} for ${mb(folderBytes)}: a WebP thumbnail and a 64×64×3 tensor per photo; 1.28M photos: ${((dbBytes / n) * IMAGENET / 2 ** 30).toFixed(1)} GB`,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
