// libuv's thread pool, where sharp decodes and encodes images (and fs reads files), has 4 threads
// unless UV_THREADPOOL_SIZE is set when the pool starts, that is in a process's environment when
// it starts. The processes that import images are started with it set to the core count, never
// below libuv's own 4, and a value the user set is kept. (bin/disobey.js applies the same rule to
// the command line, which it cannot import from here.)
import os from 'node:os';

/** libuv's pool size for a machine with `cores` cores: one thread per core, at least libuv's default 4. */
export function threadPoolSize(cores = os.availableParallelism()): number {
  return Math.max(4, cores);
}

/** `env` with UV_THREADPOOL_SIZE set for a child process, unless it is set already. */
export function withThreadPoolSize(env: NodeJS.ProcessEnv, cores?: number): NodeJS.ProcessEnv {
  return env.UV_THREADPOOL_SIZE === undefined ? { ...env, UV_THREADPOOL_SIZE: String(threadPoolSize(cores)) } : env;
}
