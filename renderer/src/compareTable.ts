// The Compare page's table: each teacher as a baseline row above its students (its accuracies;
// the columns that compare a student with its teacher are "—" on it), every student's gap to
// its teacher's test accuracy, which split each column is measured on, and the diverging colour
// scale of the signed columns (red below 0, green above) with the key the page draws.
import type { DeviationReport } from '../../shared/analytics.js';
import { compareRows, type CompareColumn, type CompareRow } from './explorer/deviationCharts.js';
import type { GlossaryKey } from './glossary.js';

export type CompareTableColumn = CompareColumn | 'vsTeacher';

export interface CompareTableRow extends CompareRow {
  role: 'teacher' | 'student';
  /** student test accuracy − its teacher's, in percentage points (null on a teacher row) */
  vsTeacher: number | null;
  /** the teacher of a student row; the run itself on a teacher row */
  teacherRunId: number;
}

/** Teacher rows first (in run order), then the students sorted by `column`; missing values last either way. */
export function compareTableRows(report: DeviationReport, split: string, column: CompareTableColumn, descending: boolean, testSplit = 'test'): CompareTableRow[] {
  const students: CompareTableRow[] = compareRows(report, split, testSplit).map((row, i) => {
    const s = report.students[i]!;
    const teacherAcc = s.splits.find((d) => d.split === testSplit)?.teacherAccuracy ?? null;
    return {
      ...row,
      role: 'student',
      teacherRunId: s.teacherRunId,
      vsTeacher: row.testAccuracy !== null && teacherAcc !== null ? (row.testAccuracy - teacherAcc) * 100 : null,
    };
  });
  const teachers = new Map<number, CompareTableRow>();
  for (const s of report.students) {
    if (teachers.has(s.teacherRunId)) continue;
    const accuracyOn = (name: string) => s.splits.find((d) => d.split === name)?.teacherAccuracy ?? null;
    teachers.set(s.teacherRunId, {
      runId: s.teacherRunId,
      name: s.teacherName,
      epoch: s.teacherEpoch,
      role: 'teacher',
      teacherRunId: s.teacherRunId,
      testAccuracy: accuracyOn(testSplit),
      fidelity: null,
      kl: null,
      beta: null,
      betaLo: null,
      betaHi: null,
      lowestBinDelta: null,
      hardPointFitRate: null,
      underfits: false,
      vsTeacher: null,
      ood: s.splits.filter((d) => d.split !== 'train' && d.split !== testSplit).map((d) => ({ split: d.split, accuracy: d.teacherAccuracy })),
    });
  }
  const value = (r: CompareTableRow): number | null =>
    column.startsWith('ood:') ? (r.ood.find((o) => o.split === column.slice(4))?.accuracy ?? null) : (r[column as keyof CompareTableRow] as number | null);
  const sorted = [...students].sort((x, y) => {
    const a = value(x);
    const b = value(y);
    if (a === null || b === null) return a === null ? (b === null ? x.runId - y.runId : 1) : -1;
    return (descending ? b - a : a - b) || x.runId - y.runId;
  });
  return [...[...teachers.values()].sort((a, b) => a.runId - b.runId), ...sorted];
}

export interface CompareHeader {
  key: CompareTableColumn;
  label: string;
  term: GlossaryKey;
  /** the split the column is measured on, for the header's second line */
  split: string;
}

/** The columns after the run's name, each with its glossary term and its split. */
export function compareHeaders(split: string, oodSplits: readonly string[], testSplit = 'test'): CompareHeader[] {
  return [
    { key: 'testAccuracy', label: 'Accuracy', term: 'accuracy', split: testSplit },
    { key: 'vsTeacher', label: 'vs teacher', term: 'accuracyVsTeacher', split: testSplit },
    { key: 'fidelity', label: 'Fidelity', term: 'fidelity', split },
    { key: 'kl', label: 'KL(T‖S)', term: 'kl', split },
    { key: 'beta', label: 'β [95% interval]', term: 'beta', split },
    { key: 'lowestBinDelta', label: 'Δ lowest bin', term: 'lowestBinDelta', split },
    { key: 'hardPointFitRate', label: 'Hard-point fit', term: 'hardPointFit', split },
    ...oodSplits.map((s): CompareHeader => ({ key: `ood:${s}`, label: 'Accuracy', term: 'oodAccuracy', split: s })),
  ];
}

// ---- the diverging colour scale of the signed columns ----------------------------------------

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above x (x > 0): a scale end a reader can read. */
export function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= x * (1 - 1e-12)) return step * power;
  return 10 * power;
}

/** The scale's end for a column: its largest |value| rounded up (1 when the column has none). */
export function divergingExtent(values: readonly (number | null)[]): number {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v)).map(Math.abs);
  return niceCeil(Math.max(0, ...finite));
}

/** The strongest tint, at ±extent; 0 is no tint at all. */
export const MAX_ALPHA = 0.45;
export const NEGATIVE_RGB = '214, 48, 49';
export const POSITIVE_RGB = '43, 138, 62';

/** A cell's background: red below 0, green above, stronger with |value| / extent; none for 0 or no value. */
export function divergingBackground(value: number | null, extent: number): string | undefined {
  if (value === null || !Number.isFinite(value) || value === 0 || !(extent > 0)) return undefined;
  const alpha = Math.min(1, Math.abs(value) / extent) * MAX_ALPHA;
  return `rgba(${value < 0 ? NEGATIVE_RGB : POSITIVE_RGB}, ${alpha.toFixed(3)})`;
}

/** The key's bar: the same scale from −extent (left) through 0 to +extent (right). */
export const DIVERGING_GRADIENT = `linear-gradient(to right, rgba(${NEGATIVE_RGB}, ${MAX_ALPHA}), rgba(${NEGATIVE_RGB}, 0) 50%, rgba(${POSITIVE_RGB}, 0) 50%, rgba(${POSITIVE_RGB}, ${MAX_ALPHA}))`;

/** The correctness matrix's cells: one hue, stronger with the cell's share of the split. */
export const SHARE_RGB = '37, 99, 201';
export function shareBackground(share: number | null): string | undefined {
  if (share === null || !Number.isFinite(share) || share <= 0) return undefined;
  return `rgba(${SHARE_RGB}, ${(Math.min(1, share) * MAX_ALPHA).toFixed(3)})`;
}
export const SHARE_GRADIENT = `linear-gradient(to right, rgba(${SHARE_RGB}, 0), rgba(${SHARE_RGB}, ${MAX_ALPHA}))`;
