// Opening a file a user named (or one found in a folder they named) without waiting on what is
// not a file. A FIFO put where a file was blocks a plain open or read until some writer comes —
// forever, holding the caller (or one of libuv's four threads) — and one swapped in after a check
// blocks as well. So files are opened with O_NONBLOCK and checked on the open descriptor: what is
// read is what was checked, whatever the path names since. Callers turn `null` (not a regular
// file: a pipe, device, socket or folder) and open errors into their own messages.
import fs, { constants, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Read-only, without waiting for a writer. */
export const READ_WITHOUT_BLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** The same, and refusing (ELOOP) a symbolic link in the last place: one put there since the path was resolved. */
export const READ_WITHOUT_BLOCKING_OR_LINK = READ_WITHOUT_BLOCKING | (constants.O_NOFOLLOW ?? 0);

/** The open file and its stat, or null (closed again) when the descriptor is not a regular file; open errors reject as fs's do. */
export async function openRegularFile(file: string, flags = READ_WITHOUT_BLOCKING): Promise<{ handle: FileHandle; stat: Stats } | null> {
  const handle = await fs.promises.open(file, flags);
  let stat: Stats;
  try {
    stat = await handle.stat();
  } catch (err) {
    await handle.close();
    throw err;
  }
  if (stat.isFile()) return { handle, stat };
  await handle.close();
  return null;
}

/** openRegularFile, synchronously: the descriptor and its stat, or null (closed again). */
export function openRegularFileSync(file: string): { fd: number; stat: Stats } | null {
  const fd = fs.openSync(file, READ_WITHOUT_BLOCKING);
  let stat: Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  if (stat.isFile()) return { fd, stat };
  fs.closeSync(fd);
  return null;
}
