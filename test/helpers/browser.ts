// Debian's Chromium through playwright-core (never a downloaded browser); tests skip with a
// visible notice where it is missing.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.DISOBEY_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM_PATH);
export const SCREENSHOT_DIR = path.resolve('test-output', 'screenshots');

if (!hasChromium) {
  console.warn(`NOTICE: browser end-to-end tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

export interface AppInBrowser {
  browser: Browser;
  page: Page;
  /** uncaught errors in the page; a test asserts it stays empty */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh Chromium page that records page errors; the screenshot folder exists afterwards. */
export async function openBrowserPage(viewport = { width: 1280, height: 800 }): Promise<AppInBrowser> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return { browser, page, errors, close: () => browser.close() };
}
