// An export's file: written to `<path>.partial-<random>` beside the target and moved onto it only
// when complete, so a cancelled or failed export leaves nothing and a reader never sees half a file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DomainError, ValidationError } from '../../shared/errors.js';

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

/** Checks the target (absolute, in an existing folder, not a folder, absent unless overwriting) and opens its partial file. */
export async function createOutputFile(target: string, overwrite: boolean): Promise<OutputFile> {
  if (!path.isAbsolute(target)) throw new ValidationError(`${target} is not an absolute path`, { file: target, field: 'path' });
  const dir = path.dirname(target);
  const dirStat = await fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new ValidationError(`the folder ${dir} does not exist`, { file: target, field: 'path' });
    throw new ValidationError(`cannot use the folder ${dir}: ${err.message}`, { file: target, field: 'path' });
  });
  if (!dirStat.isDirectory()) throw new ValidationError(`${dir} is not a folder`, { file: target, field: 'path' });
  const existing = await fs.stat(target).catch(() => null);
  if (existing?.isDirectory()) throw new ValidationError(`${target} is a folder; give a file name`, { file: target, field: 'path' });
  if (existing && !overwrite) throw targetExists(target);

  const partial = `${target}.partial-${randomBytes(6).toString('hex')}`;
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
    if (overwrite) return fs.rename(partial, target);
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
      if (pendingBytes >= FLUSH_BYTES) await flush();
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
        throw err;
      }
    },
    discard,
  };
}
