// Keeps the keyboard inside an open modal dialog, as WAI-ARIA's dialog pattern asks: Tab and
// Shift+Tab cycle through the dialog's own controls (never the page behind it), a focus the page
// took (a focused control disabled under it) comes back on the next Tab, and closing the dialog
// returns focus to whatever opened it. Dialogs stack: only the one opened last holds the keyboard.
import { onBeforeUnmount, onMounted, type Ref } from 'vue';

const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable="true"]';

/** The controls Tab reaches inside `container`, in document order: enabled, shown, not taken out of the order. */
export function tabbableIn(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.tabIndex >= 0 && !el.matches(':disabled') && !(el instanceof HTMLInputElement && el.type === 'hidden') && el.getClientRects().length > 0,
  );
}

/** the open traps, the innermost last */
const traps: HTMLElement[] = [];

function onTab(e: KeyboardEvent): void {
  // a control that uses Tab itself (the path field accepting a suggestion) has the first word
  if (e.key !== 'Tab' || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  const container = traps[traps.length - 1];
  if (!container) return;
  const items = tabbableIn(container);
  const active = document.activeElement;
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) {
    e.preventDefault();
    container.focus();
    return;
  }
  const inside = active instanceof Node && container.contains(active);
  if (!inside) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  } else if (!e.shiftKey && active === last) {
    e.preventDefault();
    first.focus();
  } else if (e.shiftKey && (active === first || active === container)) {
    e.preventDefault();
    last.focus();
  }
}

/**
 * Traps Tab inside `container` while the calling component is mounted and gives focus back to the
 * element that had it when the component was set up (the button that opened the dialog).
 */
export function useFocusTrap(container: Ref<HTMLElement | null>): void {
  const opener = document.activeElement;
  let held: HTMLElement | null = null;
  onMounted(() => {
    held = container.value;
    if (!held) return;
    if (traps.length === 0) document.addEventListener('keydown', onTab);
    traps.push(held);
  });
  onBeforeUnmount(() => {
    const at = held ? traps.lastIndexOf(held) : -1;
    if (at >= 0) traps.splice(at, 1);
    if (traps.length === 0) document.removeEventListener('keydown', onTab);
    // back to the opener, unless it went away with the dialog (a page left) or was the page itself
    if (opener instanceof HTMLElement && opener !== document.body && opener.isConnected) opener.focus({ preventScroll: true });
  });
}
