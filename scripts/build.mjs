// Builds the three bundles: main-side entries (CLI/web server, Electron shell, workers,
// bench) with esbuild, the sandboxed preload as one CommonJS file, the renderer with Vite.
// `--if-stale` skips the build when out/ is newer than every source file.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out');
const sourceDirs = ['main', 'preload', 'renderer', 'shared', 'bench'];
const stamp = path.join(out, '.built');

function newestSourceMtime() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of sourceDirs) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  for (const f of ['package.json', 'vite.config.ts', 'scripts/build.mjs']) newest = Math.max(newest, fs.statSync(path.join(root, f)).mtimeMs);
  return newest;
}

if (process.argv.includes('--if-stale') && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestSourceMtime()) {
  process.exit(0);
}

const nodeEntries = {
  'main/cli': 'main/cli/index.ts',
  'main/electron': 'main/electron/index.ts',
  'main/services-process': 'main/electron/servicesProcess.ts',
  'main/import-worker': 'main/workers/importWorker.ts',
  'main/train-worker': 'main/workers/trainWorker.ts',
  'main/bootstrap-worker': 'main/workers/bootstrapWorker.ts',
  'main/gradient-worker': 'main/train/gradientWorker.ts',
  'bench/index': 'bench/index.ts',
};
const existing = Object.fromEntries(Object.entries(nodeEntries).filter(([, src]) => fs.existsSync(path.join(root, src))));

const started = Date.now();
await esbuild({
  absWorkingDir: root,
  entryPoints: existing,
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // Except tfjs-core's gradient and chained-op registrations (main/train/backend.ts): extensionless
  // ES module trees Node cannot load from node_modules; bundled, they register into tfjs-core's globals.
  plugins: [
    {
      name: 'bundle-tfjs-registrations',
      setup(b) {
        b.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops\/register_all_chained_ops)\.js$/ }, (args) => ({
          path: path.join(root, 'node_modules', args.path),
        }));
      },
    },
  ],
  loader: { '.sql': 'text' },
  sourcemap: true,
  logLevel: 'warning',
});
if (fs.existsSync(path.join(root, 'preload/index.ts'))) {
  // A sandboxed preload can require only 'electron': everything else is bundled in.
  await esbuild({
    absWorkingDir: root,
    entryPoints: { 'preload/index': 'preload/index.ts' },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  });
}
if (fs.existsSync(path.join(root, 'renderer/index.html'))) {
  await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(stamp, new Date().toISOString());
console.log(`built out/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
