// The pixels of a mechanism dataset's example: source images stacked top to bottom on one
// canvas (narrower ones centred on zero padding, grey replicated to RGB when any source is
// RGB), and the class-positioned patch drawn over the whole canvas (SPEC.md paper 2).
import type { ImageShape } from '../../shared/domain.js';

export interface CanvasLayout {
  shape: ImageShape;
  /** where each source image lands: rows from `top`, columns from `left` */
  parts: { top: number; left: number; shape: ImageShape }[];
}

export interface PatchBox {
  top: number;
  left: number;
  side: number;
  value: number;
}

export const PATCH_GRID = 3;
export const PATCH_BRIGHT = 255;
/** position 9 (class ≡ 9 mod 10) shares the centre cell with position 4, at half brightness */
export const PATCH_DIM = 128;

/** Stacks the sources' shapes: height adds up, width is the widest, channels the most. */
export function planCanvas(sources: ImageShape[]): CanvasLayout {
  const width = Math.max(...sources.map((s) => s.width));
  const channels: 1 | 3 = sources.some((s) => s.channels === 3) ? 3 : 1;
  let top = 0;
  const parts = sources.map((shape) => {
    const part = { top, left: Math.floor((width - shape.width) / 2), shape };
    top += shape.height;
    return part;
  });
  return { shape: { height: top, width, channels }, parts };
}

/**
 * The patch for a class: position p = class mod 10; p = 0…8 is the cell in row-major order of
 * a 3×3 grid over the canvas (0 top left, 8 bottom right), a bright (255) square of side
 * half the smaller cell side, centred in the cell. Ten positions do not fit nine cells: p = 9
 * is the centre cell's square at half brightness (128), so every class of ten stays distinct.
 */
export function patchBox(canvas: ImageShape, cls: number): PatchBox {
  const p = cls % 10;
  const cell = p === 9 ? 4 : p;
  const cellH = Math.floor(canvas.height / PATCH_GRID);
  const cellW = Math.floor(canvas.width / PATCH_GRID);
  const side = Math.max(1, Math.floor(Math.min(cellH, cellW) / 2));
  const row = Math.floor(cell / PATCH_GRID);
  const col = cell % PATCH_GRID;
  return {
    top: row * cellH + Math.floor((cellH - side) / 2),
    left: col * cellW + Math.floor((cellW - side) / 2),
    side,
    value: p === 9 ? PATCH_DIM : PATCH_BRIGHT,
  };
}

/**
 * Composes one example: `images[i]` (HWC bytes of `layout.parts[i].shape`, or null for a removed
 * part, which stays zero) then the patch of `patchClass` unless it is null.
 */
export function composeImage(layout: CanvasLayout, images: (Uint8Array | null)[], patchClass: number | null): Uint8Array {
  const { height, width, channels } = layout.shape;
  const out = new Uint8Array(height * width * channels);
  layout.parts.forEach((part, i) => {
    const src = images[i];
    if (!src) return;
    const { height: h, width: w, channels: c } = part.shape;
    for (let y = 0; y < h; y++) {
      const rowOut = ((part.top + y) * width + part.left) * channels;
      const rowIn = y * w * c;
      if (c === channels) {
        out.set(src.subarray(rowIn, rowIn + w * c), rowOut);
      } else {
        // grey into RGB: the one channel three times
        for (let x = 0; x < w; x++) {
          const v = src[rowIn + x]!;
          const o = rowOut + x * 3;
          out[o] = v;
          out[o + 1] = v;
          out[o + 2] = v;
        }
      }
    }
  });
  if (patchClass !== null) {
    const box = patchBox(layout.shape, patchClass);
    for (let y = box.top; y < box.top + box.side; y++) {
      const start = (y * width + box.left) * channels;
      out.fill(box.value, start, start + box.side * channels);
    }
  }
  return out;
}
