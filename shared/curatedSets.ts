// Curated example sets: named lists of one dataset's examples with a note per member, and their
// export (CSV, JSONL, or a ZIP with a manifest and PNGs). Schemas of the contract's set calls.
import { z } from 'zod';
import { AnalysisScope, ExampleFilter } from './analytics.js';
import { Id, SplitName, TaskId } from './domain.js';

export const MAX_SET_MEMBERS = 1_000_000;

export const CuratedSetName = z.string().trim().min(1, 'a set name needs at least one character').max(200);
export const CuratedSetDescription = z.string().max(10_000);
export const CuratedNote = z.string().max(10_000);
const ExampleIds = z.array(Id).max(MAX_SET_MEMBERS);

/** A POSIX absolute path, a Windows drive path or a UNC path (shared/ cannot ask node:path). */
export const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'must be an absolute path')
  .refine((p) => !p.includes('\0'), 'must not contain NUL');

export const CuratedSetSummary = z.object({
  id: Id,
  datasetId: Id,
  name: z.string(),
  description: z.string(),
  /** members */
  size: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type CuratedSetSummary = z.infer<typeof CuratedSetSummary>;

/** queryExamples' arguments without sort and paging: every example the filter passes. */
export const CuratedSetSource = AnalysisScope.extend({ filter: ExampleFilter.default({}) }).strict();
export type CuratedSetSource = z.output<typeof CuratedSetSource>;

export const ListCuratedSetsArgs = z.object({ datasetId: Id.optional() }).strict();

export const CreateCuratedSetArgs = z
  .object({
    datasetId: Id,
    name: CuratedSetName,
    description: CuratedSetDescription.optional(),
    /** members by id; with fromFilter too, the set holds both */
    exampleIds: ExampleIds.optional(),
    /** the note of every member added now */
    note: CuratedNote.optional(),
    fromFilter: CuratedSetSource.optional(),
  })
  .strict();

export const UpdateCuratedSetArgs = z
  .object({ setId: Id, name: CuratedSetName.optional(), description: CuratedSetDescription.optional() })
  .strict();

export const SetIdArgs = z.object({ setId: Id }).strict();

export const AddToCuratedSetArgs = z
  .object({
    setId: Id,
    exampleIds: ExampleIds.min(1),
    /** given: every listed member gets this note (existing members too); absent: existing notes stay */
    note: CuratedNote.optional(),
  })
  .strict();

export const RemoveFromCuratedSetArgs = z.object({ setId: Id, exampleIds: ExampleIds.min(1) }).strict();

export const SetCuratedNoteArgs = z.object({ setId: Id, exampleId: Id, note: CuratedNote }).strict();

export const ListCuratedSetMembersArgs = z
  .object({
    setId: Id,
    offset: z.number().int().nonnegative().max(100_000_000).default(0),
    limit: z.number().int().positive().max(1000).default(200),
  })
  .strict();

export const CuratedSetMember = z.object({
  exampleId: Id,
  split: SplitName,
  index: z.number().int().nonnegative(),
  /** the clean label */
  label: z.number().int().nonnegative(),
  note: z.string(),
  addedAt: z.string(),
  /** the start of the text (text datasets) */
  snippet: z.string().nullable(),
});
export type CuratedSetMember = z.infer<typeof CuratedSetMember>;

export const CuratedSetMemberPage = z.object({ total: z.number().int().nonnegative(), items: z.array(CuratedSetMember) });

export const CuratedSetOfExample = z.object({ setId: Id, name: z.string(), note: z.string() });

export const ExportFormat = z.enum(['csv', 'jsonl', 'zip']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** What a ZIP export of a dataset stored by reference holds: the original files byte for byte (the default), or the stored thumbnails. */
export const ExportImages = z.enum(['originals', 'thumbnails']);
export type ExportImages = z.infer<typeof ExportImages>;

export const ExportCuratedSetArgs = z
  .object({
    setId: Id,
    format: ExportFormat,
    /** the file to write; its folder must exist */
    path: AbsolutePath,
    /** probabilities of this experiment's runs (default: the newest with recorded epochs on the set's dataset) */
    experimentId: Id.optional(),
    /** each run at this epoch, or its last when it has fewer (default: each run's last) */
    epoch: z.number().int().positive().max(1_000_000).optional(),
    overwrite: z.boolean().default(false),
    /** ZIP of a dataset stored by reference: its original files (default) or its thumbnails; pixels datasets' ZIPs hold PNGs */
    images: ExportImages.optional(),
    taskId: TaskId.optional(),
  })
  .strict();
export type ExportCuratedSetArgs = z.output<typeof ExportCuratedSetArgs>;

export const ExportResult = z.object({
  path: z.string(),
  format: ExportFormat,
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** a ZIP's images: PNGs of stored pixels, the original files, or thumbnails; absent when it holds none */
  images: z.enum(['png', 'originals', 'thumbnails']).optional(),
});
export type ExportResult = z.infer<typeof ExportResult>;

/**
 * Web mode's download of an export (GET /api/download/set?…): the same export written to a
 * temporary file on the server, then sent to the browser. Query values are strings.
 */
export const DownloadExportQuery = z
  .object({
    setId: z.coerce.number().pipe(Id),
    format: ExportFormat,
    experimentId: z.coerce.number().pipe(Id).optional(),
    epoch: z.coerce.number().int().positive().max(1_000_000).optional(),
    images: ExportImages.optional(),
    taskId: TaskId.optional(),
  })
  .strict();
export const DOWNLOAD_EXPORT_PATH = '/api/download/set';

/** A set's name as a file name: letters, digits, ".", "_", "-" and spaces; never hidden, never empty. */
export function exportFileName(setName: string, format: ExportFormat): string {
  const cleaned = setName.replace(/[^A-Za-z0-9._ -]+/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 120);
  return `${cleaned || 'curated-set'}.${format}`;
}
