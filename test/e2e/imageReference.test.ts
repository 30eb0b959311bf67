// In Debian's Chromium over web mode: a generated folder of mixed-size photos imported by reference
// through the import dialog (its training-image preview first), an example's original shown in the
// detail panel (zoomable) with the very bytes of the file on disk, the folder moved and the
// dataset re-pointed with the Relocate dialog, and runs trained elsewhere ingested over a
// --train-size 0 import (no pixels stored) opened in the explorer with their thumbnails; a curated
// set exported from its page as the original files or the thumbnails.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { importWithSkipped } from '../../main/data/importIntoDatabase.js';
import { ingestRuns } from '../../main/data/runIngest.js';
import { openZip } from '../../main/data/zipReader.js';
import { createStore } from '../../main/store/store.js';
import { writePhotoFolder } from '../../bench/imageFixture.js';
import { appBase, canOpenAppInBrowser, closeAppAndBrowser, openAppPage, shownImageWidths } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import type { AppInBrowser } from '../helpers/browser.js';

const SCREENS = process.env.DISOBEY_SCREENS ?? path.resolve('test-output', 'screens-imgui');
const PHOTOS = 12;

describe.skipIf(!canOpenAppInBrowser)('image folders by reference in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let root: string;
  let datasetId: number;
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
  /** the widest photo: wider than the detail panel, so fitting it shrinks it */
  const firstExample = () =>
    app.db.prepare('SELECT e.id, f.path FROM examples e JOIN example_files f ON f.example_id = e.id WHERE e.dataset_id = ? ORDER BY f.width DESC, e.id LIMIT 1').get(datasetId) as { id: number; path: string };

  /** The bytes the page fetches from a URL it knows, as base64 (the page's own token and origin). */
  const fetchedInPage = (url: string) =>
    page.evaluate(async (u) => {
      const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    }, url);

  beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    app = await startAppUnderTest();
    root = path.join(app.dir, 'photos');
    // mixed sizes (150–420 px) and formats (JPEG, PNG, WebP), 3 classes
    await writePhotoFolder(root, PHOTOS, { classes: 3, minSide: 150, maxSide: 420 });
    browser = await openAppPage(app, { width: 1280, height: 860 }, { landing: null });
    page = browser.page;
  }, 120_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('previews the training images in the import dialog, then imports the folder by reference', async () => {
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path').fill(root);
    await page.getByTestId('import-format').selectOption('folder');
    await page.getByTestId('import-name').fill('photos');
    await page.getByTestId('import-store').selectOption('reference');
    await page.getByTestId('import-train-size').fill('32');
    await page.getByTestId('import-preview-run').click();
    await expect.poll(() => page.getByTestId('import-preview-item').count(), { timeout: 30_000 }).toBe(6);
    type Img = { decode(): Promise<void>; naturalWidth: number; naturalHeight: number };
    const sizes = await page.getByTestId('import-preview-training').evaluateAll(async (imgs) => {
      await Promise.all(imgs.map((i) => (i as unknown as Img).decode()));
      return imgs.map((i) => [(i as unknown as Img).naturalWidth, (i as unknown as Img).naturalHeight]);
    });
    expect(sizes).toEqual(Array.from({ length: 6 }, () => [32, 32]));
    expect(await page.getByTestId('import-preview').textContent()).toMatch(/original \d+×\d+ px · class class0/);
    await shot('import-dialog-preview');

    await page.getByTestId('import-submit').click();
    await page.getByTestId('example-grid').waitFor({ timeout: 60_000 });
    await page.getByTestId('example-cell').first().waitFor();
    datasetId = app.db.prepare("SELECT id FROM datasets WHERE name = 'photos'").pluck().get() as number;
    expect(createStore(app.db).datasets.getDataset(datasetId).storage).toEqual({ store: 'reference', root, trainSize: 32, thumbnailType: 'image/webp' });
    expect(await page.getByTestId('dataset-root').textContent()).toContain(root);
    // the grid shows thumbnails: at most 128 px on the long side
    const widths = await shownImageWidths(page);
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w > 0 && w <= 128)).toBe(true);
  });

  it('shows the original in the detail panel, zoomable, byte for byte the file on disk', async () => {
    const first = firstExample();
    await page.goto(`${appBase(app)}#/datasets/${datasetId}?example=${first.id}`);
    const original = page.getByTestId('detail-original');
    await original.waitFor();
    const img = original.locator('img');
    type Img = { decode(): Promise<void>; naturalWidth: number; clientWidth: number; src: string };
    const natural = await img.evaluate(async (i) => {
      await (i as unknown as Img).decode();
      return (i as unknown as Img).naturalWidth;
    });
    const file = path.join(root, first.path);
    const onDisk = fs.readFileSync(file);
    const src = await img.evaluate((i) => (i as unknown as Img).src);
    expect(Buffer.from(await fetchedInPage(src), 'base64').equals(onDisk)).toBe(true);
    const stored = app.db.prepare('SELECT width FROM example_files WHERE example_id = ?').pluck().get(first.id) as number;
    expect(natural).toBe(stored);
    expect(await original.textContent()).toContain(first.path);
    await shot('detail-original-fit');
    // fitted to the panel, then at its actual size
    const fitted = await img.evaluate((i) => (i as unknown as Img).clientWidth);
    expect(fitted).toBeLessThan(natural);
    await page.getByTestId('detail-original-zoom').click();
    await expect.poll(() => img.evaluate((i) => (i as unknown as Img).clientWidth)).toBe(natural);
    await shot('detail-original-actual');
  });

  it('re-points a moved folder with the Relocate dialog, after which the original shows again', async () => {
    const moved = path.join(app.dir, 'moved-photos');
    fs.renameSync(root, moved);
    const first = firstExample();
    await page.goto(`${appBase(app)}#/datasets/${datasetId}?example=${first.id}`);
    await page.reload(); // a fresh detail, so the original is asked for again
    await expect.poll(() => page.getByTestId('detail-original-error').textContent().catch(() => ''), { timeout: 15_000 }).toMatch(/is not there.*Relocate… on the dataset's page/);
    expect(await page.getByTestId('detail-original-zoom').count(), 'no "Actual size" without an image').toBe(0);

    await page.getByTestId('relocate-open').click();
    const dialog = page.getByTestId('relocate-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('relocate-current').textContent()).toBe(root);
    // a folder whose files differ is refused, naming the file; nothing changes
    const other = path.join(app.dir, 'other-photos');
    await writePhotoFolder(other, PHOTOS, { classes: 3, minSide: 151, maxSide: 421 });
    await page.getByTestId('relocate-path').fill(other);
    await page.getByTestId('relocate-submit').click();
    await expect.poll(() => page.getByTestId('relocate-error').textContent().catch(() => '')).toMatch(/differs from the file imported.*nothing changed/);
    expect(createStore(app.db).imageSources.imageSource(datasetId)?.root).toBe(root);

    await page.getByTestId('relocate-path').fill(moved);
    await page.getByTestId('relocate-submit').click();
    await page.getByTestId('relocate-done').waitFor();
    expect(await page.getByTestId('relocate-done').textContent()).toMatch(new RegExp(`Checked ${PHOTOS} files .*same SHA-256.*${moved.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await shot('relocate-dialog');
    expect(createStore(app.db).imageSources.imageSource(datasetId)?.root).toBe(moved);
    await page.getByTestId('relocate-close').click();
    await expect.poll(() => page.getByTestId('dataset-root').textContent()).toContain(moved);
    const img = page.getByTestId('detail-original').locator('img');
    await img.waitFor();
    const src = await img.evaluate((i) => (i as unknown as { src: string }).src);
    expect(Buffer.from(await fetchedInPage(src), 'base64').equals(fs.readFileSync(path.join(moved, first.path)))).toBe(true);
  });

  it('exports a curated set of the dataset as a ZIP of its original files, or of its thumbnails when chosen', async () => {
    const folder = path.join(app.dir, 'moved-photos');
    const ids = app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id LIMIT 4').pluck().all(datasetId) as number[];
    const set = (await app.services.dispatch('createCuratedSet', { datasetId, name: 'four photos', exampleIds: ids }, 'http')) as { id: number };
    await page.goto(`${appBase(app)}#/sets/${set.id}`);
    await page.getByTestId('export-panel').waitFor();
    expect(await page.getByTestId('export-images').inputValue()).toBe('originals');
    for (const [choice, name] of [['originals', 'originals.zip'], ['thumbnails', 'thumbnails.zip']] as const) {
      await page.getByTestId('export-images').selectOption(choice);
      const target = path.join(app.dir, name);
      await page.getByTestId('export-path').fill(target);
      await page.getByTestId('export-start').click();
      await expect.poll(() => page.getByTestId('export-done').textContent().catch(() => ''), { timeout: 30_000 }).toContain(`with the ${choice === 'originals' ? 'original files' : 'thumbnails'}`);
      const archive = await openZip(target);
      const names = [...archive.entries.keys()].slice(1);
      if (choice === 'originals') {
        const paths = ids.map((id) => app.db.prepare('SELECT path FROM example_files WHERE example_id = ?').pluck().get(id) as string);
        expect(names).toEqual(paths);
        for (const p of paths) expect((await archive.read(archive.entries.get(p)!)).equals(fs.readFileSync(path.join(folder, p)))).toBe(true);
      } else {
        expect(names.every((n) => n.endsWith('.webp'))).toBe(true);
      }
      await archive.close();
    }
    await page.getByTestId('export-panel').screenshot({ path: path.join(SCREENS, 'export-thumbnails.png') });
  });

  it('opens runs trained elsewhere, over a --train-size 0 import, in the explorer with thumbnails', async () => {
    const folder = path.join(app.dir, 'moved-photos');
    const store = createStore(app.db);
    const noPixels = (await importWithSkipped(store, ImportOptions.parse({ path: folder, format: 'folder', store: 'reference', trainSize: 0, name: 'no pixels' }))).datasetId;
    expect(app.db.prepare('SELECT count(*) FROM examples WHERE dataset_id = ? AND pixels IS NOT NULL').pluck().get(noPixels)).toBe(0);
    const examples = app.db.prepare('SELECT id, label FROM examples WHERE dataset_id = ? ORDER BY id').all(noPixels) as { id: number; label: number }[];
    const runs = path.join(app.dir, 'runs');
    const probsOf = (label: number, sure: number) => [0, 1, 2].map((c) => (c === label ? sure : (1 - sure) / 2));
    for (const [dir, manifest, sure] of [
      ['a-teacher', { name: 'teacher', role: 'teacher', epochs: 2 }, 0.8],
      ['b-student', { name: 'student', role: 'student', teacher: 'teacher', epochs: 2 }, 0.6],
    ] as const) {
      fs.mkdirSync(path.join(runs, dir), { recursive: true });
      fs.writeFileSync(path.join(runs, dir, 'run.json'), JSON.stringify(manifest));
      for (const epoch of [1, 2]) {
        // confidence varying by example, so the explorer's charts have a spread to show
        const lines = examples.map((e, i) => JSON.stringify({ example: e.id, probs: probsOf((e.label + (i % 4 === 0 ? 1 : 0)) % 3, sure - 0.1 / epoch + 0.15 * (((i * 7) % 5) / 5)) }));
        fs.writeFileSync(path.join(runs, dir, `epoch-${epoch}.jsonl`), lines.join('\n') + '\n');
      }
    }
    const { experimentId } = await ingestRuns(store, { path: runs, datasetId: noPixels, experimentName: 'trained elsewhere' });
    await page.goto(`${appBase(app)}#/experiments/${experimentId}/explore`);
    await page.getByTestId('example-cell').first().waitFor({ timeout: 30_000 });
    const widths = await shownImageWidths(page);
    expect(widths.length).toBeGreaterThan(0);
    expect(widths.every((w) => w > 0 && w <= 128)).toBe(true);
    await shot('explorer-no-pixels');
  });
});
