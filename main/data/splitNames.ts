// Split names taken from folder names, file names or a `split` column: the usual ones are
// recognised whatever their case, and every name must be tame enough for SplitName.
import { SplitName } from '../../shared/domain.js';
import { ImportError, type ErrorPlace } from '../../shared/errors.js';

const KNOWN = new Set(['train', 'test', 'val', 'valid', 'validation', 'ood']);

/** train, test, val, valid, validation, ood, ood*, test-* (case-insensitive) */
export function isKnownSplitName(name: string): boolean {
  const lower = name.toLowerCase();
  return KNOWN.has(lower) || lower.startsWith('ood') || lower.startsWith('test-');
}

/** Lower-cases known names (so "Train" trains) and rejects names SplitName would refuse. */
export function normalizeSplitName(raw: string, place: ErrorPlace): string {
  const name = isKnownSplitName(raw.trim()) ? raw.trim().toLowerCase() : raw.trim();
  if (!SplitName.safeParse(name).success) {
    throw new ImportError(`bad split name "${raw}": split names use letters, digits, _ . - and start with a letter or digit`, place);
  }
  return name;
}
