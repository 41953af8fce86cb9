// The GPU adapter kept with each run, as the UI shows it after a restart (issue 11): a home holding runs
// recorded on webgpu (with and without an adapter, the latter as before migration 004) and on wasm is
// served fresh, and the run monitor, the library and the compare table name the adapter, with its full
// description as the tooltip, exactly as the status bar would (shared/adapter.ts backendLabel).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Catalogue } from '../../src-main/catalogue/catalogue';
import type { GpuAdapterInfo } from '../../src-main/shared/adapter';
import type { StoredRunConfig } from '../../src-main/studio/mappers';
import { launchBrowser } from './browser';
import { startServe, type Served } from './serve';
import { StudioPage } from './pages/studio-page';
import { tempDir } from '../helpers/temp';

const H200: GpuAdapterInfo = {
  vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA H200 (Vulkan 1.3.277)',
  software: false, maxBufferSize: 4294967296, maxStorageBufferBindingSize: 4294967292,
};

const STORED: StoredRunConfig = {
  model: { patchSize: 8, patchLength: 32, hiddenSize: 64, patchNumLayers: 2, byteNumLayers: 1, numHeads: 1 },
  hyper: { batchSize: 2, accumulation: 1, lr: 1e-4, seed: 0, steps: 10, evalEvery: 5 },
  earlyStoppingPatience: null,
  initFrom: null,
};

describe('the adapter a run trained on, in the UI', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let studio: StudioPage;
  const ids: Record<'gpu' | 'old' | 'wasm', string> = { gpu: '', old: '', wasm: '' };

  beforeAll(async () => {
    const home = tempDir('bgpt-e2e-adapter-');
    const c = await Catalogue.open(home);
    const make = async (name: string, backend: string, adapter: GpuAdapterInfo | null) => {
      const r = await c.createRun({ name, mode: 'generative', config: STORED as never, preset: null, backend, adapter, stepsTotal: 10 });
      await c.updateRun(r.id, { status: 'running' });
      await c.updateRun(r.id, { status: 'done', stepsDone: 10 });
      return r.id;
    };
    ids.gpu = await make('gpu run', 'webgpu', H200);
    ids.old = await make('old run', 'webgpu', null);
    ids.wasm = await make('wasm run', 'wasm', null);
    await c.close();
    served = await startServe({ home });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1200 } });
    studio = new StudioPage(page);
    await studio.open(served.url);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('names the adapter in the run monitor, with its description as the tooltip', async () => {
    await studio.go('train');
    const backend = page.getByTestId('run-backend');
    await studio.chooseOption(page.getByTestId('watch-run'), 'gpu run');
    await expect.poll(() => backend.textContent()).toBe('backend webgpu on nvidia nvidia-h200');
    expect(await backend.getAttribute('title')).toBe(H200.description);
    // Recorded before adapters were kept: the backend alone, no made-up adapter, no tooltip.
    await studio.chooseOption(page.getByTestId('watch-run'), 'old run');
    await expect.poll(() => backend.textContent()).toBe('backend webgpu');
    expect(await backend.getAttribute('title')).toBeNull();
    await studio.chooseOption(page.getByTestId('watch-run'), 'wasm run');
    await expect.poll(() => backend.textContent()).toBe('backend wasm');
  });

  it('shows it in the compare table beside a run without one', async () => {
    await studio.chooseOption(page.getByTestId('watch-run'), 'gpu run');
    await page.getByTestId(`compare-${ids.wasm}`).check();
    const row = page.getByTestId('compare-table').locator('tr', { hasText: 'Backend' });
    await expect.poll(() => row.locator('td').allTextContents()).toEqual(expect.arrayContaining(['webgpu on nvidia nvidia-h200', 'wasm']));
    expect(await row.locator('td', { hasText: 'nvidia-h200' }).getAttribute('title')).toBe(H200.description);
    await studio.shot('adapter-compare');
  });

  it('shows it in the library when a run is opened', async () => {
    await studio.go('library');
    await page.getByRole('button', { name: 'gpu run', exact: true }).click();
    const backend = page.getByTestId('lib-run-backend');
    await expect.poll(() => backend.textContent()).toBe('webgpu on nvidia nvidia-h200');
    expect(await backend.getAttribute('title')).toBe(H200.description);
    await studio.shot('adapter-library');
  });
});
