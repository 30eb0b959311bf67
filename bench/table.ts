// The benchmark's printed table: one row per measurement with its goal and verdict.
export interface BenchRow {
  benchmark: string;
  measured: string;
  goal: string;
  /** null when there is no goal to pass */
  pass: boolean | null;
  note?: string;
}

export function formatTable(rows: BenchRow[]): string {
  const header = ['benchmark', 'measured', 'goal', 'ok', 'note'];
  const cells = rows.map((r) => [r.benchmark, r.measured, r.goal, r.pass === null ? '' : r.pass ? 'yes' : 'NO', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.map(line)].join('\n');
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
