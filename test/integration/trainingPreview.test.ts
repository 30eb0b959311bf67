// The import form's preview of the reference store (previewTrainingImages): the first images of a
// folder, one per class first, with the training image exactly as the import then stores it and
// the thumbnail the grid shows; bounded in count; a clear error for a path that is no image folder.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { CallArgs, CallResult } from '../../shared/contract.js';
import { ImportOptions } from '../../shared/domain.js';
import type { DomainError } from '../../shared/errors.js';
import { importWithSkipped } from '../../main/data/importIntoDatabase.js';
import { createStore } from '../../main/store/store.js';
import { previewDrawnSide, previewRequest, emptyImportForm } from '../../renderer/src/importForm.js';
import { usePhotoFolderApp } from '../helpers/photoFolderApp.js';

const photos = usePhotoFolderApp(12, { classes: 3, minSide: 60, maxSide: 140 });

const preview = (args: CallArgs<'previewTrainingImages'>) => photos.app.services.dispatch('previewTrainingImages', args, 'http') as Promise<CallResult<'previewTrainingImages'>>;
const dataUrlBytes = (url: string) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');

describe('training-image preview', () => {
  it('shows one image per class first, each training image the very pixels the import stores', async () => {
    const answer = await preview({ path: photos.root, trainSize: 24, count: 5 });
    expect(answer).toMatchObject({ folder: photos.root, trainSize: 24, problems: [] });
    // classes in turn: class0, class1, class2, then each one's second image
    expect(answer.images.map((i) => i.path)).toEqual(['class0/000000.jpg', 'class1/000001.png', 'class2/000002.webp', 'class0/000003.jpg', 'class1/000004.png']);
    expect(answer.images.map((i) => i.className)).toEqual(['class0', 'class1', 'class2', 'class0', 'class1']);

    const datasetId = (await importWithSkipped(createStore(photos.app.db), ImportOptions.parse({ path: photos.root, format: 'folder', trainSize: 24 }))).datasetId;
    const stored = photos.app.db.prepare('SELECT e.pixels, f.thumbnail, f.width, f.height FROM examples e JOIN example_files f ON f.example_id = e.id WHERE e.dataset_id = ? AND f.path = ?');
    for (const image of answer.images) {
      const row = stored.get(datasetId, image.path) as { pixels: Buffer; thumbnail: Buffer; width: number; height: number };
      expect([image.width, image.height]).toEqual([row.width, row.height]);
      const { data, info } = await sharp(dataUrlBytes(image.training!)).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([24, 24, 3]);
      expect(Buffer.compare(data, row.pixels)).toBe(0);
      expect(image.thumbnail.startsWith('data:image/webp;base64,')).toBe(true);
      expect(Buffer.compare(dataUrlBytes(image.thumbnail), row.thumbnail)).toBe(0);
    }
  });

  it('keeps its cost bounded: fewer images at a large training size, none at size 0', async () => {
    expect((await preview({ path: photos.root, trainSize: 1024, count: 8 })).images).toHaveLength(2);
    const none = await preview({ path: photos.root, trainSize: 0, count: 8 });
    expect(none.images).toHaveLength(8);
    expect(none.images.every((i) => i.training === null && i.thumbnail.length > 0)).toBe(true);
    expect((await preview({ path: photos.root, trainSize: 8, count: 8 })).images).toHaveLength(8);
  });

  it('reads the train split of a split/class folder, lists an unreadable file, and names a path that is no folder', async () => {
    const split = path.join(photos.temp.dir, 'split');
    for (const s of ['test', 'train']) fs.cpSync(photos.root, path.join(split, s), { recursive: true });
    fs.writeFileSync(path.join(split, 'train', 'class2', '000002.webp'), 'not an image');
    const answer = await preview({ path: split, trainSize: 16, count: 3 });
    expect(answer.images.map((i) => i.path)).toEqual(['train/class0/000000.jpg', 'train/class1/000001.png']);
    expect(answer.problems).toHaveLength(1);
    expect(answer.problems[0]!.path).toBe('train/class2/000002.webp');
    expect(answer.problems[0]!.reason).toContain('cannot read the image');

    const file = path.join(photos.root, 'class0', '000000.jpg');
    const err = (await preview({ path: file, trainSize: 16, count: 3 }).catch((e: DomainError) => e)) as DomainError;
    expect(err.code).toBe('IMPORT_ERROR');
    expect(err.message).toContain(file);
    expect(err.message).toContain('is not a folder');
    await expect(preview({ path: photos.root, trainSize: 16, count: 9 })).rejects.toThrow(/count/);
  });
});

describe('the import form’s preview request', () => {
  it('takes the form’s path, training size (blank: the default) and side cap, and refuses a bad size', () => {
    const form = { ...emptyImportForm(), path: ' /data/photos ', trainSize: '', maxImageSide: '2000' };
    expect(previewRequest(form)).toEqual({ ok: true, args: { path: '/data/photos', trainSize: 64, count: 6, maxImageSide: 2000 } });
    expect(previewRequest({ ...form, trainSize: '0' })).toMatchObject({ ok: true, args: { trainSize: 0 } });
    expect(previewRequest({ ...form, trainSize: '2000' })).toMatchObject({ ok: false, error: expect.stringContaining('Training size must be') });
    expect(previewRequest({ ...form, path: '' })).toMatchObject({ ok: false });
    expect([previewDrawnSide(16), previewDrawnSide(64), previewDrawnSide(100), previewDrawnSide(512)]).toEqual([64, 64, 100, 128]);
  });
});
