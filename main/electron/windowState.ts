// The window's size and position across launches, kept in <userData>/window-state.json, and
// placed back only where a display can show it: a monitor unplugged since, or a smaller screen,
// must not open the window off screen or larger than the screen.
import path from 'node:path';
import { z } from 'zod';
import { readUserDataFile, writeUserDataFile } from './userDataFile.js';

export const WINDOW_STATE_FILE_NAME = 'window-state.json';
export const DEFAULT_WINDOW_SIZE = { width: 1400, height: 900 } as const;
/** the smallest window the pages are laid out for (BrowserWindow's minWidth/minHeight) */
export const MIN_WINDOW_SIZE = { width: 800, height: 560 } as const;

const coordinate = z.number().int().min(-100_000).max(100_000);
const extent = z.number().int().min(1).max(100_000);
const Rect = z.object({ x: coordinate, y: coordinate, width: extent, height: extent });
export type Rect = z.infer<typeof Rect>;

const WindowStateFile = z.object({ version: z.literal(1), bounds: Rect, maximized: z.boolean() });
export interface WindowState {
  /** the bounds when not maximized (Electron's getNormalBounds) */
  bounds: Rect;
  maximized: boolean;
}

/** Where to open the window: x and y absent means "centre it" (Electron's default). */
export interface WindowPlacement {
  bounds: { x?: number; y?: number; width: number; height: number };
  maximized: boolean;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/**
 * The saved bounds fitted to the displays' work areas (the first is the primary display): on
 * the display the window overlaps most, no larger than its work area and wholly inside it; a
 * window that overlaps none is centred on the primary display. Nothing saved: the default size,
 * centred, no larger than the primary display.
 */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rect[]): WindowPlacement {
  const primary = workAreas[0];
  if (!primary) return { bounds: saved ? { ...saved.bounds } : { ...DEFAULT_WINDOW_SIZE }, maximized: saved?.maximized ?? false };
  if (!saved) {
    return { bounds: { width: Math.min(DEFAULT_WINDOW_SIZE.width, primary.width), height: Math.min(DEFAULT_WINDOW_SIZE.height, primary.height) }, maximized: false };
  }
  let area = primary;
  let best = 0;
  for (const candidate of workAreas) {
    const o = overlap(saved.bounds, candidate);
    if (o > best) {
      best = o;
      area = candidate;
    }
  }
  const width = clamp(saved.bounds.width, Math.min(MIN_WINDOW_SIZE.width, area.width), area.width);
  const height = clamp(saved.bounds.height, Math.min(MIN_WINDOW_SIZE.height, area.height), area.height);
  if (best === 0) {
    return {
      bounds: { x: area.x + Math.floor((area.width - width) / 2), y: area.y + Math.floor((area.height - height) / 2), width, height },
      maximized: saved.maximized,
    };
  }
  return {
    bounds: {
      x: clamp(saved.bounds.x, area.x, area.x + area.width - width),
      y: clamp(saved.bounds.y, area.y, area.y + area.height - height),
      width,
      height,
    },
    maximized: saved.maximized,
  };
}

export interface WindowStateStore {
  load(): WindowState | null;
  save(state: WindowState): void;
}

/** The saved state in `folder` (Electron's userData); a corrupt file reads as nothing saved. */
export function createWindowStateStore(folder: string, warn: (message: string) => void = console.warn): WindowStateStore {
  const file = path.join(folder, WINDOW_STATE_FILE_NAME);
  return {
    load() {
      const saved = readUserDataFile(file, WindowStateFile);
      return saved ? { bounds: saved.bounds, maximized: saved.maximized } : null;
    },
    save(state) {
      const { x, y, width, height } = state.bounds;
      const parsed = Rect.safeParse({ x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) });
      if (!parsed.success) return; // a minimised window on some systems reports nonsense bounds: keep the last good ones
      try {
        writeUserDataFile(file, { version: 1, bounds: parsed.data, maximized: state.maximized });
      } catch (err) {
        warn(`disobey: cannot save the window's size and position to ${file}: ${(err as Error).message}`);
      }
    },
  };
}
