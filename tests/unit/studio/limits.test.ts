// Up-front refusals at the studio boundary (docs/security.md items 4, 5, 8) on a real temporary home:
// a run that cannot fit is refused before its row exists, with the estimate and advice in one line;
// GPU backends report their memory through a hook; dialog selections import only what was granted;
// a bad extension is refused by the request schema, before any work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ProcessEngineHost } from '../../../src-main/engine-host/host';
import { spawnNodeEngine } from '../../../src-main/engine-host/node-process';
import { openStudio, type Studio } from '../../../src-main/studio/studio';
import { createDispatcher } from '../../../src-main/studio/dispatch';
import { assertFits, memoryLimits, setGpuMemoryLimit, WASM_MEMORY_BYTES } from '../../../src-main/engine/backend/resources';
import { tempDir } from '../../helpers/temp';

let tmp: string;
let studio: Studio;
let datasetId = '';
const TUNE = 'X:1\nT:Test\nM:4/4\nK:C\nCDEF GABc|\n';

beforeAll(async () => {
  tmp = tempDir('bgpt-limits-');
  studio = await openStudio({ home: path.join(tmp, 'home'), engine: new ProcessEngineHost(() => spawnNodeEngine()), transport: 'electron', builtIns: false });
  // Three tunes (each its own last bar: the import keeps one copy of the same music).
  const r = await studio.api.importFiles({ name: 'tunes', files: [1, 2, 3].map((i) => ({ name: `t${i}.abc`, bytes: new TextEncoder().encode(TUNE.replace('Test', `T${i}`).replace('GABc|', `GABc|${'CDE'[i - 1]}8|`)) })), kind: 'generative' });
  datasetId = r.datasetId;
});

afterAll(async () => {
  await studio?.close();
});

describe('upload names', () => {
  it('refuses, and reports, a second file of one upload under the same name instead of losing one', async () => {
    // Four different tunes (the import keeps one copy of the same music, whatever its title: datasets/import.ts).
    const NOTES: Record<string, string> = { One: 'C', Two: 'D', Three: 'E', Four: 'F' };
    const enc = (t: string) => new TextEncoder().encode(TUNE.replace('Test', t).replace('GABc|', `GABc|${NOTES[t]}8|`));
    const r = await studio.api.importFiles({
      name: 'clash', kind: 'generative',
      files: [{ name: 'a/x.abc', bytes: enc('One') }, { name: 'a/x.abc', bytes: enc('Two') }, { name: 'b/x.abc', bytes: enc('Three') }, { name: 'a/X.abc', bytes: enc('Four') }],
    });
    expect(r.imported).toBe(3); // a/x.abc (the first), b/x.abc, a/X.abc (another name on a case-sensitive system)
    expect(r.skipped).toEqual([{ path: 'a/x.abc', reason: 'another file of this upload has the same name; rename one' }]);
  });
});

describe('resource refusal', () => {
  it('refuses a run that cannot fit, before creating it, with the estimate and advice', async () => {
    const paper = { patchSize: 16, patchLength: 4096, hiddenSize: 4096, patchNumLayers: 48, byteNumLayers: 48 };
    const req = { datasetId, config: paper, batchSize: 1024, accumulation: 1, steps: 1, seed: 0, mode: 'generative' as const };
    await expect(studio.api.startRun(req)).rejects.toThrow(/^[\d,.]+ [kM]-parameter model, training from scratch needs about [\d.]+ [GM]i?B even with recomputation and one window per pass, more than [\d.]+ [GM]iB \(available RAM\): /);
    await expect(studio.api.startRun(req)).rejects.toMatchObject({ code: 'TOO_BIG' });
    expect(await studio.api.listRuns()).toEqual([]);
    const est = await studio.api.estimateTraining(req);
    expect(est.warnings.some((w) => /needs about/.test(w))).toBe(true);
  });

  it('suggests a smaller batch with accumulation when one fits', () => {
    const limits = [{ name: 'test RAM', bytes: 1000 }];
    expect(() => assertFits('x', 950, limits, 'advice')).toThrow(/x needs about .* more than the .* of test RAM it may use: advice/);
    expect(() => assertFits('x', 800, limits, 'advice')).not.toThrow();
  });

  it('applies the wasm limit and a GPU backend’s reported limit', () => {
    expect(memoryLimits('wasm', 64 * 2 ** 30).map((l) => l.bytes)).toEqual([64 * 2 ** 30, WASM_MEMORY_BYTES]);
    const off = setGpuMemoryLimit((b) => (b === 'webgpu' ? { name: 'GPU memory (test adapter)', bytes: 2 ** 30 } : null));
    try {
      const limits = memoryLimits('webgpu', 64 * 2 ** 30);
      expect(limits.map((l) => l.name)).toContain('GPU memory (test adapter)');
      expect(() => assertFits('generating', 2 ** 30, limits, 'use a smaller model')).toThrow(/GPU memory \(test adapter\)/);
      expect(memoryLimits('tensorflow', 2 ** 30)).toHaveLength(1);
    } finally {
      off();
    }
    expect(memoryLimits('webgpu', 2 ** 30)).toHaveLength(1);
  });
});

describe('boundary checks', () => {
  it('imports only the paths a dialog granted, by handle', async () => {
    const dir = path.join(tmp, 'chosen');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'x.abc'), TUNE.replace('Test', 'Chosen'));
    const sel = studio.grants.grant([dir]);
    const r = await studio.api.importPaths({ name: 'chosen', selection: sel.selection, kind: 'generative' });
    expect(r.imported).toBe(1);
    await expect(studio.api.importPaths({ name: 'stolen', selection: path.join(tmp, 'chosen'), kind: 'generative' })).rejects.toThrow(/unknown or expired/);
  });

  it('refuses a bad extension in the request, before any work', async () => {
    const dispatch = createDispatcher(studio.handlers);
    for (const ext of ['ab/c', 'tar.gz', '', 'x'.repeat(17), 'm\u001bid']) {
      const r = await dispatch('generate', { from: { kind: 'run', runId: 'run_nope' }, ext });
      expect(r, ext).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(!r.ok && r.error.message).toMatch(/ext/);
    }
    // Upper case is normalised, so the request passes the schema and fails only on the unknown run.
    const ok = await dispatch('generate', { from: { kind: 'run', runId: 'run_nope' }, ext: 'MID' });
    expect(ok).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
