import { describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { buildImportOptions, emptyImportForm, parseClassList, previewSubject } from '../../renderer/src/importForm.js';

const form = (patch: Partial<ReturnType<typeof emptyImportForm>>) => ({ ...emptyImportForm(), ...patch });

describe('buildImportOptions', () => {
  it('needs a path', () => {
    const r = buildImportOptions(form({ path: '   ' }));
    expect(r.ok).toBe(false);
  });

  it('keeps only what was filled in', () => {
    expect(buildImportOptions(form({ path: ' /data/fm ' }))).toEqual({ ok: true, options: { path: '/data/fm' } });
  });

  it('converts every field', () => {
    const r = buildImportOptions(
      form({
        path: '/data/x.csv',
        format: 'csv',
        name: ' mine ',
        subset: '500',
        classes: 'Shirt, T-shirt/top ,, Pullover',
        noiseRate: '0.2',
        noiseSeed: '7',
        testFraction: '0.25',
      }),
    );
    expect(r).toEqual({
      ok: true,
      options: {
        path: '/data/x.csv',
        format: 'csv',
        name: 'mine',
        subset: 500,
        classes: ['Shirt', 'T-shirt/top', 'Pullover'],
        noise: { rate: 0.2, seed: 7 },
        testFraction: 0.25,
      },
    });
    if (r.ok) expect(ImportOptions.safeParse(r.options).success).toBe(true);
  });

  it('treats a zero noise rate as no noise', () => {
    const r = buildImportOptions(form({ path: 'p', noiseRate: '0' }));
    expect(r).toEqual({ ok: true, options: { path: 'p' } });
  });

  it('explains bad values', () => {
    const bad = (patch: Partial<ReturnType<typeof emptyImportForm>>) => {
      const r = buildImportOptions(form({ path: 'p', ...patch }));
      return r.ok ? null : r.error;
    };
    expect(bad({ subset: '0' })).toMatch(/subset/i);
    expect(bad({ subset: '1.5' })).toMatch(/subset/i);
    expect(bad({ classes: 'one' })).toMatch(/two/);
    expect(bad({ classes: 'a, a' })).toMatch(/twice/);
    expect(bad({ noiseRate: '1' })).toMatch(/0\.95/);
    expect(bad({ noiseRate: 'x' })).toMatch(/0\.95/);
    expect(bad({ noiseRate: '0.1', noiseSeed: '-1' })).toMatch(/seed/i);
    expect(bad({ noiseSeed: '3' })).toMatch(/rate/);
    expect(bad({ testFraction: '1' })).toMatch(/fraction/i);
  });

  it('passes a raised image side cap on, and explains one that is not a whole number of pixels', () => {
    expect(buildImportOptions(form({ path: 'p', maxImageSide: ' 8192 ' }))).toEqual({ ok: true, options: { path: 'p', maxImageSide: 8192 } });
    for (const value of ['0', '1.5', 'big', '70000']) {
      expect(buildImportOptions(form({ path: 'p', maxImageSide: value })), value).toEqual({ ok: false, error: 'Max image side must be a whole number of pixels, 1 to 65536.' });
    }
  });

  it('splits class lists', () => {
    expect(parseClassList(' a ,b,, c ')).toEqual(['a', 'b', 'c']);
    expect(parseClassList('')).toEqual([]);
  });
});

describe('previewSubject', () => {
  const of = (...classes: string[]) => classes.map((className) => ({ className }));
  it('counts the images shown and their classes', () => {
    expect(previewSubject(of('a', 'b', 'c', 'a', 'b', 'c'))).toBe('The first 6 images of 3 classes (one of each class in turn)');
    expect(previewSubject(of('a', 'b', 'c', 'd', 'a', 'b'))).toBe('The first 6 images of 4 classes (one of each class in turn)');
  });
  it('says one per class only when each class shows one', () => {
    expect(previewSubject(of('a', 'b', 'c', 'd', 'e', 'f'))).toBe('The first image of each of 6 classes');
    expect(previewSubject(of('a'))).toBe('The first image of the first class');
    expect(previewSubject(of('a', 'a', 'a'))).toBe('The first 3 images of 1 class');
  });
  it('describes the preview to come, and one that read nothing', () => {
    expect(previewSubject(null)).toBe('The first images of the folder, one of each class in turn');
    expect(previewSubject([])).toBe('No image of the folder could be read');
  });
});
