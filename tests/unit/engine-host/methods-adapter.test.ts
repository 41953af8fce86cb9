// The engine process's methods with a LoRA adapter (src-main/engine-host/methods.ts): a generate job names the adapter
// folder and its base; the base and the adapter on it stay open side by side (each its own merged copy), each
// generating what a fresh load of it would; an adapter rewritten on disk is read again.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobControl, engineMethods, type MethodContext } from '../../../src-main/engine-host/methods';
import { generate, loadInferenceModel } from '../../../src-main/engine/infer/index';
import type { Precision } from '../../../src-main/shared/config';
import { writeTestAdapter } from '../../helpers/adapter';
import { TINY_A_CHECKPOINT, tinyA } from '../engine/infer/helpers';
import { tempDir } from '../../helpers/temp';

let tmp: string;
let adapterDir: string;
const ctx: MethodContext = { control: new JobControl(), emit: () => {} };
const sampling = { topK: 0, topP: 1, temperature: 1, seed: 4, maxBytes: 40 };
const job = (checkpoint: string, base: string | null, precision: Precision = 'f32') => ({ jobId: 'j', checkpoint, base, ext: 'txt', prompt: null, input: null, count: 1, sampling, precision });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

beforeAll(async () => {
  tmp = tempDir('bgpt-methods-adapter-');
  const { config } = await tinyA();
  adapterDir = (await writeTestAdapter(path.join(tmp, 'a'), { config, base: { sha256: 'e'.repeat(64), name: 'tiny-a', ref: { kind: 'file', fileName: 'x' } }, std: 0.1 })).dir;
});

describe('engine methods with an adapter', () => {
  it('generates with the base and with the adapter in turn, each as a fresh load of it does', async () => {
    const opts = { ext: 'txt', ...sampling };
    const wantBase = hex((await generate(await loadInferenceModel(TINY_A_CHECKPOINT), opts)).bytes);
    const wantAdapter = hex((await generate(await loadInferenceModel(adapterDir, { base: TINY_A_CHECKPOINT }), opts)).bytes);
    expect(wantAdapter).not.toBe(wantBase);
    for (let round = 0; round < 2; round++) {
      expect(hex((await engineMethods.generate(job(TINY_A_CHECKPOINT, null), ctx)).samples[0].bytes)).toBe(wantBase);
      expect(hex((await engineMethods.generate(job(adapterDir, TINY_A_CHECKPOINT), ctx)).samples[0].bytes)).toBe(wantAdapter);
    }
    // Without its base the job is refused in one line (a caller that skipped the resolver).
    await expect(engineMethods.generate(job(adapterDir, null), ctx)).rejects.toThrow(/is a LoRA adapter of 'tiny-a'/);
  });

  it('keeps the adapter at every precision apart, each merged before packing as a fresh load at that precision', async () => {
    const opts = { ext: 'txt', ...sampling };
    const seen = new Set<string>();
    for (const precision of ['f32', 'f16', 'q8'] as const) {
      const want = hex((await generate(await loadInferenceModel(adapterDir, { base: TINY_A_CHECKPOINT, precision }), opts)).bytes);
      const got = await engineMethods.generate(job(adapterDir, TINY_A_CHECKPOINT, precision), ctx);
      expect(hex(got.samples[0].bytes)).toBe(want);
      seen.add(want);
    }
    // Q8_0 rounds the merged weights differently enough to sample other bytes: the three were not one model.
    expect(seen.size).toBeGreaterThan(1);
  });

  it('reads an adapter again once its file changed', async () => {
    const before = hex((await engineMethods.generate(job(adapterDir, TINY_A_CHECKPOINT), ctx)).samples[0].bytes);
    const { config } = await tinyA();
    await writeTestAdapter(adapterDir, { config, base: { sha256: 'e'.repeat(64), name: 'tiny-a', ref: { kind: 'file', fileName: 'x' } }, std: 0.1, seed: 99 });
    const later = new Date(Date.now() + 5000);
    await fs.utimes(path.join(adapterDir, 'adapter_model.safetensors'), later, later);
    const after = hex((await engineMethods.generate(job(adapterDir, TINY_A_CHECKPOINT), ctx)).samples[0].bytes);
    expect(after).not.toBe(before);
    expect(after).toBe(hex((await generate(await loadInferenceModel(adapterDir, { base: TINY_A_CHECKPOINT }), { ext: 'txt', ...sampling })).bytes));
  });
});
