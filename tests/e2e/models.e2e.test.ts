// The Models view end to end (docs/models.md–4), in real Chromium against the real `bgpt serve`, with a
// local HTTP server standing in for Hugging Face (BGPT_HF_ENDPOINT): download a published model while
// its progress shows, generate from it, import a .pth by upload, and see the training curves of one
// imported with its reference log. Screenshots in tests/artifacts/.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';
import { startModelServer, type ModelServer } from '../helpers/model-server';
import { tempDir } from '../helpers/temp';

const VIEWPORT = { width: 1440, height: 1200 };
const PTH_FILE = path.resolve('tests/fixtures/parity/tiny-a/model.pth');
const PTH = new Uint8Array(readFileSync(PTH_FILE));
const SHA = createHash('sha256').update(PTH).digest('hex');
const UI_TIMEOUT_MS = 60_000;

describe('Models view', () => {
  let hub: ModelServer;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  const pageErrors: string[] = [];
  let downloaded = false;

  beforeAll(async () => {
    // Slow enough (16 KiB every 60 ms) that the progress bar is on screen for a few seconds.
    hub = await startModelServer({ 'weights-text.pth': PTH }, { chunkDelayMs: 60 });
    // The published files are pinned by size and sha256 (docs/security.md); this loopback test hub pins its own.
    served = await startServe({ env: { BGPT_HF_ENDPOINT: hub.base, BGPT_TEST_PUBLISHED: JSON.stringify({ text: { size: PTH.length, sha256: SHA } }) } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
    await studio.open(served.url);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return;
    const name = `models-failed-${task.name.replace(/\W+/g, '-')}`;
    await studio.shot(name);
    writeFileSync(path.join(ARTIFACTS, `${name}.log`), served.log());
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await hub?.close();
  });

  it('downloads a published model with progress, rate and ETA', async () => {
    await studio.go('models');
    await studio.byTestId('models-empty').waitFor();
    await studio.byTestId('published-text-download').click();
    const progress = studio.byTestId('published-text-progress');
    await progress.waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(async () => (await progress.textContent())?.replace(/\s+/g, ' '), { timeout: UI_TIMEOUT_MS }).toMatch(/ of 1\.\d MB · [\d.]+ [KM]?B\/s · ETA/);
    await studio.shot('models-downloading');
    await studio.byTestId('published-text-have').waitFor({ timeout: UI_TIMEOUT_MS });
    const row = studio.byTestId('model-row').filter({ hasText: 'weights-text' });
    await row.waitFor();
    expect(await row.textContent()).toContain(SHA.slice(0, 12));
    expect(await row.textContent()).toContain('generative');
    downloaded = true;
  });

  it('generates from the downloaded model', async () => {
    expect(downloaded).toBe(true);
    await studio.byTestId('model-row').filter({ hasText: 'weights-text' }).getByRole('button', { name: 'weights-text' }).click();
    await studio.byTestId('model-actions').waitFor();
    await studio.fill('model-gen-ext', 'txt');
    await studio.fill('model-gen-max', 48);
    await studio.byTestId('model-generate').click();
    const sample = studio.byTestId('model-gen-sample');
    await sample.waitFor({ timeout: UI_TIMEOUT_MS * 2 });
    expect(await sample.textContent()).toMatch(/\.txt/);
    await studio.shot('models-generated');
    // The Library names the sample's maker by its model, not "— (best)" (issue 24 item 9).
    await studio.go('library');
    await expect.poll(() => studio.byTestId('sample-row').first().locator('td').nth(1).textContent(), { timeout: UI_TIMEOUT_MS }).toBe('model weights-text');
    await studio.go('models');
  });

  it('offers the model in Generate and as the starting weights in Train', async () => {
    expect(downloaded).toBe(true);
    await studio.go('generate');
    const modelOption = studio.byTestId('gen-run').locator('optgroup[label=Models] option', { hasText: 'weights-text' });
    await modelOption.waitFor({ state: 'attached' });
    await studio.byTestId('gen-run').selectOption({ value: (await modelOption.getAttribute('value'))! });
    expect(await studio.byTestId('gen-run').inputValue()).toMatch(/^mdl_/);
    await studio.shot('models-in-generate');
    await studio.go('train');
    const init = studio.byTestId('train-init');
    const option = init.locator('option', { hasText: 'weights-text' });
    await option.waitFor({ state: 'attached' });
    await init.selectOption({ value: (await option.getAttribute('value'))! });
    await expect.poll(() => studio.byTestId('fine-tune-note').textContent()).toMatch(/starts from model “weights-text”/);
    expect(await studio.byTestId('train-preset').inputValue()).toBe('custom'); // the model's own shape
    await studio.shot('models-in-train');
    await init.selectOption({ value: '' });
    await studio.byTestId('fine-tune-note').waitFor({ state: 'detached' });
    await studio.go('models'); // where the next step imports
  });

  it('imports a .pth by upload', async () => {
    await studio.byTestId('model-import-input').setInputFiles(PTH_FILE);
    const row = studio.byTestId('model-row').filter({ hasText: /^\s*model\b/ });
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await studio.byTestId('model-row').count()).toBe(2);
    await studio.shot('models-view');
    expect(pageErrors).toEqual([]);
  });

  it('draws the training curves of a model imported with its reference log', async () => {
    const dir = tempDir('bgpt-curves-');
    const pth = path.join(dir, 'weights-curves.pth');
    copyFileSync(PTH_FILE, pth);
    // The reference trainer's log format (train-gen.py), found beside the .pth by name.
    writeFileSync(path.join(dir, 'logs-curves.txt'), 'Epoch 1\ntrain_loss: 2.5\neval_loss: 2.25\ntime: x\n\nEpoch 2\ntrain_loss: 1.75\neval_loss: 1.5\ntime: y\n\n');
    const r = spawnSync(process.execPath, ['bin/bgpt.js', 'models', 'import', pth, '--home', served.home], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    await page.reload();
    await studio.go('models');
    await studio.byTestId('model-row').filter({ hasText: 'weights-curves' }).getByRole('button', { name: 'weights-curves' }).click();
    const curves = studio.byTestId('model-curves');
    await curves.waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(() => curves.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/2 epochs/);
    const chart = studio.byTestId('model-curve-loss');
    expect(await chart.getAttribute('data-points')).toBe('2');
    expect(await chart.textContent()).toMatch(/train loss[\s\S]*eval loss/);
    expect(await chart.textContent()).toContain('epoch');
    await studio.shot('models-curves');
    expect(pageErrors).toEqual([]);
  });

  it('puts an imported model on the comparison charts, against epochs (issue 24 item 9)', async () => {
    await studio.go('train');
    // Only the model imported with its log has curves to offer.
    const offered = page.locator('[data-testid^=compare-model-]');
    await offered.first().waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await offered.count()).toBe(1);
    await offered.first().check();
    await expect.poll(() => studio.byTestId('x-axis').inputValue()).toBe('epoch');
    await expect.poll(() => studio.chartPoints('trainLoss')).toBe(2);
    expect(await studio.byTestId('chart-trainLoss').textContent()).toMatch(/weights-curves · train[\s\S]*weights-curves · eval/);
    await studio.shot('models-compared');
    expect(pageErrors).toEqual([]);
  });
});
