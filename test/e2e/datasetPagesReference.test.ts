// The Datasets list and a dataset's page in Chromium over web mode, for image folders kept by
// reference: a panorama's thumbnail is letterboxed in its tile (MNIST-like squares fill it as
// before), the header says what training sees (H×W×C), how the images are stored and where the
// originals are, Escape closes the detail panel as its ✕ says, a dataset imported with training
// size 0 offers no training (and says why), and both pages fit a 1024-pixel window.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoPixels, writePhotoFolder } from '../../bench/imageFixture.js';
import { ImportOptions } from '../../shared/domain.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { sampleDatasetDir } from '../../main/paths.js';
import { createStore } from '../../main/store/store.js';
import { appBase, canOpenAppInBrowser, closeAppAndBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';

/** the panorama's file inside the photo folder: ten times as wide as tall */
const PANORAMA = path.join('class0', 'panorama.png');

/** What a tile paints of its image: the box object-fit leaves it, and how it is resampled. */
interface PaintedThumb {
  natural: [number, number];
  painted: [number, number];
  rendering: string;
}
async function paintedThumb(page: Page, exampleId: number): Promise<PaintedThumb> {
  type Img = { decode(): Promise<void>; naturalWidth: number; naturalHeight: number; clientWidth: number; clientHeight: number };
  const img = page.locator(`[data-testid=example-cell][data-example-id="${exampleId}"] img`);
  return img.evaluate(async (el) => {
    const i = el as unknown as Img;
    await i.decode();
    // the box the image is painted in (CSS object-fit): fill stretches it to the element's box
    const style = getComputedStyle(el);
    const [nw, nh, cw, ch] = [i.naturalWidth, i.naturalHeight, i.clientWidth, i.clientHeight];
    const scale = style.objectFit === 'contain' ? Math.min(cw / nw, ch / nh) : style.objectFit === 'cover' ? Math.max(cw / nw, ch / nh) : NaN;
    const painted: [number, number] = Number.isNaN(scale) ? [cw, ch] : [Math.min(cw, nw * scale), Math.min(ch, nh * scale)];
    return { natural: [nw, nh] as [number, number], painted, rendering: style.imageRendering };
  });
}

describe.skipIf(!canOpenAppInBrowser)('dataset pages for images kept by reference, in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let root: string;
  let trained: number;
  let untrained: number;
  let pixels: number;
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `dataset-reference-${name}.png`) });
  /** an element's words as read, white space collapsed */
  const words = async (testId: string) => (await page.getByTestId(testId).innerText()).replace(/\s+/g, ' ').trim();
  const examplesOf = (datasetId: number) => app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
  const panoramaIn = (datasetId: number) =>
    app.db.prepare('SELECT e.id FROM examples e JOIN example_files f ON f.example_id = e.id WHERE e.dataset_id = ? AND f.path = ?').pluck().get(datasetId, PANORAMA.split(path.sep).join('/')) as number;
  async function openDataset(datasetId: number, example: number | null = null): Promise<void> {
    await page.goto(`${appBase(app)}#/datasets/${datasetId}${example === null ? '' : `?example=${example}`}`);
    await page.getByTestId('split-counts').waitFor();
    await page.getByTestId('example-cell').first().waitFor();
    if (example !== null) await page.getByTestId('example-detail').waitFor();
  }

  beforeAll(async () => {
    app = await startAppUnderTest();
    root = path.join(app.dir, 'photos');
    await writePhotoFolder(root, 6, { classes: 2, minSide: 150, maxSide: 300 });
    const [w, h] = [2000, 200];
    fs.writeFileSync(path.join(root, PANORAMA), await sharp(photoPixels(w, h, 7), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer());
    const store = createStore(app.db);
    const byReference = (name: string, trainSize: number) => importIntoDatabase(store, ImportOptions.parse({ path: root, format: 'folder', name, store: 'reference', trainSize }));
    trained = await byReference('photos 32', 32);
    untrained = await byReference('photos none', 0);
    pixels = await importIntoDatabase(store, ImportOptions.parse({ path: sampleDatasetDir(), name: 'sample squares', subset: 12 }));
    browser = await openAppPage(app, { width: 1440, height: 900 }, { landing: null });
    page = browser.page;
    await page.getByTestId('dataset-table').waitFor(); // the bare start has settled on the list
  }, 120_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('letterboxes a panorama in its tile, and square pixel-store images still fill theirs, crisp', async () => {
    await openDataset(trained);
    const panorama = await paintedThumb(page, panoramaIn(trained));
    expect(panorama.natural[0] / panorama.natural[1]).toBeCloseTo(10, 0);
    expect(panorama.painted[0]).toBe(60);
    // the painted box keeps the thumbnail's aspect: a strip, not a square
    expect(panorama.painted[0] / panorama.painted[1]).toBeCloseTo(panorama.natural[0] / panorama.natural[1], 0);
    expect(panorama.rendering).toBe('auto'); // a photo shrunk smoothly
    await shot('grid-1440');

    await openDataset(pixels);
    const square = await paintedThumb(page, examplesOf(pixels)[0]!);
    expect(square.natural).toEqual([28, 28]);
    expect(square.painted).toEqual([60, 60]);
    expect(square.rendering).toBe('pixelated');
    expect(browser.errors).toEqual([]);
  });

  it('says what training sees, how the images are stored and where the originals are, with their glossary terms', async () => {
    await openDataset(trained);
    const meta = page.getByTestId('dataset-meta');
    expect(await words('dataset-training-image')).toBe('training images 32×32×3');
    expect(await words('dataset-store')).toBe('stored by reference');
    expect(await words('dataset-root')).toBe(`originals in ${root}`);
    expect(await page.getByTestId('dataset-root').getAttribute('title')).toBe(root);
    const terms = await meta.locator('[data-help]').evaluateAll((els) => els.map((e) => e.getAttribute('data-help')));
    expect(terms).toEqual(expect.arrayContaining(['trainingImage', 'imageStore', 'datasetFolder']));
    expect(await meta.textContent()).not.toMatch(/\S {2,}·/);
    expect(await page.getByTestId('ask-findings').isEnabled()).toBe(true);
    expect(await page.getByTestId('ask-findings-blocked').count()).toBe(0);

    // the list writes the shape the same way, with the store
    await page.goto(`${appBase(app)}#/datasets`);
    const kind = (id: number) => page.locator(`[data-testid=dataset-row][data-dataset-id="${id}"] [data-testid=dataset-kind]`);
    await kind(trained).waitFor();
    expect((await kind(trained).innerText()).replace(/\s+/g, ' ').trim()).toBe('image 32×32×3 by reference');
    expect((await kind(pixels).innerText()).replace(/\s+/g, ' ').trim()).toBe('image 28×28×1 pixels');
    const headTerms = await page.getByTestId('dataset-table').locator('th [data-help]').evaluateAll((els) => els.map((e) => e.getAttribute('data-help')));
    expect(headTerms).toEqual(expect.arrayContaining(['trainingImage', 'imageStore']));
  });

  it('shows the image training sees in the detail panel, pixelated and enlarged; none without training images or for pixels', async () => {
    type Img = { decode(): Promise<void>; naturalWidth: number; naturalHeight: number; clientWidth: number; alt: string };
    await openDataset(trained, panoramaIn(trained));
    const img = page.getByTestId('detail-training-image');
    await img.waitFor();
    const seen = await img.evaluate(async (el) => {
      const i = el as unknown as Img;
      await i.decode();
      const body = document.querySelector('[data-testid=detail-body]')!;
      return { natural: [i.naturalWidth, i.naturalHeight], shown: i.clientWidth, alt: i.alt, rendering: getComputedStyle(el).imageRendering, overflow: body.scrollWidth - body.clientWidth };
    });
    expect(seen.natural).toEqual([32, 32]); // the panorama's centred square, not its strip of a thumbnail
    expect(seen.shown).toBe(128);
    expect(seen.rendering).toBe('pixelated');
    expect(seen.alt).toContain('32×32');
    expect(seen.overflow).toBeLessThanOrEqual(0);
    await shot('detail-training-image-1440');

    await openDataset(untrained, examplesOf(untrained)[0]!);
    await page.getByTestId('detail-class').waitFor();
    expect(await page.getByTestId('detail-training-image').count()).toBe(0);
    await openDataset(pixels, examplesOf(pixels)[0]!);
    await page.getByTestId('detail-class').waitFor();
    expect(await page.getByTestId('detail-training-image').count()).toBe(0);
    expect(browser.errors).toEqual([]);
  });

  it('a dataset imported with training size 0 says it has no training images and offers no training', async () => {
    await openDataset(untrained);
    const ask = page.getByTestId('ask-findings');
    expect((await ask.count()) === 0 || (await ask.isDisabled())).toBe(true);
    const reason = page.getByTestId('ask-findings-blocked');
    expect(await reason.isVisible()).toBe(true);
    expect(await reason.innerText()).toContain('imported with training size 0; runs trained elsewhere can be ingested');
    expect(await page.getByTestId('train-mechanisms').count()).toBe(0);
    expect(await words('dataset-training-image')).toBe('no training images (training size 0)');
    expect(await words('dataset-store')).toBe('stored by reference');
    // the detail panel offers no training either: it says where runs can come from
    const first = app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id LIMIT 1').pluck().get(untrained) as number;
    await openDataset(untrained, first);
    await page.getByTestId('predictions-none').waitFor();
    expect(await page.getByTestId('predictions-none').innerText()).toContain('runs trained elsewhere can be ingested');
    expect(await page.getByTestId('predictions-train').count()).toBe(0);
    await shot('no-training-images-1440');

    await page.goto(`${appBase(app)}#/datasets`);
    const kind = page.locator(`[data-testid=dataset-row][data-dataset-id="${untrained}"] [data-testid=dataset-kind]`);
    await kind.waitFor();
    expect((await kind.innerText()).replace(/\s+/g, ' ').trim()).toBe('image no training images by reference');
  });

  it('Escape closes the detail panel, but not from a field or over a dialog', async () => {
    const [first] = examplesOf(trained);
    await openDataset(trained, first!);
    // from a field: the select keeps Escape
    await page.getByTestId('split-select').focus();
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);
    expect(await page.getByTestId('example-detail').count()).toBe(1);
    // over the Relocate dialog: Escape is the dialog's
    await page.getByTestId('relocate-open').click();
    await page.getByTestId('relocate-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);
    expect(await page.getByTestId('example-detail').count()).toBe(1);
    await page.getByTestId('relocate-dialog').waitFor({ state: 'detached' }).catch(async () => page.getByRole('button', { name: /close|cancel/i }).first().click());
    // from the grid: closed, and the address forgets the example
    await page.getByTestId('example-grid').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('example-detail').count()).toBe(0);
    expect(page.url()).not.toContain('example=');
    expect(browser.errors).toEqual([]);
  });

  it('fits a 1024×768 window: the title on one line, the originals\' folder readable in full', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    try {
      await openDataset(trained, examplesOf(trained)[0]!);
      const title = await page.getByTestId('dataset-title').evaluate((el) => ({ height: el.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(el).lineHeight) || 24 }));
      expect.soft(title.height).toBeLessThan(title.lineHeight * 1.5);
      const folder = await page.getByTestId('dataset-root').evaluate((el) => {
        const r = el.getBoundingClientRect();
        // the folder's text, and whether any box around it cuts it
        let cut = false;
        for (let e: Element | null = el; e && e !== document.body; e = e.parentElement) cut ||= e.scrollWidth > e.clientWidth + 1;
        return { right: r.right, cut, text: el.textContent };
      });
      expect.soft(folder.text).toContain(root);
      expect.soft(folder.right).toBeLessThanOrEqual(1024);
      expect.soft(folder.cut).toBe(false);
      await shot('detail-1024');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('fits the Datasets list in a 1024×768 window without sideways scrolling', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    try {
      await page.goto(`${appBase(app)}#/datasets`);
      await page.getByTestId('dataset-row').first().waitFor();
      const wrap = await page.getByTestId('dataset-table').evaluate((el) => ({ table: el.getBoundingClientRect().right, window: window.innerWidth, scroll: el.parentElement!.scrollWidth - el.parentElement!.clientWidth }));
      expect.soft(wrap.scroll).toBeLessThanOrEqual(0);
      expect.soft(wrap.table).toBeLessThanOrEqual(wrap.window);
      await shot('list-1024');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });
});
