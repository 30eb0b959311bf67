// The pure parts of mechanism datasets: canvas layout, patch positions, per-split class plans,
// the argument checks and SPEC experiment 8's split layout.
import { describe, expect, it } from 'vitest';
import { composeImage, patchBox, planCanvas } from '../../main/data/mechanismImages.js';
import { planSplit, splitRandom } from '../../main/data/mechanismPlan.js';
import { BuildMechanismDatasetArgs, paperMechanismSplits } from '../../shared/mechanisms.js';
import { describeZodError } from '../../shared/zodIssues.js';
import { createRandom } from '../../shared/seededRandom.js';

describe('mechanism images', () => {
  it('stacks sources top to bottom, centres the narrower one and turns grey into RGB', () => {
    const layout = planCanvas([
      { height: 1, width: 2, channels: 1 },
      { height: 2, width: 4, channels: 3 },
    ]);
    expect(layout.shape).toEqual({ height: 3, width: 4, channels: 3 });
    expect(layout.parts.map((p) => [p.top, p.left])).toEqual([[0, 1], [1, 0]]);
    const grey = Uint8Array.of(10, 20);
    const rgb = Uint8Array.from({ length: 24 }, (_, i) => 100 + i);
    const out = composeImage(layout, [grey, rgb], null);
    expect([...out.subarray(0, 12)]).toEqual([0, 0, 0, 10, 10, 10, 20, 20, 20, 0, 0, 0]);
    expect([...out.subarray(12)]).toEqual([...rgb]);
    expect([...composeImage(layout, [null, rgb], null).subarray(0, 12)]).toEqual(new Array(12).fill(0));
  });

  it('puts the patch of class k at cell k mod 10 of a 3×3 grid; 9 is the centre cell at half brightness', () => {
    const shape = { height: 28, width: 28, channels: 1 as const };
    // cells of 9 pixels, squares of side 4 at offset 2 inside their cell
    expect(patchBox(shape, 0)).toEqual({ top: 2, left: 2, side: 4, value: 255 });
    expect(patchBox(shape, 3)).toEqual({ top: 11, left: 2, side: 4, value: 255 });
    expect(patchBox(shape, 8)).toEqual({ top: 20, left: 20, side: 4, value: 255 });
    expect(patchBox(shape, 4)).toEqual({ top: 11, left: 11, side: 4, value: 255 });
    expect(patchBox(shape, 9)).toEqual({ top: 11, left: 11, side: 4, value: 128 });
    expect(patchBox(shape, 13)).toEqual(patchBox(shape, 3));
    // a stacked 56×28 canvas: cells 18 high and 9 wide
    expect(patchBox({ height: 56, width: 28, channels: 1 }, 5)).toEqual({ top: 18 + 7, left: 18 + 2, side: 4, value: 255 });

    const layout = planCanvas([shape]);
    const out = composeImage(layout, [new Uint8Array(784).fill(7)], 3);
    const at = (y: number, x: number) => out[y * 28 + x];
    expect([at(11, 2), at(14, 5), at(10, 2), at(11, 6), at(15, 5)]).toEqual([255, 255, 7, 7, 7]);
    expect(out.filter((v) => v === 255)).toHaveLength(16);
  });
});

describe('split plans', () => {
  const settings = ['keep', 'keep', 'randomise', 'remove'] as const;
  const plan = planSplit({ name: 'train', size: 1000, correlation: 0.7, settings: [...settings] }, 0, 10, createRandom(1));

  it('balances labels and shows the label in the label mechanism of every example', () => {
    const perClass = new Array(10).fill(0);
    for (const e of plan) perClass[e.label]++;
    expect(perClass).toEqual(new Array(10).fill(100));
    expect(plan.every((e) => e.classes[0] === e.label)).toBe(true);
  });

  it('lets another kept mechanism agree in exactly round(correlation·size) examples', () => {
    expect(plan.filter((e) => e.classes[1] === e.label)).toHaveLength(700);
    expect(plan.every((e) => e.classes[1]! >= 0 && e.classes[1]! < 10)).toBe(true);
  });

  it('draws randomised mechanisms independently of the label and removes removed ones', () => {
    const agree = plan.filter((e) => e.classes[2] === e.label).length;
    expect(agree).toBeGreaterThan(60);
    expect(agree).toBeLessThan(140);
    const seen = new Set(plan.map((e) => e.classes[2]));
    expect(seen.size).toBe(10);
    expect(plan.every((e) => e.classes[3] === null)).toBe(true);
  });

  it('is the same for the same seed and split name, and different otherwise', () => {
    const again = (seed: number, name: string) =>
      planSplit({ name, size: 50, correlation: 0.5, settings: ['keep', 'keep'] }, 0, 10, splitRandom(seed, name, 'classes'));
    expect(again(3, 'train')).toEqual(again(3, 'train'));
    expect(again(3, 'train')).not.toEqual(again(4, 'train'));
    expect(again(3, 'train')).not.toEqual(again(3, 'test'));
  });
});

describe('buildMechanismDataset arguments', () => {
  const base = { name: 'dominoes', sources: [1, 1], splits: [{ name: 'train', size: 10, settings: { top: 'keep', bottom: 'keep' } }] };
  const problem = (args: unknown) => {
    const r = BuildMechanismDatasetArgs.safeParse(args);
    return r.success ? null : describeZodError(r.error);
  };

  it('accepts a complete build and fills the defaults', () => {
    const parsed = BuildMechanismDatasetArgs.parse(base);
    expect(parsed).toMatchObject({ patch: false, seed: 0, splits: [{ correlation: 1 }] });
  });

  it('names unknown and unset mechanisms, repeated splits, and builds with one mechanism', () => {
    expect(problem({ ...base, splits: [{ name: 'train', size: 10, settings: { top: 'keep', bottom: 'keep', left: 'keep' } }] })).toMatch(
      /splits\.0\.settings\.left: unknown mechanism "left": this build has top, bottom/,
    );
    expect(problem({ ...base, splits: [{ name: 'train', size: 10, settings: { top: 'keep' } }] })).toMatch(/split "train" does not say keep, remove or randomise for mechanism "bottom"/);
    expect(problem({ ...base, patch: true })).toMatch(/mechanism "patch"/);
    expect(problem({ ...base, splits: [...base.splits, ...base.splits] })).toMatch(/split "train" appears twice/);
    expect(problem({ ...base, sources: [1], splits: [{ name: 'train', size: 10, settings: { image: 'keep' } }] })).toMatch(/give a second source or patch: true/);
    expect(problem({ ...base, labelMechanism: 'patch' })).toMatch(/labelMechanism: unknown mechanism "patch"/);
    expect(problem({ ...base, splits: [{ name: 'train', size: 10, settings: { top: 'keep', bottom: 'shuffle' } }] })).toMatch(/splits\.0\.settings\.bottom/);
    expect(problem({ ...base, splits: [{ ...base.splits[0], correlation: 1.5 }] })).toMatch(/correlation/);
    expect(problem({ ...base, splits: [{ ...base.splits[0], size: 60_000 }, { ...base.splits[0], name: 'test', size: 60_000 }] })).toMatch(/add up to 120000 examples; at most 100000/);
  });

  it('lays out SPEC experiment 8: the teacher\'s split, the student\'s, and the counterfactual tests', () => {
    const splits = paperMechanismSplits({ hard: 'top', easy: 'bottom', trainSize: 1000 });
    expect(splits.map((s) => [s.name, s.size, s.settings])).toEqual([
      ['train', 1000, { top: 'keep', bottom: 'randomise' }],
      ['train-student', 1000, { top: 'keep', bottom: 'keep' }],
      ['test', 200, { top: 'keep', bottom: 'randomise' }],
      ['test-student', 200, { top: 'keep', bottom: 'keep' }],
      ['cf-bottom-only', 200, { top: 'randomise', bottom: 'keep' }],
      ['cf-no-bottom', 200, { top: 'keep', bottom: 'remove' }],
      ['cf-no-top', 200, { top: 'remove', bottom: 'keep' }],
    ]);
    expect(paperMechanismSplits({ hard: 'image', easy: 'patch' }).map((s) => s.name)).toContain('cf-no-patch');
  });
});
