// The learning rate of each epoch (constant, cosine, step), fixed for the whole epoch so a run
// resumed at epoch k uses the rates an uninterrupted run would have used.
import type { LrScheduleSpec } from '../../shared/experimentSpec.js';

/**
 * constant: baseLr. cosine: baseLr·½(1 + cos(π·epoch/epochs)), baseLr at epoch 0 and decaying
 * towards 0 without reaching it in the last epoch. step: baseLr·γ^⌊epoch/stepEvery⌋.
 */
export function learningRateAt(schedule: LrScheduleSpec, baseLr: number, epoch: number, epochs: number): number {
  if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'cosine':
      return baseLr * 0.5 * (1 + Math.cos((Math.PI * Math.min(epoch, epochs)) / Math.max(epochs, 1)));
    case 'step':
      return baseLr * schedule.gamma ** Math.floor(epoch / schedule.stepEvery);
  }
}
