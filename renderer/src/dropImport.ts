// What a file or folder dropped on the window does: in the desktop app the import dialog opens
// with its path; a browser never tells a page where a dropped file lives, so web mode says so
// instead of pretending (and the drop is still caught, so the page is not replaced by the file).

/** The overlay's words while a file is dragged over the window in web mode, and after the drop. */
export const BROWSER_DROP_MESSAGE = 'The browser does not tell the app where a dropped file lives; type or paste its path in the import dialog.';
export const DESKTOP_DROP_MESSAGE = 'Drop a dataset file or folder to import it';

export interface DroppedItem {
  name: string;
  /** its path on this machine, null where none is known */
  path: string | null;
}

export type DropOutcome =
  /** open the import dialog with this path; `notice` when more than one item came */
  | { kind: 'import'; path: string; notice: string | null }
  /** the desktop app, but nothing dropped has a path (dragged out of a web page or an archive) */
  | { kind: 'noPath'; names: string[] }
  /** a browser: no path can be known */
  | { kind: 'browser'; names: string[] }
  | { kind: 'nothing' };

export function dropOutcome(items: readonly DroppedItem[], pathsKnown: boolean): DropOutcome {
  if (items.length === 0) return { kind: 'nothing' };
  const names = items.map((item) => item.name);
  if (!pathsKnown) return { kind: 'browser', names };
  const first = items.find((item) => item.path !== null);
  if (!first?.path) return { kind: 'noPath', names };
  const notice = items.length > 1 ? `${items.length} items were dropped; a dataset is imported from one path at a time, so this is ${first.name}.` : null;
  return { kind: 'import', path: first.path, notice };
}

/** The message shown after a drop that could not open the import dialog. */
export function dropMessage(outcome: DropOutcome): string | null {
  const quoted = (names: string[]) => (names.length === 1 ? `“${names[0]}”` : `“${names[0]}” and ${names.length - 1} more`);
  if (outcome.kind === 'browser') return `${quoted(outcome.names)}: ${BROWSER_DROP_MESSAGE}`;
  if (outcome.kind === 'noPath') return `${quoted(outcome.names)} has no path on this machine (dragged out of another app?); type or paste a path in the import dialog.`;
  return null;
}

/** Whether a drag carries files (not text or a link dragged inside the page). */
export function dragHasFiles(types: readonly string[] | DOMStringList | undefined): boolean {
  if (!types) return false;
  return Array.from(types as ArrayLike<string>).includes('Files');
}
