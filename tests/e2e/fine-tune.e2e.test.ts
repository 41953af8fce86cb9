// Fine-tuning in the UI (issue 22 items 4 and 6), in real Chromium against the real `bgpt serve`: a LoRA adapter
// imported with the CLI is listed under its base in Models ("adapter r4 · …") and generates; Models → Fine-tune opens the Train
// form with LoRA at rank 8 and its estimate; choosing Full, under a memory limit full training does not fit, the form
// proposes LoRA with an estimate, and one click takes it. Screenshots in tests/artifacts/.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';
import { sha256File, writeTestAdapter } from '../helpers/adapter';
import { configFromJson } from '../../src-main/shared/config';
import { readFileSync } from 'node:fs';
import { tempDir } from '../helpers/temp';

const VIEWPORT = { width: 1440, height: 1200 };
const TINY_A = path.resolve('tests/fixtures/parity/tiny-a');
const PTH = path.join(TINY_A, 'model.pth');
const UI_TIMEOUT_MS = 60_000;
/**
 * Far below what training even the tiny-a model needs (about 93 MB at batch 4), above what generating with it
 * needs (3 MB): full fine-tuning does not fit, so the form proposes LoRA.
 */
const MEMORY_LIMIT = '16M';

function bgpt(home: string, ...args: string[]): { id?: string } {
  const r = spawnSync(process.execPath, ['bin/bgpt.js', ...args, '--home', home, '--json'], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

describe('fine-tuning in the UI', () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    tmp = tempDir('bgpt-e2e-lora-');
    const home = path.join(tmp, 'home');
    const base = (bgpt(home, 'models', 'import', PTH, '--name', 'tiny-base') as { model: { id: string } }).model;
    const config = configFromJson(JSON.parse(readFileSync(path.join(TINY_A, 'checkpoint/config.json'), 'utf8')));
    const a = await writeTestAdapter(path.join(tmp, 'tunes-r4'), { config, base: { sha256: await sha256File(PTH), name: 'tiny-base', ref: { kind: 'model', modelId: base.id } }, settings: { rank: 4, alpha: 8 } });
    bgpt(home, 'models', 'import', a.dir);
    // Another full model imported after, so the adapter's place under its base is not simply "last".
    bgpt(home, 'models', 'import', path.resolve('tests/fixtures/torch/mixed.pth'), '--name', 'other-model');
    bgpt(home, 'datasets', 'import', path.join(TINY_A, 'inputs'), '--name', 'texts');
    served = await startServe({ home, env: { BGPT_MEMORY_LIMIT: MEMORY_LIMIT } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
    await studio.open(served.url);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return;
    const name = `fine-tune-failed-${task.name.replace(/\W+/g, '-')}`;
    await studio.shot(name);
    writeFileSync(path.join(ARTIFACTS, `${name}.log`), served.log());
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('lists the adapter under its base, with its rank and size', async () => {
    await studio.go('models');
    const adapterRow = studio.byTestId('adapter-row');
    await adapterRow.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await adapterRow.textContent()).toMatch(/tunes-r4[\s\S]*adapter r4 · \d+(\.\d)? KB/);
    // Rows in order: the adapter's row comes right after its base's.
    const names = await page.locator('[data-testid=models-table] tbody tr').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-testid')}:${r.querySelector('td button')?.textContent?.trim()}`));
    expect(names.indexOf('adapter-row:tunes-r4')).toBe(names.indexOf('model-row:tiny-base') + 1);
    await adapterRow.getByRole('button', { name: 'tunes-r4' }).click();
    await expect.poll(() => studio.byTestId('model-adapter-note').textContent()).toMatch(/LoRA adapter \(rank 4, alpha 8[\s\S]*of\s+tiny-base/);
    await studio.shot('fine-tune-adapter-under-base');
    // It generates like any model: the engine gets the adapter and its base, merged at load.
    await studio.fill('model-gen-ext', 'txt');
    await studio.fill('model-gen-max', 32);
    await studio.byTestId('model-generate').click();
    const sample = studio.byTestId('model-gen-sample');
    await sample.waitFor({ timeout: UI_TIMEOUT_MS * 2 });
    expect(await sample.textContent()).toMatch(/tunes-r4 · .*\.txt/);
  });

  it('opens the Train form from Models with LoRA rank 8 and its estimate', async () => {
    await studio.byTestId('model-row').filter({ hasText: 'tiny-base' }).getByRole('button', { name: 'tiny-base' }).click();
    await studio.byTestId('model-actions').waitFor();
    await studio.chooseOption(studio.byTestId('model-dataset'), 'texts');
    await studio.byTestId('model-finetune').click();
    await studio.byTestId('view-train').waitFor();
    await studio.byTestId('fine-tune-mode').waitFor();
    expect(await studio.byTestId('fine-tune-lora').isChecked()).toBe(true);
    expect(await studio.byTestId('field-lora-rank').inputValue()).toBe('8');
    await expect.poll(() => studio.byTestId('fine-tune-note').textContent()).toMatch(/starts from model “tiny-base” with a LoRA adapter of rank 8/);
    await expect.poll(() => studio.byTestId('train-estimate').textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/Memory[\s\S]*Time per epoch/);
    expect(await studio.byTestId('train-preset').inputValue()).toBe('custom');
    await studio.shot('fine-tune-lora-form');
  });

  it('proposes LoRA with its estimate when full fine-tuning does not fit, and takes it in one click', async () => {
    await studio.byTestId('fine-tune-full').check();
    const proposal = studio.byTestId('lora-proposal');
    await proposal.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await proposal.textContent()).toMatch(/Full fine-tuning does not fit this machine\. LoRA rank 8 needs about [\d.]+ [KMG]?B/);
    expect(await studio.byTestId('train-estimate').textContent()).toMatch(/BGPT_MEMORY_LIMIT/);
    await studio.shot('fine-tune-lora-proposed');
    await studio.byTestId('use-lora').click();
    expect(await studio.byTestId('fine-tune-lora').isChecked()).toBe(true);
    await proposal.waitFor({ state: 'detached' });
    // The rank field is checked as the contract checks it.
    await studio.fill('field-lora-rank', 0);
    await expect.poll(() => studio.byTestId('train-start').isDisabled()).toBe(true);
    await studio.fill('field-lora-rank', 16);
    expect(pageErrors).toEqual([]);
  });
});
