// The training half of `bgpt bench` (issue 3 §9): the fixed bench model (hidden 256, 4 heads, 4 patch
// layers, 2 byte layers, patch 16, length 64), random weights (seed 0), AdamW, batches of 8 full
// windows of seeded random bytes (8192 bytes a step), dropout 0.1 as the reference trains. The
// reference PyTorch code does ~7300 bytes/s.
import * as tf from '@tensorflow/tfjs-core';
import { PRESETS, type BGPTConfig } from '../shared/config';
import { AdamW } from './adamw';
import { initBackend, type BackendName } from './backend';
import { BGPTModel } from './checkpoint';
import { Rng } from './rng';
import { batchGradients, GradHelper, helperWanted } from './parallel';
import { DEFAULT_DROPOUT } from './train';

export const BENCH_BATCH = 8;
const BENCH_SEED = 0;
const BENCH_LR = 1e-4;
/** Updates before timing starts (kernel set-up and V8 warm-up), then updates timed. */
const WARMUP_STEPS = 1;
const TIMED_STEPS = 3;

export interface TrainBenchResult {
  backend: BackendName;
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

async function step(model: BGPTModel, opt: AdamW, windows: Int32Array[], helper: GradHelper | null): Promise<void> {
  const { grads } = await batchGradients(model, windows, helper, { rate: DEFAULT_DROPOUT, seed: BENCH_SEED });
  opt.apply(grads, BENCH_LR);
  for (const g of grads.values()) g.dispose();
}

/**
 * Measures training speed on the bench config as `train` runs it (with the gradient worker where
 * that is the default); `steps` can be lowered for quick checks.
 */
export async function benchTrain(steps = TIMED_STEPS, backend?: BackendName, parallel?: boolean): Promise<TrainBenchResult> {
  const name = await initBackend(backend);
  const config = PRESETS.bench.config;
  const model = BGPTModel.random(config, BENCH_SEED);
  const opt = new AdamW(model.vars);
  const rng = new Rng(BENCH_SEED);
  let helper: GradHelper | null = null;
  try {
    helper = await GradHelper.maybeStart(config, name, helperWanted(name, parallel, BENCH_BATCH), () => {});
    for (let i = 0; i < WARMUP_STEPS; i++) await step(model, opt, randomWindows(config, rng), helper);
    const cpuBefore = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step(model, opt, randomWindows(config, rng), helper);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      backend: name,
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
  /** Kernels by total time, largest first. */
  kernels: KernelTime[];
}

/**
 * Where the time of one bench update goes, kernel by kernel (tf.profile), on one thread. Custom-
 * gradient scopes are left out: the kernels inside them are listed on their own.
 */
export async function profileTrainStep(backend?: BackendName): Promise<TrainProfile> {
  const name = await initBackend(backend);
  const config = PRESETS.bench.config;
  const model = BGPTModel.random(config, BENCH_SEED);
  const opt = new AdamW(model.vars);
  const rng = new Rng(BENCH_SEED);
  try {
    await step(model, opt, randomWindows(config, rng), null);
    const t0 = performance.now();
    const info = await tf.profile(() => step(model, opt, randomWindows(config, rng), null));
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
    return { backend: name, wallMs, kernels };
  } finally {
    opt.dispose();
    model.dispose();
  }
}
