// The application menu's commands (and a second launch's), as the window receives them: the
// `command` event. Import… opens the one import dialog, Export set… the export form of the set
// in view (or the sets list, asking to pick one), New experiment and Help go to their pages, and
// Keyboard shortcuts asks the page's shortcut overlay to show. Theme commands belong to the
// theme's own handler.
import type { RouteLocationNormalizedLoaded, RouteLocationRaw } from 'vue-router';
import type { AppEvent } from '../../shared/contract.js';
import type { MenuCommand } from '../../shared/desktop.js';
import { decodeExplorerState } from './explorer/explorerState.js';

/** The window event the shortcut overlay listens for. */
export const SHORTCUTS_EVENT = 'disobey:shortcuts';
/** The window event a set's page answers by bringing its export form into view. */
export const EXPORT_SET_EVENT = 'disobey:export-set';
/** The query a set's page (and the sets list) reads as "the export form was asked for". */
export const EXPORT_QUERY = 'export';

export interface MenuCommandTarget {
  currentRoute(): Pick<RouteLocationNormalizedLoaded, 'name' | 'params' | 'query'>;
  push(to: RouteLocationRaw): unknown;
  openImport(): void;
  dispatch(event: Event): void;
}

/** Where Export set… goes from the page in view: that set's export form, the set an explorer filters by, or the list to pick one. */
export function exportSetDestination(route: Pick<RouteLocationNormalizedLoaded, 'name' | 'params' | 'query'>): 'here' | RouteLocationRaw {
  if (route.name === 'set') return 'here';
  if (route.name === 'explore') {
    const set = decodeExplorerState(route.query).set;
    if (set) return { name: 'set', params: { id: String(set.setId) }, query: { [EXPORT_QUERY]: '1' } };
  }
  return { name: 'sets', query: { [EXPORT_QUERY]: '1' } };
}

/** Carries out one command; returns false for the ones left to others (the themes). */
export function runMenuCommand(command: MenuCommand, target: MenuCommandTarget): boolean {
  switch (command) {
    case 'import':
      target.openImport();
      return true;
    case 'exportSet': {
      const destination = exportSetDestination(target.currentRoute());
      if (destination === 'here') target.dispatch(new CustomEvent(EXPORT_SET_EVENT));
      else target.push(destination);
      return true;
    }
    case 'newExperiment':
      target.push({ name: 'new-experiment' });
      return true;
    case 'help':
      target.push({ path: '/help' });
      return true;
    case 'shortcuts':
      target.dispatch(new CustomEvent(SHORTCUTS_EVENT));
      return true;
    case 'themeSystem':
    case 'themeLight':
    case 'themeDark':
      return false;
  }
}

/** Subscribes to the `command` event (api.onEvent); returns the unsubscribe function. */
export function installMenuCommands(onEvent: (listener: (event: AppEvent) => void) => () => void, target: MenuCommandTarget): () => void {
  return onEvent((event) => {
    if (event.type === 'command') runMenuCommand(event.command, target);
  });
}
