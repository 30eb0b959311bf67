// Readable validation messages: a failed union ("teacher is a run spec or a reused run")
// reports the branch that got furthest instead of zod's bare "Invalid input".
import type { z } from 'zod';

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

type Issue = z.core.$ZodIssue;

function flatten(issue: Issue, prefix: (string | number)[]): FieldIssue[] {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors.map((branch) => branch.flatMap((i) => flatten(i, path)));
    const depth = (b: FieldIssue[]) => Math.max(...b.map((i) => i.path.length));
    const furthest = branches.reduce((best, b) => (b.length && depth(b) > depth(best) ? b : best));
    if (furthest.length && depth(furthest) > path.length) return furthest;
  }
  return [{ path, message: issue.message }];
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((i) => flatten(i as Issue, []));
}

export function describeZodError(error: z.ZodError, limit = 5): string {
  return fieldIssues(error)
    .slice(0, limit)
    .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}
