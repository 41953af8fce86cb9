// The byte viewers in real Chromium: a test-only page (tests/e2e/viewer-page) built with Vite mounts
// ByteViewer on the fixture files; each viewer is screenshotted into tests/artifacts/ and playback is
// checked as far as headless audio allows (transport state, scheduled notes, moving position).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from './browser';
import { tempDir } from '../helpers/temp';

const PAGE_ROOT = path.resolve('tests/e2e/viewer-page');

let outDir = '';
let server: PreviewServer;
let browser: Browser;
let base = '';
/** Uncaught errors and CSP violations of each open page; a test's close() asserts there were none. */
const pageErrors = new WeakMap<Page, string[]>();

async function close(page: Page): Promise<void> {
  expect(pageErrors.get(page)).toEqual([]);
  await page.close();
}

async function open(query: string, viewport = { width: 1100, height: 760 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && /Content.Security.Policy/i.test(m.text()) && errors.push(m.text()));
  await page.goto(`${base}?${query}`);
  await page.waitForSelector('body[data-ready="true"]');
  expect(errors).toEqual([]);
  pageErrors.set(page, errors);
  return page;
}

/** Waits until a player's "position / duration" readout passes `seconds` (the playhead is moving).
 *  Polled from the test: the page's CSP forbids the string evaluation waitForFunction relies on. */
async function waitForPosition(page: Page, testid: string, seconds: number): Promise<void> {
  await expect.poll(async () => parseFloat((await page.textContent(`[data-testid=${testid}]`)) ?? ''), { timeout: 30_000 }).toBeGreaterThan(seconds);
}

beforeAll(async () => {
  outDir = tempDir('viewer-page-');
  const config = { root: PAGE_ROOT, base: './', configFile: false as const, logLevel: 'warn' as const, plugins: [svelte()] };
  await build({ ...config, build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 4000 } });
  server = await preview({ ...config, build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  base = server.resolvedUrls!.local[0];
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.httpServer.close(resolve));
});

describe('MIDI viewer', () => {
  it('draws the piano roll and plays through the offline piano', async () => {
    const page = await open('file=scale.mid&surprisal=1');
    await expect(page.textContent('[data-testid=midi-meta]')).resolves.toMatch(/12 notes · 2 tracks with notes \(3 in the file\) · 2\.35 s · 100 BPM/);
    await screenshot(page, 'viewer-midi-surprisal');
    const play = page.locator('[data-testid=midi-play]');
    await play.click();
    await page.waitForSelector('[data-testid=midi-play][data-state=started]', { timeout: 60_000 });
    expect(await play.getAttribute('data-scheduled')).toBe('12');
    expect(await play.getAttribute('data-source')).toBe('@tonejs/midi');
    await waitForPosition(page, 'midi-position', 0.5);
    await play.click();
    await page.waitForSelector('[data-testid=midi-play][data-state=paused]');
    const roll = (await page.locator('[data-testid=piano-roll]').boundingBox())!;
    await page.mouse.click(roll.x + roll.width * 0.75, roll.y + 20); // seek by clicking the roll
    await expect.poll(async () => parseFloat((await page.textContent('[data-testid=midi-position]')) ?? '')).toBeGreaterThan(1.5);
    await screenshot(page, 'viewer-midi-paused');
    await close(page);
  });

  it('mutes and solos tracks and scales the schedule with the tempo control', async () => {
    const page = await open('file=scale.mid');
    await expect(page.textContent('[data-testid=midi-tracks]')).resolves.toMatch(/Melody \(8\).*piano \(sampled\).*Bass \(4\)/s);
    const play = page.locator('[data-testid=midi-play]');
    await play.click();
    await page.waitForSelector('[data-testid=midi-play][data-state=started]', { timeout: 60_000 });
    await play.click();
    await page.waitForSelector('[data-testid=midi-play][data-state=paused]');
    expect(await play.getAttribute('data-scheduled')).toBe('12');
    const fullEnd = Number(await play.getAttribute('data-scheduled-end'));
    expect(fullEnd).toBeGreaterThan(2); // the file lasts 2.35 s
    await page.click('[data-testid=midi-mute-1]'); // the bass
    await expect.poll(() => play.getAttribute('data-scheduled')).toBe('8');
    await page.click('[data-testid=midi-solo-1]'); // solo wins: only the bass
    await expect.poll(() => play.getAttribute('data-scheduled')).toBe('4');
    await page.click('[data-testid=midi-solo-1]');
    await page.click('[data-testid=midi-mute-1]');
    await expect.poll(() => play.getAttribute('data-scheduled')).toBe('12');
    await page.locator('[data-testid=midi-tempo]').fill('200');
    await expect.poll(async () => Number(await play.getAttribute('data-scheduled-end'))).toBeCloseTo(fullEnd / 2, 2);
    await page.locator('[data-testid=midi-tempo]').fill('50');
    await expect.poll(async () => Number(await play.getAttribute('data-scheduled-end'))).toBeCloseTo(fullEnd * 2, 2);
    await page.check('[data-testid=midi-loop]');
    await page.click('[data-testid=midi-mute-0]');
    await play.click();
    await page.waitForSelector('[data-testid=midi-play][data-state=started]');
    await waitForPosition(page, 'midi-position', 0.3);
    await screenshot(page, 'viewer-midi-mixer');
    await play.click();
    await close(page);
  });

  it('plays General MIDI programs on synth voices and channel 10 on the drum kit', async () => {
    const page = await open('file=band.mid');
    const tracks = (await page.textContent('[data-testid=midi-tracks]')) ?? '';
    expect(tracks).toMatch(/Lead \(8\) · synth lead \(synth\)/);
    expect(tracks).toMatch(/Strings \(1\) · ensemble \(synth\)/);
    expect(tracks).toMatch(/Bass \(4\) · bass \(synth\)/);
    expect(tracks).toMatch(/Drums \(13\) · drum kit/);
    const play = page.locator('[data-testid=midi-play]');
    await play.click();
    await page.waitForSelector('[data-testid=midi-play][data-state=started]', { timeout: 60_000 });
    expect(await play.getAttribute('data-scheduled')).toBe('26');
    await waitForPosition(page, 'midi-position', 1.2); // past several drum hits: no voice threw (close() checks page errors)
    await screenshot(page, 'viewer-midi-band');
    await play.click();
    await page.waitForSelector('[data-testid=midi-play][data-state=paused]');
    await close(page);
  });

  it('keeps the notes of a truncated file and says why the rest failed', async () => {
    const page = await open('file=scale.mid&truncate=150');
    await expect(page.textContent('[data-testid=parse-issues]')).resolves.toMatch(/claims \d+ bytes but the file ends/);
    await screenshot(page, 'viewer-midi-truncated');
    await close(page);
  });
});

describe('ABC viewer', () => {
  it('engraves the score, plays it and moves the cursor', async () => {
    const page = await open('file=tune.abc');
    await page.waitForSelector('[data-testid=abc-score] svg');
    await page.click('[data-testid=abc-play]');
    await page.waitForSelector('[data-testid=abc-play][data-state=started]', { timeout: 60_000 });
    expect(Number(await page.getAttribute('[data-testid=abc-play]', 'data-scheduled'))).toBeGreaterThan(20);
    await page.waitForSelector('.abc-playing');
    const end = Number(await page.getAttribute('[data-testid=abc-play]', 'data-scheduled-end'));
    await page.locator('[data-testid=abc-tempo]').fill('200');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=abc-play]', 'data-scheduled-end'))).toBeCloseTo(end / 2, 2);
    await screenshot(page, 'viewer-abc-playing');
    await close(page);
  });

  it('shows the tune on a piano roll tab too, the surprisal scale only where bytes are coloured, and keeps the tabs and Play in view while the score scrolls (issue 24 items 6, 9)', async () => {
    // A window lower than the score, so the page scrolls the way a long tune scrolls the dialog.
    const page = await open('file=tune.abc&surprisal=1', { width: 700, height: 200 });
    await page.waitForSelector('[data-testid=abc-score] svg');
    // The engraved score is not coloured: its mean is said, the colour scale is not shown.
    expect(await page.isVisible('[data-testid=surprisal-legend]')).toBe(false);
    await expect(page.textContent('[data-testid=surprisal-mean]')).resolves.toMatch(/bits\/byte \(colours on the Text and Hex tabs\)/);
    const scrollable = Number(await page.evaluate('document.documentElement.scrollHeight - innerHeight'));
    expect(scrollable).toBeGreaterThan(100);
    await page.evaluate('scrollTo(0, document.documentElement.scrollHeight)');
    await expect.poll(() => page.evaluate('scrollY')).toBeGreaterThan(100);
    for (const id of ['tab-roll', 'abc-play']) {
      const box = (await page.locator(`[data-testid=${id}]`).boundingBox())!;
      expect(box.y, id).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height, id).toBeLessThanOrEqual(200);
    }
    // The piano roll tab: the tune as abcjs plays it, drawn as notes; still no colour scale.
    await page.click('[data-testid=tab-roll]');
    await page.waitForSelector('[data-testid=piano-roll]');
    expect(Number(await page.locator('[data-testid=midi-tracks] .track').count())).toBeGreaterThan(0);
    expect(await page.isVisible('[data-testid=surprisal-legend]')).toBe(false);
    // The text tab colours its bytes: there the scale is shown.
    await page.click('[data-testid=tab-text]');
    await page.waitForSelector('[data-testid=surprisal-legend]');
    await close(page);
  });
});

describe('WAV viewer', () => {
  it('shows format facts and the waveform, and plays', async () => {
    const page = await open('file=tone.wav&surprisal=1');
    await expect(page.innerText('[data-testid=wav-meta]')).resolves.toMatch(/1\.00 s · 8000 Hz · 8-bit · mono/);
    await page.click('[data-testid=wav-play]');
    await page.waitForSelector('[data-testid=wav-play][data-state=playing]');
    await waitForPosition(page, 'wav-position', 0.2);
    await screenshot(page, 'viewer-wav-surprisal');
    await close(page);
  });
});

describe('BMP viewer', () => {
  it('shows the image crisply scaled with a surprisal map', async () => {
    const page = await open('file=cross24.bmp&surprisal=1');
    await expect(page.textContent('[data-testid=bmp-meta]')).resolves.toMatch(/32 × 32 px · 24-bit · shown ×10/);
    const topLeft = await page.evaluate(`[...document.querySelector('[data-testid=bmp-canvas]').getContext('2d').getImageData(0, 0, 1, 1).data]`);
    expect(topLeft).toEqual([0, 0, 255, 255]);
    expect(await page.isVisible('[data-testid=bmp-surprisal]')).toBe(true);
    await screenshot(page, 'viewer-bmp-surprisal');
    await page.click('[data-testid=tab-hex]');
    await page.waitForSelector('[data-testid=hex-view]');
    await screenshot(page, 'viewer-hex-surprisal');
    await close(page);
  });
});

describe('Text viewer', () => {
  it('marks invalid UTF-8 bytes', async () => {
    const page = await open('file=mixed.txt&surprisal=1');
    await expect(page.textContent('[data-testid=text-summary]')).resolves.toMatch(/4 invalid UTF-8 bytes/);
    expect(await page.locator('[data-testid=text-view] .bad').count()).toBe(4);
    await screenshot(page, 'viewer-text-surprisal');
    await close(page);
  });

  it('keeps only visible rows of a multi-megabyte file in the DOM', async () => {
    const page = await open('file=big.txt');
    await page.waitForSelector('[data-testid=text-view]', { timeout: 60_000 });
    const view = page.locator('[data-testid=text-view]');
    expect(Number(await view.getAttribute('data-rows-in-dom'))).toBeLessThan(100);
    await page.evaluate(`(el => { el.scrollTop = el.scrollHeight; })(document.querySelector('[data-testid=text-view]'))`);
    await expect.poll(() => view.textContent(), { timeout: 30_000 }).toContain('line 131072:');
    await screenshot(page, 'viewer-text-big-end');
    await close(page);
  });
});

describe('FileViewer', () => {
  it('loads a file through the API and colours it by a chosen run', async () => {
    const page = await open('file=cross24.bmp&via=api');
    await page.waitForSelector('[data-testid=bmp-canvas]');
    expect(await page.isVisible('[data-testid=surprisal-legend]')).toBe(false);
    await page.selectOption('[data-testid=surprisal-run]', 'run-1');
    await page.waitForSelector('[data-testid=bmp-surprisal]');
    await expect(page.textContent('[data-testid=file-viewer]')).resolves.toMatch(/\d\.\d{3} bits\/byte on cpu/);
    await screenshot(page, 'viewer-file-api');
    await close(page);
  });

  it('scores a sample under the model or run that made it, and marks where its prompt ends', async () => {
    const byModel = await open('file=scale.mid&via=api&maker=model&prompt=120');
    await byModel.waitForSelector('body[data-scored-by=mdl_fixture]');
    expect(await byModel.inputValue('[data-testid=surprisal-run]')).toBe('mdl_fixture');
    await expect(byModel.textContent('[data-testid=prompt-note]')).resolves.toMatch(/first 120 bytes/);
    const roll = byModel.locator('[data-testid=piano-roll]');
    expect(Number(await roll.getAttribute('data-prompt-end'))).toBeGreaterThan(0); // the melody's first notes came from the prompt
    await screenshot(byModel, 'viewer-sample-prompt-roll');
    await byModel.click('[data-testid=tab-hex]');
    await expect(byModel.getAttribute('[data-testid=hex-view] [data-prompt-end]', 'title')).resolves.toMatch(/^byte 120 = 0x[0-9a-f]{2} \(\d+( '.')?\).* · first generated byte$/);
    expect(await byModel.locator('[data-testid=hex-view] .hex .prompt').count()).toBe(120);
    await screenshot(byModel, 'viewer-sample-prompt-hex');
    await close(byModel);

    const byRun = await open('file=tune.abc&via=api&maker=run&prompt=40');
    await byRun.waitForSelector('body[data-scored-by=run-1]');
    expect(await byRun.inputValue('[data-testid=surprisal-run]')).toBe('run-1');
    await byRun.click('[data-testid=tab-text]');
    await expect(byRun.textContent('[data-testid=text-view] [data-prompt-end]')).resolves.toBe('='); // byte 40 of 'Q:1/4=120'
    expect(await byRun.locator('[data-testid=text-view] .prompt').count()).toBe(40 - 4); // 40 bytes less the 4 line ends (not glyphs)
    await screenshot(byRun, 'viewer-sample-prompt-text');
    await close(byRun);

    const plain = await open('file=scale.mid&via=api');
    await plain.waitForSelector('[data-testid=surprisal-run]');
    expect(await plain.inputValue('[data-testid=surprisal-run]')).toBe(''); // a dataset file: nothing scored by default
    expect(await plain.isVisible('[data-testid=prompt-note]')).toBe(false);
    await close(plain);
  });
});
