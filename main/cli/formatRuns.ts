// Plain-text table of runs for the terminal.
import type { RunSummary } from '../../shared/runs.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export function formatRuns(runs: RunSummary[]): string {
  const rows = runs.map((r) => [String(r.id), r.role, r.name, r.status, r.backend ?? '—', `${r.epochsDone}/${r.epochs}`, pct(r.trainAccuracy), pct(r.testAccuracy), `${r.seconds.toFixed(1)} s`]);
  const header = ['id', 'role', 'name', 'status', 'backend', 'epochs', 'train acc', 'test acc', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '…';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
