// The export form's suggested file: beside the database (a folder that exists on the machine
// that writes the file, also in web mode), named after the set; and the save dialog's filter.
import { exportFileName, type ExportFormat } from '../../../shared/curatedSets.js';

export function defaultExportPath(databasePath: string, setName: string, format: ExportFormat): string {
  const cut = Math.max(databasePath.lastIndexOf('/'), databasePath.lastIndexOf('\\'));
  return `${cut >= 0 ? databasePath.slice(0, cut + 1) : ''}${exportFileName(setName, format)}`;
}

const FILTERS: Record<ExportFormat, { name: string; extensions: string[] }> = {
  csv: { name: 'CSV', extensions: ['csv'] },
  jsonl: { name: 'JSONL', extensions: ['jsonl'] },
  zip: { name: 'ZIP archive', extensions: ['zip'] },
};

/** The native save dialog's file type for a format (exports and training manifests). */
export function exportPickerFilters(format: ExportFormat): { name: string; extensions: string[] }[] {
  return [FILTERS[format]];
}
