// Everything the command line writes goes out through here, escaped once where it leaves the process
// (main/terminalText.ts says why) rather than field by field in each command. Lint keeps console and
// process.stdout/stderr out of the rest of main/cli.

import { printable, terminalJson, terminalText } from '../terminalText.js';

export { printable, terminalJson, terminalText };

/** A line (or lines) of the command's answer, on stdout. */
export function say(text: string): void {
  process.stdout.write(`${terminalText(text)}\n`);
}

/** The command's answer as one line of JSON, on stdout (or stderr, where stdout carries data). */
export function sayJson(value: unknown, to: 'stdout' | 'stderr' = 'stdout'): void {
  (to === 'stdout' ? process.stdout : process.stderr).write(`${terminalJson(value)}\n`);
}

/** A notice or error, on stderr. */
export function warn(text: string): void {
  process.stderr.write(`${terminalText(text)}\n`);
}

/** Redraws the progress line on stderr (a terminal's: callers check isTTY). */
export function drawProgress(line: string): void {
  process.stderr.write(`\r\x1b[K${printable(line)}`);
}

/** Ends the progress line. */
export function endProgress(): void {
  process.stderr.write('\n');
}

/** Data the user asked for on stdout (a manifest's CSV), written as it is: `disobey manifest > file` must keep every byte. */
export function writeData(content: string): void {
  process.stdout.write(content);
}
