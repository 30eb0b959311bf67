// Typed-path completion for web mode's forms (and the desktop app's, beside its pickers): the
// folders and files under what has been typed. Bounded: one folder is read, at most
// MAX_SCANNED entries of it are looked at, MAX_COMPLETIONS come back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_COMPLETIONS } from '../../shared/desktop.js';

const MAX_SCANNED = 5000;

export interface PathCompletion {
  entries: { path: string; folder: boolean }[];
  truncated: boolean;
}

/**
 * "~" and "~/…" mean the home folder; a relative prefix is read from the working folder. What
 * follows "~/" is kept as typed, not normalized: path.join would turn "~/" and "~/." into the home
 * folder itself (no trailing separator, no "."), completing its name instead of listing it.
 */
function expandHome(prefix: string): string {
  if (prefix !== '~' && !prefix.startsWith('~/')) return prefix;
  const home = os.homedir();
  return (home.endsWith(path.sep) ? home : home + path.sep) + prefix.slice(2);
}

export async function completePath(prefix: string, foldersOnly = false): Promise<PathCompletion> {
  const typed = expandHome(prefix === '' ? os.homedir() + path.sep : prefix);
  const endsInSeparator = typed.endsWith('/') || typed.endsWith(path.sep);
  const folder = endsInSeparator ? typed : path.dirname(typed);
  const start = endsInSeparator ? '' : path.basename(typed);
  let dir: fs.Dir;
  try {
    dir = await fs.promises.opendir(path.resolve(folder));
  } catch {
    return { entries: [], truncated: false }; // a folder that is not there has nothing under it
  }
  const matches: { path: string; folder: boolean }[] = [];
  let scanned = 0;
  let truncated = false;
  try {
    for await (const entry of dir) {
      if (++scanned > MAX_SCANNED) {
        truncated = true;
        break;
      }
      if (!entry.name.startsWith(start)) continue;
      if (entry.name.startsWith('.') && !start.startsWith('.')) continue; // hidden unless asked for
      let isFolder = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isFolder = (await fs.promises.stat(path.join(dir.path, entry.name))).isDirectory();
        } catch {
          continue; // a dangling link
        }
      }
      if (foldersOnly && !isFolder) continue;
      matches.push({ path: path.join(folder, entry.name) + (isFolder ? path.sep : ''), folder: isFolder });
    }
  } finally {
    await dir.close().catch(() => undefined);
  }
  matches.sort((a, b) => Number(b.folder) - Number(a.folder) || a.path.localeCompare(b.path));
  if (matches.length > MAX_COMPLETIONS) truncated = true;
  return { entries: matches.slice(0, MAX_COMPLETIONS), truncated };
}
