// The training loop (nanoGPT `train.py` shape; the reference bGPT `train-gen.py` semantics): AdamW,
// cosine schedule with warm-up, gradient accumulation, periodic evaluation, best / last checkpoints
// with resume state beside the weights, early stopping, pause / stop / exact resume.
import * as tf from '@tensorflow/tfjs-core';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configToJson, configFromJson, estimateTrainingMemoryBytes, validateConfig, type BGPTConfig } from '../../shared/config';
import { TRAIN_DEFAULTS, defaultEvalEvery } from '../../shared/defaults';
import { UserError } from '../../shared/errors';
import type { GpuAdapterInfo } from '../../shared/contract';
import { AdamW } from './adamw';
import { engineInfo, initBackend, type BackendName } from '../backend/backend';
import { checkGpuMemory } from '../backend/gpu-memory';
import { makeBatch, lossRows } from '../model/batch';
import { ops } from '../backend/ops';
import { batchGradients, GradHelper, helperWanted } from './parallel';
import { BGPTModel, isTorchCheckpointFile, loadModel, saveModel } from '../io/checkpoint';
import { buildSequences, countCropped, Sampler } from './data';
import type { FilePair, InputFile } from '../io/files';
import { TrainControl } from './control';
import { getLr, type Schedule } from './schedule';
import { deriveSeed } from '../model/rng';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors';
import { cropSequence } from '../../shared/patches';
import { dominantExt, validSampleRate, VALIDITY_SAMPLES } from './validity';
import { CONFIG_FILE, OPTIMIZER_FILE, TRAIN_STATE_FILE as STATE_FILE } from '../../checkpoint';

/** Resume files written beside config.json / model.safetensors in `last/`. */
// Named once in the checkpoint module (checkpoint/layout.ts); re-exported under the names the trainers use.
export { TRAIN_STATE_FILE as STATE_FILE, OPTIMIZER_FILE } from '../../checkpoint';
const STATE_VERSION = 1;
/** The reference trainer's LEARNING_RATE (shared/defaults.ts). */
export const DEFAULT_LR = TRAIN_DEFAULTS.lr;
export const DEFAULT_DROPOUT = TRAIN_DEFAULTS.dropout;
/** Random stream of the dropout masks (see data.ts for the sampling streams). */
const DROPOUT_STREAM = 3;
/**
 * wasm32 memory ends at 4 GiB; TF.js's wasm backend keeps every tensor in it. Runs whose estimated
 * peak passes 90 % of that are refused up front with advice, rather than failing mid-run.
 */
const WASM_MEMORY_LIMIT = 0.9 * 4 * 2 ** 30;

export interface StepMetrics { step: number; trainLoss: number; lr: number; bytesPerSecond: number; time: number }
/** `validRate`: share of files sampled at this evaluation judged valid (null when not measured). */
export interface EvalMetrics { step: number; evalLoss: number; evalBitsPerByte: number; validRate?: number | null }
export interface CheckpointEvent { step: number; kind: 'best' | 'last'; path: string; evalLoss: number | null; validRate?: number | null }

export interface TrainOptions {
  /** Model for a fresh run (ignored when resuming: the checkpoint's config is used). */
  config?: BGPTConfig;
  /** Training files (whole-file mode). */
  files: InputFile[];
  /** Eval split; empty → no evaluation, `best/` is never written. */
  evalFiles?: InputFile[];
  /** Conversion mode: training pairs (then `files` is ignored) and eval pairs. */
  pairs?: FilePair[];
  evalPairs?: FilePair[];
  /** Optimizer updates in all; or `epochs` passes over the training set. */
  steps?: number;
  epochs?: number;
  /** Windows per micro-batch. */
  batchSize?: number;
  /** Micro-batches summed into one update. */
  accumulation?: number;
  lr?: number;
  /** Dropout rate while training (default 0.1, as the reference); 0 turns it off. */
  dropout?: number;
  seed?: number;
  /** Updates between evaluations (and `last/` checkpoints). */
  evalEvery?: number;
  /** Stop after this many evaluations without a better eval loss. */
  patience?: number;
  /**
   * Files sampled at each evaluation to measure the valid-file rate (engine/train/validity.ts); default
   * VALIDITY_SAMPLES in generative mode, 0 (off) in conversion mode.
   */
  validitySamples?: number;
  /** Run folder: checkpoints go to `out/best` and `out/last`. */
  out: string;
  /** A `last/` checkpoint to continue from exactly. */
  resume?: string;
  /** Fine-tuning: start from this checkpoint's weights (and its config) with a fresh optimizer and schedule. */
  init?: string;
  /** The base weights when `init` is a LoRA adapter folder (merged into the weights training starts from). */
  initBase?: string;
  backend?: BackendName;
  /** Compute half of each batch on a worker thread (default: on wasm / cpu with two or more cores). */
  parallel?: boolean;
  control?: TrainControl;
  onStep?(m: StepMetrics): void;
  onEval?(m: EvalMetrics): void;
  onCheckpoint?(e: CheckpointEvent): void;
}

export interface TrainResult {
  backend: BackendName;
  /** The GPU adapter on webgpu (vendor, device…), null on the other backends. */
  adapter: GpuAdapterInfo | null;
  runId: string;
  /** The best checkpoint when there was an eval split, else the last. */
  checkpoint: string;
  steps: number;
  trainLoss: number | null;
  evalLoss: number | null;
  evalBitsPerByte: number | null;
  bytesPerSecond: number;
  /** Why the loop ended before `steps`: 'stopped' (control.stop) or 'early' (patience). */
  endedBy: 'done' | 'stopped' | 'early';
  /** Threads that computed gradients: 2 with the gradient worker (wasm/cpu on a machine with a spare core), else 1. */
  workers: number;
  warnings: string[];
}

/** The settings both trainers take (bytes here, labels in classify/train.ts). */
export type HyperOptions = Pick<TrainOptions, 'steps' | 'epochs' | 'batchSize' | 'accumulation' | 'lr' | 'dropout' | 'seed' | 'evalEvery' | 'patience'>;

/** The part of the resume state both trainers share: where the run is and how it was asked to go. */
export interface RunProgress {
  runId: string;
  step: number;
  totalSteps: number;
  seed: number;
  batchSize: number;
  accumulation: number;
  lr: number;
  dropout: number;
  evalEvery: number;
  patience: number | null;
  bestEvalLoss: number | null;
  evalsSinceBest: number;
  /** Sampling is a pure function of (seed, sample index): this is the whole RNG state. */
  rng: { seed: number; nextSample: number };
  schedule: Schedule & { warmupFraction: number };
}

/** Everything besides weights and moments that an exact resume needs. */
interface TrainState extends RunProgress {
  version: number;
  config: ReturnType<typeof configToJson>;
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new UserError(`${name} must be a positive integer, got ${v}`, 'BAD_ARGS');
  return x;
}

function checkLr(lr: number): number {
  if (!Number.isFinite(lr) || lr <= 0 || lr > 1) throw new UserError(`lr must be a number in (0, 1], got ${lr}`, 'BAD_ARGS');
  return lr;
}

async function readState(dir: string): Promise<TrainState> {
  const file = path.join(dir, STATE_FILE);
  let state: TrainState;
  try {
    state = JSON.parse(await fs.readFile(file, 'utf8')) as TrainState;
  } catch {
    throw new UserError(`${file}: missing or not valid JSON (resume needs a 'last' checkpoint written by training)`, 'BAD_CHECKPOINT');
  }
  if (state.version !== STATE_VERSION || !Number.isInteger(state.step)) throw new UserError(`${file}: unknown resume state format`, 'BAD_CHECKPOINT');
  return state;
}

/** The AdamW moments saved beside a `last/` checkpoint, restored onto `vars` at `step` (both trainers resume this way). */
export async function restoreOptimizer(dir: string, vars: ConstructorParameters<typeof AdamW>[0], step: number): Promise<AdamW> {
  const file = path.join(dir, OPTIMIZER_FILE);
  const bytes = await fs.readFile(file).catch(() => {
    throw new UserError(`${file}: missing (resume needs a 'last' checkpoint written by training)`, 'BAD_CHECKPOINT');
  });
  const opt = new AdamW(vars, ops());
  try {
    opt.restore(parseSafetensors(bytes, file).tensors, step, file);
  } catch (err) {
    opt.dispose();
    throw err;
  }
  return opt;
}

/** A fresh run's progress from the options (defaults: shared/defaults.ts), checked; `defaultLr` when none is given. */
export function freshProgress(opts: HyperOptions, trainCount: number, defaultLr: number = DEFAULT_LR): RunProgress {
  const batchSize = positiveInt('batch', opts.batchSize, 8);
  const accumulation = positiveInt('accumulation', opts.accumulation, TRAIN_DEFAULTS.accumulation);
  if (opts.steps !== undefined && opts.epochs !== undefined) throw new UserError('give --steps or --epochs, not both', 'BAD_ARGS');
  const perUpdate = batchSize * accumulation;
  const totalSteps = opts.epochs !== undefined
    ? Math.ceil((positiveInt('epochs', opts.epochs, 1) * trainCount) / perUpdate)
    : positiveInt('steps', opts.steps, 100);
  const seed = opts.seed ?? TRAIN_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0) throw new UserError(`seed must be a non-negative integer, got ${seed}`, 'BAD_ARGS');
  const lr = checkLr(opts.lr ?? defaultLr);
  const dropout = opts.dropout ?? DEFAULT_DROPOUT;
  if (!(dropout >= 0 && dropout < 1)) throw new UserError(`dropout must be in [0, 1), got ${dropout}`, 'BAD_ARGS');
  return {
    runId: randomUUID(), step: 0, totalSteps, seed, batchSize, accumulation, lr, dropout,
    evalEvery: positiveInt('evalEvery', opts.evalEvery, defaultEvalEvery(totalSteps)),
    patience: opts.patience === undefined ? null : positiveInt('patience', opts.patience, 1),
    bestEvalLoss: null, evalsSinceBest: 0,
    rng: { seed, nextSample: 0 },
    schedule: { maxLr: lr, totalSteps, warmupFraction: TRAIN_DEFAULTS.warmupFraction },
  };
}

/** A fresh run's state from the options. */
function freshState(opts: TrainOptions, config: BGPTConfig, trainCount: number): TrainState {
  return { version: STATE_VERSION, ...freshProgress(opts, trainCount), config: configToJson(config) };
}

/** Mean nats per predicted byte over the eval windows (heads of the sequences), batch by batch. */
export async function estimateLoss(model: BGPTModel, seqs: Int32Array[], batchSize: number): Promise<number> {
  const { patchSize: s, patchLength: l } = model.config;
  let nats = 0;
  let count = 0;
  for (let i = 0; i < seqs.length; i += batchSize) {
    const windows = seqs.slice(i, i + batchSize).map((q) => cropSequence(q, s, l));
    const total = tf.tidy(() => tf.sum(lossRows({ ops: ops() }, model.weights, model.config, makeBatch(windows, s))));
    nats += (await total.data())[0];
    total.dispose();
    count += windows.reduce((a, w) => a + w.length - s, 0);
  }
  return nats / count;
}

/**
 * One optimizer update: gradients summed over micro-batches, averaged, applied. Micro-batch j of
 * step s draws its dropout masks from (seed, s, j). Returns the mean loss.
 */
async function trainStep(run: Run, batches: Int32Array[][], lr: number, helper: GradHelper | null): Promise<number> {
  const { model, opt, state } = run;
  let sum: Map<string, tf.Tensor> | null = null;
  let loss = 0;
  for (const [j, seqs] of batches.entries()) {
    const dropout = { rate: state.dropout, seed: deriveSeed(state.seed, DROPOUT_STREAM, state.step, j) };
    const r = await batchGradients(model, seqs, helper, dropout);
    loss += r.loss;
    if (!sum) sum = r.grads;
    else for (const [name, g] of r.grads) {
      const prev = sum.get(name) as tf.Tensor;
      sum.set(name, tf.add(prev, g));
      prev.dispose();
      g.dispose();
    }
  }
  const grads = sum as Map<string, tf.Tensor>;
  if (batches.length > 1) {
    for (const [name, g] of grads) {
      grads.set(name, tf.div(g, batches.length));
      g.dispose();
    }
  }
  opt.apply(grads, lr);
  for (const g of grads.values()) g.dispose();
  return loss / batches.length;
}

interface Run {
  opts: TrainOptions;
  model: BGPTModel;
  opt: AdamW;
  state: TrainState;
  sampler: Sampler;
  evalSeqs: Int32Array[];
  /** The step `last/` was last written at. */
  savedStep: number;
}

async function saveLast(run: Run): Promise<string> {
  const dir = path.join(run.opts.out, 'last');
  await saveModel(dir, run.model, {
    [STATE_FILE]: JSON.stringify(run.state, null, 1),
    [OPTIMIZER_FILE]: serializeSafetensors(await run.opt.moments(), { step: String(run.opt.step) }),
  });
  run.savedStep = run.state.step;
  run.opts.onCheckpoint?.({ step: run.state.step, kind: 'last', path: dir, evalLoss: run.state.bestEvalLoss });
  return dir;
}

/** The valid-file rate of samples from the current weights (null when off or not generative). */
async function measureValidity(run: Run): Promise<number | null> {
  const { opts, state } = run;
  const generative = (opts.pairs ?? []).length === 0;
  const count = opts.validitySamples ?? (generative ? VALIDITY_SAMPLES : 0);
  const ext = dominantExt(opts.files);
  if (count <= 0 || !generative || ext === null) return null;
  return validSampleRate(run.model, ext, state.seed, state.step, count);
}

/** Evaluates, updates best / patience, writes checkpoints. Returns the eval loss (null without eval split). */
async function evaluateAndSave(run: Run): Promise<number | null> {
  const { state, opts } = run;
  let evalLoss: number | null = null;
  if (run.evalSeqs.length > 0) {
    evalLoss = await estimateLoss(run.model, run.evalSeqs, state.batchSize);
    const validRate = await measureValidity(run);
    opts.onEval?.({ step: state.step, evalLoss, evalBitsPerByte: evalLoss / Math.LN2, validRate });
    if (state.bestEvalLoss === null || evalLoss < state.bestEvalLoss) {
      state.bestEvalLoss = evalLoss;
      state.evalsSinceBest = 0;
      const dir = path.join(opts.out, 'best');
      await saveModel(dir, run.model);
      opts.onCheckpoint?.({ step: state.step, kind: 'best', path: dir, evalLoss, validRate });
    } else {
      state.evalsSinceBest += 1;
    }
  }
  await saveLast(run);
  return evalLoss;
}

/** Model, optimizer and state of a `last/` checkpoint, checked against each other. */
async function resumeFrom(dir: string): Promise<{ model: BGPTModel; opt: AdamW; state: TrainState }> {
  if (await isTorchCheckpointFile(dir)) {
    // The studio's AdamW moments and data order are not in a reference .pth: fine-tune from it instead.
    throw new UserError(`${dir}: a PyTorch checkpoint cannot be resumed exactly; fine-tune from it with --init`, 'BAD_CHECKPOINT');
  }
  const state = await readState(dir);
  const model = await loadModel(dir);
  try {
    const saved = configFromJson(state.config, path.join(dir, STATE_FILE));
    if (JSON.stringify(saved) !== JSON.stringify(model.config)) {
      throw new UserError(`${path.join(dir, STATE_FILE)}: its model config does not match ${path.join(dir, CONFIG_FILE)}`, 'BAD_CHECKPOINT');
    }
    const opt = await restoreOptimizer(dir, model.vars, state.step);
    return { model, opt, state };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** A new run: random weights from the config, or a checkpoint's weights when fine-tuning (`init`). */
async function startFresh(opts: TrainOptions, trainCount: number): Promise<{ model: BGPTModel; opt: AdamW; state: TrainState }> {
  if (opts.init) {
    const model = await loadModel(opts.init, { base: opts.initBase });
    try {
      return { model, opt: new AdamW(model.vars, ops()), state: freshState(opts, model.config, trainCount) };
    } catch (err) {
      model.dispose();
      throw err;
    }
  }
  if (!opts.config) throw new UserError('a model config (preset or flags) is needed for a new run', 'BAD_ARGS');
  const config = validateConfig({ ...opts.config }, 'model options');
  const state = freshState(opts, config, trainCount);
  const model = BGPTModel.random(config, state.seed);
  return { model, opt: new AdamW(model.vars, ops()), state };
}

/** Lines for the warnings list when sequences do not fit the window. */
function cropWarnings(c: BGPTConfig, train: Int32Array[], evalSeqs: Int32Array[]): string[] {
  const out: string[] = [];
  const cropped = countCropped(c, train);
  if (cropped > 0) out.push(`${cropped} of ${train.length} training sequences are longer than the ${c.patchLength}-patch window and are cropped (head, body or tail at random)`);
  const evalCropped = countCropped(c, evalSeqs);
  if (evalCropped > 0) out.push(`${evalCropped} of ${evalSeqs.length} eval sequences are longer than the window; their heads are evaluated`);
  return out;
}

async function openRun(opts: TrainOptions, warnings: string[]): Promise<Run> {
  const pairs = opts.pairs ?? [];
  if (pairs.length === 0 && opts.files.length === 0) throw new UserError('no training files', 'BAD_INPUT');
  const { model, opt, state } = opts.resume ? await resumeFrom(opts.resume) : await startFresh(opts, Math.max(pairs.length, opts.files.length));
  const c = model.config;
  const train = buildSequences(c, opts.files, pairs);
  const evalSeqs = buildSequences(c, opts.evalFiles ?? [], opts.evalPairs ?? []);
  warnings.push(...cropWarnings(c, train, evalSeqs));
  return { opts, model, opt, state, sampler: new Sampler(c, train, state.rng.seed, pairs.length > 0), evalSeqs, savedStep: -1 };
}

/** Refuses a micro-batch whose estimated peak memory does not fit one wasm instance, with advice. */
function checkWasmMemory(c: BGPTConfig, perThread: number, batch: number): void {
  const need = estimateTrainingMemoryBytes(c, perThread);
  if (need <= WASM_MEMORY_LIMIT) return;
  let fits = perThread;
  while (fits > 1 && estimateTrainingMemoryBytes(c, fits) > WASM_MEMORY_LIMIT) fits -= 1;
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  if (estimateTrainingMemoryBytes(c, fits) > WASM_MEMORY_LIMIT) {
    throw new UserError(`this model needs about ${gib(estimateTrainingMemoryBytes(c, 1))} GiB to train even at batch 1, more than the wasm backend's ${gib(WASM_MEMORY_LIMIT)} GiB: use a smaller preset or a native backend (@tensorflow/tfjs-node)`, 'BAD_ARGS');
  }
  throw new UserError(
    `batch ${batch} needs about ${gib(need)} GiB per thread for this model, more than the wasm backend's ${gib(WASM_MEMORY_LIMIT)} GiB: ` +
    `use a smaller batch with accumulation (e.g. batch ${Math.max(1, fits)} and accumulation ${Math.ceil(batch / Math.max(1, fits))})`,
    'BAD_ARGS',
  );
}

/** The micro-batches of the next update, advancing the sample counter (the whole sampling state). */
function drawBatches(state: TrainState, sampler: Sampler): Int32Array[][] {
  return Array.from({ length: state.accumulation }, () =>
    Array.from({ length: state.batchSize }, () => sampler.sample(state.rng.nextSample++)));
}

/**
 * Trains (or resumes) a bGPT model and writes `out/best` and `out/last`. Pause and stop act between
 * updates: stop saves `last` (with its resume state) and returns. Metrics arrive through the callbacks.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const backend = await initBackend(opts.backend);
  const warnings: string[] = [];
  const run = await openRun(opts, warnings);
  const { state, model, sampler } = run;
  const control = opts.control ?? new TrainControl();
  let lastLoss: number | null = null;
  let lastEval: number | null = state.bestEvalLoss;
  let bytes = 0;
  let seconds = 0;
  let endedBy: TrainResult['endedBy'] = 'done';
  let helper: GradHelper | null = null;
  let workers = 1;
  try {
    const wanted = helperWanted(backend, opts.parallel, state.batchSize);
    const adapter = engineInfo().adapter;
    if (adapter) checkGpuMemory(model.config, state.batchSize, adapter);
    if (backend === 'wasm') checkWasmMemory(model.config, wanted ? Math.ceil(state.batchSize / 2) : state.batchSize, state.batchSize);
    helper = await GradHelper.maybeStart(model.config, backend, wanted, (w) => warnings.push(w));
    if (helper) workers = 2;
    while (state.step < state.totalSteps) {
      await control.waitWhilePaused();
      if (control.stopRequested) { endedBy = 'stopped'; break; }
      const t0 = performance.now();
      const batches = drawBatches(state, sampler);
      const lr = getLr(state.step, state.schedule);
      lastLoss = await trainStep(run, batches, lr, helper);
      state.step += 1;
      const dt = (performance.now() - t0) / 1000;
      const stepBytes = batches.flat().reduce((a, s) => a + s.length, 0);
      bytes += stepBytes;
      seconds += dt;
      opts.onStep?.({ step: state.step, trainLoss: lastLoss, lr, bytesPerSecond: stepBytes / dt, time: Date.now() });
      if (state.step % state.evalEvery === 0 || state.step === state.totalSteps) {
        lastEval = await evaluateAndSave(run);
        if (state.patience !== null && state.evalsSinceBest >= state.patience) { endedBy = 'early'; break; }
      }
    }
    if (run.savedStep !== state.step) await saveLast(run);
  } finally {
    await helper?.close();
    run.opt.dispose();
    model.dispose();
  }
  const best = state.bestEvalLoss !== null;
  return {
    backend,
    adapter: engineInfo().adapter,
    runId: state.runId,
    checkpoint: path.join(opts.out, best ? 'best' : 'last'),
    steps: state.step,
    trainLoss: lastLoss,
    evalLoss: lastEval,
    evalBitsPerByte: lastEval === null ? null : lastEval / Math.LN2,
    bytesPerSecond: seconds > 0 ? bytes / seconds : 0,
    endedBy,
    workers,
    warnings,
  };
}
