// Readable validation messages, the one formatter of zod issues for every side: a failed union
// ("teacher is a run spec or a reused run") reports one branch's issues instead of zod's bare
// "Invalid input" — the branch that got furthest, or the one that fits the object's keys.
import type { z } from 'zod';

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

type Issue = z.core.$ZodIssue;

/**
 * Which branch of a failed union speaks: `furthest`, the one whose issues lie deepest; `fitting`,
 * the first that does not refuse the object's own keys (a form that only ever builds one kind of
 * branch, e.g. a teacher to train rather than one to reuse).
 */
export type UnionBranch = 'furthest' | 'fitting';

function flatten(issue: Issue, prefix: (string | number)[], union: UnionBranch): FieldIssue[] {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  if (issue.code === 'invalid_union' && issue.errors.length > 0 && union === 'fitting') {
    const branch = issue.errors.find((b) => !b.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0)) ?? issue.errors[0]!;
    return branch.flatMap((i) => flatten(i, path, union));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors.map((branch) => branch.flatMap((i) => flatten(i, path, union)));
    const depth = (b: FieldIssue[]) => Math.max(...b.map((i) => i.path.length));
    const furthest = branches.reduce((best, b) => (b.length && depth(b) > depth(best) ? b : best));
    if (furthest.length && depth(furthest) > path.length) return furthest;
  }
  return [{ path, message: issue.message }];
}

export function fieldIssues(error: z.ZodError, union: UnionBranch = 'furthest'): FieldIssue[] {
  return error.issues.flatMap((i) => flatten(i as Issue, [], union));
}

export function describeZodError(error: z.ZodError, limit = 5): string {
  return fieldIssues(error)
    .slice(0, limit)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}

/**
 * Issues as a command line names them: a top-level field by the flag that sets it (`flags`, which
 * may also name a whole path, e.g. "noise.seed"), an entry of a list flag by its number
 * ("--classes entry 2"), anything else by its path. `place` may name a path its own way first
 * (a manifest's rules come from two flags). At most `limit`, joined by "; ".
 */
export function describeFlagIssues(error: z.ZodError, flags: Readonly<Record<string, string>>, place?: (keys: string[]) => string | undefined, limit = 5): string {
  return fieldIssues(error)
    .slice(0, limit)
    .map(({ path, message }) => {
      const keys = path.map(String);
      return `${place?.(keys) ?? flagPlace(keys, flags)}: ${message}`;
    })
    .join('; ');
}

function flagPlace(keys: string[], flags: Readonly<Record<string, string>>): string {
  const whole = flags[keys.join('.')];
  if (whole) return whole;
  const [field, ...rest] = keys;
  const flag = field === undefined ? undefined : flags[field];
  if (!flag) return keys.join('.') || '(arguments)';
  if (rest.length === 1 && /^\d+$/.test(rest[0]!)) return `${flag} entry ${Number(rest[0]) + 1}`;
  return [flag, rest.join('.')].filter(Boolean).join(' ');
}
