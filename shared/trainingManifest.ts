// Training manifests: what the forensics found, turned into per-example weights or a curriculum
// for the next distillation run (CSV or JSONL: id, split, index, source_ref, [stage,] weight,
// reason). Rules are explorer filters; the first rule an example passes decides its row.
import { z } from 'zod';
import { AnalysisScope, ExampleFilter } from './analytics.js';
import { AbsolutePath } from './curatedSets.js';
import { SplitName } from './domain.js';

const Weight = z.number().finite().min(0).max(1_000_000);

export const ManifestRule = z
  .object({
    filter: ExampleFilter,
    weight: Weight,
    /** written on each row the rule decides, e.g. "underfit by the KD student" */
    reason: z.string().trim().min(1, 'a rule needs a reason').max(200),
  })
  .strict();
export type ManifestRule = z.output<typeof ManifestRule>;

/** weights: every example, one weight each; curriculum: the same rows ordered by stage (rule 1 first, unmatched last) */
export const ManifestKind = z.enum(['weights', 'curriculum']);
export const ManifestFormat = z.enum(['csv', 'jsonl']);
export type ManifestFormat = z.infer<typeof ManifestFormat>;

export const TrainingManifestArgs = AnalysisScope.extend({
  /** the examples listed: this split's (absent: every example of the dataset) */
  split: SplitName.optional(),
  rules: z.array(ManifestRule).min(1).max(50),
  /** the weight of an example no rule passes */
  defaultWeight: Weight.default(1),
  kind: ManifestKind.default('weights'),
  format: ManifestFormat.default('csv'),
  /** the file to write (its folder must exist); absent: the manifest comes back as `content` (web mode's download) */
  path: AbsolutePath.optional(),
  overwrite: z.boolean().default(false),
}).strict();
export type TrainingManifestArgs = z.output<typeof TrainingManifestArgs>;

export const TrainingManifestResult = z.object({
  path: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** examples each rule decided, then the unmatched ones (reason "default") */
  counts: z.array(z.object({ reason: z.string(), weight: z.number(), stage: z.number().int().positive(), count: z.number().int().nonnegative() })),
  /** the manifest itself when no path was given */
  content: z.string().optional(),
});
export type TrainingManifestResult = z.infer<typeof TrainingManifestResult>;

export const DEFAULT_REASON = 'default';
