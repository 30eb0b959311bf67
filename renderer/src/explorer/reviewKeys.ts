// Keyboard review in the explorer's detail panel: which keys do what (one list, shown by the
// shortcuts overlay and the panel), the order of the curated sets the number keys add to (the
// record itself lives in stores/sets.ts), and when a key press is the user typing instead.

export interface Shortcut {
  keys: string[];
  does: string;
}
export interface ShortcutGroup {
  title: string;
  where: string;
  shortcuts: Shortcut[];
}

export const SHORTCUT_GROUPS: readonly ShortcutGroup[] = [
  {
    title: 'Anywhere',
    where: 'any page',
    shortcuts: [
      { keys: ['?'], does: 'show these shortcuts' },
      { keys: ['Esc'], does: 'close this list, or the open detail panel' },
    ],
  },
  {
    title: 'Example grid',
    where: 'the explorer and dataset grids, once a tile is clicked or the grid focused',
    shortcuts: [
      { keys: ['←', '→', '↑', '↓'], does: 'move between tiles (with the detail panel open, it follows)' },
      { keys: ['PgUp', 'PgDn', 'Home', 'End'], does: 'jump a screen, or to the first or last tile' },
      { keys: ['Enter'], does: 'open the tile in the detail panel' },
    ],
  },
  {
    title: 'Detail panel',
    where: 'the explorer, while an example is open',
    shortcuts: [
      { keys: ['j', '→'], does: 'next example of the current filter and sort (across pages)' },
      { keys: ['k', '←'], does: 'previous example' },
      { keys: ['1', '…', '9'], does: 'add the example to the 1st … 9th most recently used curated set' },
      { keys: ['Esc'], does: 'close the panel' },
    ],
  },
];

/** The window event the application menu's Help → Keyboard shortcuts sends (and the ? key). */
export const SHORTCUTS_EVENT = 'disobey:shortcuts';

/** A number key's set: key 1 is the most recently used. */
export interface SetKey {
  key: number;
  setId: number;
  name: string;
}

/**
 * Sets in number-key order: the ones used on this machine, most recent first, then the others,
 * newest first (by id: ids grow with creation). At most nine.
 */
export function setKeysOf(sets: readonly { id: number; name: string }[], used: readonly number[]): SetKey[] {
  const rank = new Map(used.map((id, i) => [id, i]));
  const ordered = [...sets].sort((a, b) => {
    const ra = rank.get(a.id);
    const rb = rank.get(b.id);
    if (ra !== undefined || rb !== undefined) return (ra ?? Infinity) - (rb ?? Infinity);
    return b.id - a.id;
  });
  return ordered.slice(0, 9).map((s, i) => ({ key: i + 1, setId: s.id, name: s.name }));
}

/** A key press meant for a text field, a menu or a slider, not a shortcut. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== 'string') return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select') return true;
  if (tag !== 'input') return false;
  const type = ((el as HTMLInputElement).type || 'text').toLowerCase();
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'file'].includes(type);
}

/** A plain key (no Ctrl, Alt or Cmd: those belong to the browser and the menu). */
export function isPlainKey(e: Pick<KeyboardEvent, 'ctrlKey' | 'altKey' | 'metaKey'>): boolean {
  return !e.ctrlKey && !e.altKey && !e.metaKey;
}
