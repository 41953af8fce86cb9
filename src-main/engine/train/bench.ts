// The training half of `bgpt bench` (docs/performance.md): the fixed bench model (hidden 256, 4 heads, 4 patch
// layers, 2 byte layers, patch 16, length 64), random weights (seed 0), AdamW, batches of 8 full
// windows of seeded random bytes (8192 bytes a step), dropout 0.1 as the reference trains. The
// reference PyTorch code does ~7300 bytes/s.
import * as tf from '@tensorflow/tfjs-core';
import { PRESETS, type BGPTConfig } from '../../shared/config';
import { AdamW } from './adamw';
import { engineInfo, initBackend, type BackendName } from '../backend/backend';
import type { GpuAdapterInfo } from '../../shared/contract';
import { BGPTModel } from '../io/checkpoint';
import { Rng } from '../model/rng';
import { batchGradients, GradHelper, helperWanted } from './parallel';
import { DEFAULT_DROPOUT } from './train';
import { fusedDispatchCount } from '../fused/program';
import { ops } from '../backend/ops';

export const BENCH_BATCH = 8;
const BENCH_SEED = 0;
const BENCH_LR = 1e-4;
/** Updates before timing starts (kernel set-up and V8 warm-up), then updates timed. */
const WARMUP_STEPS = 1;
const TIMED_STEPS = 3;

export interface TrainBenchResult {
  backend: BackendName;
  /** The GPU adapter on webgpu, else null. */
  adapter: GpuAdapterInfo | null;
  /** Dropout rate of the timed updates. */
  dropout: number;
  config: BGPTConfig;
  bytesPerSecond: number;
  /** Seconds per update (8192 bytes). */
  secondsPerStep: number;
  /** Process CPU seconds per update (all threads): on a shared machine, this shows the code's own cost. */
  cpuSecondsPerStep: number;
  /** Threads computing gradients (2 with the gradient worker). */
  workers: number;
}

function randomWindows(c: BGPTConfig, rng: Rng): Int32Array[] {
  return Array.from({ length: BENCH_BATCH }, () => Int32Array.from({ length: c.patchLength * c.patchSize }, () => rng.int(256)));
}

/** What to time instead of the bench defaults (the measuring script times the paper config too). */
export interface BenchVariant {
  config?: BGPTConfig;
  /** Dropout rate (default 0.1, as the reference trains). */
  dropout?: number;
}

async function step(model: BGPTModel, opt: AdamW, windows: Int32Array[], helper: GradHelper | null, dropout: number = DEFAULT_DROPOUT): Promise<void> {
  const { grads } = await batchGradients(model, windows, helper, { rate: dropout, seed: BENCH_SEED });
  opt.apply(grads, BENCH_LR);
  for (const g of grads.values()) g.dispose();
}

/**
 * Measures training speed on the bench config as `train` runs it (with the gradient worker where
 * that is the default); `steps` can be lowered for quick checks.
 */
export async function benchTrain(steps = TIMED_STEPS, backend?: BackendName, parallel?: boolean, variant: BenchVariant = {}): Promise<TrainBenchResult> {
  const name = await initBackend(backend);
  const config = variant.config ?? PRESETS.bench.config;
  const dropout: number = variant.dropout ?? DEFAULT_DROPOUT;
  const model = BGPTModel.random(config, BENCH_SEED);
  const opt = new AdamW(model.vars, ops());
  const rng = new Rng(BENCH_SEED);
  let helper: GradHelper | null = null;
  try {
    helper = await GradHelper.maybeStart(config, name, helperWanted(name, parallel, BENCH_BATCH), () => {});
    for (let i = 0; i < WARMUP_STEPS; i++) await step(model, opt, randomWindows(config, rng), helper, dropout);
    const cpuBefore = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step(model, opt, randomWindows(config, rng), helper, dropout);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      backend: name,
      adapter: engineInfo().adapter,
      dropout,
      config,
      bytesPerSecond: (steps * BENCH_BATCH * config.patchLength * config.patchSize) / seconds,
      secondsPerStep: seconds / steps,
      cpuSecondsPerStep: (cpu.user + cpu.system) / 1e6 / steps,
      workers: helper ? 2 : 1,
    };
  } finally {
    await helper?.close();
    opt.dispose();
    model.dispose();
  }
}

/**
 * Counts reads of tensor values back to the host (read / readSync of the active backend) until
 * stop(): each one waits for the device to finish everything queued before it.
 */
function countHostReads(): { stop(): number } {
  const b = tf.backend() as unknown as { read(id: object): Promise<unknown>; readSync(id: object): unknown };
  const { read, readSync } = b;
  let n = 0;
  b.read = function (id) { n += 1; return read.call(this, id); };
  b.readSync = function (id) { n += 1; return readSync.call(this, id); };
  return { stop: () => { b.read = read; b.readSync = readSync; return n; } };
}

/**
 * Counts WebGPU programs run (runWebGPUProgram of TF.js's webgpu backend, plus the fused kernels of
 * engine/fused, which record their own passes) until stop(); null elsewhere.
 */
function countDispatches(): { stop(): number | null } {
  const b = tf.backend() as unknown as { runWebGPUProgram?: (...args: unknown[]) => unknown };
  const original = b.runWebGPUProgram;
  if (tf.getBackend() !== 'webgpu' || !original) return { stop: () => null };
  let n = 0;
  const fused = fusedDispatchCount();
  b.runWebGPUProgram = function (...args) { n += 1; return original.apply(this, args); };
  return { stop: () => { b.runWebGPUProgram = original; return n + fusedDispatchCount() - fused; } };
}

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
  /** Share of the summed kernel time. */
  share: number;
}

export interface TrainProfile {
  backend: BackendName;
  /** Wall time of the profiled update (one thread, no gradient worker). */
  wallMs: number;
  /** Kernel launches in the update (every backend kernel tf.profile saw, custom-gradient scopes aside). */
  kernelsPerStep: number;
  /** Tensor reads back to the host during the update (the loss at its end is one). */
  hostReads: number;
  /**
   * Compute passes actually dispatched on webgpu (its Reshape and Identity kernels only relabel a
   * buffer, so this is below kernelsPerStep); null on the other backends.
   */
  gpuDispatches: number | null;
  /** Kernels by total time, largest first. */
  kernels: KernelTime[];
}

/**
 * Where the time of one bench update goes, kernel by kernel (tf.profile), on one thread. Custom-
 * gradient scopes are left out: the kernels inside them are listed on their own.
 */
export async function profileTrainStep(backend?: BackendName, variant: BenchVariant = {}): Promise<TrainProfile> {
  const name = await initBackend(backend);
  const config = variant.config ?? PRESETS.bench.config;
  const dropout: number = variant.dropout ?? DEFAULT_DROPOUT;
  const model = BGPTModel.random(config, BENCH_SEED);
  const opt = new AdamW(model.vars, ops());
  const rng = new Rng(BENCH_SEED);
  try {
    await step(model, opt, randomWindows(config, rng), null, dropout);
    // Reads and dispatches are counted on an update of its own: tf.profile adds work of its own.
    const reads = countHostReads();
    const dispatches = countDispatches();
    await step(model, opt, randomWindows(config, rng), null, dropout);
    const hostReads = reads.stop();
    const gpuDispatches = dispatches.stop();
    const t0 = performance.now();
    const info = await tf.profile(() => step(model, opt, randomWindows(config, rng), null, dropout));
    const wallMs = performance.now() - t0;
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      if (!tf.getKernel(k.name, tf.getBackend())) continue;
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += k.kernelTimeMs as number;
      e.calls += 1;
      byKernel.set(k.name, e);
    }
    const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0);
    const kernels = [...byKernel.entries()].map(([kernel, e]) => ({ kernel, ms: e.ms, calls: e.calls, share: e.ms / total })).sort((a, b) => b.ms - a.ms);
    return { backend: name, wallMs, kernelsPerStep: kernels.reduce((a, k) => a + k.calls, 0), hostReads, gpuDispatches, kernels };
  } finally {
    opt.dispose();
    model.dispose();
  }
}
