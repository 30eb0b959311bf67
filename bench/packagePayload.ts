// `npm run bench -- package`: the unpacked desktop package as electron-builder makes it, measured.
// The package is built offline (packageApp): electron-builder.yml as `npm run dist` reads it, a
// stand-in folder for the Electron binary (it cannot be downloaded here), native rebuild and fuses
// off; neither changes which files are packed. test/integration/package.test.ts runs what it packs.
import { extractAll } from '@electron/asar';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './table.js';

// The project root: above bench/ when run from the sources (tests), above out/bench/ when bundled.
const root = [path.resolve(import.meta.dirname, '..'), path.resolve(import.meta.dirname, '..', '..')].find((dir) =>
  fs.existsSync(path.join(dir, 'electron-builder.yml')),
)!;

/**
 * Today's payload before issue 22 (app.asar + app.asar.unpacked, bytes): measured 2026-12-02 with
 * packageApp on commit db08a98 (the umbrella @tensorflow/tfjs, echarts, vue, pinia as dependencies,
 * every file of each package): app.asar 381,780,741 + unpacked files 42,642,925.
 */
export const PAYLOAD_BEFORE_BYTES = 381_780_741 + 42_642_925;
/** The goal: what a desktop user downloads beyond Electron itself. */
export const PAYLOAD_GOAL_BYTES = 100 * 1024 * 1024;

/** A folder electron-builder accepts as `electronDist`: an `electron` executable that only says what it is. */
export function standInElectron(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary" >&2\nexit 1\n', { mode: 0o755 });
  return dir;
}

/** Packs the built out/ into `<output>/linux-unpacked`; returns its resources folder (app.asar, app.asar.unpacked, sample, docs). */
export async function packageApp(output: string): Promise<string> {
  if (!fs.existsSync(path.join(root, 'out/main/cli.js'))) throw new Error('out/ is not built: run `npm run build` first');
  const { build, Platform } = await import('electron-builder');
  if (fs.lstatSync(path.join(root, 'node_modules')).isSymbolicLink()) {
    // A git worktree sharing another checkout's node_modules: `npm ls` (electron-builder's npm
    // collector) sees every package as a link outside the project and drops their dependencies.
    // electron-builder's own traversal collector walks node_modules as Node resolves it.
    const lib = 'app-builder-lib';
    const { Packager } = (await import(lib)) as { Packager: { prototype: { getPackageManager(): Promise<string> } } };
    Packager.prototype.getPackageManager = () => Promise.resolve('traversal');
  }
  const electronDist = standInElectron(fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-electron-')));
  try {
    await build({
      projectDir: root,
      targets: Platform.LINUX.createTarget('dir'),
      publish: 'never',
      // Merged into electron-builder.yml, which electron-builder reads from the project as `npm run dist` does.
      config: {
        directories: { output },
        electronDist,
        electronVersion: '45.4.1',
        npmRebuild: false,
        electronFuses: null,
      },
    });
  } finally {
    fs.rmSync(electronDist, { recursive: true, force: true });
  }
  return path.join(output, 'linux-unpacked', 'resources');
}

function walk(dir: string, visit: (file: string, bytes: number) => void): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, visit);
    else if (entry.isFile()) visit(p, fs.statSync(p).size);
  }
}

/** `node_modules/@scope/name` or `node_modules/name` for a package's files, else the first two path segments (`out/renderer`). */
export function topLevelEntry(relative: string): string {
  const parts = relative.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) return parts.slice(0, at + (parts[at + 1]?.startsWith('@') ? 3 : 2)).join('/');
  return parts.slice(0, Math.min(2, parts.length - 1) || 1).join('/');
}

export interface Payload {
  asarBytes: number;
  unpackedBytes: number;
  /** every file of the app, as extracted from the asar (unpacked files included), relative to the app root */
  files: { path: string; bytes: number }[];
  /** per top-level entry (a package or a folder of out/), largest first */
  entries: { entry: string; bytes: number }[];
}

/** Extracts app.asar (with its unpacked files) into `extractTo` and measures it. */
export function measurePayload(resources: string, extractTo: string): Payload {
  const asar = path.join(resources, 'app.asar');
  let unpackedBytes = 0;
  if (fs.existsSync(`${asar}.unpacked`)) walk(`${asar}.unpacked`, (_, bytes) => (unpackedBytes += bytes));
  extractAll(asar, extractTo);
  const files: Payload['files'] = [];
  walk(extractTo, (file, bytes) => files.push({ path: path.relative(extractTo, file).split(path.sep).join('/'), bytes }));
  const sums = new Map<string, number>();
  for (const f of files) sums.set(topLevelEntry(f.path), (sums.get(topLevelEntry(f.path)) ?? 0) + f.bytes);
  const entries = [...sums].map(([entry, bytes]) => ({ entry, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { asarBytes: fs.statSync(asar).size, unpackedBytes, files, entries };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function benchPackage(): Promise<BenchRow[]> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'disobey-package-'));
  try {
    const started = performance.now();
    const resources = await packageApp(path.join(temp, 'dist'));
    const seconds = (performance.now() - started) / 1000;
    const payload = measurePayload(resources, path.join(temp, 'app'));
    const total = payload.asarBytes + payload.unpackedBytes;
    return [
      {
        benchmark: 'package: app payload (app.asar + unpacked)',
        measured: mb(total),
        goal: `≤ ${mb(PAYLOAD_GOAL_BYTES)}`,
        pass: total <= PAYLOAD_GOAL_BYTES,
        note: `before issue 22: ${mb(PAYLOAD_BEFORE_BYTES)}; asar ${mb(payload.asarBytes)}, unpacked ${mb(payload.unpackedBytes)}; packed in ${seconds.toFixed(1)} s`,
      },
      ...payload.entries.slice(0, 10).map((e, i) => ({ benchmark: `package: largest #${i + 1}`, measured: mb(e.bytes), goal: '', pass: null, note: e.entry })),
    ];
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}
