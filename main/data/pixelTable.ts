// Images written as CSV: one `pixel<k>` column per byte of a height × width × channels image
// (row-major, channels last), as Disobey's CSV export of an image set writes them and as the
// well-known CSVs of MNIST and Fashion-MNIST come (label, pixel1 … pixel784). The shape is read
// from an `image_shape` column (`28x28x1`), else the pixels must make a square grey image.
import type { ImageShape } from '../../shared/domain.js';
import { ImportError, type ErrorPlace } from '../../shared/errors.js';
import { excerpt } from './messageExcerpt.js';

export const IMAGE_SHAPE_COLUMN = 'image_shape';
const PIXEL_NAME = /^pixel(\d{1,7})$/;
/** Beyond this, a CSV row is not a sensible way to hold an image (a 1024 × 1024 RGB image is 3 M columns). */
const MAX_PIXEL_COLUMNS = 1 << 22;

export interface PixelColumns {
  /** field index of byte k of the image, k = 0 … count − 1 */
  fields: Int32Array;
  /** the number of the first pixel column: 0 (our export) or 1 (the MNIST CSVs) */
  start: number;
  /** field index of `image_shape`, −1 without one */
  shapeField: number;
}

/** The pixel columns of a header (names lower-cased), or null when it has none. */
export function pixelColumnsOf(names: readonly string[], place: ErrorPlace): PixelColumns | null {
  const fieldOf = new Map<number, number>();
  names.forEach((name, i) => {
    const match = PIXEL_NAME.exec(name);
    if (!match) return;
    const k = Number(match[1]);
    if (fieldOf.has(k)) throw new ImportError(`column "${name}" appears more than once`, place);
    fieldOf.set(k, i);
  });
  if (fieldOf.size === 0) return null;
  if (fieldOf.size > MAX_PIXEL_COLUMNS) throw new ImportError(`${fieldOf.size} pixel columns: at most ${MAX_PIXEL_COLUMNS} fit in one example`, place);
  // Numbered from 0 (our export, numpy's flat index) or from 1 (the MNIST CSVs), without gaps.
  const start = fieldOf.has(0) ? 0 : 1;
  const fields = new Int32Array(fieldOf.size);
  for (let k = 0; k < fields.length; k++) {
    const field = fieldOf.get(start + k);
    if (field === undefined) {
      throw new ImportError(`the pixel columns skip pixel${start + k}: ${fieldOf.size} pixel columns must be numbered pixel${start} to pixel${start + fieldOf.size - 1}`, place);
    }
    fields[k] = field;
  }
  return { fields, start, shapeField: names.indexOf(IMAGE_SHAPE_COLUMN) };
}

/** `28x28x1` (height × width × channels), or the square grey image `count` pixels make. */
export function imageShapeOf(count: number, shapeText: string | null, place: ErrorPlace): ImageShape {
  if (shapeText !== null) {
    const match = /^\s*(\d{1,5})\s*[x×]\s*(\d{1,5})\s*[x×]\s*([13])\s*$/i.exec(shapeText);
    if (!match) throw new ImportError(`image_shape "${excerpt(shapeText, 40)}" is not height x width x channels, such as 28x28x1 (channels 1 or 3)`, place);
    const shape = { height: Number(match[1]), width: Number(match[2]), channels: Number(match[3]) as 1 | 3 };
    if (shape.height * shape.width * shape.channels !== count) {
      throw new ImportError(`image_shape ${shape.height}x${shape.width}x${shape.channels} needs ${shape.height * shape.width * shape.channels} pixel columns, the header has ${count}`, place);
    }
    return shape;
  }
  const side = Math.round(Math.sqrt(count));
  if (side * side !== count) {
    throw new ImportError(`${count} pixel columns are not a square grey image; add an image_shape column (height x width x channels, such as 32x32x3)`, place);
  }
  return { height: side, width: side, channels: 1 };
}

/** One row's image: every pixel cell a whole number 0 to 255. */
export function readPixels(fields: readonly string[], columns: PixelColumns, place: ErrorPlace): Uint8Array {
  const out = new Uint8Array(columns.fields.length);
  for (let k = 0; k < out.length; k++) {
    const cell = fields[columns.fields[k]!] as string;
    const value = byteOf(cell);
    if (value < 0) {
      const name = `pixel${columns.start + k}`;
      throw new ImportError(`${name} is "${excerpt(cell, 20)}": expected a whole number from 0 to 255`, { ...place, field: name });
    }
    out[k] = value;
  }
  return out;
}

/** The cell as a byte, or −1: plain digits fast, anything else (" 7", "7.0") through Number. */
function byteOf(cell: string): number {
  const n = cell.length;
  if (n > 0 && n <= 3) {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const digit = cell.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return slowByteOf(cell);
      value = value * 10 + digit;
    }
    return value <= 255 ? value : -1;
  }
  return slowByteOf(cell);
}

function slowByteOf(cell: string): number {
  // decimal digits only: Number() also reads "0x10", "1e2" and "0b11"
  if (!/^\s*\d{1,3}(\.0*)?\s*$/.test(cell)) return -1;
  const value = Number(cell);
  return Number.isInteger(value) && value >= 0 && value <= 255 ? value : -1;
}
