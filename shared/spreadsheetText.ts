// Text cells a spreadsheet must not run as formulas (CSV injection, OWASP's advice): a cell that
// starts with = + - @ tab or CR gets a leading apostrophe, which spreadsheets read as "text".
// The rule is reversible so an export imports back exactly (docs/database.md, "CSV exports").

/** = + - @ tab CR first, after any apostrophes: those apostrophes get one more, so a reader removes exactly one. */
const STARTS_LIKE_FORMULA = /^'*[=+\-@\t\r]/;
/** a plain decimal number (a class named "-1"): a spreadsheet reads it as that number, never as a formula */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NEUTRALIZED = /^'+[=+\-@\t\r]/;

/** The text as a CSV cell may hold it: with one apostrophe before it where it would start a formula. */
export function neutralizeFormula(text: string): string {
  return STARTS_LIKE_FORMULA.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** neutralizeFormula's inverse, for readers of our own CSV: drops the apostrophe it added. */
export function restoreNeutralizedFormula(cell: string): string {
  return NEUTRALIZED.test(cell) ? cell.slice(1) : cell;
}
