// `npm start`: the desktop app on the user's default database; where Electron cannot run
// (its binary was not downloadable, or there is no display) say why in one line and
// serve web mode instead, printing the URL to open.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extraArgs = process.argv.slice(2);

// Requiring 'electron' would try to download the binary on the spot; look for it instead.
function electronBinary() {
  if (process.env.DISOBEY_ELECTRON) return { binary: process.env.DISOBEY_ELECTRON };
  let pkgDir;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkgDir, 'dist');
  const binary = fs.existsSync(pathFile) ? path.join(distDir, fs.readFileSync(pathFile, 'utf8').trim()) : null;
  if (binary && fs.existsSync(binary)) return { binary };
  return { reason: 'the Electron binary is not installed (it cannot be downloaded here; `npx install-electron` fetches it where the network allows)' };
}

function hasDisplay() {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

const { binary, reason } = electronBinary();
const why = reason ?? (hasDisplay() ? null : 'there is no display (DISPLAY is unset)');
const child = why
  ? (console.log(`Disobey: ${why}; serving web mode instead.`),
    spawn(process.execPath, [path.join(root, 'bin/disobey.js'), 'serve', ...extraArgs], { stdio: 'inherit' }))
  : spawn(binary, [root, ...extraArgs], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
