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
