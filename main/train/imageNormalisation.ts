// Per-channel mean/std of the training images and the map to the float32 NHWC inputs the image
// models read. Statistics come from the train split only, so test images are normalised with
// numbers they did not influence.

export interface ImageNormalisation {
  /** per channel, on the scale of the pixels given (0–255 for bytes) */
  mean: number[];
  std: number[];
}

/** `pixels` is NHWC (channels last), any number of images. */
export function computeNormalisation(pixels: ArrayLike<number>, channels: number): ImageNormalisation {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  if (pixels.length % channels !== 0) throw new RangeError(`pixel count ${pixels.length} is not a multiple of ${channels} channels`);
  const count = pixels.length / channels;
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % channels;
    const v = pixels[i] as number;
    sum[c] = (sum[c] as number) + v;
    sumSq[c] = (sumSq[c] as number) + v * v;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = count > 0 ? (sum[c] as number) / count : 0;
    const variance = count > 0 ? Math.max((sumSq[c] as number) / count - m * m, 0) : 0;
    mean.push(m);
    // A constant channel would divide by zero; leave it centred and unscaled instead.
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
  }
  return { mean, std };
}

/** (pixel − mean_c) / std_c as float32, NHWC order kept. */
export function normaliseImages(pixels: ArrayLike<number>, normalisation: ImageNormalisation): Float32Array {
  const channels = normalisation.mean.length;
  const out = new Float32Array(pixels.length);
  const scale = normalisation.std.map((s) => 1 / s);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % channels;
    out[i] = ((pixels[i] as number) - (normalisation.mean[c] as number)) * (scale[c] as number);
  }
  return out;
}

/** Per channel, what normaliseImages makes of a 0 pixel (as float32): the images' background. */
export function normalisedZero(normalisation: ImageNormalisation): number[] {
  return normalisation.mean.map((m, c) => Math.fround((0 - m) * (1 / (normalisation.std[c] as number))));
}
