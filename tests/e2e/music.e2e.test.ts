// Tune books, tune collections, defaults that fit the data and report cards, as a musician meets them, in
// real Chromium against the real `bgpt serve` (docs/music.md): a real tune book uploaded in three keys
// comes back one tune per file with a line for the book and an index of titles, keys and meters; IrishMAN
// (an IrishMAN-shaped pair of files on a local server standing in for Hugging Face) lands from the Tune
// collections panel; the Train form fills in the data's defaults; a run's report card shows in the Library
// and the Train view. Screenshots in tests/artifacts/music-*.png.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';
import { startModelServer, type ModelServer } from '../helpers/model-server';

const VIEWPORT = { width: 1440, height: 1200 };
const UI_TIMEOUT_MS = 60_000;
const BOOK = path.resolve('datasets/sources/abcmidi/demo.abc');
const tune = (i: number) => `X:1\nL:1/8\nM:6/8\nK:G\n${'GAB dBG|'.repeat(1 + (i % 4))}${'ABcdefg'[i % 7]}3 G3|]\n`;
const irishman = (n: number, from: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ 'control code': 'S:1\nB:4\n', 'abc notation': tune(from + i) })));

describe('music: tune books, collections, defaults, report cards', () => {
  let hub: ModelServer;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    hub = await startModelServer({ 'train.json': new TextEncoder().encode(irishman(24, 0)), 'validation.json': new TextEncoder().encode(irishman(4, 50)) });
    served = await startServe({ env: { BGPT_HF_ENDPOINT: hub.base } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
    await studio.open(served.url);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return;
    const name = `music-failed-${task.name.replace(/\W+/g, '-')}`;
    await studio.shot(name);
    writeFileSync(path.join(ARTIFACTS, `${name}.log`), served.log());
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await hub?.close();
  });

  it('imports a tune book in three keys: a line for the book, one tune per file, its index of titles, keys and meters', async () => {
    await studio.go('datasets');
    await studio.fill('import-name', 'demo book');
    await studio.byTestId('import-keys').selectOption('3');
    await studio.byTestId('import-input').setInputFiles(BOOK);
    const books = studio.byTestId('import-books');
    await books.waitFor({ timeout: UI_TIMEOUT_MS });
    const held = readFileSync(BOOK, 'utf8').match(/^X:/gm)!.length;
    expect(await books.textContent()).toMatch(new RegExp(`demo\\.abc: ${held} tunes, \\d+ imported as \\d+ files, \\d+ refused, \\d+ duplicates?`));
    await studio.byTestId('file-table').waitFor({ timeout: UI_TIMEOUT_MS });
    const titles = await studio.byTestId('tune-title').allTextContents();
    expect(titles).toContain('Trumpet Hornpipe');
    expect(new Set(titles).size).toBeLessThan(titles.length); // each tune in several keys
    await studio.shot('music-tune-book');
  });

  it('downloads IrishMAN from the Tune collections panel; a browser is offered no URL field', async () => {
    expect(await studio.byTestId('collection-url').count()).toBe(0);
    // The collection lands with the Import panel's choice of keys: one, as written.
    await studio.byTestId('import-keys').selectOption('1');
    await studio.byTestId('collection-download-irishman').click();
    const status = studio.byTestId('collection-status-irishman');
    // 28 records, two of them the same music as another (the generator repeats): 26 tunes.
    await expect.poll(() => status.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/Landed as “IrishMAN”: 26 files/);
    await studio.byTestId('dataset-open').filter({ hasText: 'IrishMAN' }).first().waitFor();
    await studio.shot('music-irishman');
  });

  it('fills the Train form with the defaults that fit the chosen data', async () => {
    await studio.go('train');
    await studio.chooseOption(studio.byTestId('train-dataset'), 'IrishMAN');
    const note = studio.byTestId('train-recipe-note');
    await expect.poll(() => note.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/ABC tunes: the measured recipe .*window 64 patches/);
    await studio.byTestId('train-estimate').getByTestId('train-run-time').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('shows a run\'s report card in the Train view and the Library, and starts a new one from its button', async () => {
    const runId = await studio.startRun('demo book', 'tiny', 2, 1);
    expect(await studio.waitForRunEnd()).toBe('done');
    // A card made by `bgpt report` on the same studio home shows in the UI from the catalogue.
    execFileSync(process.execPath, ['bin/bgpt.js', 'report', '--checkpoint', runId, '--count', '2', '--home', served.home, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await studio.go('library');
    await studio.byTestId('run-row').filter({ hasText: 'demo book' }).first().locator('button.link').click();
    const card = studio.byTestId('report-card');
    await card.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await card.textContent()).toMatch(/of 2 \.abc samples accepted/);
    expect(await studio.byTestId('report-card-overlap').count()).toBe(5);
    await studio.shot('music-report-card');
    await studio.byTestId('report-card-make').click();
    await expect.poll(() => studio.byTestId('report-card-make').textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/Judging samples/);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
