// A folder of one's own without an eval/ folder (issue 24 item 4), in real Chromium against the real
// `bgpt serve`: the import holds out files for evaluation and says so; a dataset with no eval split at
// all is evaluated on its training files in Models → Evaluate, offered and said, instead of failing.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';
import { builtinTune } from '../helpers/builtin-tunes';
import { tempDir } from '../helpers/temp';

const PTH_FILE = path.resolve('tests/fixtures/parity/tiny-a/model.pth');
const UI_TIMEOUT_MS = 60_000;

describe('eval split of a folder of one’s own', () => {
  const source = tempDir('bgpt-split-src-');
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(path.join(source, 'four-tunes'));
    for (const f of ['coleraine', 'trumpet-hornpipe', 'heights-of-alma', 'smash-the-windows']) cpSync(builtinTune(`${f}.abc`), path.join(source, 'four-tunes', `${f}.abc`));
    mkdirSync(path.join(source, 'one-tune'));
    cpSync(builtinTune('the-friendly-visit.abc'), path.join(source, 'one-tune', 'the-friendly-visit.abc'));
    served = await startServe();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
    await studio.open(served.url, { builtIns: false });
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return;
    const name = `split-failed-${task.name.replace(/\W+/g, '-')}`;
    await studio.shot(name);
    writeFileSync(path.join(ARTIFACTS, `${name}.log`), served.log());
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('holds out one of four tunes for evaluation and says what it did', async () => {
    await studio.go('datasets');
    await page.getByTestId('import-folder-input').setInputFiles(path.join(source, 'four-tunes'));
    await page.getByTestId('import-report').filter({ hasText: /4 imported into “four-tunes”/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.getByTestId('import-split').textContent()).toMatch(/held out 1 of 4 files at random for evaluation/);
    const row = page.getByTestId('dataset-row').filter({ hasText: 'four-tunes' });
    await expect.poll(() => row.textContent()).toMatch(/3 \/ 1/);
    await studio.shot('split-1-import');
  });

  it('evaluates a dataset without an eval split on its training files, offered and said', async () => {
    await studio.fill('import-name', ''); // the picked folder names the dataset
    await page.getByTestId('import-folder-input').setInputFiles(path.join(source, 'one-tune'));
    await page.getByTestId('import-report').filter({ hasText: /1 imported into “one-tune”/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.getByTestId('import-split').textContent()).toMatch(/single file: nothing held out/);
    await studio.go('models');
    await page.getByTestId('model-import-input').setInputFiles(PTH_FILE);
    const row = page.getByTestId('model-row').first();
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    await row.getByRole('button').first().click();
    await page.getByTestId('model-actions').waitFor();
    await studio.chooseOption(page.getByTestId('model-dataset'), 'one-tune');
    await expect.poll(() => page.getByTestId('model-eval-split').inputValue()).toBe('train');
    expect(await page.getByTestId('model-eval-no-split').textContent()).toMatch(/has no eval split: its training files are offered/);
    await page.getByTestId('model-evaluate').click();
    await expect.poll(() => page.getByTestId('model-eval-mean').textContent(), { timeout: UI_TIMEOUT_MS * 2 }).toMatch(/bits per byte .* over 1 files/);
    expect(await page.getByTestId('model-eval-error').count()).toBe(0);
    await studio.shot('split-2-evaluate-train');
    expect(pageErrors).toEqual([]);
  });
});
