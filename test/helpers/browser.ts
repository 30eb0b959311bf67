// Debian's Chromium through playwright-core (never a downloaded browser); tests skip with a
// visible notice where it is missing.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';

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
