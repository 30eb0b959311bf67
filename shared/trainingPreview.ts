// The import form's preview of the reference store's training images: a few images of a folder
// as training would see them (shorter side to S, then the centred S×S crop) beside their
// thumbnails. Cost-bounded: at most MAX_PREVIEW_IMAGES, fewer when S is large (PREVIEW_PIXEL_BUDGET).
import { z } from 'zod';
import { DEFAULT_MAX_IMAGE_SIDE, MAX_IMAGE_SIDE_LIMIT, MAX_TRAIN_SIZE } from './domain.js';

export const MAX_PREVIEW_IMAGES = 8;
/** training-image pixels one preview makes at most: 8 images up to 512×512, 2 at 1024×1024 */
export const PREVIEW_PIXEL_BUDGET = MAX_PREVIEW_IMAGES * 512 * 512;

/** How many images a preview at side S shows when `asked` are asked for. */
export function previewCount(asked: number, trainSize: number): number {
  const side = Math.max(1, trainSize);
  return Math.max(1, Math.min(asked, MAX_PREVIEW_IMAGES, Math.floor(PREVIEW_PIXEL_BUDGET / (side * side))));
}

export const TrainingPreviewArgs = z
  .object({
    /** the image folder (as the import's path) */
    path: z.string().trim().min(1).max(4096),
    /** the training size; 0 shows the thumbnails only */
    trainSize: z.number().int().min(0).max(MAX_TRAIN_SIZE),
    count: z.number().int().min(1).max(MAX_PREVIEW_IMAGES).default(6),
    maxImageSide: z.number().int().positive().max(MAX_IMAGE_SIDE_LIMIT).default(DEFAULT_MAX_IMAGE_SIDE),
  })
  .strict();

export const TrainingPreviewImage = z.object({
  /** the file's path inside the folder, '/'-separated */
  path: z.string(),
  className: z.string(),
  /** the original's size after EXIF orientation */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** the thumbnail as the grid shows it (a data: URL) */
  thumbnail: z.string(),
  /** the S×S training image as a lossless PNG (a data: URL); null when S is 0 */
  training: z.string().nullable(),
});
export type TrainingPreviewImage = z.infer<typeof TrainingPreviewImage>;

export const TrainingPreview = z.object({
  folder: z.string(),
  trainSize: z.number().int().nonnegative(),
  images: z.array(TrainingPreviewImage),
  /** files that could not be previewed, with the reason (the import would refuse or skip them too) */
  problems: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type TrainingPreview = z.infer<typeof TrainingPreview>;
