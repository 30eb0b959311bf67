// The path field's logic without a DOM: debounced, latest-wins completion; the keyboard's walk
// through suggestions; accepting a folder goes on inside it; the import and export pickers'
// modes and filters; what a drop does; and the menu's commands.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BROWSER_DROP_MESSAGE, dragHasFiles, dropMessage, dropOutcome } from '../../renderer/src/dropImport.js';
import { exportPickerFilters } from '../../renderer/src/explorer/exportPath.js';
import { IMPORT_FORMATS, importSource } from '../../renderer/src/importForm.js';
import { EXPORT_SET_EVENT, exportSetDestination, installMenuCommands, runMenuCommand, SHORTCUTS_EVENT, type MenuCommandTarget } from '../../renderer/src/menuCommands.js';
import {
  acceptSuggestion,
  COMPLETION_DELAY_MS,
  createCompletionRequests,
  moveActive,
  suggestionLabel,
  tabChoice,
  worthShowing,
  type PathSuggestions,
} from '../../renderer/src/pathInput.js';
import type { AppEvent } from '../../shared/contract.js';

const answer = (...paths: string[]): PathSuggestions => ({ entries: paths.map((p) => ({ path: p, folder: p.endsWith('/') })), truncated: false });

describe('completion requests', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('wait for a pause in typing and ask once, for what is typed last', async () => {
    const fetch = vi.fn((prefix: string) => Promise.resolve(answer(`${prefix}x`)));
    const answers: string[] = [];
    const requests = createCompletionRequests(fetch, (prefix) => answers.push(prefix), () => {});
    requests.request('/d');
    await vi.advanceTimersByTimeAsync(COMPLETION_DELAY_MS - 10);
    requests.request('/da');
    await vi.advanceTimersByTimeAsync(COMPLETION_DELAY_MS - 10);
    requests.request('/dat');
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(COMPLETION_DELAY_MS);
    expect(fetch.mock.calls.map((c) => c[0])).toEqual(['/dat']);
    expect(answers).toEqual(['/dat']);
  });

  it('never show an answer to an older request that arrives after a newer one', async () => {
    const pending = new Map<string, (a: PathSuggestions) => void>();
    const fetch = (prefix: string) => new Promise<PathSuggestions>((resolve) => pending.set(prefix, resolve));
    const answers: string[] = [];
    const requests = createCompletionRequests(fetch, (prefix) => answers.push(prefix), () => {});
    requests.request('/slow');
    await vi.advanceTimersByTimeAsync(COMPLETION_DELAY_MS);
    requests.request('/slower/', true);
    await vi.advanceTimersByTimeAsync(0);
    pending.get('/slower/')!(answer('/slower/a'));
    pending.get('/slow')!(answer('/slow/b'));
    await vi.advanceTimersByTimeAsync(0);
    expect(answers).toEqual(['/slower/']);
    requests.cancel();
  });

  it('drop what is in flight when cancelled, errors included', async () => {
    let fail: (e: Error) => void = () => {};
    const errors: string[] = [];
    const requests = createCompletionRequests(() => new Promise((_, reject) => (fail = reject)), () => {}, (prefix) => errors.push(prefix));
    requests.request('/a', true);
    await vi.advanceTimersByTimeAsync(0);
    requests.cancel();
    fail(new Error('gone'));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([]);
  });
});

describe('the keyboard in the suggestion list', () => {
  it('arrows move and wrap, starting from none', () => {
    expect(moveActive(-1, 3, 'ArrowDown')).toBe(0);
    expect(moveActive(2, 3, 'ArrowDown')).toBe(0);
    expect(moveActive(-1, 3, 'ArrowUp')).toBe(2);
    expect(moveActive(0, 3, 'ArrowUp')).toBe(2);
    expect(moveActive(1, 3, 'ArrowUp')).toBe(0);
    expect(moveActive(0, 0, 'ArrowDown')).toBe(-1);
  });

  it('Tab accepts the chosen suggestion, or the only one, else lets focus move on', () => {
    expect(tabChoice(1, 3)).toBe(1);
    expect(tabChoice(-1, 1)).toBe(0);
    expect(tabChoice(-1, 3)).toBeNull();
  });

  it('a folder shows and accepts with its separator, and completion goes on inside it', () => {
    expect(suggestionLabel({ path: '/data/fashion/', folder: true })).toBe('fashion/');
    expect(suggestionLabel({ path: 'C:\\data\\mnist\\', folder: true })).toBe('mnist\\');
    expect(suggestionLabel({ path: '/data/train.csv', folder: false })).toBe('train.csv');
    expect(acceptSuggestion({ path: '/data/fashion/', folder: true })).toEqual({ value: '/data/fashion/', continueInside: true });
    expect(acceptSuggestion({ path: '/data/fashion', folder: true })).toEqual({ value: '/data/fashion/', continueInside: true });
    expect(acceptSuggestion({ path: '/data/train.csv', folder: false })).toEqual({ value: '/data/train.csv', continueInside: false });
  });

  it('a list that only repeats what is typed is not shown', () => {
    expect(worthShowing('/data/a.csv', answer('/data/a.csv'))).toBe(false);
    expect(worthShowing('/data/a', answer('/data/a.csv'))).toBe(true);
    expect(worthShowing('/nothing', answer())).toBe(false);
  });
});

describe('what the pickers offer', () => {
  it('a file, a folder or both, as each import format reads, with its file types', () => {
    const modes = Object.fromEntries(IMPORT_FORMATS.map((f) => [f, importSource(f).modes]));
    expect(modes).toEqual({
      auto: ['openFile', 'openFolder'],
      idx: ['openFile', 'openFolder'],
      folder: ['openFolder'],
      csv: ['openFile', 'openFolder'],
      jsonl: ['openFile', 'openFolder'],
      zip: ['openFile'],
    });
    expect(importSource('auto').filters[0]!.extensions).toEqual(['csv', 'jsonl', 'ndjson', 'zip', 'gz', 'ubyte']);
    expect(importSource('zip').filters).toEqual([{ name: 'Curated-set ZIP export', extensions: ['zip'] }]);
    expect(exportPickerFilters('jsonl')).toEqual([{ name: 'JSONL', extensions: ['jsonl'] }]);
  });
});

describe('a drop on the window', () => {
  it('opens the import dialog with the first path the desktop app knows, saying so when several came', () => {
    expect(dropOutcome([{ name: 'fm', path: '/data/fm' }], true)).toEqual({ kind: 'import', path: '/data/fm', notice: null });
    expect(dropOutcome([{ name: 'x', path: null }, { name: 'fm', path: '/data/fm' }, { name: 'y', path: '/y' }], true)).toEqual({
      kind: 'import',
      path: '/data/fm',
      notice: '3 items were dropped; a dataset is imported from one path at a time, so this is fm.',
    });
  });

  it('in a browser says that no path can be known, naming what was dropped', () => {
    const outcome = dropOutcome([{ name: 'train.csv', path: null }, { name: 'test.csv', path: null }], false);
    expect(outcome).toEqual({ kind: 'browser', names: ['train.csv', 'test.csv'] });
    expect(dropMessage(outcome)).toBe(`“train.csv” and 1 more: ${BROWSER_DROP_MESSAGE}`);
    expect(dropMessage(dropOutcome([{ name: 'a.zip', path: null }], true))).toBe('“a.zip” has no path on this machine (dragged out of another app?); type or paste a path in the import dialog.');
    expect(dropOutcome([], true)).toEqual({ kind: 'nothing' });
  });

  it('reacts to dragged files only, not to text dragged inside the page', () => {
    expect(dragHasFiles(['Files'])).toBe(true);
    expect(dragHasFiles(['text/plain'])).toBe(false);
    expect(dragHasFiles(undefined)).toBe(false);
  });
});

describe('menu commands', () => {
  function target(route: { name: string; params?: Record<string, string>; query?: Record<string, string> }) {
    const calls: unknown[] = [];
    const t: MenuCommandTarget = {
      currentRoute: () => ({ name: route.name, params: route.params ?? {}, query: route.query ?? {} }),
      push: (to) => calls.push(['push', to]),
      openImport: () => calls.push(['import']),
      dispatch: (event) => calls.push(['event', event.type]),
    };
    return { t, calls };
  }

  it('each command does its one thing; the theme commands are left to the theme', () => {
    const cases: [Parameters<typeof runMenuCommand>[0], unknown[]][] = [
      ['import', [['import']]],
      ['newExperiment', [['push', { name: 'new-experiment' }]]],
      ['help', [['push', { path: '/help' }]]],
      ['shortcuts', [['event', SHORTCUTS_EVENT]]],
      ['themeDark', []],
    ];
    for (const [command, expected] of cases) {
      const { t, calls } = target({ name: 'datasets' });
      expect(runMenuCommand(command, t)).toBe(expected.length > 0);
      expect(calls, command).toEqual(expected);
    }
  });

  it('Export set… opens the set in view, the set an explorer filters by, or the list to pick one', () => {
    expect(exportSetDestination({ name: 'set', params: { id: '4' }, query: {} })).toBe('here');
    expect(exportSetDestination({ name: 'explore', params: { id: '2' }, query: { set: '7' } })).toEqual({ name: 'set', params: { id: '7' }, query: { export: '1' } });
    expect(exportSetDestination({ name: 'explore', params: { id: '2' }, query: {} })).toEqual({ name: 'sets', query: { export: '1' } });
    expect(exportSetDestination({ name: 'dataset', params: { id: '1' }, query: {} })).toEqual({ name: 'sets', query: { export: '1' } });
    const { t, calls } = target({ name: 'set', params: { id: '4' } });
    runMenuCommand('exportSet', t);
    expect(calls).toEqual([['event', EXPORT_SET_EVENT]]);
  });

  it('listens to command events only, until unsubscribed', () => {
    const listeners = new Set<(e: AppEvent) => void>();
    const onEvent = (l: (e: AppEvent) => void) => (listeners.add(l), () => listeners.delete(l));
    const { t, calls } = target({ name: 'datasets' });
    const off = installMenuCommands(onEvent, t);
    const emit = (e: AppEvent) => listeners.forEach((l) => l(e));
    emit({ type: 'datasetsChanged' });
    emit({ type: 'command', command: 'import' });
    off();
    emit({ type: 'command', command: 'import' });
    expect(calls).toEqual([['import']]);
  });
});
