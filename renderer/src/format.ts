// Small display formatters: ETA, counts, percentages, example numbers.

/** "12 s", "3 min 05 s", "1 h 02 min"; an em dash when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}

/**
 * Thousands separated with commas, 70,000: as the sentences the app writes (findings, reports)
 * quote counts, whatever the system's locale.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** done/total as a 0–100 percentage, clamped; 0 when total is unknown. */
export function percent(done: number, total: number): number {
  if (!(total > 0) || !Number.isFinite(done)) return 0;
  return Math.min(100, Math.max(0, (done / total) * 100));
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Compact ETA for dense rows ("1m05s"), the CLI's too. */
export { formatEtaShort } from '../../shared/progress.js';

/** An accuracy in [0, 1] as "91.3%"; an em dash when unknown. */
export function formatAccuracy(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** A number with a fixed count of decimals, as the report tables print β, Δ and KL; an em dash when unknown. */
export function formatFixed(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

/** An example as every page numbers it: its stored example id, "#25" (exports call it example_id). */
export function formatExampleNumber(id: number): string {
  return `#${id}`;
}
