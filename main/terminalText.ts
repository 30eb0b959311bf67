// Text for a terminal, escaped where it leaves the process: names come from users' files (a class
// folder, a run's name in run.json, a CSV cell) and reach reports, errors, progress lines and the
// notices a server or the desktop shell prints; a control character in one could move the cursor,
// recolour the screen or retitle the window. The command line writes through main/cli/output.ts;
// the services and the Electron shell escape their stderr notices with terminalText.

// C0 controls but tab and newline (the text's own layout), DEL and the C1 controls (U+009B is a
// one-character CSI to some terminals).
// eslint-disable-next-line no-control-regex -- the control characters are what this finds
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex -- the control characters are what this finds
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// JSON.stringify escapes C0 already; DEL and C1 it leaves raw, and \u escapes read back the same.
const RAW_IN_JSON = /[\u007f-\u009f]/g;

const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase();

/** Text for the terminal: control characters written as \xNN, tabs and line breaks kept. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\x${hex(c)}`);
}

/**
 * A name inside a line (a table cell, a quoted name): every control character escaped, line
 * breaks and tabs too, so one name stays on its row.
 */
export function printable(text: string): string {
  return text.replace(ANY_CONTROL, (c) => `\\x${hex(c)}`);
}

/** JSON whose every control character is escaped: the same value read back, nothing a terminal acts on. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(RAW_IN_JSON, (c) => `\\u00${hex(c).toLowerCase()}`);
}
