// Plain-text table of runs for the terminal.
import type { RunSummary } from '../../shared/runs.js';
import { printable } from './output.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/**
 * `noisyExperiments`: experiments whose dataset has label noise. Their train accuracy is against
 * the noisy labels the runs trained on, and says so (a mark and a footnote).
 */
export function formatRuns(runs: RunSummary[], noisyExperiments: ReadonlySet<number> = new Set()): string {
  const noisy = (r: RunSummary) => noisyExperiments.has(r.experimentId) && r.trainAccuracy !== null;
  const rows = runs.map((r) => [String(r.id), r.role, printable(r.name), r.status, r.backend ?? '—', `${r.sharedFrom ? '†' : ''}${r.epochsDone}/${r.epochs}`, `${pct(r.trainAccuracy)}${noisy(r) ? '*' : ''}`, pct(r.testAccuracy), `${r.seconds.toFixed(1)} s`]);
  const header = ['id', 'role', 'name', 'status', 'backend', 'epochs', 'train acc', 'test acc', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const footnote = runs.some(noisy) ? ['* against the noisy training labels the run saw (the dataset has label noise); disobey report shows accuracy on the clean labels too'] : [];
  const shared = runs.flatMap((r) => (r.sharedFrom ? [`run ${r.id} epochs 1–${r.sharedFrom.epochs} from run ${r.sharedFrom.runId}`] : []));
  if (shared.length) footnote.push(`† shared epochs, trained once for two runs that train identically up to there (time counted in both): ${shared.join(', ')}`);
  return [line(header), ...rows.map(line), ...footnote].join('\n');
}
