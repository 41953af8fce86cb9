// Where to start (issue 24 items 8 and 9), in real Chromium against the real `bgpt serve` on a fresh
// home: the URL comes at once and the page says it prepares the built-in datasets; the opening screen is
// the start path — play a tune, train on tunes, write a tune — each step a button that does it; the
// navigation's subtitles meet WCAG AA in computed colours. Screenshots: tests/artifacts/start-*.png.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';

const TRAINING_TIMEOUT_MS = 240_000;
/** WCAG 2.x AA for normal-size text. */
const AA = 4.5;

/**
 * The contrast of every navigation subtitle against what is behind it (the item's own background laid
 * over the navigation's), from computed styles. A string: this file is type-checked without the DOM library.
 */
const SUBTITLE_CONTRASTS = `(() => {
  const rgba = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
  const over = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const nav = rgba(getComputedStyle(document.querySelector('nav')).backgroundColor);
  return [...document.querySelectorAll('nav a')].map((a) => {
    const hint = a.querySelector('.hint');
    const ground = over(rgba(getComputedStyle(a).backgroundColor), nav);
    const style = getComputedStyle(hint);
    const text = over({ ...rgba(style.color), a: rgba(style.color).a * Number(style.opacity) }, ground);
    const [hi, lo] = [lum(text), lum(ground)].sort((x, y) => y - x);
    return { hint: hint.textContent, current: a.getAttribute('aria-current') === 'page', ratio: (hi + 0.05) / (lo + 0.05) };
  });
})()`;

describe('the start path', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  let urlSeconds = 0;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    served = await startServe();
    urlSeconds = (Date.now() - t0) / 1000;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return;
    const name = `start-failed-${task.name.replace(/\W+/g, '-')}`;
    await studio.shot(name);
    writeFileSync(path.join(ARTIFACTS, `${name}.log`), served.log());
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('prints its URL without waiting for the built-in datasets, and the page says it prepares them', async () => {
    // A fresh home used to take 30–40 s here; the registration now runs behind the page.
    expect(urlSeconds).toBeLessThan(20);
    await studio.open(served.url, { builtIns: false });
    await page.getByTestId('view-start').waitFor();
    const preparing = await page.getByTestId('preparing').count();
    if (preparing) expect(await page.getByTestId('start-preparing').textContent()).toMatch(/preparing built-in datasets/);
    await studio.shot('start-0-opening');
    await page.getByTestId('preparing').waitFor({ state: 'detached', timeout: 180_000 });
    await expect.poll(() => page.getByTestId('start-play').isDisabled(), { timeout: 30_000 }).toBe(false);
  }, 240_000);

  it('opens on three steps in plain words, with subtitles readable at WCAG AA', async () => {
    const steps = page.getByTestId('start-steps').locator('h2');
    expect(await steps.allTextContents()).toEqual(['1. Play a tune', '2. Train on tunes', '3. Let it write a tune']);
    const text = (await page.getByTestId('view-start').textContent()) ?? '';
    for (const jargon of ['preset', 'patch', 'window', 'docs/']) expect(text).not.toContain(jargon);
    const contrasts = (await page.evaluate(SUBTITLE_CONTRASTS)) as Array<{ hint: string; current: boolean; ratio: number }>;
    expect(contrasts.length).toBeGreaterThanOrEqual(6);
    expect(contrasts.some((c) => c.current)).toBe(true);
    for (const c of contrasts) expect(c.ratio, `${c.hint}${c.current ? ' (current)' : ''}`).toBeGreaterThanOrEqual(AA);
    await studio.shot('start-1-path');
  });

  it('step 1 plays a tune: Play is focused, Space plays', async () => {
    await page.getByTestId('start-play').click();
    const play = page.getByTestId('abc-play');
    await expect.poll(() => play.isDisabled(), { timeout: 30_000 }).toBe(false);
    await page.keyboard.press(' ');
    await expect.poll(() => play.getAttribute('data-state'), { timeout: 60_000 }).toBe('started');
    await studio.shot('start-2-play');
    await page.keyboard.press(' ');
    await page.keyboard.press('Escape');
  });

  it('step 2 trains on the built-in tunes with the recipe; the form cites no docs', async () => {
    await studio.go('start');
    await page.getByTestId('start-train').click();
    await page.getByTestId('view-train').waitFor();
    expect(await page.getByTestId('train-dataset').locator('option:checked').textContent()).toMatch(/Tunes \(ABC\)/);
    await expect.poll(() => page.getByTestId('train-preset').inputValue()).toBe('tunes');
    expect(await page.getByTestId('train-form').textContent()).not.toContain('docs/');
    await studio.fill('field-hyper-steps', 4);
    await studio.fill('field-hyper-evalEvery', 4);
    await page.getByTestId('train-start').click();
    expect(await studio.waitForRunEnd()).toBe('done');
    await studio.shot('start-3-train');
  }, TRAINING_TIMEOUT_MS + 30_000);

  it('step 3 writes a tune with the model just trained', async () => {
    await studio.go('start');
    await expect.poll(() => page.getByTestId('start-generate').isDisabled()).toBe(false);
    await page.getByTestId('start-generate').click();
    await page.getByTestId('view-generate').waitFor();
    await studio.fill('field-gen-maxBytes', 200);
    await page.getByTestId('gen-start').click();
    await page.getByTestId('gen-sample').first().waitFor({ timeout: 120_000 });
    await studio.shot('start-4-generate');
    expect(pageErrors).toEqual([]);
  });
});
