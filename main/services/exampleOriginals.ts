// The original file of an example stored by reference, byte for byte, for the detail panel
// (GET /api/example/<id>/original in web mode, the app protocol in Electron), and the
// relocation of a dataset whose folder moved. Only files inside the dataset's root are read:
// a stored path that climbs out, or a symbolic link whose target lies outside, is refused,
// and a file whose SHA-256 no longer matches the import is reported as changed, not served.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isInsideFolder } from '../paths.js';
import { openRegularFile, READ_WITHOUT_BLOCKING_OR_LINK } from '../regularFile.js';
import type { ImageSourceQueries } from '../store/imageSourceQueries.js';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.bmp': 'image/bmp',
};

export interface OriginalFile {
  data: Buffer;
  contentType: string;
  /** the file's name, for a download */
  fileName: string;
}

/** How many files a relocation hashes before it re-points a dataset. */
export const RELOCATE_SAMPLE = 20;

/**
 * The real path of `relative` under `root`, or a FORBIDDEN error when it leaves the root (a
 * `..` path, an absolute path, or a symbolic link anywhere on the way that points outside).
 */
export async function resolveInsideRoot(root: string, relative: string, owner: { exampleId: number; datasetId: number }): Promise<string> {
  const { exampleId, datasetId } = owner;
  const joined = path.resolve(root, relative);
  if (path.isAbsolute(relative) || !isInsideFolder(root, joined)) {
    throw new DomainError('FORBIDDEN', `example ${exampleId}'s path "${relative}" leaves the dataset's folder ${root}; refused`, { file: joined });
  }
  const realRoot = await fs.realpath(root).catch((err: NodeJS.ErrnoException) => {
    throw missing(err, `the dataset's folder ${root} is not there`, datasetId);
  });
  const real = await fs.realpath(joined).catch((err: NodeJS.ErrnoException) => {
    throw missing(err, `${joined} is not there any more`, datasetId);
  });
  if (!isInsideFolder(realRoot, real)) {
    throw new DomainError('FORBIDDEN', `${joined} is a symbolic link to ${real}, outside the dataset's folder ${root}; refused`, { file: joined });
  }
  return real;
}

/** Not found: gone, with where to relocate the dataset (the app's dialog, the command), or unreadable, with the system's reason. */
function missing(err: NodeJS.ErrnoException, what: string, datasetId: number): DomainError {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
    return new NotFoundError(`${what}: if the dataset's folder moved, relocate the dataset to it (Relocate… on the dataset's page, or disobey relocate --dataset ${datasetId} --root NEWPATH)`);
  }
  return new NotFoundError(`${what} (${err.code ?? err.message})`);
}

/** A file as recorded at import, or what differs: it is no regular file, its size or its SHA-256. */
type SameFile = { data: Buffer } | { notRegular: true } | { differs: string };

/**
 * The bytes of `real` when they are the recorded file: checked on the open file itself, the size
 * before anything is read (a file grown to gigabytes is never read), the SHA-256 after.
 */
export async function readIfSame(real: string, recorded: { bytes: number; sha256: Buffer }): Promise<SameFile> {
  // Opened without blocking and without following a link put there since the path was resolved (regularFile.ts).
  const opened = await openRegularFile(real, READ_WITHOUT_BLOCKING_OR_LINK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') return null; // a symbolic link now: no longer the file that was checked
    throw err;
  });
  if (!opened) return { notRegular: true };
  const { handle, stat } = opened;
  try {
    if (stat.size !== recorded.bytes) return { differs: `${stat.size.toLocaleString('en')} bytes now, ${recorded.bytes.toLocaleString('en')} then` };
    const data = Buffer.alloc(recorded.bytes);
    const { bytesRead } = await handle.read(data, 0, data.length, 0);
    if (bytesRead !== data.length) return { differs: `${bytesRead.toLocaleString('en')} bytes read of ${recorded.bytes.toLocaleString('en')}` };
    if (!createHash('sha256').update(data).digest().equals(recorded.sha256)) return { differs: `${recorded.bytes.toLocaleString('en')} bytes as then, but its SHA-256 differs` };
    return { data };
  } finally {
    await handle.close();
  }
}

/** The original bytes, once their size and SHA-256 match the ones recorded at import. */
export async function readExampleOriginal(images: ImageSourceQueries, exampleId: number): Promise<OriginalFile> {
  const file = images.exampleFile(exampleId);
  const real = await resolveInsideRoot(file.root, file.path, { exampleId, datasetId: file.datasetId });
  const same = await readIfSame(real, file);
  if ('notRegular' in same) throw new NotFoundError(`${real} is not a regular file`);
  if ('differs' in same) {
    throw new DomainError(
      'CONFLICT',
      `${path.join(file.root, file.path)} has changed since it was imported (${same.differs}): re-import the folder, or relocate the dataset to a copy of the files it was imported from`,
      { file: real },
    );
  }
  return { data: same.data, contentType: CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream', fileName: path.basename(file.path) };
}

/**
 * Re-points a reference dataset at `newRoot` once a sample of its files (evenly spread, up to
 * RELOCATE_SAMPLE) is found there with the recorded SHA-256; the first that is missing or
 * differs is named and nothing changes.
 */
export async function relocateDataset(images: ImageSourceQueries, datasetId: number, newRoot: string): Promise<{ root: string; checked: number }> {
  const source = images.imageSource(datasetId);
  if (!source) throw new ValidationError(`dataset ${datasetId} stores its pixels, not references to files: there is no folder to relocate`, { field: 'datasetId' });
  const root = path.resolve(newRoot);
  const stat = await fs.stat(root).catch(() => null);
  if (!stat?.isDirectory()) throw new ValidationError(`${root} is not a folder`, { field: 'root', file: root });
  const sample = images.sampleFiles(datasetId, RELOCATE_SAMPLE);
  for (const file of sample) {
    // A file the new folder lacks is named for this command (the hint to relocate is for reading one).
    const real = await resolveInsideRoot(root, file.path, { exampleId: file.exampleId, datasetId }).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new NotFoundError(`${root} lacks ${file.path}, a file of the dataset: not the same folder; nothing changed`) : err;
    });
    const same = await readIfSame(real, file);
    if (!('data' in same)) {
      const what = 'notRegular' in same ? 'is not a regular file' : `differs from the file imported (${same.differs})`;
      throw new DomainError('CONFLICT', `${path.join(root, file.path)} ${what}: not the same folder; nothing changed`, { file: real });
    }
  }
  images.setRoot(datasetId, root);
  return { root, checked: sample.length };
}
