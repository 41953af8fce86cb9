import { describe, it, expect } from 'vitest';
import { lacks } from '../../../helpers/system';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../../../src-main/engine/backend/backend';
import { loadModel } from '../../../../src-main/engine/io/checkpoint';
import { TrainControl } from '../../../../src-main/engine/train/control';
import { readInputFile, type InputFile } from '../../../../src-main/engine/io/files';
import { getLr } from '../../../../src-main/engine/train/schedule';
import { train, OPTIMIZER_FILE, STATE_FILE, type TrainOptions } from '../../../../src-main/engine/train/train';
import type { BGPTConfig } from '../../../../src-main/shared/config';
import { requireWebGpu } from '../backend/webgpu-required';
import { engineInfo } from '../../../../src-main/engine/backend/backend';
import { helperWanted } from '../../../../src-main/engine/train/parallel';
import type { PlanReport } from '../../../../src-main/engine/train/plan';
import { tempDir } from '../../../helpers/temp';

const INPUTS = fileURLToPath(new URL('../../../fixtures/parity/tiny-a/inputs/', import.meta.url));
/** Small enough for 100 steps in a few seconds, big enough to learn. */
const MICRO: BGPTConfig = { patchSize: 16, patchLength: 8, hiddenSize: 32, patchNumLayers: 1, byteNumLayers: 1, numHeads: 2 };

async function inputs(): Promise<InputFile[]> {
  return Promise.all(['gpl3-head.txt', 'apache-2.0-head.md', 'libmpc3-copyright.debian-copyright-file'].map((f) => readInputFile(INPUTS + f)));
}

function tmp(): string {
  return tempDir('bgpt-train-');
}

async function weightsOf(dir: string): Promise<Map<string, Float32Array>> {
  const m = await loadModel(dir);
  const out = new Map((await m.tensors()).map(([n, t]) => [n, Float32Array.from(t.data)]));
  m.dispose();
  return out;
}

describe('schedule', () => {
  it('warms up linearly over 10 % of the steps, then decays along a cosine to zero', () => {
    const s = { maxLr: 1e-3, totalSteps: 100 };
    expect(getLr(0, s)).toBeCloseTo(1e-4, 12);
    expect(getLr(9, s)).toBeCloseTo(1e-3, 12);
    expect(getLr(55, s)).toBeCloseTo(5e-4, 12);
    expect(getLr(100, s)).toBeCloseTo(0, 12);
    expect(getLr(30, s)).toBeGreaterThan(getLr(60, s));
  });
});

/** Starts `backend` (webgpu: any adapter, failing with the lavapipe hint when there is none). */
async function start(backend: BackendName): Promise<void> {
  if (backend === 'webgpu') await requireWebGpu();
  else await initBackend(backend);
}

// Every training behaviour on each backend: wasm (the CPU default) and webgpu (lavapipe in CI).
describe.each((lacks('webgpu') ? ['wasm'] : ['wasm', 'webgpu']) as BackendName[])('training on %s', (backend) => {
  it('learns (no gather gradient needed) and writes best and last checkpoints', async () => {
    await start(backend);
    const files = await inputs();
    const out = tmp();
    const losses: number[] = [];
    const kinds = new Set<string>();
    const r = await train({
      config: MICRO, files, evalFiles: files.slice(0, 1), steps: 40, batchSize: 3, lr: 5e-3, seed: 1, out, backend,
      onStep: (m) => losses.push(m.trainLoss), onCheckpoint: (e) => kinds.add(e.kind),
    });
    expect(r.backend).toBe(backend);
    expect(r.steps).toBe(40);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 1);
    expect(r.evalLoss).toBeLessThan(4);
    expect(r.warnings[0]).toMatch(/3 of 3 training sequences are longer than the 8-patch window/);
    expect([...kinds].sort()).toEqual(['best', 'last']);
    for (const f of ['config.json', 'model.safetensors', STATE_FILE, OPTIMIZER_FILE]) expect(existsSync(`${out}/last/${f}`)).toBe(true);
    expect(JSON.parse(readFileSync(`${out}/last/${STATE_FILE}`, 'utf8'))).toMatchObject({ step: 40, totalSteps: 40, seed: 1 });
  });

  it('continues exactly: N steps straight equal N/2, stop, resume, N/2', async () => {
    await start(backend);
    const files = await inputs();
    const base: Omit<TrainOptions, 'out'> = { config: MICRO, files, evalFiles: files.slice(1, 2), steps: 12, batchSize: 2, accumulation: 2, lr: 3e-3, seed: 7, evalEvery: 5, backend };
    const straight = tmp();
    await train({ ...base, out: straight });
    const split = tmp();
    const control = new TrainControl();
    const first = await train({ ...base, out: split, control, onStep: (m) => { if (m.step === 6) control.stop(); } });
    expect(first.endedBy).toBe('stopped');
    expect(first.steps).toBe(6);
    const second = await train({ files, evalFiles: files.slice(1, 2), out: split, resume: `${split}/last`, backend });
    expect(second.steps).toBe(12);
    expect(second.runId).toBe(first.runId);
    const a = await weightsOf(`${straight}/last`);
    const b = await weightsOf(`${split}/last`);
    for (const [name, w] of a) {
      const v = b.get(name) as Float32Array;
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - v[i]));
      expect(worst, name).toBeLessThan(1e-6);
    }
  });

  it('pauses between updates and resumes in process', async () => {
    await start(backend);
    const files = await inputs();
    const control = new TrainControl();
    let pausedAt = -1;
    const run = train({
      config: MICRO, files, steps: 6, batchSize: 1, out: tmp(), backend, control,
      onStep: (m) => {
        if (m.step === 2) {
          control.pause();
          pausedAt = m.step;
          setTimeout(() => control.resume(), 50);
        }
      },
    });
    const r = await run;
    expect(pausedAt).toBe(2);
    expect(r.steps).toBe(6);
    expect(control.paused).toBe(false);
  });

  it('keeps the tensor count flat over every step and frees everything at the end', async () => {
    await start(backend);
    const files = await inputs();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    // Software Vulkan is slow: fewer steps there, still two evaluations and a checkpoint between.
    const steps = backend === 'webgpu' ? 20 : 100;
    await train({ config: MICRO, files, steps, batchSize: 2, evalEvery: steps / 2, out: tmp(), backend, onStep: () => counts.push(tf.memory().numTensors) });
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops early when the eval loss stops improving', async () => {
    await start(backend);
    const files = await inputs();
    // A huge learning rate makes the eval loss worse after the first evaluation.
    const r = await train({ config: MICRO, files, evalFiles: files.slice(0, 1), steps: 60, batchSize: 1, lr: 1, evalEvery: 2, patience: 2, out: tmp(), backend });
    expect(r.endedBy).toBe('early');
    expect(r.steps).toBeLessThan(60);
  });

}, 600_000);

describe('training', () => {
  it('rejects bad options and a resume folder without state', async () => {
    const files = await inputs();
    await expect(train({ config: MICRO, files, steps: 0, out: tmp(), backend: 'wasm' })).rejects.toThrow(/steps must be a positive integer/);
    await expect(train({ config: MICRO, files, steps: 1, lr: -1, out: tmp(), backend: 'wasm' })).rejects.toThrow(/lr must be/);
    await expect(train({ config: { ...MICRO, numHeads: 3 }, files, steps: 1, out: tmp(), backend: 'wasm' })).rejects.toThrow(/not divisible by num_heads 3/);
    // The bench model at batch 512 would need ~13 GiB at once: it trains in micro-batches instead
    // (planned before the first step; stopped before it here, so nothing is computed).
    const bench: BGPTConfig = { patchSize: 16, patchLength: 64, hiddenSize: 256, patchNumLayers: 4, byteNumLayers: 2, numHeads: 4 };
    const stop = new TrainControl();
    stop.stop();
    let plan: PlanReport | null = null;
    const r = await train({ config: bench, files, steps: 1, batchSize: 512, parallel: false, out: tmp(), backend: 'wasm', control: stop, onPlan: (p) => { plan = p; } });
    expect(r.steps).toBe(0);
    expect(r.plan.mode).toBe('micro-batches');
    expect(r.plan.recompute).toBe(true);
    expect(r.plan.windowsPerPass).toBeGreaterThanOrEqual(1);
    expect(r.plan.windowsPerPass).toBeLessThan(512);
    expect((plan as PlanReport | null)?.plan).toEqual(r.plan);
    // Refused only when even one window per pass with recomputation cannot fit, before a tensor is made.
    const huge: BGPTConfig = { patchSize: 16, patchLength: 64, hiddenSize: 2048, patchNumLayers: 12, byteNumLayers: 2, numHeads: 32 };
    const tensors = (await initBackend('wasm'), tf.memory().numTensors);
    await expect(train({ config: huge, files, steps: 1, batchSize: 1, parallel: false, out: tmp(), backend: 'wasm' }))
      .rejects.toThrow(/k?-?parameter model, training from scratch needs about \d+\.\d GB even with recomputation and one window per pass, more than \d+\.\d GiB \(the wasm backend's 4 GiB\): use a smaller model/);
    expect(tf.memory().numTensors).toBe(tensors);
    const ckpt = fileURLToPath(new URL('../../../fixtures/parity/tiny-a/checkpoint', import.meta.url));
    await expect(train({ files, out: tmp(), resume: ckpt, backend: 'wasm' })).rejects.toThrow(/train_state\.json: missing or not valid JSON/);
  });
});

describe('training on webgpu only', () => {
  it('never starts the gradient worker thread there, even when asked', () => {
    expect(helperWanted('webgpu', true, 8)).toBe(false);
    expect(helperWanted('webgpu', undefined, 8)).toBe(false);
    expect(helperWanted('wasm', true, 8)).toBe(true);
  });

  it.skipIf(lacks('webgpu'))('trains a batch whose largest buffer passes the adapter limit in micro-batches, and refuses one window that cannot fit', async () => {
    await requireWebGpu();
    const files = await inputs();
    const adapter = engineInfo().adapter;
    expect(adapter).not.toBeNull();
    // 1024 patches a window: one-hot patches of 16 MiB and attention scores of 16 MiB per window, so
    // a batch of twice the adapter's per-buffer limit in windows cannot be bound at once.
    const wide: BGPTConfig = { patchSize: 16, patchLength: 1024, hiddenSize: 32, patchNumLayers: 1, byteNumLayers: 1, numHeads: 4 };
    const limit = Math.min(adapter!.maxBufferSize, adapter!.maxStorageBufferBindingSize);
    const batch = Math.ceil((2 * limit) / (4 * 1024 * 1024 * 4));
    const stop = new TrainControl();
    stop.stop();
    const r = await train({ config: wide, files, steps: 1, batchSize: batch, out: tmp(), backend: 'webgpu', control: stop });
    expect(r.plan.mode).toBe('micro-batches');
    expect(r.plan.windowsPerPass * 4 * 1024 * 1024 * 4).toBeLessThanOrEqual(limit);
    // A window whose one-hot patches alone pass the limit is refused before the first step.
    const tall: BGPTConfig = { ...wide, patchLength: Math.ceil((2 * limit) / (16 * 257 * 4)) };
    let steps = 0;
    await expect(train({ config: tall, files, steps: 1, batchSize: 1, out: tmp(), backend: 'webgpu', onStep: () => { steps += 1; } }))
      .rejects.toThrow(/needs about .* even with recomputation and one window per pass, (more than|its)/);
    expect(steps).toBe(0);
  });
});
