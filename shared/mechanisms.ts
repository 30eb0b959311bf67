// Mechanism datasets ("dominoes", SPEC.md paper 2 and experiment 8): the arguments of
// buildMechanismDataset and the experiment-8 split layout. A mechanism is one part of each
// image that can show a class: a source image (top/bottom half, or the whole image) or a patch.
import { z } from 'zod';
import { Id, SplitName } from './domain.js';

/** keep: shows the label's class; remove: zeroed; randomise: a uniformly random class, independent of the label */
export const MechanismSetting = z.enum(['keep', 'remove', 'randomise']);
export type MechanismSetting = z.infer<typeof MechanismSetting>;

export const MECHANISM_NAMES = ['top', 'bottom', 'image', 'patch'] as const;
export type MechanismName = (typeof MECHANISM_NAMES)[number];

/** Caps that keep a build in memory: every composed image is held until the one write. */
export const MAX_MECHANISM_SPLIT_SIZE = 100_000;
export const MAX_MECHANISM_EXAMPLES = 100_000;

/**
 * The mechanisms a build has, in order: two sources give `top` (the first) and `bottom`; one
 * source gives `image`; `patch: true` adds `patch`.
 */
export function mechanismNames(sourceCount: number, patch: boolean): MechanismName[] {
  const images: MechanismName[] = sourceCount >= 2 ? ['top', 'bottom'] : ['image'];
  return patch ? [...images, 'patch'] : images;
}

export const MechanismSplitSpec = z
  .object({
    name: SplitName,
    size: z.number().int().positive().max(MAX_MECHANISM_SPLIT_SIZE),
    /** one setting per mechanism of the build; every mechanism must be named */
    settings: z.record(z.string().max(200), MechanismSetting),
    /**
     * the fraction of examples in which a kept mechanism other than the label mechanism agrees
     * with the label (exactly round(correlation·size)); in the rest it shows one of the other classes
     */
    correlation: z.number().min(0).max(1).default(1),
    /** which split of the sources the images come from; default: train for names starting with "train", else test */
    from: z.enum(['train', 'test']).optional(),
  })
  .strict();
export type MechanismSplitSpec = z.output<typeof MechanismSplitSpec>;
export type MechanismSplitInput = z.input<typeof MechanismSplitSpec>;

/** The source split a mechanism split draws its images from. */
export function sourceSplitOf(split: { name: string; from?: 'train' | 'test' | undefined }): 'train' | 'test' {
  return split.from ?? (split.name.startsWith('train') ? 'train' : 'test');
}

/** The fields of buildMechanismDataset without the cross-field checks (so the contract can extend it). */
export const MechanismDatasetFields = z.object({
  name: z.string().trim().min(1).max(200),
  /** one or two image datasets with the same number of classes (the same id twice is fine) */
  sources: z.array(Id).min(1).max(2),
  /** add a bright box whose position on a 3×3 grid encodes the class (docs/database.md) */
  patch: z.boolean().default(false),
  /** the mechanism whose class is the label; default: the first (top, or image) */
  labelMechanism: z.enum(MECHANISM_NAMES).optional(),
  splits: z.array(MechanismSplitSpec).min(1).max(32),
  seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
});

type MechanismFields = z.output<typeof MechanismDatasetFields>;

/** The checks that need no database: mechanisms named, every mechanism set, sizes, unique splits. */
export function checkMechanismArgs(args: MechanismFields, ctx: z.RefinementCtx): void {
  const names: string[] = mechanismNames(args.sources.length, args.patch);
  const list = names.join(', ');
  if (names.length < 2) {
    ctx.addIssue({ code: 'custom', path: ['patch'], message: 'one source makes one mechanism: give a second source or patch: true' });
  }
  if (args.labelMechanism !== undefined && !names.includes(args.labelMechanism)) {
    ctx.addIssue({ code: 'custom', path: ['labelMechanism'], message: `unknown mechanism "${args.labelMechanism}": this build has ${list}` });
  }
  const seen = new Set<string>();
  let total = 0;
  args.splits.forEach((split, i) => {
    if (seen.has(split.name)) ctx.addIssue({ code: 'custom', path: ['splits', i, 'name'], message: `split "${split.name}" appears twice` });
    seen.add(split.name);
    total += split.size;
    for (const key of Object.keys(split.settings)) {
      if (!names.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['splits', i, 'settings', key], message: `unknown mechanism "${key}": this build has ${list}` });
      }
    }
    for (const name of names) {
      if (!(name in split.settings)) {
        ctx.addIssue({ code: 'custom', path: ['splits', i, 'settings'], message: `split "${split.name}" does not say keep, remove or randomise for mechanism "${name}"` });
      }
    }
  });
  if (total > MAX_MECHANISM_EXAMPLES) {
    ctx.addIssue({ code: 'custom', path: ['splits'], message: `the splits add up to ${total} examples; at most ${MAX_MECHANISM_EXAMPLES} per build` });
  }
}

export const BuildMechanismDatasetArgs = MechanismDatasetFields.strict().superRefine(checkMechanismArgs);
export type BuildMechanismDatasetArgs = z.output<typeof BuildMechanismDatasetArgs>;
export type BuildMechanismDatasetInput = z.input<typeof BuildMechanismDatasetArgs>;

export interface PaperMechanismOptions {
  /** the mechanism only the teacher's training split predicts the label with (the hard half) */
  hard: MechanismName;
  /** the mechanism that also predicts it in the student's split (the easy half, or the patch) */
  easy: MechanismName;
  /** size of each training split (default 5000, SPEC's ~5k) */
  trainSize?: number;
  /** size of each test split (default trainSize / 5) */
  testSize?: number;
}

/**
 * SPEC experiment 8's layout. `train`: the teacher's training split, where only the hard
 * mechanism predicts the label (easy randomised); `train-student`: both predict it; then test
 * splits from the sources' test images: `test` (i.i.d. with train, i.e. "hard only"),
 * `test-student` (i.i.d. with train-student), `cf-<easy>-only` (hard randomised),
 * `cf-no-<easy>` (easy removed) and `cf-no-<hard>` (hard removed).
 */
export function paperMechanismSplits(options: PaperMechanismOptions): MechanismSplitInput[] {
  const { hard, easy } = options;
  const trainSize = options.trainSize ?? 5000;
  const testSize = options.testSize ?? Math.max(1, Math.round(trainSize / 5));
  const split = (name: string, size: number, h: MechanismSetting, e: MechanismSetting): MechanismSplitInput => ({
    name,
    size,
    settings: { [hard]: h, [easy]: e },
    correlation: 1,
  });
  return [
    split('train', trainSize, 'keep', 'randomise'),
    split('train-student', trainSize, 'keep', 'keep'),
    split('test', testSize, 'keep', 'randomise'),
    split('test-student', testSize, 'keep', 'keep'),
    split(`cf-${easy}-only`, testSize, 'randomise', 'keep'),
    split(`cf-no-${easy}`, testSize, 'keep', 'remove'),
    split(`cf-no-${hard}`, testSize, 'remove', 'keep'),
  ];
}
