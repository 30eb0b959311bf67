// Pixel columns in a CSV header, the image shape they make, one row's bytes; and the short lists
// of names import errors quote.
import { describe, expect, it } from 'vitest';
import { listNames } from '../../main/data/messageExcerpt.js';
import { imageShapeOf, pixelColumnsOf, readPixels } from '../../main/data/pixelTable.js';
import { csvTable } from '../../main/data/textTable.js';

const place = { file: 'x.csv', row: 1 };

describe('pixel columns', () => {
  it('finds pixel<k> numbered from 0 or from 1, in any order, and the image_shape column', () => {
    const zero = pixelColumnsOf(['label', 'pixel1', 'pixel0', 'image_shape', 'pixel2', 'pixel3'], place)!;
    expect([...zero.fields]).toEqual([2, 1, 4, 5]);
    expect(zero).toMatchObject({ start: 0, shapeField: 3 });
    const one = pixelColumnsOf(['label', 'pixel1', 'pixel2'], place)!;
    expect([...one.fields]).toEqual([1, 2]);
    expect(one).toMatchObject({ start: 1, shapeField: -1 });
    expect(pixelColumnsOf(['text', 'label', 'pixelated'], place)).toBeNull();
  });

  it('refuses gaps and repeats, naming the missing column', () => {
    expect(() => pixelColumnsOf(['pixel0', 'pixel1', 'pixel3'], place)).toThrow('x.csv, row 1: the pixel columns skip pixel2: 3 pixel columns must be numbered pixel0 to pixel2');
    expect(() => pixelColumnsOf(['pixel0', 'pixel0'], place)).toThrow('column "pixel0" appears more than once');
  });

  it('takes the shape from image_shape, else a square grey image', () => {
    expect(imageShapeOf(784, null, place)).toEqual({ height: 28, width: 28, channels: 1 });
    expect(imageShapeOf(24, '2x4x3', place)).toEqual({ height: 2, width: 4, channels: 3 });
    expect(imageShapeOf(24, ' 2 × 4 × 3 ', place)).toEqual({ height: 2, width: 4, channels: 3 });
    expect(() => imageShapeOf(24, '2x4x1', place)).toThrow('image_shape 2x4x1 needs 8 pixel columns, the header has 24');
    expect(() => imageShapeOf(24, '2x4', place)).toThrow('image_shape "2x4" is not height x width x channels');
    expect(() => imageShapeOf(24, null, place)).toThrow('24 pixel columns are not a square grey image; add an image_shape column');
  });

  it('reads bytes, written plainly or as numbers a dataframe writes, and refuses anything else by column', () => {
    const columns = pixelColumnsOf(['pixel1', 'pixel2', 'pixel3', 'pixel4'], place)!;
    expect([...readPixels(['0', '255', ' 7', '12.0'], columns, place)]).toEqual([0, 255, 7, 12]);
    for (const [cell, shown] of [['256', '256'], ['-1', '-1'], ['1.5', '1.5'], ['', ''], ['abc', 'abc']]) {
      expect(() => readPixels(['1', '2', cell!, '4'], columns, place)).toThrow(`x.csv, row 1: pixel3 is "${shown}": expected a whole number from 0 to 255`);
    }
  });

  it('a CSV table with pixel columns gives records with labels and one image per row', () => {
    const table = csvTable('label,split,pixel0,pixel1,pixel2,pixel3\r\ncat,train,1,2,3,4\r\ndog,test,5,6,7,8\r\n', 'x.csv');
    expect(table.records.map((r) => [r.label, r.split, r.text])).toEqual([['cat', 'train', ''], ['dog', 'test', '']]);
    expect(table.images?.shape).toEqual({ height: 2, width: 2, channels: 1 });
    expect(table.images?.pixels.map((p) => [...p])).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(() => csvTable('label,image_shape,pixel0,pixel1\na,1x2x1,1,2\nb,2x1x1,3,4\n', 'y.csv')).toThrow(
      "y.csv, row 3: image_shape 2x1x1 differs from the first row's 1x2x1; one dataset holds one image shape",
    );
  });
});

describe('listNames', () => {
  it('quotes a few names, each cut short, then says how many more there are', () => {
    expect(listNames([])).toBe('none');
    expect(listNames(['a', 'b'])).toBe('a, b');
    expect(listNames(Array.from({ length: 80 }, (_, i) => `c${i}`))).toBe('c0, c1, c2, c3, c4 and 75 more');
    expect(listNames(['x'.repeat(100)], 5, 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
