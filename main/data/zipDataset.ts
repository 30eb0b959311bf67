// A curated-set export ZIP back into a dataset: manifest.csv's split and label_name per row, and
// either its file column (a PNG or JPEG in the archive) or its text column. Class names keep the
// exported order (the manifest's label column) where it is consistent, else sort naturally.
import path from 'node:path';
import { DEFAULT_MAX_IMAGE_SIDE } from '../../shared/domain.js';
import { restoreNeutralizedFormula } from '../../shared/spreadsheetText.js';
import { ImportError } from '../../shared/errors.js';
import { orderClassNames } from './classOrder.js';
import { checkImageSide, decodeAll, decodeImage, sharedShape, unreadableImage, type DecodedImage } from './imageFolder.js';
import { excerpt, listNames } from './messageExcerpt.js';
import type { ParsedDataset, ParsedExample, ReportProgress } from './parsedDataset.js';
import { decodeSimplePng, pngSize } from './png.js';
import { normalizeSplitName } from './splitNames.js';
import { csvRecords, decodeUtf8, parseCsv, textDataset } from './textTable.js';
import { openZip, type ZipArchive, type ZipEntry } from './zipReader.js';

export interface ZipDatasetOptions {
  testFraction: number;
  seed: number;
  /** images wider or taller than this are refused (default DEFAULT_MAX_IMAGE_SIDE) */
  maxImageSide?: number;
}

const MANIFEST = 'manifest.csv';
/**
 * The most manifest.csv may inflate to: it becomes one string (V8 stops at about 512 M UTF-16
 * units) and is parsed into rows beside it, so half that is already a text set of hundreds of
 * thousands of long rows.
 */
const MAX_MANIFEST_BYTES = 256 << 20;

/**
 * The most one image member may inflate to: a PNG or JPEG of the largest allowed size is smaller
 * than its pixels, and 16-bit RGBA pixels are 8 bytes; never under 64 MB, never over the reader's 1 GiB.
 */
function maxImageEntryBytes(maxSide: number): number {
  return Math.min(1 << 30, Math.max(64 << 20, maxSide * maxSide * 8));
}

export async function importZipDataset(zipPath: string, options: ZipDatasetOptions, report: ReportProgress = () => {}): Promise<ParsedDataset> {
  const source = path.resolve(zipPath);
  const archive = await openZip(source);
  try {
    const { entry, prefix } = findManifest(archive, source);
    // Errors in the manifest name it as a path inside the archive.
    const manifestFile = `${source}/${entry.name}`;
    const text = decodeUtf8(await archive.read(entry, MAX_MANIFEST_BYTES), manifestFile);
    const rows = parseCsv(text, manifestFile);
    const header = rows[0];
    if (!header) throw new ImportError('manifest.csv is empty: expected a header with split, label_name and file or text', { file: manifestFile });
    const names = header.fields.map((name) => name.trim().toLowerCase());
    const missing = (['split', 'label_name'] as const).filter((name) => !names.includes(name));
    if (!names.includes('file') && !names.includes('text')) missing.push('file or text' as never);
    if (missing.length) {
      throw new ImportError(`manifest.csv lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${listNames(header.fields)})`, { file: manifestFile, row: header.line });
    }
    if (!names.includes('file')) {
      const records = csvRecords(text, manifestFile);
      if (records.length === 0) throw new ImportError('manifest.csv lists no examples', { file: manifestFile });
      return { ...textDataset(records, { source, format: 'csv', where: manifestFile, ...options }), source };
    }
    return await imageDataset(archive, source, prefix, manifestFile, rows, names, options.maxImageSide ?? DEFAULT_MAX_IMAGE_SIDE, report);
  } finally {
    await archive.close();
  }
}

/** manifest.csv at the root, or in the one folder the archive was packed with. */
function findManifest(archive: ZipArchive, source: string): { entry: ZipEntry; prefix: string } {
  const root = archive.entries.get(MANIFEST);
  if (root) return { entry: root, prefix: '' };
  const nested = [...archive.entries.values()].filter((e) => e.name.endsWith(`/${MANIFEST}`));
  if (nested.length === 1) return { entry: nested[0]!, prefix: nested[0]!.name.slice(0, -MANIFEST.length) };
  throw new ImportError(
    nested.length > 1
      ? `${nested.length} files named manifest.csv (${nested.map((e) => e.name).join(', ')}); expected one`
      : 'no manifest.csv in the archive: expected a ZIP exported from a Disobey curated set (manifest.csv and images/…)',
    { file: source },
  );
}

async function imageDataset(
  archive: ZipArchive,
  source: string,
  prefix: string,
  manifestFile: string,
  rows: ReturnType<typeof parseCsv>,
  names: string[],
  maxSide: number,
  report: ReportProgress,
): Promise<ParsedDataset> {
  const column = (name: string) => names.indexOf(name);
  const [splitAt, nameAt, fileAt, labelAt] = [column('split'), column('label_name'), column('file'), column('label')];
  const items = rows.slice(1).map(({ line, fields }) => {
    const place = { file: manifestFile, row: line };
    // Our export neutralised text cells against spreadsheet formulas: the apostrophe comes off.
    const labelName = restoreNeutralizedFormula((fields[nameAt] as string).trim());
    if (labelName === '') throw new ImportError('empty label_name', place);
    const file = restoreNeutralizedFormula((fields[fileAt] as string).trim());
    if (file === '') throw new ImportError('empty file', place);
    const entry = archive.entries.get(prefix + file);
    if (!entry) throw new ImportError(`${excerpt(file)} is not in the archive`, place);
    if (file.endsWith('/')) throw new ImportError(`${excerpt(file)} is a folder in the archive, not an image`, place);
    return {
      split: normalizeSplitName(fields[splitAt] as string, place),
      labelName,
      labelIndex: labelAt >= 0 ? (fields[labelAt] as string).trim() : null,
      entry,
    };
  });
  if (items.length === 0) throw new ImportError('manifest.csv lists no examples', { file: manifestFile });
  const classNames = orderClassNames(items.map((item) => ({ name: item.labelName, index: item.labelIndex })));
  if (classNames.length < 2) throw new ImportError(`every example is in class "${excerpt(classNames[0] ?? '')}": a single class cannot be classified`, { file: manifestFile });

  const entryCap = maxImageEntryBytes(maxSide);
  const decoded = await decodeAll(items, async (item) => decodeEntry(await archive.read(item.entry, entryCap), `${source}/${item.entry.name}`, maxSide), report);
  const { shape, pixels } = sharedShape(decoded, items.map((item) => `${source}/${item.entry.name}`));
  const labelOf = new Map(classNames.map((name, i) => [name, i]));
  const examples: ParsedExample[] = items.map((item, i) => ({
    split: item.split,
    label: labelOf.get(item.labelName) as number,
    pixels: pixels[i] as Uint8Array,
    sourceRef: item.entry.name,
  }));
  return { kind: 'image', format: 'folder', source, classNames, shape, examples };
}

/** The PNGs an export writes decode in plain zlib; any other image goes through sharp. Both after the side check. */
async function decodeEntry(bytes: Buffer, file: string, maxSide: number): Promise<DecodedImage> {
  const size = pngSize(bytes);
  if (size) checkImageSide(size.width, size.height, maxSide, file);
  let simple;
  try {
    simple = decodeSimplePng(bytes);
  } catch (err) {
    throw unreadableImage(file, err);
  }
  return simple ?? decodeImage(bytes, file, maxSide);
}
