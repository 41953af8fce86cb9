// Page object for the studio UI: the e2e suite speaks in user actions (open a view, start a run,
// generate, export) and waits for UI states the app shows, never for fixed delays.
import type { Download, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from '../browser';

export type View = 'start' | 'datasets' | 'models' | 'train' | 'generate' | 'classify' | 'library';

/** Long enough for a few tiny-preset steps on a shared two-core machine. */
const TRAINING_TIMEOUT_MS = 240_000;
const UI_TIMEOUT_MS = 30_000;
/** A fresh home registers the built-in datasets behind the page: tens of seconds on a shared two-core machine. */
const BUILTINS_TIMEOUT_MS = 180_000;

export class StudioPage {
  constructor(readonly page: Page) {}

  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  /**
   * Opens the studio and waits until it has talked to the engine host, and (unless told not to) until
   * the built-in datasets a fresh home registers behind the page are there.
   */
  async open(url: string, opts: { builtIns?: boolean } = {}): Promise<void> {
    await this.page.goto(url);
    await this.byTestId('status-bar').waitFor();
    await this.byTestId('engine-state').filter({ hasText: /^(starting|idle|busy|crashed|stopped)$/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    if (opts.builtIns !== false) await this.byTestId('preparing').waitFor({ state: 'detached', timeout: BUILTINS_TIMEOUT_MS });
  }

  async go(view: View): Promise<void> {
    await this.byTestId(`nav-${view}`).click();
    await this.byTestId(`view-${view}`).waitFor();
  }

  async shot(name: string): Promise<string> {
    return screenshot(this.page, name);
  }

  /** Selects the option of `select` whose text contains `text`; returns its value. */
  async chooseOption(select: Locator, text: string): Promise<string> {
    const option = select.locator('option', { hasText: text }).first();
    await option.waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    const value = (await option.getAttribute('value')) ?? '';
    await select.selectOption(value);
    return value;
  }

  async openDataset(name: string): Promise<void> {
    await this.byTestId('dataset-open').filter({ hasText: name }).first().click();
    await this.byTestId('file-table').waitFor({ timeout: UI_TIMEOUT_MS });
  }

  async fill(testId: string, value: string | number): Promise<void> {
    await this.byTestId(testId).fill(String(value));
  }

  /** Fills the Train form with a preset run on `dataset`, starts it, and returns the run's id. */
  async startRun(dataset: string, preset: string, steps: number, evalEvery: number): Promise<string> {
    await this.go('train');
    await this.chooseOption(this.byTestId('train-dataset'), dataset);
    await this.byTestId('train-preset').selectOption(preset);
    await this.fill('field-hyper-steps', steps);
    await this.fill('field-hyper-evalEvery', evalEvery);
    const watched = this.byTestId('watch-run');
    const before = await watched.inputValue();
    await this.byTestId('train-start').click();
    // The monitor switches to the new run once startRun has answered.
    await expect.poll(() => watched.inputValue(), { timeout: UI_TIMEOUT_MS }).not.toBe(before);
    return watched.inputValue();
  }

  /** How many steps a chart shows (the chart sets data-points on every update). */
  async chartPoints(key: string): Promise<number> {
    return Number(await this.byTestId(`chart-${key}`).getAttribute('data-points'));
  }

  /** The watched run's status, its error line if any, and how many steps a chart shows. */
  async runProgress(key: string): Promise<{ status: string; error: string; points: number }> {
    const error = this.page.locator('[data-testid=run-monitor] .alert.error');
    return {
      status: await this.runStatus(),
      error: (await error.count()) ? ((await error.textContent()) ?? '') : '',
      points: await this.chartPoints(key),
    };
  }

  async waitForStatus(status: string): Promise<void> {
    await this.byTestId('run-status').filter({ hasText: new RegExp(`^${status}$`) }).waitFor({ timeout: TRAINING_TIMEOUT_MS });
  }

  /** The step the watched run has reached. */
  async runStep(): Promise<number> {
    return Number(await this.byTestId('run-step').textContent());
  }

  async runStatus(): Promise<string> {
    return (await this.byTestId('run-status').textContent())?.trim() ?? '';
  }

  async waitForRunEnd(): Promise<string> {
    await this.byTestId('run-status').filter({ hasText: /^(done|failed|stopped)$/ }).waitFor({ timeout: TRAINING_TIMEOUT_MS });
    return this.runStatus();
  }

  /** Generates one sample from `run` and waits until it is saved; returns its file name. */
  async generate(runId: string, ext: string, maxBytes: number, precision: 'f32' | 'f16' | 'q8' = 'f32'): Promise<string> {
    await this.go('generate');
    await this.byTestId('gen-run').selectOption(runId);
    await this.byTestId('gen-precision').selectOption(precision);
    await this.fill('gen-ext', ext);
    await this.fill('field-gen-maxBytes', maxBytes);
    await this.fill('field-gen-seed', 1);
    // The outputs may still list an earlier job's samples: wait for a name not shown before.
    const shown = async () => Promise.all((await this.byTestId('gen-sample').all()).map(async (s) => (await s.locator('.mono').first().textContent())?.trim() ?? ''));
    const before = new Set(await shown());
    await this.byTestId('gen-start').click();
    const deadline = Date.now() + TRAINING_TIMEOUT_MS;
    for (;;) {
      const fresh = (await shown()).find((n) => n !== '' && !before.has(n));
      if (fresh) return fresh;
      if (Date.now() > deadline) throw new Error('no new sample appeared');
      await this.page.waitForTimeout(100);
    }
  }

  /** Searches the library and selects the first sample matching `text`. */
  async findSample(text: string): Promise<void> {
    await this.go('library');
    await this.fill('sample-search', text);
    await this.byTestId('sample-open').filter({ hasText: text }).first().click();
    await this.byTestId('sample-detail').waitFor();
  }

  /** Exports the selected sample; in a browser that is a download. */
  async exportSelected(): Promise<Download> {
    const download = this.page.waitForEvent('download', { timeout: UI_TIMEOUT_MS });
    await this.byTestId('sample-export').click();
    return download;
  }
}
