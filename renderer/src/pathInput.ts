// The logic of a path field (components/PathInput.vue), kept apart from the DOM so it is tested
// as plain functions: completion requests that wait for a pause in typing and let only the newest
// answer through, the keyboard's walk through the suggestions, and what accepting one does.
import type { PickPathArgs } from '../../shared/desktop.js';

export type PathPickMode = PickPathArgs['mode'];
export type PathFilter = NonNullable<PickPathArgs['filters']>[number];

export interface PathSuggestion {
  path: string;
  folder: boolean;
}

export interface PathSuggestions {
  entries: PathSuggestion[];
  truncated: boolean;
}

/** How long typing must pause before the machine's folders are read. */
export const COMPLETION_DELAY_MS = 150;

export interface CompletionRequests {
  /** asks for `prefix`'s suggestions after the pause (or at once); an earlier request still waiting or in flight is dropped */
  request(prefix: string, immediately?: boolean): void;
  /** drops whatever is waiting or in flight */
  cancel(): void;
}

/** Debounced completion where the latest request wins: an answer to an older one is never shown. */
export function createCompletionRequests(
  fetch: (prefix: string) => Promise<PathSuggestions>,
  onAnswer: (prefix: string, answer: PathSuggestions) => void,
  onError: (prefix: string, error: unknown) => void,
  delayMs = COMPLETION_DELAY_MS,
): CompletionRequests {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let latest = 0;
  const clear = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    request(prefix, immediately = false) {
      clear();
      const ticket = ++latest;
      timer = setTimeout(
        () => {
          timer = null;
          fetch(prefix).then(
            (answer) => ticket === latest && onAnswer(prefix, answer),
            (error: unknown) => ticket === latest && onError(prefix, error),
          );
        },
        immediately ? 0 : delayMs,
      );
    },
    cancel() {
      clear();
      latest++;
    },
  };
}

/** ArrowDown / ArrowUp through `count` suggestions, wrapping; −1 is "none chosen". */
export function moveActive(active: number, count: number, key: 'ArrowDown' | 'ArrowUp'): number {
  if (count <= 0) return -1;
  if (key === 'ArrowDown') return active < 0 || active >= count - 1 ? 0 : active + 1;
  return active <= 0 ? count - 1 : active - 1;
}

/** The suggestion that Tab accepts: the chosen one, else the only one; null lets Tab move focus on. */
export function tabChoice(active: number, count: number): number | null {
  if (active >= 0 && active < count) return active;
  return count === 1 ? 0 : null;
}

/** What a suggestion shows: its last name, a folder with its separator ("images/"). */
export function suggestionLabel(entry: PathSuggestion): string {
  const trimmed = entry.path.replace(/[/\\]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  const name = trimmed.slice(cut + 1) || trimmed;
  return entry.folder ? `${name}${entry.path.slice(trimmed.length) || '/'}` : name;
}

/** Accepting a suggestion puts its path in the field; a folder's path ends in its separator and completion goes on inside it. */
export function acceptSuggestion(entry: PathSuggestion): { value: string; continueInside: boolean } {
  if (!entry.folder) return { value: entry.path, continueInside: false };
  return { value: /[/\\]$/.test(entry.path) ? entry.path : `${entry.path}/`, continueInside: true };
}

/** Whether the answer has anything to offer beyond what is typed (a lone entry equal to it has not). */
export function worthShowing(typed: string, answer: PathSuggestions): boolean {
  if (answer.entries.length === 0) return false;
  return !(answer.entries.length === 1 && answer.entries[0]!.path === typed);
}

/** The Browse button's words for each native dialog. */
export function browseLabel(mode: PathPickMode, both: boolean): string {
  if (mode === 'saveFile') return 'Browse…';
  if (!both) return 'Browse…';
  return mode === 'openFolder' ? 'Folder…' : 'File…';
}
