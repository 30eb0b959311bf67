// Paths in Chromium over web mode: the path field's completion from the server's folders (typing,
// arrows, Tab into a folder, Enter, Escape closing only the list), the desktop app's Browse buttons
// (a server with desktop hooks, as Electron's shell gives it), drag and drop (web mode says the
// browser cannot know the path; with the preload's pathForFile, as in the desktop app, the import
// dialog opens with it), the application menu's commands sent as events, and an image set's CSV
// exported from its page and imported back through the dialog, whose buttons stay on screen.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptions } from '../../shared/domain.js';
import type { PickPathArgs } from '../../shared/desktop.js';
import { importIntoDatabase } from '../../main/data/importIntoDatabase.js';
import { rendererDir, sampleDatasetDir } from '../../main/paths.js';
import { createAppServices } from '../../main/services/appServices.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { startWebServer, type WebServer } from '../../main/web/webServer.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { hasChromium, launchChromium, SCREENSHOT_DIR } from '../helpers/browser.js';
import { makeTempDir } from '../helpers/tempDir.js';
import { createStore } from '../../main/store/store.js';

const shot = (name: string) => path.join(SCREENSHOT_DIR, `paths-${name}.png`);

/** Dispatches a drag of files named `names` over the page, then (optionally) their drop. */
async function dragFiles(page: Page, names: string[], drop: boolean): Promise<void> {
  await page.evaluate(
    ({ names, drop }) => {
      const transfer = new DataTransfer();
      for (const name of names) transfer.items.add(new File(['x'], name));
      const target = document.querySelector('main') ?? document.body;
      const fire = (type: string) => target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      fire('dragenter');
      fire('dragover');
      if (drop) fire('drop');
    },
    { names, drop },
  );
}

describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')))('paths, drops and menu commands in Chromium', () => {
  let app: AppUnderTest;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  let data: string;

  beforeAll(async () => {
    app = await startAppUnderTest();
    data = path.join(app.dir, 'data');
    fs.mkdirSync(path.join(data, 'fashion'), { recursive: true });
    fs.mkdirSync(path.join(data, 'faces'));
    fs.writeFileSync(path.join(data, 'fashion', 'train.csv'), 'text,label\na,0\n');
    fs.writeFileSync(path.join(data, 'fashion', 'test.csv'), 'text,label\nb,1\n');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.goto(app.server.url);
    await page.getByTestId('transport-chip').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.dispose();
  });

  it('completes a typed path from the server: arrows choose, Tab goes into a folder, Enter takes a file, Escape closes only the list', async () => {
    await page.getByTestId('import-open').click();
    const input = page.getByTestId('import-path');
    await expect.poll(() => input.evaluate((el) => el === document.activeElement)).toBe(true);
    // web mode: no native dialog to browse with
    expect(await page.locator('[data-testid^=import-path-browse]').count()).toBe(0);
    await input.pressSequentially(`${data}/fa`, { delay: 5 });
    const options = page.getByTestId('import-path-suggestions').getByRole('option');
    await expect.poll(() => options.allTextContents()).toEqual(['faces/folder', 'fashion/folder']);
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: shot('completion') });

    await input.press('ArrowDown');
    await input.press('ArrowDown');
    expect(await input.getAttribute('aria-activedescendant')).toBe(await options.nth(1).getAttribute('id'));
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    await input.press('Tab');
    expect(await input.inputValue()).toBe(`${data}/fashion/`);
    // a folder accepted: completion goes on inside it
    await expect.poll(() => options.allTextContents()).toEqual(['test.csv' + 'file', 'train.csv' + 'file']);
    await input.press('ArrowUp');
    await input.press('Enter');
    expect(await input.inputValue()).toBe(`${data}/fashion/train.csv`);
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('import-error').count()).toBe(0); // Enter took the suggestion, it did not submit

    await input.fill('');
    await input.pressSequentially(`${data}/`, { delay: 5 });
    await expect.poll(() => options.count()).toBe(2);
    await input.press('Escape');
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('import-dialog').isVisible()).toBe(true);
    await input.press('Escape');
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
  });

  it('shows, while files are dragged over the window, that a browser cannot tell the app where they live', async () => {
    await dragFiles(page, ['train.csv'], false);
    await page.getByTestId('drop-overlay').waitFor();
    expect(await page.getByTestId('drop-web-message').textContent()).toBe(
      'The browser does not tell the app where a dropped file lives; type or paste its path in the import dialog.',
    );
    await page.screenshot({ path: shot('drop-web') });
    await page.evaluate(() => {
      const target = document.querySelector('main')!;
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], 'train.csv'));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await page.getByTestId('drop-message').waitFor();
    expect(await page.getByTestId('drop-overlay').count()).toBe(0);
    expect(await page.getByTestId('drop-message').textContent()).toContain('“train.csv”: The browser does not tell the app where a dropped file lives');
    expect(await page.getByTestId('import-dialog').count()).toBe(0);
    await page.getByTestId('drop-open-import').click();
    await page.getByTestId('import-dialog').waitFor();
    expect(await page.getByTestId('import-path').inputValue()).toBe('');
    await page.getByTestId('import-close').click();
  });

  it('runs the application menu’s commands sent as events', async () => {
    const emit = (command: 'import' | 'exportSet' | 'newExperiment' | 'help' | 'shortcuts') => app.services.events.emit({ type: 'command', command });
    emit('import');
    await page.getByTestId('import-dialog').waitFor();
    await page.getByTestId('import-close').click();

    emit('newExperiment');
    await expect.poll(() => new URL(page.url()).hash).toBe('#/experiments/new');

    await page.evaluate(() => {
      (window as unknown as { shortcutsAsked: number }).shortcutsAsked = 0;
      window.addEventListener('disobey:shortcuts', () => (window as unknown as { shortcutsAsked: number }).shortcutsAsked++);
    });
    emit('shortcuts');
    await expect.poll(() => page.evaluate(() => (window as unknown as { shortcutsAsked: number }).shortcutsAsked)).toBe(1);

    emit('exportSet');
    await page.getByTestId('export-pick-set').waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/sets\?export=1$/);
    await page.screenshot({ path: shot('menu-export-pick-set') });

    emit('help');
    // the help page's route: '#/help' where it exists (the catch-all sends it home where it does not)
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/(help)?$/);
    expect(errors).toEqual([]);
  });

  it('exports an image set as CSV from its page (menu: Export set…) and imports it back through the dialog; a long error keeps the buttons on screen at 1024×768', async () => {
    const datasetId = await importIntoDatabase(createStore(app.db), ImportOptions.parse({ path: sampleDatasetDir(), name: 'fm sample', subset: 40 }));
    const ids = app.db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(datasetId) as number[];
    const set = await app.services.dispatch('createCuratedSet', { datasetId, name: 'shirts to check', exampleIds: ids.filter((_, i) => i % 2 === 0) }, 'http') as { id: number };
    await page.goto(`${app.server.url.split('#')[0]}#/sets/${set.id}`);
    await page.getByTestId('export-panel').waitFor();
    app.services.events.emit({ type: 'command', command: 'exportSet' });
    const exportPath = page.getByTestId('export-path');
    await expect.poll(() => exportPath.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.getByTestId('export-format').selectOption('csv');
    const target = path.join(app.dir, 'shirts.csv');
    await exportPath.fill(target);
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-done').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: shot('export-form') });

    await page.setViewportSize({ width: 1024, height: 768 });
    app.services.events.emit({ type: 'command', command: 'import' });
    await page.getByTestId('import-path').fill(target);
    await page.getByTestId('import-name').fill('shirts again');
    await page.getByTestId('import-submit').click();
    await page.getByTestId('example-grid').waitFor({ timeout: 30_000 });
    const back = app.db.prepare("SELECT e.label, e.pixels FROM examples e JOIN datasets d ON d.id = e.dataset_id WHERE d.name = 'shirts again' ORDER BY e.id").all() as { label: number; pixels: Buffer }[];
    const original = app.db.prepare('SELECT e.label, e.pixels FROM curated_set_members m JOIN examples e ON e.id = m.example_id WHERE m.set_id = ? ORDER BY e.id').all(set.id) as { label: number; pixels: Buffer }[];
    expect(back.map((r) => r.label)).toEqual(original.map((r) => r.label));
    back.forEach((r, i) => expect(Buffer.compare(r.pixels, original[i]!.pixels)).toBe(0));

    // A long error: an image set's CSV as exports wrote it before they carried pixels (ids and 80
    // probability columns), deep in folders with long names.
    let deep = app.dir;
    for (const part of ['a'.repeat(120), 'b'.repeat(120), 'c'.repeat(120), 'd'.repeat(120)]) deep = path.join(deep, part);
    fs.mkdirSync(deep, { recursive: true });
    const old = path.join(deep, 'shirts exported last year.csv');
    const probabilityColumns = Array.from({ length: 80 }, (_, k) => `p:student ${k >> 3}@20:class ${k & 7}`);
    fs.writeFileSync(old, `id,split,index,label,label_name,train_label,note,${probabilityColumns.join(',')}\r\n1,train,0,0,Shirt,0,,${probabilityColumns.map(() => '0.1').join(',')}\r\n`);
    app.services.events.emit({ type: 'command', command: 'import' });
    await page.getByTestId('import-path').fill(old);
    await page.getByTestId('import-submit').click();
    const error = page.getByTestId('import-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toBe(
      `${old}, row 1: this CSV export of an image set holds no pixels (no pixel0… columns: exported before CSVs carried them, or its images are larger than 4096 values), so its images cannot come back; export the set as ZIP and import that`,
    );
    const footerInView = async (height: number) => {
      for (const id of ['import-submit', 'import-close']) {
        const box = (await page.getByTestId(id).boundingBox())!;
        expect(box.y + box.height, id).toBeLessThanOrEqual(height);
        expect(box.y).toBeGreaterThanOrEqual(0);
      }
    };
    await footerInView(768);
    await page.screenshot({ path: shot('import-error-1024') });
    // Lower still: the body scrolls, the buttons stay.
    await page.setViewportSize({ width: 1024, height: 460 });
    await footerInView(460);
    expect(await page.getByTestId('import-body').evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await page.screenshot({ path: shot('import-error-short-window') });
    await page.getByTestId('import-close').click();
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!hasChromium || !fs.existsSync(path.join(rendererDir(), 'index.html')))('the desktop app’s paths: native dialogs and dropped files', () => {
  // A server whose services have the desktop shell's hooks, so appInfo says nativeDialogs and
  // pickPath answers like Electron's dialog; the page gets the preload's pathForFile.
  const temp = makeTempDir();
  const picks: PickPathArgs[] = [];
  let server: WebServer;
  let close: () => void;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const databasePath = path.join(temp.dir, 'desk.db');
    const db = openDatabase(databasePath);
    const services = createAppServices({
      store: createStore(db),
      databasePath,
      desktop: {
        pickPath: async (args) => {
          picks.push(args);
          return args.mode === 'openFolder' ? '/picked/folder' : '/picked/file.csv';
        },
        setTheme: () => {},
        versions: { electron: 'test' },
      },
    });
    server = await startWebServer({ services });
    close = () => {
      services.dispose();
      db.close();
    };
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript(() => {
      (window as unknown as { disobey: { pathForFile(file: File): string } }).disobey = { pathForFile: (file: File) => `/dropped/${file.name}` };
    });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.getByTestId('transport-chip').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    close?.();
    temp.dispose();
  });

  it('opens the import dialog with the path of a dropped file, as the desktop app does', async () => {
    await dragFiles(page, ['fashion.csv'], false);
    await page.getByTestId('drop-overlay').waitFor();
    expect(await page.getByTestId('drop-overlay').textContent()).toContain('Drop a dataset file or folder to import it');
    await page.screenshot({ path: shot('drop-desktop') });
    await dragFiles(page, ['fashion.csv', 'other.csv'], true);
    await page.getByTestId('import-dialog').waitFor();
    expect(await page.getByTestId('import-path').inputValue()).toBe('/dropped/fashion.csv');
    expect(await page.getByTestId('import-notice').textContent()).toBe('2 items were dropped; a dataset is imported from one path at a time, so this is fashion.csv.');
    await page.screenshot({ path: shot('drop-opens-import') });
  });

  it('offers the native file and folder dialogs beside the path, with the format’s file types', async () => {
    await page.getByTestId('import-path-browse-openFolder').click();
    await expect.poll(() => page.getByTestId('import-path').inputValue()).toBe('/picked/folder');
    await page.getByTestId('import-format').selectOption('zip');
    expect(await page.locator('[data-testid^=import-path-browse]').count()).toBe(1);
    await page.getByTestId('import-path-browse-openFile').click();
    await expect.poll(() => page.getByTestId('import-path').inputValue()).toBe('/picked/file.csv');
    expect(picks).toEqual([
      { mode: 'openFolder', title: 'Import a dataset', defaultPath: '/dropped/fashion.csv' },
      { mode: 'openFile', title: 'Import a dataset', defaultPath: '/picked/folder', filters: [{ name: 'Curated-set ZIP export', extensions: ['zip'] }] },
    ]);
    await page.screenshot({ path: shot('import-browse') });
    expect(errors).toEqual([]);
  });
});
