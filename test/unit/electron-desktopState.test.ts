// What the desktop app remembers between launches, in a temporary userData folder: the recent
// databases (newest first, at most ten, each once) and the window's bounds, both surviving a
// corrupt file; and the saved bounds fitted back onto the displays there are now.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecentDatabases, MAX_RECENT, RECENT_FILE_NAME } from '../../main/electron/recentDatabases.js';
import { createWindowStateStore, DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, placeWindow, WINDOW_STATE_FILE_NAME, type Rect } from '../../main/electron/windowState.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir('disobey-userdata-');
});
afterEach(() => temp.dispose());

describe('the recent databases', () => {
  it('keeps the newest first, each once, at most ten, across instances reading the same folder', () => {
    const recent = createRecentDatabases(temp.dir);
    expect(recent.list()).toEqual([]);
    recent.add('/data/a.db');
    recent.add('/data/b.db');
    expect(recent.add('/data/./a.db')).toEqual(['/data/a.db', '/data/b.db']);
    for (let i = 0; i < 12; i++) recent.add(`/data/n${i}.db`);
    const list = createRecentDatabases(temp.dir).list();
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]).toBe('/data/n11.db');
    expect(list).not.toContain('/data/b.db');
  });

  it('stores absolute paths, removes one, and clears', () => {
    const recent = createRecentDatabases(temp.dir);
    recent.add('relative/x.db');
    expect(recent.list()).toEqual([path.resolve('relative/x.db')]);
    recent.add('/data/y.db');
    expect(recent.remove('/data/y.db')).toEqual([path.resolve('relative/x.db')]);
    expect(recent.clear()).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(temp.dir, RECENT_FILE_NAME), 'utf8'))).toEqual({ version: 1, databases: [] });
  });

  it('reads a corrupt or foreign file as an empty list, drops entries that are not absolute paths, and writes over it', () => {
    const file = path.join(temp.dir, RECENT_FILE_NAME);
    for (const text of ['{not json', '[]', '{"version":2,"databases":["/a.db"]}', '{"version":1,"databases":"/a.db"}', '']) {
      fs.writeFileSync(file, text);
      expect(createRecentDatabases(temp.dir).list(), text).toEqual([]);
    }
    fs.writeFileSync(file, JSON.stringify({ version: 1, databases: ['/ok.db', 42, 'relative.db', '', null, '/ok.db', '/also.db'] }));
    expect(createRecentDatabases(temp.dir).list()).toEqual(['/ok.db', '/also.db']);
    expect(createRecentDatabases(temp.dir).add('/new.db')).toEqual(['/new.db', '/ok.db', '/also.db']);
  });

  it('reports a folder it cannot write to instead of failing', () => {
    const notAFolder = path.join(temp.dir, 'file');
    fs.writeFileSync(notAFolder, '');
    const warnings: string[] = [];
    const recent = createRecentDatabases(notAFolder, (m) => warnings.push(m));
    expect(recent.add('/data/a.db')).toEqual(['/data/a.db']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot save the recent databases/);
  });
});

describe('the window state', () => {
  it('saves the bounds and maximized state and reads them back; a corrupt file reads as nothing saved', () => {
    const store = createWindowStateStore(temp.dir);
    expect(store.load()).toBeNull();
    store.save({ bounds: { x: 10, y: 20, width: 1200.4, height: 800 }, maximized: true });
    expect(createWindowStateStore(temp.dir).load()).toEqual({ bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true });
    const file = path.join(temp.dir, WINDOW_STATE_FILE_NAME);
    for (const text of ['', 'null', '{"version":1,"bounds":{"x":0,"y":0,"width":0,"height":10},"maximized":false}', '{"version":1,"bounds":{"x":"0","y":0,"width":10,"height":10},"maximized":false}', '{"version":1']) {
      fs.writeFileSync(file, text);
      expect(store.load(), text).toBeNull();
    }
  });

  it('keeps the last good bounds when the window reports nonsense', () => {
    const store = createWindowStateStore(temp.dir);
    store.save({ bounds: { x: 0, y: 0, width: 1000, height: 700 }, maximized: false });
    store.save({ bounds: { x: Number.NaN, y: 0, width: 0, height: 0 }, maximized: false });
    expect(store.load()?.bounds).toEqual({ x: 0, y: 0, width: 1000, height: 700 });
  });
});

describe('placing the window on the displays there are', () => {
  const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 };
  const monitorRight: Rect = { x: 1440, y: 0, width: 2560, height: 1415 };

  it('opens a first launch at the default size, centred, no larger than the primary display', () => {
    expect(placeWindow(null, [monitorRight])).toEqual({ bounds: { ...DEFAULT_WINDOW_SIZE }, maximized: false });
    expect(placeWindow(null, [{ x: 0, y: 0, width: 1280, height: 720 }])).toEqual({ bounds: { width: 1280, height: 720 }, maximized: false });
  });

  it('restores bounds that fit where they were', () => {
    const saved = { bounds: { x: 1600, y: 100, width: 1800, height: 1000 }, maximized: false };
    expect(placeWindow(saved, [laptop, monitorRight])).toEqual(saved);
    expect(placeWindow({ ...saved, maximized: true }, [laptop, monitorRight]).maximized).toBe(true);
  });

  it('centres a window whose display is gone on the primary one, shrunk to fit', () => {
    const saved = { bounds: { x: 1600, y: 100, width: 1800, height: 1000 }, maximized: false };
    expect(placeWindow(saved, [laptop])).toEqual({ bounds: { x: 0, y: 0, width: 1440, height: 875 }, maximized: false });
    const small = { bounds: { x: 3000, y: 200, width: 1000, height: 600 }, maximized: true };
    expect(placeWindow(small, [laptop])).toEqual({ bounds: { x: 220, y: 137, width: 1000, height: 600 }, maximized: true });
  });

  it('pulls a window hanging off an edge back inside the display it overlaps most', () => {
    // mostly on the monitor, its right part beyond the monitor's edge
    expect(placeWindow({ bounds: { x: 3500, y: 900, width: 1000, height: 800 }, maximized: false }, [laptop, monitorRight]).bounds).toEqual({
      x: 1440 + 2560 - 1000,
      y: 1415 - 800,
      width: 1000,
      height: 800,
    });
    // above and left of the primary display, only a corner visible
    expect(placeWindow({ bounds: { x: -900, y: -600, width: 1000, height: 700 }, maximized: false }, [laptop, monitorRight]).bounds).toEqual({ x: 0, y: 0, width: 1000, height: 700 });
    // a work area that starts below a top panel
    const panelled: Rect = { x: 0, y: 32, width: 1920, height: 1048 };
    expect(placeWindow({ bounds: { x: 100, y: 0, width: 1000, height: 700 }, maximized: false }, [panelled]).bounds).toEqual({ x: 100, y: 32, width: 1000, height: 700 });
  });

  it('grows a window saved smaller than the pages need, up to what the display allows', () => {
    expect(placeWindow({ bounds: { x: 10, y: 10, width: 300, height: 200 }, maximized: false }, [laptop]).bounds).toEqual({ x: 10, y: 10, ...MIN_WINDOW_SIZE });
    const tiny: Rect = { x: 0, y: 0, width: 640, height: 480 };
    expect(placeWindow({ bounds: { x: 0, y: 0, width: 300, height: 200 }, maximized: false }, [tiny]).bounds).toEqual({ x: 0, y: 0, width: 640, height: 480 });
  });

  it('keeps the saved bounds when no display is known', () => {
    const saved = { bounds: { x: 5, y: 6, width: 900, height: 700 }, maximized: false };
    expect(placeWindow(saved, [])).toEqual(saved);
  });
});
