// Which database a launch of the desktop app names: `--db PATH` (or `--db=PATH`) on its command
// line, else DISOBEY_DB. A second launch hands its choice to the running instance through the
// single-instance lock's additionalData, since Chromium may reorder or extend the argv it relays.
import path from 'node:path';
import { z } from 'zod';

/** The value of `--db` in argv, resolved against `cwd`; null when absent or empty. */
export function databaseArgument(argv: readonly string[], cwd: string): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    let value: string | undefined;
    if (arg === '--db') value = argv[i + 1];
    else if (arg.startsWith('--db=')) value = arg.slice('--db='.length);
    else continue;
    return value && !value.startsWith('--') ? path.resolve(cwd, value) : null;
  }
  return null;
}

/** The database this launch names: --db, else DISOBEY_DB; null when it names none (the per-user default). */
export function namedDatabase(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): string | null {
  return databaseArgument(argv, cwd) ?? (env.DISOBEY_DB ? path.resolve(cwd, env.DISOBEY_DB) : null);
}

/** What a launch passes to requestSingleInstanceLock. */
export interface LaunchData {
  /** absolute; absent when the launch named no database */
  databasePath?: string;
}

const LaunchDataSchema = z.object({ databasePath: z.string().min(1).max(4096).optional() });

export function launchData(named: string | null): LaunchData {
  return named === null ? {} : { databasePath: named };
}

/**
 * The database a second launch asks the running instance to open: its additionalData when that
 * holds an absolute path, else a --db in the argv it relayed; null when it named none.
 */
export function secondLaunchDatabase(argv: readonly string[], workingDirectory: string, additionalData: unknown): string | null {
  const parsed = LaunchDataSchema.safeParse(additionalData);
  const fromData = parsed.success ? parsed.data.databasePath : undefined;
  if (fromData !== undefined && path.isAbsolute(fromData)) return path.normalize(fromData);
  return databaseArgument(argv, workingDirectory);
}
