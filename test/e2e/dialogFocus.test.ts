// In Debian's Chromium over web mode: the Relocate and Import dialogs keep the keyboard inside
// them (Tab from the last control comes back to the first, Shift+Tab from the first to the last),
// keep focus in the dialog after a refused submit, and give it back to the button that opened
// them on Escape; a refusal in the Relocate dialog goes when the path is typed again; the import
// preview's sentence counts the images and classes it shows.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import { importWithSkipped } from '../../main/data/importIntoDatabase.js';
import { createStore } from '../../main/store/store.js';
import { writePhotoFolder } from '../../bench/imageFixture.js';
import { appBase, canOpenAppInBrowser, closeAppAndBrowser, openAppPage } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import type { AppInBrowser } from '../helpers/browser.js';

/** The focused element's data-testid (or tag), and whether it lies inside the element with `within`'s data-testid. */
function focusOf(page: Page, within: string): Promise<{ testid: string; inside: boolean }> {
  return page.evaluate((id) => {
    const active = document.activeElement as HTMLElement | null;
    const dialog = document.querySelector(`[data-testid="${id}"]`);
    return { testid: active?.dataset.testid ?? active?.tagName.toLowerCase() ?? '', inside: !!active && !!dialog?.contains(active) };
  }, within);
}

describe.skipIf(!canOpenAppInBrowser)('dialog focus in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let root: string;
  let datasetId: number;

  beforeAll(async () => {
    app = await startAppUnderTest();
    root = path.join(app.dir, 'photos');
    // 12 photos in 3 classes: the preview's 6 images are two of each class
    await writePhotoFolder(root, 12, { classes: 3, minSide: 60, maxSide: 120 });
    datasetId = (await importWithSkipped(createStore(app.db), ImportOptions.parse({ path: root, format: 'folder', store: 'reference', trainSize: 16, name: 'photos' }))).datasetId;
    browser = await openAppPage(app, { width: 1200, height: 800 }, { landing: null });
    page = browser.page;
    await page.getByTestId('import-open').waitFor(); // the bare start has settled on the Datasets page
  }, 120_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  /** A fresh page at `hash`: nothing left open by a test before. */
  async function openAt(hash: string, ready: string): Promise<void> {
    await page.goto(`${appBase(app)}${hash}`);
    await page.reload();
    await page.getByTestId(ready).waitFor();
  }

  /**
   * Opens the `<name>-dialog` from its `<name>-open` button: focus starts on its path field; Tab
   * from the last control (submit) wraps to the first (Close), Shift+Tab from there back.
   */
  async function openDialogAndWrapTab(name: 'relocate' | 'import'): Promise<void> {
    const dialog = `${name}-dialog`;
    await page.getByTestId(`${name}-open`).click();
    await page.getByTestId(dialog).waitFor();
    await expect.poll(async () => (await focusOf(page, dialog)).testid).toBe(`${name}-path`);
    await page.getByTestId(`${name}-submit`).focus();
    await page.keyboard.press('Tab');
    expect(await focusOf(page, dialog)).toMatchObject({ inside: true });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Close');
    await page.keyboard.press('Shift+Tab');
    expect(await focusOf(page, dialog)).toEqual({ testid: `${name}-submit`, inside: true });
  }

  it('keeps Tab inside the Relocate dialog, keeps focus on the path after a refusal, clears it on typing, and returns focus on Escape', async () => {
    await openAt(`#/datasets/${datasetId}`, 'relocate-open');
    await openDialogAndWrapTab('relocate');

    // a refused folder: the error shows, focus is back on the path (not the page's body)
    await page.getByTestId('relocate-path').fill(path.join(app.dir, 'not-there'));
    await page.getByTestId('relocate-submit').click();
    await page.getByTestId('relocate-error').waitFor();
    await expect.poll(() => focusOf(page, 'relocate-dialog')).toEqual({ testid: 'relocate-path', inside: true });
    await page.keyboard.press('Tab'); // the next control, still in the dialog
    expect((await focusOf(page, 'relocate-dialog')).inside).toBe(true);

    // the error answered the old path: typing a new one takes it away
    await page.getByTestId('relocate-path').press('End');
    await page.getByTestId('relocate-path').pressSequentially('x');
    await expect.poll(() => page.getByTestId('relocate-error').count()).toBe(0);

    // Escape (once for an open suggestion list, if any) closes it and focus goes back to the opener
    await page.getByTestId('relocate-path').fill('');
    await page.keyboard.press('Escape');
    await page.getByTestId('relocate-dialog').waitFor({ state: 'detached' });
    expect((await focusOf(page, 'relocate-dialog')).testid).toBe('relocate-open');
  });

  it('keeps Tab inside the Import dialog, keeps focus in it after a failed import, and returns focus on Escape', async () => {
    await openAt('#/', 'import-open');
    await openDialogAndWrapTab('import');

    // a path that is not there: the import fails, focus is on its message, Tab stays in the dialog
    await page.getByTestId('import-path').fill(path.join(app.dir, 'not-there'));
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-error').waitFor({ timeout: 20_000 });
    await expect.poll(() => focusOf(page, 'import-dialog')).toEqual({ testid: 'import-error', inside: true });
    await page.keyboard.press('Tab');
    expect((await focusOf(page, 'import-dialog')).inside).toBe(true);

    // the image store's name is a glossary term
    expect(await page.getByTestId('import-dialog').locator('[data-help=imageStore]').textContent()).toBe('Image store');

    await page.getByTestId('import-close').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
    expect((await focusOf(page, 'import-dialog')).testid).toBe('import-open');
  });

  it('says in the preview how many images of how many classes it shows, and "no training image" at training size 0', async () => {
    await openAt('#/', 'import-open');
    await page.getByTestId('import-open').click();
    await page.getByTestId('import-path').fill(root);
    await page.getByTestId('import-format').selectOption('folder');
    await page.getByTestId('import-store').selectOption('reference');
    await page.getByTestId('import-train-size').fill('16');
    await page.getByTestId('import-preview-run').click();
    await expect.poll(() => page.getByTestId('import-preview-item').count(), { timeout: 30_000 }).toBe(6);
    const captions = await page.getByTestId('import-preview-item').allTextContents();
    const classes = new Set(captions.map((c) => /class (\S+)/.exec(c)?.[1]));
    expect(classes.size).toBe(3);
    const sentence = (await page.getByTestId('import-preview-sentence').textContent()) ?? '';
    expect(sentence).toMatch(/^\s*The first 6 images of 3 classes \(one of each class in turn\), each beside what training sees/);
    expect(sentence).not.toMatch(/one per class/);

    await page.getByTestId('import-train-size').fill('0');
    await expect.poll(() => page.getByTestId('import-preview-training').count(), { timeout: 30_000 }).toBe(0);
    const text = (await page.getByTestId('import-preview').textContent()) ?? '';
    expect(text).toContain('no training image');
    expect(text).not.toContain('0×0');
    await page.getByTestId('import-close').click();
  });

  it('keeps Tab inside the mechanism dialog and closes it on Escape, focus back on its opener', async () => {
    await openAt('#/datasets', 'mechanism-open');
    await page.getByTestId('mechanism-open').click();
    await page.getByTestId('mechanism-dialog').waitFor();
    await expect.poll(async () => (await focusOf(page, 'mechanism-dialog')).inside).toBe(true);
    await page.getByTestId('mechanism-build').focus();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect((await focusOf(page, 'mechanism-dialog')).inside, `Tab ${i + 1}`).toBe(true);
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('mechanism-dialog').waitFor({ state: 'detached' });
    expect((await focusOf(page, 'mechanism-dialog')).testid).toBe('mechanism-open');
  });
});
