// Launches Debian's Chromium through playwright-core for the e2e suites (Playwright's own browser
// download does not work on these machines), and saves screenshots under tests/artifacts/.
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM_CANDIDATES } from '../helpers/system';


export const ARTIFACTS = path.resolve('tests/artifacts');

export function chromiumPath(): string {
  const found = CHROMIUM_CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('Chromium not found: install it (apt-get install -y chromium) or set CHROMIUM_PATH');
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** Saves a full-page screenshot as tests/artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
