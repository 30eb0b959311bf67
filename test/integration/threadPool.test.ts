// libuv's pool (where sharp decodes) is sized once, from UV_THREADPOOL_SIZE at the start of a
// process: the processes that import images are started with it set to the core count, never
// below libuv's 4, and a value the user set is kept. The command line re-runs itself to get it;
// a machine of 8 cores is simulated with a preloaded module that also reports what it saw.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { threadPoolSize, withThreadPoolSize } from '../../main/threadPool.js';
import { makeTempDir } from '../helpers/tempDir.js';

const bin = path.resolve('bin/disobey.js');
const temp = makeTempDir();
afterAll(() => temp.dispose());

describe('threadPoolSize / withThreadPoolSize', () => {
  it('is one thread per core, never below libuv’s 4', () => {
    expect([1, 2, 4, 6, 64].map((cores) => threadPoolSize(cores))).toEqual([4, 4, 4, 6, 64]);
  });

  it('sets UV_THREADPOOL_SIZE for a child unless the user set it, leaving the rest of the environment', () => {
    expect(withThreadPoolSize({ HOME: '/h' }, 12)).toEqual({ HOME: '/h', UV_THREADPOOL_SIZE: '12' });
    expect(withThreadPoolSize({ HOME: '/h', UV_THREADPOOL_SIZE: '3' }, 12)).toEqual({ HOME: '/h', UV_THREADPOOL_SIZE: '3' });
  });
});

describe.skipIf(!fs.existsSync('out/main/cli.js'))('the disobey command on a machine of 8 cores', () => {
  // Every process that loads it sees 8 cores and prints the pool size it was started with.
  const preload = path.join(temp.dir, 'eightCores.mjs');
  fs.writeFileSync(preload, "import os from 'node:os';\nos.availableParallelism = () => 8;\nprocess.stderr.write(`pool=${process.env.UV_THREADPOOL_SIZE}\\n`);\n");
  const run = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--import', preload, bin, ...args], { encoding: 'utf8', env });
  const { UV_THREADPOOL_SIZE: _ignored, ...unset } = process.env;

  it('runs the command again with 8 pool threads, with its output and exit code', () => {
    const help = run(['--help'], unset);
    expect(help.stderr.match(/pool=\S+/g)).toEqual(['pool=undefined', 'pool=8']);
    expect(help.stdout).toContain('usage: disobey <command>');
    expect(help.status).toBe(0);
    const unknown = run(['nosuchcmd'], unset);
    expect(unknown.stderr).toContain('unknown command "nosuchcmd"');
    expect(unknown.status).toBe(2);
  });

  it("keeps the user's own UV_THREADPOOL_SIZE and runs once", () => {
    const help = run(['--help'], { ...unset, UV_THREADPOOL_SIZE: '3' });
    expect(help.stderr.match(/pool=\S+/g)).toEqual(['pool=3']);
    expect(help.status).toBe(0);
  });
});
