// The viewer as a musician reaches for it (issue 24 items 2 and 9), in real Chromium against the real
// `bgpt serve`: opening a tune focuses Play, Space plays and pauses anywhere in the dialog (on its
// buttons too) without closing it, Escape closes; the MIDI mixer names its buttons and matches the
// roll's colours; the text view numbers lines, not wrapped rows.
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';
import { builtinTune } from '../helpers/builtin-tunes';
import { tempDir } from '../helpers/temp';


describe('viewer keys and mixer', () => {
  const source = tempDir('bgpt-keys-src-');
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const folder = path.join(source, 'session');
    mkdirSync(path.join(folder, 'eval'), { recursive: true });
    for (const f of ['coleraine.abc', 'coleraine.mid', 'trumpet-hornpipe.abc']) cpSync(builtinTune(f), path.join(folder, f));
    cpSync(builtinTune('heights-of-alma.abc'), path.join(folder, 'eval', 'heights-of-alma.abc'));
    served = await startServe();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
    await studio.open(served.url, { builtIns: false });
    await studio.go('datasets');
    await page.getByTestId('import-folder-input').setInputFiles(folder);
    await page.getByTestId('import-report').filter({ hasText: /4 imported into “session”/ }).waitFor({ timeout: 60_000 });
    await studio.openDataset('session');
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  // Strings, not functions: this file is type-checked without the DOM library.
  const focused = async () => String(await page.evaluate("document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? ''"));
  const isOpen = async () => Boolean(await page.getByTestId('viewer-dialog').evaluate((d) => (d as unknown as { open: boolean }).open));

  it('focuses Play on opening a tune; Space plays and pauses, also from Close, and never closes; Escape closes', async () => {
    await page.getByRole('button', { name: 'Open trumpet-hornpipe.abc' }).click();
    const dialog = page.getByTestId('viewer-dialog');
    await dialog.waitFor();
    const play = page.getByTestId('abc-play');
    await expect.poll(() => play.isDisabled(), { timeout: 30_000 }).toBe(false);
    await expect.poll(focused).toBe('abc-play');
    await page.keyboard.press(' ');
    await expect.poll(() => play.getAttribute('data-state'), { timeout: 60_000 }).toBe('started');
    expect(await isOpen()).toBe(true);
    // Space on the focused Close button is the player's too: it pauses, the dialog stays.
    await page.getByTestId('viewer-close').focus();
    await page.keyboard.press(' ');
    await expect.poll(() => play.getAttribute('data-state')).toBe('paused');
    expect(await isOpen()).toBe(true);
    // …and on the tabs; typing in a field is left alone (the surprisal picker is a select: not typed into here).
    await page.getByTestId('tab-text').focus();
    await page.keyboard.press(' ');
    await expect.poll(() => play.getAttribute('data-state'), { timeout: 30_000 }).toBe('started');
    await page.keyboard.press(' ');
    await expect.poll(() => play.getAttribute('data-state')).toBe('paused');
    await studio.shot('viewer-keys-abc');
    await page.keyboard.press('Escape');
    await expect.poll(isOpen).toBe(false);
  });

  it('numbers the lines of the text view, not its wrapped rows', async () => {
    await page.getByRole('button', { name: 'Open coleraine.abc' }).click();
    await page.getByTestId('viewer-dialog').waitFor();
    await page.getByTestId('tab-text').click();
    const numbers = await page.locator('[data-testid=text-view] .ln').allTextContents();
    const lines = numbers.filter((n) => /^\d+$/.test(n)).map(Number);
    expect(lines.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(lines).size).toBe(lines.length);
    expect(await page.getByTestId('text-summary').textContent()).toMatch(/\d+ lines/);
    // Hovering a byte says its value (and its bits when scored).
    expect(await page.locator('[data-testid=text-view] .text-row span[title]').first().getAttribute('title')).toMatch(/^byte 0 = 0x58 \(88 'X'\)/);
    await page.keyboard.press('Escape');
  });

  it('lists the MIDI tracks it plays, with named mute and solo buttons and the roll colours', async () => {
    await page.getByRole('button', { name: 'Open coleraine.mid' }).click();
    await page.getByTestId('viewer-dialog').waitFor();
    await expect.poll(focused, { timeout: 30_000 }).toBe('midi-play');
    const meta = (await page.getByTestId('midi-meta').textContent()) ?? '';
    const listed = await page.locator('[data-testid=midi-tracks] .track').count();
    expect(meta).toContain(`${listed} tracks with notes (4 in the file)`);
    await page.getByRole('button', { name: 'Mute track 2' }).waitFor();
    await page.getByRole('button', { name: 'Solo track 2' }).waitFor();
    const colours = await page.getByTestId('midi-track-color').evaluateAll((els) => els.map((e) => (e as unknown as { style: { background: string } }).style.background));
    expect(new Set(colours).size).toBe(listed);
    await studio.shot('viewer-keys-midi');
    await page.keyboard.press('Escape');
    expect(pageErrors).toEqual([]);
  });
});
