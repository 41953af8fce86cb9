// The training half of `bgpt bench` (issue 3 §9): the fixed bench model (hidden 256, 4 heads, 4 patch
// layers, 2 byte layers, patch 16, length 64), random weights (seed 0), AdamW, batches of 8 full
// windows of seeded random bytes (8192 bytes a step), dropout 0.1 as the reference trains. The
// reference PyTorch code does ~7300 bytes/s.
import { PRESETS, type BGPTConfig } from '../shared/config';
import { AdamW } from './adamw';
import { initBackend, type BackendName } from './backend';
import { BGPTModel } from './checkpoint';
import { Rng } from './rng';
import { batchGradients, GradHelper, helperUseful } from './parallel';
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
    helper = await GradHelper.maybeStart(config, name, parallel ?? helperUseful(name), () => {});
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
