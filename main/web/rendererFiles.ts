// Maps a request path to a file of the built renderer, confined to its folder; shared by
// web mode's HTTP server and the Electron app protocol.
import fs from 'node:fs';
import path from 'node:path';
import { isInsideFolder } from '../paths.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface RendererFile {
  file: string;
  contentType: string;
  /** hashed build assets never change under the same name */
  immutable: boolean;
}

/** null when the path leaves the folder or names no file. */
export function resolveRendererFile(staticDir: string, pathname: string): RendererFile | null {
  let relative: string;
  try {
    relative = pathname === '/' || pathname === '' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  } catch {
    return null;
  }
  const root = path.resolve(staticDir);
  const file = path.resolve(root, relative);
  if (!isInsideFolder(root, file)) return null;
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return null;
  return {
    file,
    contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    immutable: relative.startsWith('assets/'),
  };
}

/** Matches /media/example/<id>.png and returns the id. */
export function exampleIdFromMediaPath(pathname: string): number | null {
  const m = /^\/media\/example\/(\d{1,15})\.png$/.exec(pathname);
  return m ? Number(m[1]) : null;
}

/** Matches /media/example/<id>/training.png (the image training sees) and returns the id. */
export function exampleIdFromTrainingImagePath(pathname: string): number | null {
  const m = /^\/media\/example\/(\d{1,15})\/training\.png$/.exec(pathname);
  return m ? Number(m[1]) : null;
}

/** The path of an example's original file (reference datasets), in web mode and the app protocol alike. */
export const ORIGINAL_PATH = /^\/api\/example\/(\d{1,15})\/original$/;

/** Matches /api/example/<id>/original and returns the id. */
export function exampleIdFromOriginalPath(pathname: string): number | null {
  const m = ORIGINAL_PATH.exec(pathname);
  return m ? Number(m[1]) : null;
}
