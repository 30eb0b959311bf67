#!/usr/bin/env node
// The `disobey` command: runs the built CLI (npm install builds it through `prepare`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!fs.existsSync(cli)) {
  console.error('disobey: the app is not built yet; run `npm run build` in the Disobey folder');
  process.exit(1);
}

// Image imports decode on libuv's thread pool (sharp), which has 4 threads unless
// UV_THREADPOOL_SIZE says otherwise when the pool starts, and in an ES module that is before this
// line runs. On a machine with more cores the command is run again with it set to the core count
// (main/threadPool.ts's rule); a value the user set is kept, and then nothing is run twice.
const poolSize = Math.max(4, os.availableParallelism());
if (process.env.UV_THREADPOOL_SIZE === undefined && poolSize > 4) {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: String(poolSize) },
  });
  // Ctrl-C reaches the child through the terminal's process group: handled there (a cancelled
  // import, a stopped server), not forwarded a second time. A signal sent to this process alone is.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  await import(cli.href);
}
