// Classification end to end (docs/classification.md), in real Chromium against the real `bgpt serve`: a
// classifier trained with `bgpt train --mode classify` in the studio home labels a file dropped on
// the Classify view, and its run shows accuracy and a confusion matrix in the run monitor.
// Screenshots: tests/artifacts/classify-view.png, classify-run-monitor.png.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';
import { runCli } from '../../src-main/cli/framework';
import { trainCommand } from '../../src-main/cli/commands/train';
import { tempDir } from '../helpers/temp';

const VIEWPORT = { width: 1440, height: 1100 };
const TEXT = path.resolve('datasets/classify/text');
const LABELS = ['definitions', 'songs-poems'];
const UI_TIMEOUT_MS = 60_000;

/** A small two-label folder from the built-in fortunes set: LABEL_NNNN.txt, eval/ held out. */
function makeData(): string {
  const dir = tempDir('bgpt-e2e-cls-data-');
  mkdirSync(path.join(dir, 'eval'));
  for (const l of LABELS) {
    for (let i = 0; i < 12; i++) writeFileSync(path.join(dir, `${l}_${i}.txt`), readFileSync(path.join(TEXT, 'train', `${l}_${String(50 + i).padStart(4, '0')}.txt`)));
    for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, 'eval', `${l}_${i}.txt`), readFileSync(path.join(TEXT, 'eval', `${l}_${String(i).padStart(4, '0')}.txt`)));
  }
  return dir;
}

describe('classification in the studio UI', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  let runId = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const home = tempDir('bgpt-e2e-cls-home-');
    let out = '';
    let err = '';
    const code = await runCli([trainCommand], ['train', '--json', '--mode', 'classify', '--data', makeData(), '--home', home, '--patch-length', '8',
      '--hidden-size', '32', '--patch-layers', '1', '--steps', '6', '--batch', '4', '--lr', '0.003'], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
    if (code !== 0) throw new Error(`bgpt train --mode classify failed: ${err}`);
    runId = JSON.parse(out.trim()).runId;
    served = await startServe({ home });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    studio = new StudioPage(page);
    await studio.open(served.url);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('labels a file dropped on the Classify view with its probabilities', async () => {
    await studio.go('classify');
    await expect.poll(() => studio.byTestId('classify-run').inputValue(), { timeout: UI_TIMEOUT_MS }).toBe(runId);
    const text = readFileSync(path.join(TEXT, 'eval', 'songs-poems_0001.txt'), 'utf8');
    // A real drop: the page receives a DataTransfer holding the file, as from the desktop.
    await studio.byTestId('drop-zone').evaluate((zone, content) => {
      // Runs in the page: DOM types the Node-side tsconfig does not know.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const g = globalThis as any;
      const dt = new g.DataTransfer();
      dt.items.add(new File([content], 'songs-poems_0001.txt', { type: 'text/plain' }));
      zone.dispatchEvent(new g.DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new g.DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, text);
    const result = studio.byTestId('classify-result').first();
    await result.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await result.textContent()).toContain('songs-poems_0001.txt');
    expect(['definitions.txt', 'songs-poems.txt']).toContain((await studio.byTestId('classify-label').first().textContent())?.trim());
    // Both labels listed with percentages that add up to 100.
    const percents = (await result.locator('.p').allTextContents()).map((p) => parseFloat(p));
    expect(percents).toHaveLength(2);
    expect(Math.abs(percents[0] + percents[1] - 100)).toBeLessThan(0.2);
    await studio.shot('classify-view');
  });

  it("shows the run's accuracy and confusion matrix in the run monitor", async () => {
    await studio.go('train');
    await studio.byTestId('watch-run').selectOption(runId);
    const matrix = studio.byTestId('confusion-matrix');
    await matrix.waitFor({ timeout: UI_TIMEOUT_MS });
    // Two labels: a header row and two rows of two counts plus an accuracy each; 8 eval files in all.
    const counts = (await matrix.locator('tbody td:not(.acc)').allTextContents()).map(Number);
    expect(counts).toHaveLength(4);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8);
    expect(await studio.byTestId('cls-accuracy').textContent()).toMatch(/%/);
    await studio.shot('classify-run-monitor');
    expect(pageErrors).toEqual([]);
  });
});
