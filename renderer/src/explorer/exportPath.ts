// The export form's suggested file: beside the database (a folder that exists on the machine
// that writes the file, also in web mode), named after the set.
import { exportFileName, type ExportFormat } from '../../../shared/curatedSets.js';

export function defaultExportPath(databasePath: string, setName: string, format: ExportFormat): string {
  const cut = Math.max(databasePath.lastIndexOf('/'), databasePath.lastIndexOf('\\'));
  return `${cut >= 0 ? databasePath.slice(0, cut + 1) : ''}${exportFileName(setName, format)}`;
}
