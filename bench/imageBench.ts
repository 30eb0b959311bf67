// Image folder by reference (issue 21 item 5): generated photos of 200–600 px, JPEG, PNG and
// WebP in turn, imported by reference end to end (walk, headers, hash, thumbnail, 64×64 tensor,
// one transaction) in a child process of its own, so its peak RSS is the import's alone.
// DISOBEY_BENCH_IMAGES sets the count (default 100,000): 240 distinct photos are generated and
// the rest are hard links to them, so the folder costs little disk and every file is still
// opened, hashed and decoded; the page cache then holds the bytes, as it would on a second
// import. The folder is kept under os.tmpdir(), named by its parameters, and reused by later
// runs. Prints images/s per core, peak RSS, the database against the folder's bytes, and what
// that extrapolates to at ImageNet's 1,281,167 photos.
import { measureInChild } from './benchChild.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImportOptions } from '../shared/domain.js';
import { importWithSkipped } from '../main/data/importIntoDatabase.js';
import { openStore } from '../main/store/store.js';
import sharp from 'sharp';
import { THUMBNAIL_SIDE } from '../shared/domain.js';
import { withThreadPoolSize } from '../main/threadPool.js';
import { writePhotoFolder } from './imageFixture.js';
import type { BenchRow } from './table.js';

const IMAGENET = 1_281_167;
const DISTINCT = 240;
const CLASSES = 10;
// Bumped when writePhotoFolder's photos change, so a folder made by an older bench is not reused.
const FIXTURE_VERSION = 1;
const CHILD_FLAG = '--images-child';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

interface PhotoFolder {
  root: string;
  bytes: number;
  /** seconds spent making it now; 0 when an earlier run's folder was reused */
  madeSeconds: number;
}

/** What the child measured of one import. */
interface ImportMeasure {
  seconds: number;
  cpuSeconds: number;
  /** of which the header pass (sizes and colour of every file, before the first is decoded) */
  headerCpuSeconds: number;
  peakRssBytes: number;
  rssAtTenthBytes: number;
  rssAtEndBytes: number;
  dbBytes: number;
  /** decoding alone, per format: the part of the import no pipeline can skip */
  decodeFloor: DecodeFloor[];
}

interface DecodeFloor {
  format: string;
  files: number;
  /** CPU per file: decoded and shrunk on load to the thumbnail's size, raw pixels out, one file at a time */
  cpuMs: number;
}

/** root/class<k>/<i>.<ext>, n files: DISTINCT photos and hard links to them; made once per parameters. */
async function photoFolder(n: number): Promise<PhotoFolder> {
  const dir = path.join(os.tmpdir(), `disobey-bench-photos-v${FIXTURE_VERSION}-${n}-of-${DISTINCT}-in-${CLASSES}`);
  const root = path.join(dir, 'photos');
  const complete = path.join(dir, 'complete.json');
  if (fs.existsSync(complete)) return { root, bytes: (JSON.parse(fs.readFileSync(complete, 'utf8')) as { bytes: number }).bytes, madeSeconds: 0 };
  const t = performance.now();
  fs.rmSync(dir, { recursive: true, force: true }); // a folder left half-made by an interrupted run
  const made = await writePhotoFolder(path.join(dir, 'pool'), Math.min(DISTINCT, n), { classes: 1 });
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const source = made.files[i % made.files.length] as string;
    const file = path.join(root, `class${i % CLASSES}`, `${String(i).padStart(7, '0')}${path.extname(source)}`);
    if (i < CLASSES) fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.linkSync(source, file);
    bytes += fs.statSync(source).size;
  }
  fs.writeFileSync(complete, JSON.stringify({ bytes }));
  return { root, bytes, madeSeconds: (performance.now() - t) / 1000 };
}

/** The import itself, in this (child) process: a fresh database, removed afterwards. */
async function measureImport(root: string): Promise<ImportMeasure> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-bench-images-db-'));
  try {
    const dbFile = path.join(dir, 'images.db');
    const store = openStore(dbFile);
    let rssAtTenth = 0;
    let rssAtEnd = 0;
    let headerCpu = null as NodeJS.CpuUsage | null; // set in the callback: the cast keeps TypeScript from narrowing it to null
    const cpuBefore = process.cpuUsage();
    const t = performance.now();
    try {
      await importWithSkipped(store, ImportOptions.parse({ path: root, format: 'folder', store: 'reference', name: 'bench' }), (stage, done, total) => {
        if (stage !== 'import') return;
        headerCpu ??= process.cpuUsage(cpuBefore);
        if (done === Math.floor(total / 10)) rssAtTenth = process.memoryUsage.rss();
        if (done === total) rssAtEnd = process.memoryUsage.rss();
      });
    } finally {
      store.close();
    }
    const seconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
    return {
      seconds,
      // CPU seconds of every thread (the main thread and libuv's pool): per core actually used, on a shared machine too.
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      headerCpuSeconds: headerCpu ? (headerCpu.user + headerCpu.system) / 1e6 : 0,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      rssAtTenthBytes: rssAtTenth,
      rssAtEndBytes: rssAtEnd,
      dbBytes: size(dbFile) + size(`${dbFile}-wal`),
      decodeFloor: await measureDecodeFloor(path.join(path.dirname(root), 'pool', 'class0')),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What decoding alone costs, per format, on the folder's distinct photos: each decoded and shrunk
 * on load to its thumbnail's size (the least any import of it must decode), raw pixels out, one
 * file at a time, three times over. Its mean over the folder's mix bounds the import's rate per
 * core: no pipeline around the decoders can beat it.
 */
async function measureDecodeFloor(pool: string): Promise<DecodeFloor[]> {
  const byFormat = new Map<string, Buffer[]>();
  for (const name of fs.readdirSync(pool).sort()) {
    const format = path.extname(name).slice(1);
    byFormat.set(format, [...(byFormat.get(format) ?? []), fs.readFileSync(path.join(pool, name))]);
  }
  const floors: DecodeFloor[] = [];
  for (const [format, files] of byFormat) {
    const sizes = await Promise.all(files.map((b) => sharp(b).metadata()));
    const decode = async (b: Buffer, i: number) => {
      const { width = 1, height = 1 } = sizes[i]!;
      const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(width, height));
      await sharp(b).resize({ width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), fit: 'fill' }).raw().toBuffer();
    };
    for (const [i, b] of files.slice(0, 5).entries()) await decode(b, i); // warm up
    const before = process.cpuUsage();
    const rounds = 3;
    for (let r = 0; r < rounds; r++) for (const [i, b] of files.entries()) await decode(b, i);
    const cpu = process.cpuUsage(before);
    floors.push({ format, files: files.length, cpuMs: (cpu.user + cpu.system) / 1000 / (rounds * files.length) });
  }
  return floors;
}

export async function benchImages(): Promise<BenchRow[]> {
  const n = Number(process.env.DISOBEY_BENCH_IMAGES ?? 100_000);
  const folder = await photoFolder(n);
  // The child starts as the app's import processes do: libuv's pool sized to the cores (main/threadPool.ts).
  const childEnv = withThreadPoolSize(process.env);
  const answer = measureInChild<ImportMeasure>(fileURLToPath(import.meta.url), [CHILD_FLAG, folder.root], 6 * 3600, childEnv);
  if (!answer.ok) return [{ benchmark: 'images by reference', measured: 'failed', goal: '≥ 300 images/s per core', pass: false, note: answer.reason.slice(-160) }];
  const m = answer.value;
  const cores = os.availableParallelism();
  const cpuModel = os.cpus()[0]?.model ?? 'cpu';
  const perCore = n / m.cpuSeconds;
  // The folder holds the formats in turn, so its mix is theirs in equal parts (DISTINCT is a multiple of 3).
  const floorMs = m.decodeFloor.reduce((sum, f) => sum + f.cpuMs, 0) / Math.max(1, m.decodeFloor.length);
  const ratio = m.dbBytes / folder.bytes;
  const atScale = n >= 100_000;
  const size = `${n.toLocaleString('en')} photos, ${mb(folder.bytes)} (${DISTINCT} distinct, the rest hard links), ${CLASSES} classes`;
  const made = folder.madeSeconds > 0 ? `files made in ${folder.madeSeconds.toFixed(1)} s` : 'files reused from an earlier run';
  return [
    {
      benchmark: 'images by reference: throughput',
      measured: `${perCore.toFixed(0)} images/s per core`,
      goal: '≥ 300 images/s per core',
      pass: perCore >= 300,
      note: `${size}; per CPU-second of all threads (${((100 * m.headerCpuSeconds) / m.cpuSeconds).toFixed(0)}% in the header pass); wall ${m.seconds.toFixed(1)} s = ${(n / m.seconds).toFixed(0)} images/s on ${cores} × ${cpuModel} (load average ${os.loadavg()[0]!.toFixed(1)}, UV_THREADPOOL_SIZE ${childEnv.UV_THREADPOOL_SIZE}); 1.28M photos: ${(IMAGENET / perCore / cores / 3600).toFixed(1)} h at this rate per core on ${cores} free cores, ${(IMAGENET / (n / m.seconds) / 3600).toFixed(1)} h at this run's wall rate; ${made}`,
    },
    {
      benchmark: 'images by reference: decoding alone',
      measured: `${(1000 / floorMs).toFixed(0)} images/s per core at most`,
      goal: 'bounds the throughput above',
      pass: null,
      note: `CPU per photo to decode it, shrunk on load to its thumbnail's size, nothing else (sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, one file at a time): ${m.decodeFloor.map((f) => `${f.format} ${f.cpuMs.toFixed(2)} ms`).join(', ')}; mean over the folder's mix ${floorMs.toFixed(2)} ms of the import's ${(1000 / perCore).toFixed(2)} ms per photo`,
    },
    {
      benchmark: 'images by reference: peak memory',
      measured: mb(m.peakRssBytes),
      goal: atScale ? '≤ 500 MB at 100,000 images' : '≤ 500 MB at 100,000 (not this size)',
      pass: atScale ? m.peakRssBytes <= 500 * 2 ** 20 : null,
      note: `the import's own process, peak RSS (maxRSS); RSS at 10% of the files ${mb(m.rssAtTenthBytes)}, at 100% ${mb(m.rssAtEndBytes)} (files stream through a bounded window)`,
    },
    {
      benchmark: 'images by reference: database size',
      measured: `${(100 * ratio).toFixed(1)}% of the folder`,
      goal: '≤ 15% of the source folder',
      pass: ratio <= 0.15,
      note: `${mb(m.dbBytes)} for ${mb(folder.bytes)}: a WebP thumbnail and a 64×64×3 tensor per photo; 1.28M photos: ${(((m.dbBytes / n) * IMAGENET) / 2 ** 30).toFixed(1)} GB`,
    },
  ];
}

// Child mode: this file (bundled into out/bench/index.js) run with `--images-child ROOT` imports
// the folder, prints one JSON line and exits before the suite starts.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === CHILD_FLAG) {
  console.log(JSON.stringify(await measureImport(process.argv[3] as string)));
  process.exit(0);
}
