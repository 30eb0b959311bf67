// The original file of an example stored by reference, byte for byte, for the detail panel
// (GET /api/example/<id>/original in web mode, the app protocol in Electron), and the
// relocation of a dataset whose folder moved. Only files inside the dataset's root are read:
// a stored path that climbs out, or a symbolic link whose target lies outside, is refused,
// and a file whose SHA-256 no longer matches the import is reported as changed, not served.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DomainError, NotFoundError, ValidationError } from '../../shared/errors.js';
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
export async function resolveInsideRoot(root: string, relative: string, exampleId: number): Promise<string> {
  const joined = path.resolve(root, relative);
  const lexical = path.relative(root, joined);
  if (path.isAbsolute(relative) || lexical === '' || lexical.startsWith('..') || path.isAbsolute(lexical)) {
    throw new DomainError('FORBIDDEN', `example ${exampleId}'s path "${relative}" leaves the dataset's folder ${root}; refused`, { file: joined });
  }
  const realRoot = await fs.realpath(root).catch((err: NodeJS.ErrnoException) => {
    throw missing(err, `the dataset's folder ${root} is not there (${err.code ?? err.message})`);
  });
  const real = await fs.realpath(joined).catch((err: NodeJS.ErrnoException) => {
    throw missing(err, `${joined} is not there any more (${err.code ?? err.message})`);
  });
  if (!real.startsWith(realRoot + path.sep)) {
    throw new DomainError('FORBIDDEN', `${joined} is a symbolic link to ${real}, outside the dataset's folder ${root}; refused`, { file: joined });
  }
  return real;
}

function missing(err: NodeJS.ErrnoException, what: string): DomainError {
  const hint = err.code === 'ENOENT' || err.code === 'ENOTDIR' ? ': if the folder moved, point the dataset at it with disobey relocate --dataset ID --root NEWPATH' : '';
  return new NotFoundError(`${what}${hint}`);
}

/** The original bytes, once their SHA-256 matches the one recorded at import. */
export async function readExampleOriginal(images: ImageSourceQueries, exampleId: number): Promise<OriginalFile> {
  const file = images.exampleFile(exampleId);
  const real = await resolveInsideRoot(file.root, file.path, exampleId);
  const stat = await fs.stat(real);
  if (!stat.isFile()) throw new NotFoundError(`${real} is not a regular file`);
  const data = await fs.readFile(real);
  if (!createHash('sha256').update(data).digest().equals(file.sha256)) {
    throw new DomainError(
      'CONFLICT',
      `${path.join(file.root, file.path)} has changed since it was imported (${data.length} bytes now, ${file.bytes} then; its SHA-256 differs): re-import the folder, or relocate the dataset to a copy of the files it was imported from`,
      { file: real },
    );
  }
  return { data, contentType: CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream', fileName: path.basename(file.path) };
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
    const real = await resolveInsideRoot(root, file.path, file.exampleId).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new NotFoundError(`${root} lacks ${file.path}, a file of the dataset: not the same folder; nothing changed`) : err;
    });
    const data = await fs.readFile(real);
    if (!createHash('sha256').update(data).digest().equals(file.sha256)) {
      throw new DomainError('CONFLICT', `${path.join(root, file.path)} differs from the file imported (its SHA-256 differs): not the same folder; nothing changed`, { file: real });
    }
  }
  images.setRoot(datasetId, root);
  return { root, checked: sample.length };
}
