// The one training loop (src-main/engine/train/train.ts) drives both tasks the same way: a classifier
// run is planned against wasm's memory like a generative one (refused before any tensor when nothing
// fits), gets the gradient worker (its shares sum to the one-thread gradient), stops early, and
// leaves no tensor behind. Real files, real TF.js on wasm, the real worker thread.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { readInputFile } from '../../../../src-main/engine/io/files';
import { parseSafetensors } from '../../../../src-main/engine/io/safetensors';
import { trainClassifier } from '../../../../src-main/engine/classify/train';
import { train } from '../../../../src-main/engine/train/train';
import type { PlanReport } from '../../../../src-main/engine/train/plan';
import type { LabelledFile } from '../../../../src-main/engine/classify/data';
import type { BGPTConfig } from '../../../../src-main/shared/config';
import { tempDir } from '../../../helpers/temp';

const INPUTS = fileURLToPath(new URL('../../../fixtures/parity/tiny-a/inputs/', import.meta.url));
const MICRO: BGPTConfig = { patchSize: 16, patchLength: 8, hiddenSize: 32, patchNumLayers: 1, byteNumLayers: 0, numHeads: 2 };

function tmp(): string {
  return tempDir('bgpt-loop-');
}

let files: LabelledFile[] = [];
beforeAll(async () => {
  await initBackend('wasm');
  const raw = await Promise.all(['gpl3-head.txt', 'apache-2.0-head.md', 'libmpc3-copyright.debian-copyright-file'].map((f) => readInputFile(INPUTS + f)));
  // Six labelled windows: each file's two halves, labelled by which file they come from.
  files = raw.flatMap((f, i) => [0, 1].map((h) => ({ ...f, name: `${f.name}-${h}`, bytes: f.bytes.subarray(h * 200, h * 200 + 200), label: i % 2 === 0 ? 'a.txt' : 'b.txt' })));
}, 60_000);

describe('the one training loop', () => {
  it('plans a classifier run against wasm\'s memory, and refuses one that cannot fit before any tensor', async () => {
    let plan: PlanReport | null = null;
    const before = tf.memory().numTensors;
    await trainClassifier({ config: MICRO, files, steps: 1, batchSize: 2, out: tmp(), backend: 'wasm', onPlan: (p) => { plan = p; } });
    expect(tf.memory().numTensors).toBe(before);
    expect((plan as PlanReport | null)?.plan.mode).toBe('full');
    const huge: BGPTConfig = { patchSize: 16, patchLength: 64, hiddenSize: 2048, patchNumLayers: 12, byteNumLayers: 0, numHeads: 32 };
    await expect(trainClassifier({ config: huge, files, steps: 1, batchSize: 1, out: tmp(), backend: 'wasm' }))
      .rejects.toThrow(/training from scratch needs about \d+\.\d GB even with recomputation and one window per pass, more than \d+\.\d GiB \(the wasm backend's 4 GiB\): use a smaller model/);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('gives a classifier the gradient worker: the same weights as one thread, without dropout', async () => {
    const run = async (parallel: boolean) => {
      const out = tmp();
      const r = await trainClassifier({ config: MICRO, files, steps: 3, batchSize: 4, dropout: 0, parallel, out, backend: 'wasm' });
      return { r, tensors: parseSafetensors(readFileSync(`${out}/last/model.safetensors`)).tensors };
    };
    const two = await run(true);
    const one = await run(false);
    expect(two.r.workers).toBe(2);
    expect(one.r.workers).toBe(1);
    let worst = 0;
    for (const [name, t] of one.tensors) {
      const u = two.tensors.get(name)!.data;
      for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(t.data[i] - u[i]));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(Math.abs((two.r.trainLoss as number) - (one.r.trainLoss as number))).toBeLessThan(1e-5);
  }, 180_000);

  it('stops either task early when the eval loss stops improving', async () => {
    const gen = await train({ config: { ...MICRO, byteNumLayers: 1 }, files, evalFiles: files.slice(0, 2), steps: 40, batchSize: 2, lr: 0.05, evalEvery: 1, patience: 2, out: tmp(), backend: 'wasm', validitySamples: 0 });
    const cls = await trainClassifier({ config: MICRO, files, evalFiles: files, steps: 40, batchSize: 2, lr: 0.05, evalEvery: 1, patience: 2, out: tmp(), backend: 'wasm' });
    for (const r of [gen, cls]) {
      expect(r.endedBy).toBe('early');
      expect(r.steps).toBeLessThan(40);
    }
  }, 180_000);
});
