// The reference store's training tensor, cut from the one decode: the centred square averaged
// down to S×S (coverCrop), checked by hand on tiny images and against sharp's own cover resize.
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coverCrop, referenceImage } from '../../main/data/referenceImport.js';
import { photoPixels } from '../../bench/imageFixture.js';
import { makeTempDir } from '../helpers/tempDir.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.dispose());

describe('coverCrop', () => {
  it('averages each 2×2 block of the centred square (6×4 grey to 2×2: columns 1–4)', () => {
    const image = Uint8Array.from({ length: 24 }, (_, i) => i * 10); // row y, column x = (6y + x)·10
    const mean = (...xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
    expect([...coverCrop(image, 6, 4, 1, 2)]).toEqual([mean(10, 20, 70, 80), mean(30, 40, 90, 100), mean(130, 140, 190, 200), mean(150, 160, 210, 220)]);
  });

  it('weights the pixels cut by an edge by the part covered (3×3 RGB to 2×2: 1.5 pixels each)', () => {
    const image = new Uint8Array(27);
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) image.set([x * 90, y * 90, 7], (y * 3 + x) * 3);
    const out = [...coverCrop(image, 3, 3, 3, 2)];
    // column 0 covers x ∈ [0, 1.5): pixel 0 whole (2/3), pixel 1 half (1/3) → 90/3 = 30; column 1: 90·(1/3) + 180·(2/3) = 150
    expect(out.slice(0, 3)).toEqual([30, 30, 7]);
    expect(out.slice(3, 6)).toEqual([150, 30, 7]);
    expect(out.slice(9, 12)).toEqual([150, 150, 7]);
  });

  it('refuses pixels that are neither grey nor RGB', () => {
    expect(() => coverCrop(new Uint8Array(4 * 4 * 4), 4, 4, 4, 2)).toThrow(RangeError);
    expect(() => coverCrop(new Uint8Array(4 * 4 * 2), 4, 4, 2, 2)).toThrow(RangeError);
  });

  it("keeps a photo's tensor within a few levels of sharp's cover resize of the whole file", async () => {
    const [width, height] = [420, 300];
    const file = path.join(temp.dir, 'p.png');
    await sharp(photoPixels(width, height, 5), { raw: { width, height, channels: 3 } }).png().toFile(file);
    const ours = (await referenceImage(file, 3, 64)).tensor!;
    const theirs = await sharp(file).resize({ width: 64, height: 64, fit: 'cover', position: 'centre' }).raw().toBuffer();
    let total = 0;
    for (let i = 0; i < ours.length; i++) total += Math.abs(ours[i]! - theirs[i]!);
    expect(total / ours.length).toBeLessThan(4);
  });
});
