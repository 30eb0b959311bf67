// Domain shapes shared by every layer, defined as zod schemas so the types and the
// run-time checks can never drift apart.
import { z } from 'zod';

export const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Split names are free text (train, test, ood-*), but kept tame for URLs, filenames and SQL. */
export const SplitName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'split names use letters, digits, _ . -');

/** The one order splits are listed in everywhere: train first, then test, then the rest (OOD, counterfactual) by name. */
export function compareSplits(a: string, b: string): number {
  const rank = (s: string) => (s === 'train' ? 0 : s === 'test' ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The importer a dataset was read with, as stored (datasets.format). */
export const DatasetFormat = z.enum(['idx', 'folder', 'csv', 'jsonl']);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

/** What an import may ask for: the stored formats, or a curated-set export ZIP (stored as folder or csv). */
export const ImportFormat = z.enum([...DatasetFormat.options, 'zip']);
export type ImportFormat = z.infer<typeof ImportFormat>;

export const DatasetKind = z.enum(['image', 'text']);
export type DatasetKind = z.infer<typeof DatasetKind>;

export const SplitCounts = z.object({
  split: SplitName,
  count: z.number().int().nonnegative(),
  /** examples per class, indexed like classNames */
  perClass: z.array(z.number().int().nonnegative()),
  /** examples whose training label was flipped by label noise */
  noisy: z.number().int().nonnegative(),
  /** the noisy examples per clean class, indexed like classNames; present only where the split has noisy examples */
  noisyPerClass: z.array(z.number().int().nonnegative()).optional(),
});
export type SplitCounts = z.infer<typeof SplitCounts>;

export const ImageShape = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
});
export type ImageShape = z.infer<typeof ImageShape>;

/**
 * What a mechanism dataset (built from image datasets, docs/database.md) is made of: its
 * mechanisms, the one whose class is the label, and what each split does to each mechanism.
 */
export const DatasetMechanisms = z.object({
  names: z.array(z.string()),
  labelMechanism: z.string(),
  splits: z.array(z.object({ name: z.string(), settings: z.record(z.string(), z.enum(['keep', 'remove', 'randomise'])) })),
});
export type DatasetMechanisms = z.infer<typeof DatasetMechanisms>;

/**
 * Where an image dataset's pixels live: `pixels` (every image stored whole, one shared size) or
 * `reference` (the originals stay under `root`; the database keeps a thumbnail per image and a
 * training tensor of trainSize × trainSize, none when trainSize is 0).
 */
export const ImageStore = z.enum(['pixels', 'reference']);
export type ImageStore = z.infer<typeof ImageStore>;

export const DatasetStorage = z.discriminatedUnion('store', [
  z.object({ store: z.literal('pixels') }),
  z.object({ store: z.literal('reference'), root: z.string(), trainSize: z.number().int().nonnegative(), thumbnailType: z.string() }),
]);
export type DatasetStorage = z.infer<typeof DatasetStorage>;

/** the training tensor's side when a reference import names none: shorter side to 64, centred 64×64 crop */
export const DEFAULT_TRAIN_SIZE = 64;
export const MAX_TRAIN_SIZE = 1024;
/** thumbnails of referenced images: at most this many pixels on the long side */
export const THUMBNAIL_SIDE = 128;
/** images of one shared size up to this side default to the pixels store; larger or mixed ones to reference */
export const PIXEL_STORE_DEFAULT_MAX_SIDE = 64;

export const DatasetSummary = z.object({
  id: Id,
  name: z.string(),
  kind: DatasetKind,
  format: DatasetFormat,
  source: z.string(),
  classNames: z.array(z.string()),
  /** confusable class groups (indices into classNames), e.g. Fashion-MNIST's tops and shoes */
  classGroups: z.array(z.array(z.number().int().nonnegative())),
  shape: ImageShape.nullable(),
  splits: z.array(SplitCounts),
  createdAt: z.string(),
  /** mechanism datasets only: their mechanisms and split layout */
  mechanisms: DatasetMechanisms.optional(),
  /** image datasets: where the pixels live (absent for text datasets) */
  storage: DatasetStorage.optional(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const LabelNoise = z.object({
  rate: z.number().min(0).max(0.95),
  seed: z.number().int().nonnegative().default(0),
});
export type LabelNoise = z.infer<typeof LabelNoise>;

/**
 * The default cap on an image's width and height: 4096×4096×3 is 48 MB of pixels per image, and
 * a dataset stores every image's pixels. Larger sides are allowed up to MAX_IMAGE_SIDE_LIMIT on request.
 */
export const DEFAULT_MAX_IMAGE_SIDE = 4096;
export const MAX_IMAGE_SIDE_LIMIT = 65_536;
/** how many skipped files an import names (it counts them all) */
export const SKIPPED_EXAMPLES = 10;

/** Each class named once: a name given twice would make two classes no one can tell apart. */
function namedOnce(names: string[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `"${name.length > 40 ? `${name.slice(0, 40)}…` : name}" is named twice`, path: [i] });
    seen.add(name);
  });
}

export const ImportOptions = z.object({
  path: z.string().min(1).max(4096),
  format: ImportFormat.optional(),
  name: z.string().trim().min(1).max(200).optional(),
  /** keep at most this many examples per split (a seeded random subset) */
  subset: z.number().int().positive().optional(),
  /** keep only these classes (by name); labels are renumbered in the given order */
  classes: z.array(z.string().min(1).max(1000)).min(2).max(100_000).superRefine(namedOnce).optional(),
  /** symmetric label noise on the train split; the clean label is kept */
  noise: LabelNoise.optional(),
  /** for layouts without explicit splits (root/<class>/*, one CSV): share that goes to test */
  testFraction: z.number().gt(0).lt(1).default(0.2),
  /** class names for formats that carry none (IDX); overrides a classes.txt */
  classNames: z.array(z.string().min(1).max(1000)).max(100_000).superRefine(namedOnce).optional(),
  seed: z.number().int().nonnegative().default(0),
  /** image files wider or taller than this many pixels are refused (default DEFAULT_MAX_IMAGE_SIDE) */
  maxImageSide: z.number().int().positive().max(MAX_IMAGE_SIDE_LIMIT).optional(),
  /** image folders: `pixels` or `reference`; default reference when the images differ in size or exceed 64×64 */
  store: ImageStore.optional(),
  /** reference store: the training tensor's side S (shorter side to S, centred S×S crop); 0 stores none */
  trainSize: z.number().int().min(0).max(MAX_TRAIN_SIZE).optional(),
});
export type ImportOptions = z.infer<typeof ImportOptions>;
export type ImportOptionsInput = z.input<typeof ImportOptions>;

/** A file an import passed over, by its path inside the dataset folder, and why. */
export const SkippedFile = z.object({ path: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFile>;

/** How many files an import skipped, and the first few (SKIPPED_EXAMPLES) by path. */
export const SkippedFiles = z.object({
  count: z.number().int().nonnegative(),
  examples: z.array(SkippedFile).max(SKIPPED_EXAMPLES),
});
export type SkippedFiles = z.infer<typeof SkippedFiles>;

/** What an import answers: the new dataset, and what it skipped on the way. */
export const ImportResult = DatasetSummary.extend({ skipped: SkippedFiles });
export type ImportResult = z.infer<typeof ImportResult>;

export const ExampleRow = z.object({
  id: Id,
  split: SplitName,
  index: z.number().int().nonnegative(),
  label: z.number().int().nonnegative(),
  /** the label used for training when label noise flipped it, else null */
  noisyLabel: z.number().int().nonnegative().nullable(),
  group: z.number().int().nullable(),
  /** a text snippet (text datasets) */
  snippet: z.string().nullable(),
});
export type ExampleRow = z.infer<typeof ExampleRow>;

/** The class one mechanism of a mechanism dataset's example shows (table example_mechanisms). */
export const ExampleMechanism = z.object({
  mechanism: z.string(),
  /** null where the split removes (zeroes) the mechanism */
  class: z.number().int().nonnegative().nullable(),
  /** the source example drawn for an image mechanism; null for the patch or when removed */
  sourceExampleId: Id.nullable(),
});
export type ExampleMechanism = z.infer<typeof ExampleMechanism>;

export const ExampleDetail = ExampleRow.extend({
  datasetId: Id,
  text: z.string().nullable(),
  shape: ImageShape.nullable(),
  sourceRef: z.string().nullable(),
  /** mechanism datasets only: what each mechanism shows */
  mechanisms: z.array(ExampleMechanism).optional(),
  /** reference datasets only: the original file (path relative to the dataset's root) and its size after EXIF orientation */
  original: z.object({ path: z.string(), width: z.number().int().positive(), height: z.number().int().positive(), bytes: z.number().int().nonnegative() }).optional(),
});
export type ExampleDetail = z.infer<typeof ExampleDetail>;

/** Task ids the client picks, so progress events can be matched to the call that started them. */
export const TaskId = z.string().max(64).regex(/^[A-Za-z0-9_-]{1,64}$/, 'task ids use letters, digits, _ and -');
