// The training half of `bgpt bench` (docs/performance.md): the fixed bench model (hidden 256, 4 heads, 4 patch
// layers, 2 byte layers, patch 16, length 64), random weights (seed 0), AdamW, batches of 8 full
// windows of seeded random bytes (8192 bytes a step), dropout 0.1 as the reference trains. The
// reference PyTorch code does ~7300 bytes/s.
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PRESETS, type BGPTConfig } from '../../shared/config';
import { LORA_DEFAULTS, type LoraSettings } from '../../checkpoint/adapter';
import { UserError } from '../../shared/errors';
import { peakRssBytes, resetPeakRss } from '../../node/peak-rss';
import { engineInfo, type BackendName } from '../backend/backend';
import type { GpuAdapterInfo } from '../../shared/contract';
import type { InputFile } from '../io/files';
import { Rng } from '../model/rng';
import { DEFAULT_DROPOUT, generativeSpec, Trainer } from './train';
import { planFor, type MemoryMode, type TrainingPlan } from './plan';
import { gradientThreads, preferredByteChunks } from '../backend/resources';
import { readCheckpointConfig, type BGPTModel } from '../io/checkpoint';
import type { GenerativeEval } from './generative';
import { fusedDispatchCount } from '../fused/program';

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
  /** Windows per update. */
  batch: number;
  bytesPerSecond: number;
  /** Seconds per update. */
  secondsPerStep: number;
  /** Process CPU seconds per update (all threads): on a shared machine, this shows the code's own cost. */
  cpuSecondsPerStep: number;
  /** Threads computing gradients (2 with the gradient worker). */
  workers: number;
  /** How the updates held their memory. */
  plan: TrainingPlan;
  /** LoRA rank of the timed updates (null: every weight trained). */
  loraRank: number | null;
}

/** Files of seeded random bytes that fill a window exactly (its start and end patches included). */
function randomFiles(c: BGPTConfig, n: number, rng: Rng): InputFile[] {
  const bytes = (c.patchLength - 2) * c.patchSize;
  return Array.from({ length: n }, (_, i) => ({ name: `random-${i}`, ext: '', bytes: Uint8Array.from({ length: bytes }, () => rng.int(256)) }));
}

/** What to time instead of the bench defaults (the paper preset of `bgpt bench`, the GPU measuring script). */
export interface BenchVariant {
  config?: BGPTConfig;
  /** Dropout rate (default 0.1, as the reference trains). */
  dropout?: number;
  /** Windows per update (default BENCH_BATCH). */
  batch?: number;
  /** Fine-tune this checkpoint (its config replaces `config`), with LoRA when `lora` is given. */
  init?: string;
  lora?: LoraSettings;
  /** Hold memory this way (default: as a run would choose). */
  memoryMode?: MemoryMode;
}

/** A trainer on the bench's random files, writing nothing (its folder is removed by `close`). */
async function benchTrainer(backend: BackendName | undefined, parallel: boolean | undefined, variant: BenchVariant, steps: number): Promise<{ trainer: Trainer<BGPTModel, Int32Array, GenerativeEval>; close(): Promise<void> }> {
  // The files fill the window of the model that trains: the checkpoint's when fine-tuning (the paper model's 8,160 bytes).
  const config = variant.init ? await readCheckpointConfig(variant.init) : variant.config ?? PRESETS.bench.config;
  const batch = variant.batch ?? BENCH_BATCH;
  const out = await fs.mkdtemp(path.join(tmpdir(), 'bgpt-bench-'));
  const files = randomFiles(config, batch, new Rng(BENCH_SEED));
  try {
    const opts = { files, out, config, steps, batchSize: batch, lr: BENCH_LR, dropout: variant.dropout ?? DEFAULT_DROPOUT, seed: BENCH_SEED, backend, parallel, init: variant.init, lora: variant.lora, memoryMode: variant.memoryMode, validitySamples: 0 };
    const trainer = await Trainer.open(generativeSpec(opts), opts);
    return { trainer, close: async () => { await trainer.close(); await fs.rm(out, { recursive: true, force: true }); } };
  } catch (err) {
    await fs.rm(out, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Measures training speed as `train` runs it (with the gradient worker where that is the default):
 * the bench config by default; `steps` can be lowered for quick checks.
 */
export async function benchTrain(steps = TIMED_STEPS, backend?: BackendName, parallel?: boolean, variant: BenchVariant = {}): Promise<TrainBenchResult> {
  const { trainer, close } = await benchTrainer(backend, parallel, variant, WARMUP_STEPS + steps);
  try {
    for (let i = 0; i < WARMUP_STEPS; i++) await trainer.update();
    const cpuBefore = process.cpuUsage();
    let seconds = 0;
    let bytes = 0;
    for (let i = 0; i < steps; i++) {
      const r = await trainer.update();
      seconds += r.seconds;
      bytes += r.bytes;
    }
    const cpu = process.cpuUsage(cpuBefore);
    const state = trainer.state;
    return {
      backend: trainer.backend,
      adapter: engineInfo().adapter,
      dropout: state.dropout,
      config: trainer.run.model.config,
      batch: state.batchSize,
      bytesPerSecond: bytes / seconds,
      secondsPerStep: seconds / steps,
      cpuSecondsPerStep: (cpu.user + cpu.system) / 1e6 / steps,
      workers: trainer.workers,
      plan: state.plan as TrainingPlan,
      loraRank: state.lora?.settings.rank ?? null,
    };
  } finally {
    await close();
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
  const { trainer, close } = await benchTrainer(backend, false, variant, 3);
  try {
    await trainer.update();
    // Reads and dispatches are counted on an update of its own: tf.profile adds work of its own.
    const reads = countHostReads();
    const dispatches = countDispatches();
    await trainer.update();
    const hostReads = reads.stop();
    const gpuDispatches = dispatches.stop();
    const t0 = performance.now();
    const info = await tf.profile(async () => { await trainer.update(); });
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
    return { backend: trainer.backend, wallMs, kernelsPerStep: kernels.reduce((a, k) => a + k.calls, 0), hostReads, gpuDispatches, kernels };
  } finally {
    await close();
  }
}

/** One paper-size training mode as `bgpt bench --preset paper` times it. */
export interface PaperTrainFigure {
  /** LoRA rank, or null for full fine-tuning. */
  loraRank: number | null;
  bytesPerSecond: number;
  secondsPerStep: number;
  cpuSecondsPerStep: number;
  /** Bytes of the window of each update (one 8 KB window, as the reference's bench-train). */
  bytesPerStep: number;
  workers: number;
  plan: TrainingPlan;
  /** Peak resident memory of the process while these updates ran (Linux: this phase only, see node/peak-rss.ts). */
  peakRssBytes: number;
}

export interface PaperTrainBench {
  lora: PaperTrainFigure;
  /** Full fine-tuning, where the memory plan lets it fit on this backend; else null and why. */
  full: PaperTrainFigure | null;
  fullSkipped: string | null;
}

/**
 * The training half of the paper bench: one LoRA update (rank 8, the defaults) of the checkpoint in
 * `dir` on one window of 8,160 random bytes, and one full fine-tuning update where it fits, each
 * after an untimed one, as `train` would run them (memory plan, gradient worker).
 */
export async function benchPaperTraining(dir: string, progress: (line: string) => void = () => {}, steps = 1, backend?: BackendName): Promise<PaperTrainBench> {
  const run = async (lora: LoraSettings | undefined): Promise<PaperTrainFigure> => {
    resetPeakRss();
    const r = await benchTrain(steps, backend, undefined, { init: dir, lora, batch: 1 });
    return {
      loraRank: r.loraRank, bytesPerSecond: r.bytesPerSecond, secondsPerStep: r.secondsPerStep, cpuSecondsPerStep: r.cpuSecondsPerStep,
      bytesPerStep: r.bytesPerSecond * r.secondsPerStep, workers: r.workers, plan: r.plan, peakRssBytes: peakRssBytes(),
    };
  };
  progress(`timing a LoRA update (rank ${LORA_DEFAULTS.rank}, one 8 KB window, after an untimed one)...`);
  const lora = await run({ ...LORA_DEFAULTS });
  progress(`LoRA: ${lora.bytesPerSecond.toFixed(1)} bytes/s, ${lora.secondsPerStep.toFixed(1)} s per update, peak RSS ${(lora.peakRssBytes / 1e9).toFixed(2)} GB`);
  let full: PaperTrainFigure | null = null;
  let fullSkipped: string | null = null;
  const b0 = engineInfo().backend;
  if (b0 === 'wasm' || b0 === 'cpu') {
    // Measured 2026-12-07: after the LoRA update, a full fine-tuning update of the paper model in the same process
    // aborted TF.js's wasm backend (its heap, at most 4 GiB, never shrinks), though the plan estimates 2.0 GiB a thread.
    fullSkipped = `not timed on ${b0} in the same process as the LoRA update (its heap cannot shrink; an attempt after it aborted the backend); full fine-tuning of this model belongs on a GPU backend`;
    progress(`full fine-tuning not timed: ${fullSkipped}`);
    return { lora, full, fullSkipped };
  }
  try {
    // Planned before anything loads, as `bgpt train` plans it: a wasm heap the LoRA run grew does not shrink, so
    // a full fine-tuning the plan refuses must not even load its weights here.
    const b = engineInfo().backend;
    planFor({ config: await readCheckpointConfig(dir), batch: 1, lora: null, fineTune: true, threads: gradientThreads(b), byteChunks: preferredByteChunks(b) }, b);
    progress('timing a full fine-tuning update...');
    full = await run(undefined);
    progress(`full fine-tuning: ${full.bytesPerSecond.toFixed(1)} bytes/s, peak RSS ${(full.peakRssBytes / 1e9).toFixed(2)} GB`);
  } catch (err) {
    // A refusal of the memory plan, or wasm's heap exhausted although the plan let it start (the full
    // fine-tuning estimate is low at paper size: docs/performance.md); the LoRA figures stand either way.
    const outOfMemory = (err as Error)?.name === 'RuntimeError' || /memory access out of bounds|out of memory|Aborted\(\)/i.test(String((err as Error)?.message ?? err));
    if (!(err instanceof UserError) && !outOfMemory) throw err;
    fullSkipped = err instanceof UserError ? err.message : `ran out of wasm memory (${(err as Error).message}) although the memory plan let it start`;
    progress(`full fine-tuning not timed: ${fullSkipped}`);
  }
  return { lora, full, fullSkipped };
}
