// CSV as RFC 4180 writes it (CRLF between records, a field quoted when it holds a comma, quote,
// CR or LF, quotes doubled), and float32 probabilities as the shortest text that reads back exactly.

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(fields: readonly (string | number | null)[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

/**
 * The shortest decimal (6–9 significant digits) whose float32 is `x` exactly, so a reader that
 * rounds to float32 (np.float32, Math.fround) gets the stored bits back; NaN and ±∞ give ''.
 */
export function float32Text(x: number): string {
  if (!Number.isFinite(x)) return '';
  for (let digits = 6; digits < 9; digits++) {
    const text = x.toPrecision(digits);
    if (Math.fround(Number(text)) === x) return String(Number(text));
  }
  return String(Number(x.toPrecision(9)));
}
