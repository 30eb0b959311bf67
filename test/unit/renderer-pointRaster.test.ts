// The point layer's JS rasteriser (used where WebGL is drawn in software): each point becomes the
// disc the WebGL layer draws, at the same pixels, blended source-over, later groups on top.
import { describe, expect, it } from 'vitest';
import { rasterisePoints, toImagePixels, type PointGroup, type PointView } from '../../renderer/src/charts/pointLayer.js';

const view: PointView = { x: [0, 10], y: [0, 10], rect: { x: 0, y: 0, width: 10, height: 10 } };
const group = (xy: number[], colour = '#ff0000', opacity = 1, size = 3): PointGroup => ({ name: 'g', xy: Float32Array.from(xy), colour, opacity, size });
const alphaAt = (px: Float32Array, i: number, j: number) => px[(j * 10 + i) * 4 + 3]!;

describe('rasterisePoints', () => {
  it('sets the 3 × 3 pixels around a size-3 point centred on a pixel, and nothing else', () => {
    // data (4.5, 5.5) is pixel column 4, row 4 from the top (y up, rows down)
    const px = rasterisePoints([group([4.5, 5.5])], view, 10, 10, 1, new Set());
    const set: string[] = [];
    for (let j = 0; j < 10; j++) for (let i = 0; i < 10; i++) if (alphaAt(px, i, j) > 0) set.push(`${i},${j}`);
    expect(set).toEqual(['3,3', '4,3', '5,3', '3,4', '4,4', '5,4', '3,5', '4,5', '5,5']);
    expect(Array.from(px.subarray((4 * 10 + 4) * 4, (4 * 10 + 4) * 4 + 4))).toEqual([1, 0, 0, 1]);
  });

  it('drops the corners of a larger disc, as the shader discards outside the circle', () => {
    const px = rasterisePoints([group([5, 5], '#ff0000', 1, 6)], view, 10, 10, 1, new Set());
    expect(alphaAt(px, 4, 4)).toBe(1);
    expect(alphaAt(px, 2, 5)).toBe(1); // on the disc's left edge row
    expect(alphaAt(px, 2, 2)).toBe(0); // the square's corner, outside the disc
    expect(alphaAt(px, 1, 5)).toBe(0); // outside the square
  });

  it('blends source-over in group order, skips hidden groups and points outside the view', () => {
    const groups = [group([4.5, 5.5], '#0000ff', 0.5), group([4.5, 5.5], '#ff0000', 0.5), group([-50, 5], '#00ff00', 1)];
    const px = rasterisePoints(groups, view, 10, 10, 1, new Set());
    const o = (4 * 10 + 4) * 4;
    expect([px[o], px[o + 1], px[o + 2], px[o + 3]]).toEqual([0.5, 0, 0.25, 0.75]);
    const hidden = rasterisePoints(groups, view, 10, 10, 1, new Set([1]));
    expect([hidden[o], hidden[o + 2], hidden[o + 3]]).toEqual([0, 0.5, 0.5]);
    expect(hidden.reduce((n, v, k) => (k % 4 === 1 ? n + v : n), 0)).toBe(0); // the green point off the plot drew nothing
  });

  it('scales positions and sizes by the device pixel ratio', () => {
    const px = new Float32Array(20 * 20 * 4);
    rasterisePoints([group([0.25, 9.75])], view, 20, 20, 2, new Set(), px); // centre at device pixel (0.5, 0.5): a 6-pixel disc clipped by the corner
    expect(px[3]).toBe(1);
    expect(px[(2 * 20 + 2) * 4 + 3]).toBe(1);
    expect(px[(4 * 20 + 4) * 4 + 3]).toBe(0);
  });
});

describe('toImagePixels', () => {
  it('unpremultiplies to 8-bit RGBA, leaving empty pixels transparent', () => {
    const out = new Uint8ClampedArray(8);
    toImagePixels(Float32Array.of(0.5, 0, 0.25, 0.75, 0, 0, 0, 0), out);
    expect(Array.from(out)).toEqual([170, 0, 85, 191, 0, 0, 0, 0]);
  });
});
