// CSV as RFC 4180 writes it (CRLF between records, a field quoted when it holds a comma, quote,
// CR or LF, quotes doubled), text from outside written so spreadsheets never run it as a formula,
// and float32 probabilities as the shortest text that reads back exactly.
import { neutralizeFormula } from '../../shared/spreadsheetText.js';

const NEEDS_QUOTES = /[",\r\n]/;
const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;
const quotedIfNeeded = (text: string) => (NEEDS_QUOTES.test(text) ? quoted(text) : text);

/**
 * A cell of text that came from outside (a note, a text, a class name, a file name, a rule's
 * reason): where it would start a formula it gets neutralizeFormula's apostrophe and is quoted,
 * as OWASP advises. Numbers and the text we compose ourselves (probabilities) stay plain cells.
 */
export interface CsvText {
  readonly text: string;
}

export const csvText = (text: string): CsvText => ({ text });

export type CsvCell = string | number | null | CsvText;

export function csvField(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'object') {
    const safe = neutralizeFormula(value.text);
    return safe === value.text ? quotedIfNeeded(safe) : quoted(safe);
  }
  return quotedIfNeeded(String(value));
}

export function csvRecord(fields: readonly CsvCell[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i); // exact in a double up to 1e22
const pow10 = (k: number) => (k <= 22 ? POW10[k]! : POW10[22]! * 10 ** (k - 22));

/**
 * The shortest decimal (at most 9 significant digits) whose float32 is `x` exactly, so a reader
 * that rounds to float32 (np.float32, Math.fround) gets the stored bits back; NaN and ±∞ give ''.
 * Candidates are found with integer arithmetic and each is confirmed by parsing it, as
 * toPrecision in a loop would, at about a third of the cost (millions of cells per export).
 */
export function float32Text(x: number): string {
  if (!Number.isFinite(x)) return '';
  if (x === 0) return '0';
  const a = Math.abs(x);
  let e = Math.floor(Math.log10(a)); // the leading digit's exponent, corrected where log10 rounds
  if ((e >= 0 ? pow10(e) : 1 / pow10(-e)) > a) e--;
  else if ((e + 1 >= 0 ? pow10(e + 1) : 1 / pow10(-e - 1)) <= a) e++;
  for (let digits = 1; digits <= 9; digits++) {
    const k = digits - 1 - e; // a × 10^k has `digits` digits before the point
    const m = k >= 0 ? Math.round(a * pow10(k)) : Math.round(a / pow10(-k));
    if (digits < 9 && Math.fround(k >= 0 ? m / pow10(k) : m * pow10(-k)) !== a) continue;
    const text = (x < 0 ? '-' : '') + decimalText(m, k);
    if (Math.fround(Number(text)) === x) return text;
  }
  return String(Number(x.toPrecision(9)));
}

/** m × 10^-k as JavaScript would print it: plain, or with an exponent below 1e-6 and from 1e21. */
function decimalText(m: number, k: number): string {
  while (m !== 0 && m % 10 === 0) {
    m /= 10;
    k--;
  }
  const digits = String(m);
  const exponent = digits.length - 1 - k;
  if (exponent < -6 || exponent >= 21) return digits.length === 1 ? `${digits}e${exponent}` : `${digits[0]}.${digits.slice(1)}e${exponent}`;
  if (k <= 0) return digits + '0'.repeat(-k);
  if (digits.length > k) return `${digits.slice(0, digits.length - k)}.${digits.slice(digits.length - k)}`;
  return `0.${'0'.repeat(k - digits.length)}${digits}`;
}
