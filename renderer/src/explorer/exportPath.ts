// The export form's suggested file: beside the database (a folder that exists on the machine
// that writes the file, also in web mode), named after the set.
import type { ExportFormat } from '../../../shared/curatedSets.js';

export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._ -]+/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 120);
  return cleaned || 'curated-set';
}

export function defaultExportPath(databasePath: string, setName: string, format: ExportFormat): string {
  const cut = Math.max(databasePath.lastIndexOf('/'), databasePath.lastIndexOf('\\'));
  const dir = cut >= 0 ? databasePath.slice(0, cut + 1) : '';
  return `${dir}${safeFileName(setName)}.${format}`;
}
