// Light and dark themes in Chromium over web mode, on a real small training run (the paper
// preset on a sample subset, with its loss-switching students): the page follows the system's
// prefers-color-scheme by default, the top bar's toggle overrides it and is remembered, the
// application menu's theme commands switch it, and the charts redraw in the theme — their
// background and text colours, read from the pixels, change with it. Screenshots of the chart
// pages in both themes go to test-output/screenshots/theme-*.png.
import path from 'node:path';
import sharp from 'sharp';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentSummary } from '../../shared/runs.js';
import { appBase, canTrainInBrowser, closeAppAndBrowser, openAppPage, trainSample } from '../helpers/appInBrowser.js';
import { startAppUnderTest, type AppUnderTest } from '../helpers/appUnderTest.js';
import { SCREENSHOT_DIR, type AppInBrowser } from '../helpers/browser.js';

/** renderer/src/stores/theme.ts's THEME_STORAGE_KEY (that module needs a window to import) */
const THEME_STORAGE_KEY = 'disobey.theme';

const luminance = ([r, g, b]: number[]) => {
  const lin = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
};

/**
 * A chart's colours as drawn: its background (the most common pixel) and its text (the pixel of
 * the y axis's labels, the left strip, that differs most from the background).
 */
async function chartColours(chart: Locator): Promise<{ background: number; text: number }> {
  const { data, info } = await sharp(await chart.screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pixel = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
  const counts = new Map<string, number>();
  for (let i = 0; i < data.length; i += 3) {
    const key = `${data[i]},${data[i + 1]},${data[i + 2]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const background = luminance([...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0].split(',').map(Number));
  let text = background;
  for (let y = Math.floor(info.height * 0.3); y < info.height * 0.85; y++) {
    for (let x = 0; x < 50; x++) {
      const l = luminance(pixel(x, y));
      if (Math.abs(l - background) > Math.abs(text - background)) text = l;
    }
  }
  return { background, text };
}

describe.skipIf(!canTrainInBrowser)('light and dark themes in Chromium', () => {
  let app: AppUnderTest;
  let browser: AppInBrowser;
  let page: Page;
  let experiment: ExperimentSummary;
  const EPOCHS = 4;

  const base = () => appBase(app);
  const effective = () => page.evaluate(() => document.documentElement.dataset.theme);
  const choice = (c: 'system' | 'light' | 'dark') => page.locator(`[data-testid=theme-toggle] [data-theme-choice=${c}]`);
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `theme-${name}.png`) });

  async function openRuns() {
    await page.goto(`${base()}#/experiments/${experiment.id}`);
    await page.getByTestId('chart-loss').locator('canvas').first().waitFor();
    await page.getByTestId('chart-accuracy').locator('canvas').first().waitFor();
  }

  beforeAll(async () => {
    app = await startAppUnderTest();
    experiment = await trainSample(app, { name: 'fm-theme', subset: 300, epochs: EPOCHS, timeoutMs: 300_000 });
    browser = await openAppPage(app, { width: 1440, height: 900 }, { colorScheme: 'light' });
    page = browser.page;
  }, 360_000);
  afterAll(() => closeAppAndBrowser(app, browser));

  it('follows the system by default, charts included', async () => {
    await openRuns();
    expect(await effective()).toBe('light');
    expect(await choice('system').getAttribute('aria-checked')).toBe('true');
    const chart = page.getByTestId('chart-loss');
    const light = await chartColours(chart);
    expect(light.background).toBeGreaterThan(0.8);
    expect(light.text).toBeLessThan(0.3);
    const pageLight = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(effective).toBe('dark');
    await expect.poll(() => chart.locator('[data-chart-theme]').getAttribute('data-chart-theme')).toBe('dark');
    await chart.locator('canvas').first().waitFor();
    const dark = await chartColours(chart);
    expect(dark.background).toBeLessThan(0.05);
    expect(dark.text).toBeGreaterThan(0.4);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).not.toBe(pageLight);
    // the chart kept its option: still a loss curve per run, the loss-switch marks among them
    expect(await page.getByTestId('chart-loss').locator('canvas').count()).toBeGreaterThan(0);
    await shot('runs-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(effective).toBe('light');
    await shot('runs-light');
  });

  it('lets the top bar override the system, remembers the choice, and follows menu commands', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await openRuns();
    await expect.poll(effective).toBe('dark');
    await choice('light').click();
    await expect.poll(effective).toBe('light');
    expect(await choice('light').getAttribute('aria-checked')).toBe('true');
    expect(await page.evaluate((key) => localStorage.getItem(key), THEME_STORAGE_KEY)).toBe('light');
    const chart = page.getByTestId('chart-accuracy');
    await expect.poll(() => chart.locator('[data-chart-theme]').getAttribute('data-chart-theme')).toBe('light');
    expect((await chartColours(chart)).background).toBeGreaterThan(0.8);

    // a reload keeps the choice over the system's dark
    await page.reload();
    await page.getByTestId('chart-loss').locator('canvas').first().waitFor();
    expect(await effective()).toBe('light');

    // the application menu's View → Dark arrives as a command event
    app.services.events.emit({ type: 'command', command: 'themeDark' });
    await expect.poll(effective).toBe('dark');
    expect(await choice('dark').getAttribute('aria-checked')).toBe('true');
    expect(await page.evaluate((key) => localStorage.getItem(key), THEME_STORAGE_KEY)).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await effective()).toBe('dark'); // an explicit choice ignores the system

    // System again: the stored choice goes, the system's light applies
    await choice('system').click();
    await expect.poll(effective).toBe('light');
    expect(await page.evaluate((key) => localStorage.getItem(key), THEME_STORAGE_KEY)).toBeNull();

    // arrow keys move the choice, as in any radio group
    await choice('system').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(effective).toBe('light');
    await page.keyboard.press('ArrowRight');
    await expect.poll(effective).toBe('dark');
    await choice('system').click();
  });

  it('draws every chart page in both themes (screenshots at 1440×900 and 1024×768)', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    const pages: [string, string, string][] = [
      ['runs', `#/experiments/${experiment.id}`, 'chart-loss'],
      ['dynamics', `#/experiments/${experiment.id}/dynamics`, 'flip-timeline'],
      ['findings', `#/experiments/${experiment.id}/findings`, 'findings-summary'],
      ['compare', `#/experiments/${experiment.id}/compare`, 'compare-p4'],
      ['gradients', `#/experiments/${experiment.id}/gradients`, 'gradient-chart-quartiles'],
    ];
    for (const theme of ['light', 'dark'] as const) {
      await page.goto(`${base()}#/experiments/${experiment.id}`);
      await choice(theme).click();
      await expect.poll(effective).toBe(theme);
      for (const [name, hash, testId] of pages) {
        await page.goto(`${base()}${hash}`);
        await page.getByTestId(testId).waitFor({ timeout: 120_000 });
        const canvas = page.getByTestId(testId).locator('canvas');
        if (await canvas.count()) await canvas.first().waitFor();
        await page.waitForTimeout(300); // charts lay out on the next frame
        await shot(`${name}-${theme}`);
        // labels and table headers keep their case: "φ of" never shows as "Φ OF", nor ‖g‖ as ‖G‖
        const uppercased = await page.evaluate(() =>
          Array.from(document.querySelectorAll('th, dt, .caps, .field > span')).filter((e) => getComputedStyle(e).textTransform !== 'none').map((e) => e.textContent),
        );
        expect(uppercased).toEqual([]);
      }
      const flips = page.getByTestId('flip-timeline');
      await page.goto(`${base()}#/experiments/${experiment.id}/dynamics`);
      await flips.locator('canvas').first().waitFor();
      await flips.scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      await flips.screenshot({ path: path.join(SCREENSHOT_DIR, `theme-flips-${theme}.png`) });
      await page.goto(`${base()}#/eigen-lab`);
      await page.getByTestId('eigen-run').click();
      await page.getByTestId('eigen-chart-trajectories').locator('canvas').first().waitFor({ timeout: 120_000 });
      await page.waitForTimeout(300);
      await shot(`eigen-lab-${theme}`);
      await page.setViewportSize({ width: 1024, height: 768 });
      await page.goto(`${base()}#/experiments/${experiment.id}/dynamics`);
      await page.getByTestId('flip-timeline').locator('canvas').first().waitFor();
      await page.waitForTimeout(300);
      await shot(`dynamics-${theme}-1024`);
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    await choice('system').click();
    expect(browser.errors).toEqual([]);
  });
});
