// An export's file: written to `<path>.partial-<pid>-<random>` beside the target and moved onto it
// only when complete, so a cancelled or failed export leaves nothing and a reader never sees half a
// file. A process killed mid-export leaves its partial; the next export to that path removes it.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DomainError, ValidationError } from '../../shared/errors.js';
import { processIsAlive } from '../processAlive.js';

export interface OutputFile {
  /** bytes handed to write() so far */
  readonly position: number;
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes, syncs and moves the file onto its path; returns its size. */
  publish(): Promise<number>;
  /** Closes and removes the partial file; never throws. */
  discard(): Promise<void>;
}

const FLUSH_BYTES = 1 << 20;

/** The target exists and may not be replaced: code CONFLICT, place.file is the path. */
export function targetExists(target: string): DomainError {
  return new DomainError('CONFLICT', `${target} exists`, { file: target, field: 'path' });
}

/** What a path that is not a regular file is, in words. */
function kindOf(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'something other than a file';
}

/**
 * Only a regular file is ever replaced: renaming over a pipe or a device (/dev/full, run as root)
 * would remove it, and over a symbolic link would replace the link rather than write where it
 * points; either way not what "overwrite" asked for, so both are refused before anything is written.
 */
function refuseIrregular(target: string, stat: Stats): void {
  if (stat.isFile()) return;
  const hint = stat.isSymbolicLink() ? '; give the path it points to' : '';
  throw new ValidationError(`${target} is ${kindOf(stat)}, not a regular file; Disobey only writes or replaces regular files${hint}`, { file: target, field: 'path' });
}

const UNWRITABLE: Record<string, string> = { ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EROFS: 'the file system is read-only' };

/** Writing the target's partial file failed: the error names the target (the partial is gone by then). */
function writeFailure(target: string, err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const { code, message } = err as NodeJS.ErrnoException;
  const why = (code !== undefined && UNWRITABLE[code]) || message;
  return new DomainError(code !== undefined && code in UNWRITABLE ? 'READ_ONLY' : 'INTERNAL', `cannot write ${target}: ${why}; nothing was written`, { file: target, field: 'path' }, { cause: err });
}

/** Partials of earlier versions, named without their owner's pid, untouched this long, are abandoned. */
const UNOWNED_PARTIAL_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the target's partial files whose exporting process is gone (killed mid-export, or the
 * machine stopped): the pid in the name says whose it is, and process.kill(pid, 0) asks whether it
 * still runs on every platform. A partial of a live process is another export still writing; a
 * reused pid only delays the removal until that process ends. A file that cannot be removed is left
 * for the next export: the export asked for is not refused over another's leftovers.
 */
async function removeStalePartials(target: string): Promise<void> {
  const dir = path.dirname(target);
  const prefix = `${path.basename(target)}.partial-`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const owner = /^(\d+)-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
    const file = path.join(dir, name);
    if (owner) {
      if (processIsAlive(Number(owner[1]))) continue;
    } else {
      if (!/^[0-9a-f]{12}$/.test(name.slice(prefix.length))) continue;
      const stat = await fs.stat(file).catch(() => null);
      if (!stat?.isFile() || Date.now() - stat.mtimeMs < UNOWNED_PARTIAL_AGE_MS) continue;
    }
    await fs.unlink(file).catch(() => {});
  }
}

/** Checks the target (absolute, in an existing folder, absent or — when overwriting — a regular file) and opens its partial file. */
export async function createOutputFile(target: string, overwrite: boolean): Promise<OutputFile> {
  if (!path.isAbsolute(target)) throw new ValidationError(`${target} is not an absolute path`, { file: target, field: 'path' });
  const dir = path.dirname(target);
  const dirStat = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new ValidationError(`the folder ${dir} does not exist`, { file: target, field: 'path' });
    throw new ValidationError(`cannot use the folder ${dir}: ${err.message}`, { file: target, field: 'path' });
  });
  if (!dirStat.isDirectory()) throw new ValidationError(`${dir} is not a folder`, { file: target, field: 'path' });
  const existing = await fs.lstat(target).catch(() => null);
  if (existing?.isDirectory()) throw new ValidationError(`${target} is a folder; give a file name`, { file: target, field: 'path' });
  if (existing) refuseIrregular(target, existing);
  if (existing && !overwrite) throw targetExists(target);

  await removeStalePartials(target);
  const partial = `${target}.partial-${process.pid}-${randomBytes(6).toString('hex')}`;
  const handle = await fs.open(partial, 'wx').catch((err: NodeJS.ErrnoException) => {
    throw new ValidationError(`cannot write in ${dir}: ${err.message}`, { file: target, field: 'path' });
  });
  let open = true;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let position = 0;

  async function flush(): Promise<void> {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    let offset = 0;
    while (offset < chunk.byteLength) offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
  }

  async function moveIntoPlace(): Promise<void> {
    if (overwrite) {
      // Checked again: what appeared at the path while writing is as much the user's as what was there.
      const now = await fs.lstat(target).catch(() => null);
      if (now) refuseIrregular(target, now);
      return fs.rename(partial, target);
    }
    // A hard link fails if the target appeared meanwhile: no-overwrite holds even against a race.
    try {
      await fs.link(partial, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw targetExists(target);
      // File systems without hard links: check, then rename.
      if (await fs.stat(target).then(() => true, () => false)) throw targetExists(target);
      return fs.rename(partial, target);
    }
    await fs.unlink(partial);
  }

  async function discard(): Promise<void> {
    if (open) {
      open = false;
      await handle.close().catch(() => {});
    }
    await fs.unlink(partial).catch(() => {});
  }

  return {
    get position() {
      return position;
    },
    async write(chunk: Uint8Array): Promise<void> {
      if (chunk.byteLength === 0) return;
      // Callers may reuse their buffer after the promise settles; buffered chunks are copies.
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.byteLength;
      position += chunk.byteLength;
      if (pendingBytes < FLUSH_BYTES) return;
      try {
        await flush();
      } catch (err) {
        throw writeFailure(target, err);
      }
    },
    async publish(): Promise<number> {
      try {
        await flush();
        await handle.datasync();
        open = false;
        await handle.close();
        await moveIntoPlace();
        return position;
      } catch (err) {
        await discard();
        throw writeFailure(target, err);
      }
    },
    discard,
  };
}
