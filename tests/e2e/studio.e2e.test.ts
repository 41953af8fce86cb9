// The studio's main job end to end, in real Chromium against the real `bgpt serve` (docs/walkthrough.md):
// open the studio, pick the built-in tunes dataset, train the tiny preset for a few steps and watch
// the curves move, generate a sample, find it in the library and export it. Screenshots of every
// view go to tests/artifacts/.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';

/** Tall enough that every view fits without scrolling, so full-page screenshots show it whole. */
const VIEWPORT = { width: 1440, height: 1400 };
const DATASET = 'tunes';
/** A few steps with an evaluation in the middle: enough points for a curve, quick on a CPU. */
const STEPS = 6;
const EVAL_EVERY = 3;
/** A few tiny-preset steps on a shared two-core machine, with room to spare. */
const TRAINING_TIMEOUT_MS = 240_000;
/** Long enough that the run is still going while it is paused, resumed and stopped. */
const LONG_STEPS = 5000;
const TUNE = 'X:1\nT:Test reel\nM:4/4\nL:1/8\nK:D\n|:DFAd fdAF|GBdg fdAF:|\n';

describe('studio UI', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  const pageErrors: string[] = [];
  // Later steps need what earlier ones made; when a step fails they are skipped, not timed out.
  let runId = '';
  let trained = false;
  let sampleName = '';

  beforeAll(async () => {
    served = await startServe();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
    await studio.open(served.url);
  });

  // A failed step leaves what the user would have seen, and the server's log, beside the screenshots.
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !page) return;
    const name = `studio-failed-${task.name.replace(/\W+/g, '-')}`;
    await studio.shot(name);
    writeFileSync(path.join(ARTIFACTS, `${name}.log`), served.log());
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('shows the shell and the built-in datasets', async () => {
    await expect.poll(() => page.getByTestId('engine-backend').textContent()).not.toBe('');
    await studio.go('datasets');
    await studio.openDataset(DATASET);
    await expect.poll(() => page.getByTestId('fit-summary').textContent()).toMatch(/fit/);
    expect(await page.getByTestId('file-table').locator('tbody tr').count()).toBeGreaterThan(0);
    await studio.shot('studio-datasets');
  });

  it('opens a dataset file in its viewer and closes it with Escape', async () => {
    await page.getByTestId('file-open').first().click();
    const dialog = page.getByTestId('viewer-dialog');
    await dialog.waitFor();
    await studio.shot('studio-viewer');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('imports an uploaded file and shows the import report', async () => {
    await studio.fill('import-name', 'e2e upload');
    await page.getByTestId('import-input').setInputFiles({ name: 'reel.abc', mimeType: 'text/plain', buffer: Buffer.from(TUNE) });
    await expect.poll(() => page.getByTestId('import-report').textContent()).toMatch(/1 imported into “e2e upload”/);
    await page.getByTestId('dataset-open').filter({ hasText: 'e2e upload' }).waitFor();
  });

  it('imports a file dropped on the drop zone', async () => {
    await studio.fill('import-name', 'e2e dropped');
    // A real DataTransfer holding a real File, as the browser builds it for a drop from the desktop.
    const transfer = await page.evaluateHandle(
      `(() => { const t = new DataTransfer(); t.items.add(new File([${JSON.stringify(TUNE)}], 'jig.abc')); return t; })()`,
    );
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
    await expect.poll(() => page.getByTestId('import-report').textContent()).toMatch(/1 imported into “e2e dropped”/);
  });

  it("offers to convert dropped PNG/JPEG photos to the paper's BMP shape, and imports them converted", async () => {
    await studio.fill('import-name', 'e2e photos');
    const fixture = (name: string) => ({ name, mimeType: 'application/octet-stream', buffer: readFileSync(path.join('tests/fixtures/formats', name)) });
    await page.getByTestId('import-input').setInputFiles([fixture('gradient48x40.png'), fixture('gradient48x40.jpg'), { name: 'reel2.abc', mimeType: 'text/plain', buffer: Buffer.from(TUNE.replace('Test reel', 'Second reel')) }]);
    const ask = page.getByTestId('import-convert');
    await expect.poll(() => ask.textContent()).toMatch(/2 PNG\/JPEG images/);
    await studio.shot('studio-import-convert');
    await page.getByTestId('import-convert-yes').click();
    const report = page.getByTestId('import-report');
    await expect.poll(() => report.textContent()).toMatch(/imported into “e2e photos”/);
    expect(await page.getByTestId('import-converted').textContent()).toMatch(/2 images converted to 32×32 BMP\./);
    // the two photos share a stem: the second is named gradient48x40-2.bmp, not lost (the JPEG's pixels differ by rounding)
    expect(await page.getByTestId('import-modalities').textContent()).toMatch(/2 bmp/);
    expect(await page.getByTestId('import-modalities').textContent()).not.toMatch(/binary/);
    await studio.shot('studio-import-converted');
  });

  it('is reachable from the keyboard', async () => {
    await page.getByTestId('nav-train').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('view-train').waitFor();
    expect(new URL(page.url()).hash).toBe('#/train');
  });

  it('explains a bad value where it is typed and refuses to start', async () => {
    await studio.go('generate');
    await studio.fill('field-gen-temperature', 0);
    await expect.poll(() => page.locator('#gen-temperature-hint').textContent()).toBe('Temperature must be more than 0.');
    expect(await page.getByTestId('gen-start').isDisabled()).toBe(true);
    await studio.fill('field-gen-temperature', 1);
  });

  it('trains the tiny preset and draws the curves as steps arrive', async () => {
    runId = await studio.startRun(DATASET, 'tiny', STEPS, EVAL_EVERY);
    expect(runId).not.toBe('');
    // Each wait also ends when the run fails, so a broken engine fails fast with its own message.
    const curveAtLeast = async (min: number) => {
      await expect
        .poll(() => studio.runProgress('trainLoss'), { timeout: TRAINING_TIMEOUT_MS, interval: 500 })
        .toSatisfy((p: { status: string; points: number }) => p.status === 'failed' || p.points >= min);
      const progress = await studio.runProgress('trainLoss');
      expect(progress.status, progress.error).not.toBe('failed');
      return progress.points;
    };
    const first = await curveAtLeast(1);
    await curveAtLeast(first + 1);
    expect(await studio.waitForRunEnd()).toBe('done');
    await expect.poll(() => studio.chartPoints('bitsPerByte')).toBeGreaterThanOrEqual(1);
    await studio.shot('studio-train');
    trained = true;
  });

  it('pauses, resumes and stops a second run, drawn over the first', async ({ skip }) => {
    if (!trained) skip('no trained run');
    const second = await studio.startRun(DATASET, 'tiny', LONG_STEPS, LONG_STEPS);
    expect(second).not.toBe(runId);
    await studio.waitForStatus('running');
    await expect.poll(() => studio.runStep(), { timeout: TRAINING_TIMEOUT_MS, interval: 500 }).toBeGreaterThan(0);
    await page.getByTestId('run-pause').click();
    await studio.waitForStatus('paused');
    await page.getByTestId('run-resume').click();
    await studio.waitForStatus('running');
    await page.getByTestId(`compare-${runId}`).check();
    // x, then per run a train and an eval line (the faint raw lines stay out of the legend)
    await expect.poll(() => page.getByTestId('chart-trainLoss').locator('.u-legend .u-series:not(.raw)').count()).toBe(5);
    await page.getByTestId('compare-table').waitFor();
    await page.getByTestId('run-stop').click();
    await studio.waitForStatus('stopped');
    await studio.shot('studio-train-compare');
  });

  it('generates a sample with its verdict', async ({ skip }) => {
    if (!trained) skip('no trained run');
    sampleName = await studio.generate(runId, 'abc', 256);
    expect(sampleName).toMatch(/\.abc$/);
    await expect.poll(() => page.getByTestId('gen-sample').first().getByTestId('verdict').textContent()).toMatch(/valid|repaired|invalid/);
    await studio.shot('studio-generate');
    await page.getByTestId('gen-sample').first().getByRole('button', { name: /^Open/ }).click();
    await page.getByTestId('viewer-dialog').waitFor();
    await studio.shot('studio-generate-viewer');
    await page.getByTestId('viewer-close').click();
    await page.getByTestId('viewer-dialog').waitFor({ state: 'hidden' });
  });

  it('finds the sample in the library and exports it as a download', async ({ skip }) => {
    if (!sampleName) skip('no generated sample');
    await studio.findSample(sampleName);
    const download = await studio.exportSelected();
    // named as a user would keep it (docs/walkthrough.md): tune-<run>-<n>.abc, not the library's label
    expect(download.suggestedFilename()).toMatch(new RegExp(`^tune-[\\w-]+-${sampleName.slice(-10, -4)}\\.abc$`));
    const bytes = readFileSync(await download.path());
    expect(bytes.length).toBeGreaterThan(0);
  });

  it('rates from the keyboard and tags a sample, and the filters find it', async ({ skip }) => {
    if (!sampleName) skip('no generated sample');
    const rating = page.getByTestId('sample-row').first().getByTestId('rating');
    await rating.focus();
    await page.keyboard.press('4');
    await expect.poll(() => rating.getAttribute('aria-valuenow')).toBe('4');
    await studio.fill('sample-tags', 'keeper');
    await page.getByTestId('sample-save').click();
    await expect.poll(() => page.getByTestId('sample-row').first().textContent()).toContain('keeper');
    await studio.fill('sample-search', '');
    await page.locator('#s-tag').fill('keeper');
    await page.locator('#s-rating').selectOption('4');
    await expect.poll(() => page.getByTestId('sample-row').count()).toBe(1);
    await page.locator('#s-tag').fill('no-such-tag');
    await expect.poll(() => page.getByTestId('sample-row').count()).toBe(0);
    await page.locator('#s-tag').fill('keeper');
    await expect.poll(() => page.getByTestId('sample-row').count()).toBe(1);
    await page.getByTestId('sample-open').first().click();
    await page.getByTestId('sample-detail').waitFor();
    await studio.shot('studio-library');
    expect(pageErrors).toEqual([]);
  });

  it('generates with 8-bit weights when asked, and records the precision with the sample', async ({ skip }) => {
    if (!trained) skip('no trained run');
    await studio.go('generate');
    await expect.poll(() => page.locator('#gen-precision-hint').textContent()).toMatch(/exact/);
    const name = await studio.generate(runId, 'abc', 64, 'q8');
    expect(name).toMatch(/\.abc$/);
    expect(await page.locator('#gen-precision-hint').textContent()).toMatch(/within 1 %/);
    // The library still filters by the tag and rating the test before set.
    await studio.go('library');
    await page.locator('#s-tag').fill('');
    await page.locator('#s-rating').selectOption('0');
    await studio.findSample(name);
    await expect.poll(() => page.getByTestId('provenance').textContent()).toMatch(/Weights\s*8-bit \(Q8_0\)/);
  });
});
