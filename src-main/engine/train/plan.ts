// How a training run fits (issue 22 item 2): the memory mode is chosen once, from the estimate
// (shared/config.ts estimateTrainingMemoryBytes) against every limit of the backend — full (the
// patch level's activations all held), then activation recomputation (one patch-level block at a
// time), then window micro-batches (fewer windows per pass, the batch's gradient summed over the
// passes) — and a run is refused only when even the leanest mode cannot fit, saying which would
// (LoRA when full fine-tuning does not fit). With it an estimate of the time per update. No TF.js
// here: the studio plans before the engine starts (Train form, `bgpt train`'s first line), the
// engine plans again with what it knows for sure (its backend, its gradient worker).
import { BYTE_LEVEL_CHUNK_PATCHES, estimateTrainingMemoryBytes, parameterCount, presetConfig, PRESETS, VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { LORA_DEFAULTS, loraModules, loraParameterCount, type LoraSettings } from '../../checkpoint/adapter';
import { HEADROOM, memoryLimits, type MemoryLimit } from '../backend/resources';

export type MemoryMode = 'full' | 'recompute' | 'micro-batches';

/** The chosen way to hold a run's memory (kept in the resume state: a resumed run keeps it). */
export interface TrainingPlan {
  mode: MemoryMode;
  recompute: boolean;
  /** Windows one thread computes at once (the batch is split into passes of this many). */
  windowsPerPass: number;
  /** Target patches per byte-level chunk. */
  byteChunk: number;
  /** Threads sharing each pass: 2 with the gradient worker (each holds a copy of the weights). */
  threads: 1 | 2;
}

/** What is planned for. */
export interface PlanRequest {
  config: BGPTConfig;
  /** Windows per micro-batch (the request's batch). */
  batch: number;
  /** LoRA settings, or null for full fine-tuning (or training from scratch). */
  lora: LoraSettings | null;
  /** Whether the run starts from a checkpoint: only then is LoRA a suggestion. */
  fineTune: boolean;
  /** Threads that compute gradients (2 with the gradient worker: each holds a copy of the weights). */
  threads: 1 | 2;
  /** Parameters of a classifier's head (0 for generative runs). */
  headParams?: number;
  /** Only this mode (measurements, tests); default: the first of the ladder that fits. */
  mode?: MemoryMode;
  /** Byte-level chunk sizes to try, preferred first (resources.ts preferredByteChunks: the backend's). */
  byteChunks?: number[];
}

export interface PlanReport {
  /** Its threads are the request's, or 1 when two copies of the model do not fit. */
  plan: TrainingPlan;
  /** Estimated peak of one thread's tensors, and of the whole process (every thread, and Node's own). */
  bytesPerThread: number;
  bytes: number;
  /** Parameters the optimizer updates. */
  trainableParams: number;
  /** "paper model, LoRA r8" / "110 M-parameter model, full fine-tuning". */
  label: string;
}

/**
 * What a process holds besides the TF.js tensors of its threads (Node, V8's heap, the wasm code, the
 * data): measured 0.35–0.4 GB resident above the tensors on the paper model's runs (docs/performance.md).
 */
const PROCESS_OVERHEAD_BYTES = 400e6;

/** Parameters a LoRA run trains: the factors, and the layer norms and biases the settings add. */
export function loraTrainableParams(c: BGPTConfig, s: LoraSettings): number {
  let n = loraParameterCount(c, s);
  const d = c.hiddenSize;
  if (s.trainLayerNorms) {
    if (s.levels.includes('patch')) n += c.patchNumLayers * 4 * d + 2 * d;
    if (s.levels.includes('byte') && c.byteNumLayers > 0) n += c.byteNumLayers * 4 * d + 2 * d;
  }
  if (s.trainBiases) n += loraModules(c, s).reduce((a, m) => a + m.outFeatures, 0);
  return n;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function gb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

/** The model in words: its preset's name when it is one ("paper model"), else its size. */
export function modelLabel(c: BGPTConfig): string {
  for (const name of Object.keys(PRESETS)) {
    if (JSON.stringify(presetConfig(name)) === JSON.stringify(c)) return `${name} model`;
  }
  const p = parameterCount(c);
  return p >= 1e6 ? `${(p / 1e6).toFixed(p >= 1e8 ? 0 : 1)} M-parameter model` : `${Math.round(p / 1e3)} k-parameter model`;
}

export function fineTuneLabel(lora: LoraSettings | null, fineTune: boolean): string {
  return lora ? `LoRA r${lora.rank}` : fineTune ? 'full fine-tuning' : 'training from scratch';
}

/** The memory modes in the order they are tried: the first that fits is taken. */
function candidates(req: PlanRequest): TrainingPlan[] {
  const threads = req.threads;
  const perThread = Math.ceil(req.batch / threads);
  const [chunk, ...leaner] = req.byteChunks ?? [BYTE_LEVEL_CHUNK_PATCHES];
  const out: TrainingPlan[] = [
    { mode: 'full', recompute: false, windowsPerPass: perThread, byteChunk: chunk, threads },
    { mode: 'recompute', recompute: true, windowsPerPass: perThread, byteChunk: chunk, threads },
  ];
  for (let w = perThread - 1; w >= 1; w--) out.push({ mode: 'micro-batches', recompute: true, windowsPerPass: w, byteChunk: chunk, threads });
  // Last, smaller byte-level chunks: one window at a time, its byte level in fewer positions at once.
  for (const c of leaner) out.push({ mode: perThread > 1 ? 'micro-batches' : 'recompute', recompute: true, windowsPerPass: 1, byteChunk: c, threads });
  return req.mode ? out.filter((p) => p.mode === req.mode) : out;
}

function estimate(req: PlanRequest, plan: TrainingPlan): { perThread: number; total: number; trainable: number } {
  const trainable = (req.lora ? loraTrainableParams(req.config, req.lora) : parameterCount(req.config)) + (req.headParams ?? 0);
  const perThread = estimateTrainingMemoryBytes(req.config, Math.ceil(req.batch / req.threads), {
    trainableParams: trainable, lora: req.lora !== null, recompute: plan.recompute, windowsPerPass: plan.windowsPerPass, byteChunk: plan.byteChunk,
  });
  return { perThread, total: perThread * req.threads + PROCESS_OVERHEAD_BYTES, trainable };
}

/** Limits that bound the whole process (RAM), against those that bound one thread's instance (wasm's 4 GiB, a GPU). */
function processWide(l: MemoryLimit): boolean {
  return l.name === 'available RAM' || l.name === 'BGPT_MEMORY_LIMIT';
}

function over(e: { perThread: number; total: number }, limits: MemoryLimit[]): MemoryLimit | null {
  return limits.find((l) => (processWide(l) ? e.total : e.perThread) > l.bytes * HEADROOM) ?? null;
}

/** The first plan of the ladder that fits, or null with the leanest one's estimate and why it does not. */
function firstFit(req: PlanRequest, limits: MemoryLimit[], extraFits: (p: TrainingPlan) => string | null): PlanReport | { leanest: number; why: string } {
  const label = `${modelLabel(req.config)}, ${fineTuneLabel(req.lora, req.fineTune)}`;
  let leanest = { leanest: 0, why: '' };
  for (const plan of candidates(req)) {
    const e = estimate(req, plan);
    const limit = over(e, limits);
    const extra = limit ? null : extraFits(plan);
    if (!limit && !extra) return { plan, bytesPerThread: e.perThread, bytes: e.total, trainableParams: e.trainable, label };
    leanest = { leanest: e.perThread, why: limit ? `more than ${gib(limit.bytes * HEADROOM)} (${limit.name})` : (extra as string) };
  }
  return leanest;
}

/**
 * The first plan of the ladder (full, recomputation, micro-batches) that fits `limits`, or a
 * one-line refusal saying what would fit. `extraFits(plan)` adds a backend's own condition (a GPU's
 * largest buffer): null when it holds, else why not.
 */
export function planTraining(req: PlanRequest, limits: MemoryLimit[], extraFits: (p: TrainingPlan) => string | null = () => null): PlanReport {
  const r = firstFit(req, limits, extraFits);
  if ('plan' in r) return r;
  // Two threads hold two copies of the model: one thread may fit where two do not.
  if (req.threads > 1) {
    const one = firstFit({ ...req, threads: 1 }, limits, extraFits);
    if ('plan' in one) return one;
  }
  const label = `${modelLabel(req.config)}, ${fineTuneLabel(req.lora, req.fineTune)}`;
  const need = `${label} needs about ${gb(r.leanest)} even with recomputation and one window per pass, ${r.why}`;
  // Which mode would: LoRA when fine-tuning fully, else a smaller model.
  if (!req.lora && req.fineTune) {
    const withLora = { ...req, lora: { ...LORA_DEFAULTS } };
    let lora = firstFit(withLora, limits, extraFits);
    if (!('plan' in lora) && req.threads > 1) lora = firstFit({ ...withLora, threads: 1 }, limits, extraFits);
    if ('plan' in lora) throw new UserError(`${need}: use --lora ${LORA_DEFAULTS.rank} (about ${gb(lora.bytes)})`, 'TOO_BIG');
  }
  throw new UserError(`${need}: use a smaller model${req.lora ? ' or a lower LoRA rank' : ''}`, 'TOO_BIG');
}

/** planTraining against the limits of `backend` as this machine has them now. */
export function planFor(req: PlanRequest, backend: string | null): PlanReport {
  return planTraining(req, memoryLimits(backend));
}

/**
 * FLOPs of one training window (multiply-adds count 2): forward of both decoders, the patch level
 * a second time (it runs untaped, then again for its backward pass), the input gradients, and with
 * full fine-tuning the weight gradients (docs/performance.md, "Fine-tuning: the arithmetic").
 */
export function trainingFlopsPerWindow(c: BGPTConfig, lora: boolean): number {
  const d = c.hiddenSize;
  const p = c.patchLength;
  const bytes = (p - 1) * c.patchSize;
  const patchMatrix = 2 * p * (c.patchNumLayers * 12 * d * d + c.patchSize * VOCAB_SIZE * d);
  const patchAttention = 2 * p * c.patchNumLayers * 2 * p * d;
  const byteMatrix = 2 * bytes * (c.byteNumLayers * 12 * d * d + VOCAB_SIZE * d);
  const byteAttention = 2 * bytes * c.byteNumLayers * 2 * c.patchSize * d;
  const forward = patchMatrix + patchAttention + byteMatrix + byteAttention;
  const inputGrads = forward - (lora ? 2 * p * c.patchSize * VOCAB_SIZE * d : 0); // one-hot inputs need no gradient
  const weightGrads = lora ? 0 : patchMatrix + byteMatrix;
  return forward + (patchMatrix + patchAttention) + inputGrads + weightGrads;
}

/**
 * Sustained training FLOP/s of one thread by backend, what the time estimate assumes before a run has
 * measured its own speed. wasm: a paper-size LoRA update (~0.97 TFLOP by trainingFlopsPerWindow) took
 * 47 CPU seconds on one thread and 52 on two on the project's 2-core machine (docs/performance.md,
 * 2026-12-07), about 18–20 GFLOP per CPU second. The GPU figure is the H200's order of magnitude
 * (docs/gpu.md): for webgpu the estimate says little more than "seconds, not minutes".
 */
export const TRAIN_FLOPS_PER_SECOND: Record<string, number> = {
  wasm: 18e9,
  cpu: 0.6e9,
  webgpu: 2e12,
  tensorflow: 40e9,
  'tensorflow-gpu': 2e12,
};

/** Estimated seconds per update: `windows` windows of FLOPs at the backend's rate on `threads` threads. */
export function estimateSecondsPerUpdate(c: BGPTConfig, windows: number, lora: boolean, backend: string | null, threads: 1 | 2): number {
  const rate = TRAIN_FLOPS_PER_SECOND[backend ?? 'wasm'] ?? TRAIN_FLOPS_PER_SECOND.wasm;
  return (windows * trainingFlopsPerWindow(c, lora)) / (rate * threads);
}

/** "about 2.4 GB, about 25 s per update here (estimated)" */
export function planLine(report: PlanReport, secondsPerUpdate: number | null, measured: boolean): string {
  const mode = report.plan.mode === 'full' ? '' : report.plan.mode === 'recompute' ? ', with activation recomputation' : `, with activation recomputation and micro-batches of ${report.plan.windowsPerPass} window${report.plan.windowsPerPass > 1 ? 's' : ''}`;
  const time = secondsPerUpdate === null ? '' : `, about ${secondsPerUpdate >= 10 ? Math.round(secondsPerUpdate) : secondsPerUpdate.toFixed(1)} s per update here (${measured ? 'measured on this machine' : 'estimated'})`;
  return `${report.label}: about ${gb(report.bytes)}${mode}${time}`;
}
