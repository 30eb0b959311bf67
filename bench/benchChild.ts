// One measurement in a fresh Node process: the bench bundle (out/bench/index.js) run again with a
// child flag, printing its answer as the last line of stdout (JSON; `{"error": …}` with a non-zero
// exit when it failed). A child has its own peak memory, its own TensorFlow, its own caches.
import { spawnSync } from 'node:child_process';

export type ChildAnswer<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Runs `node SCRIPT ARGS…` for at most `timeoutS` seconds (in `env`, this process's by default) and parses its last line. */
export function measureInChild<T>(script: string, args: readonly string[], timeoutS: number, env: NodeJS.ProcessEnv = process.env): ChildAnswer<T> {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 * 2 ** 20, env });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  let answer: unknown;
  try {
    answer = last.startsWith('{') ? JSON.parse(last) : undefined;
  } catch {
    answer = undefined;
  }
  const error = (answer as { error?: unknown } | undefined)?.error;
  if (r.status === 0 && answer !== undefined && error === undefined) return { ok: true, value: answer as T };
  if (typeof error === 'string') return { ok: false, reason: error };
  const tail = (r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ');
  return { ok: false, reason: `${r.signal ?? `exit ${r.status}`}${tail ? `: ${tail}` : ''}` };
}
