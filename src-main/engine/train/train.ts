// The training loop, one for every task (nanoGPT `train.py` shape; the reference `train-gen.py` and
// `train-cls.py` semantics): AdamW, cosine schedule with warm-up, gradient accumulation, periodic
// evaluation, best / last checkpoints with resume state beside the weights, early stopping, pause /
// stop / exact resume, the gradient worker, LoRA (Hu et al. 2021) and the memory modes of plan.ts.
// A task (task.ts: generative.ts, classify/train.ts) plugs in its batches, loss, evaluation and
// checkpoint files; `train` below is the generative task's entry.
import * as tf from '@tensorflow/tfjs-core';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configFromJson, configToJson, validateConfig, type BGPTConfig } from '../../shared/config';
import { TRAIN_DEFAULTS, defaultEvalEvery } from '../../shared/defaults';
import { UserError } from '../../shared/errors';
import type { GpuAdapterInfo } from '../../shared/contract';
import {
  ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterConfigToJson, checkLoraSettings,
  type AdapterBase, type LoraSettings,
} from '../../checkpoint/adapter';
import { writeDirAtomic } from '../../node/atomic';
import { sha256OfFile } from '../../node/sha256';
import { AdamW } from './adamw';
import { engineInfo, initBackend, type BackendName } from '../backend/backend';
import { ops } from '../backend/ops';
import { memoryLimits, preferredByteChunks } from '../backend/resources';
import { gpuBuffersFit } from '../backend/gpu-memory';
import { BGPTModel, CONFIG_FILE, isTorchCheckpointFile, loadModel, MODEL_FILE, readCheckpointConfig } from '../io/checkpoint';
import { parseSafetensors, serializeSafetensors, type Tensor } from '../io/safetensors';
import { writeAdapterFolder } from '../io/adapter-weights';
import type { FilePair, InputFile } from '../io/files';
import { alsoTrained, adapterFileTensors, currentTensor, LoraAdapter, savedBaseTensors } from '../model/lora';
import { deriveSeed } from '../model/rng';
import { countCropped } from './data';
import { BYTE_PREFIX } from '../model/weights';
import { TrainControl } from './control';
import { getLr, type Schedule } from './schedule';
import { addRemoteGrads, GradHelper, helperWanted, passOf, type BaseTensor, type DropoutSpec, type WorkerInit } from './parallel';
import { accumulate, CHUNK_PATCHES, type Grads } from './gradients';
import { generativeSequences, generativeTask, type ByteOffload, type GenerativeEval, generativeGradients } from './generative';
import { planTraining, type MemoryMode, type PlanReport, type TrainingPlan } from './plan';
import type { Task, TaskEval, TrainModel } from './task';
import { OPTIMIZER_FILE, TRAIN_STATE_FILE as STATE_FILE } from '../../checkpoint';

export { estimateLoss } from './generative';

/** Resume files written beside config.json and the weights in `last/`. */
// Named once in the checkpoint module (checkpoint/layout.ts); re-exported under the names the trainers use.
export { TRAIN_STATE_FILE as STATE_FILE, OPTIMIZER_FILE } from '../../checkpoint';
const STATE_VERSION = 1;
/** The reference trainer's LEARNING_RATE (shared/defaults.ts). */
export const DEFAULT_LR = TRAIN_DEFAULTS.lr;
export const DEFAULT_DROPOUT = TRAIN_DEFAULTS.dropout;
/** Random stream of the dropout masks (see data.ts for the sampling streams). */
const DROPOUT_STREAM = 3;
/** Seed of fresh LoRA factors, apart from the weights' and the data's streams. */
const LORA_STREAM = 5;
/**
 * Share of a one-window pass's byte level the main thread keeps when the worker takes the rest:
 * the main thread also runs the whole patch level (forward, recomputation and backward), so it
 * keeps less than half (measured on the paper model, docs/performance.md).
 */
const MAIN_BYTE_SHARE = 0.35;

export interface StepMetrics { step: number; trainLoss: number; lr: number; bytesPerSecond: number; time: number }
/** `validRate`: share of files sampled at this evaluation judged valid (null when not measured). */
export interface EvalMetrics { step: number; evalLoss: number; evalBitsPerByte: number; validRate?: number | null }
export interface CheckpointEvent { step: number; kind: 'best' | 'last'; path: string; evalLoss: number | null; validRate?: number | null }

/** How the studio names the base of a LoRA run (the engine computes its sha256 itself). */
export interface BaseHint {
  name?: string;
  ref?: AdapterBase['ref'];
}

/** The settings every task takes. */
export interface HyperOptions {
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
}

/** What every run takes besides its data. */
export interface RunOptions extends HyperOptions {
  /** Model for a fresh run (ignored when resuming or fine-tuning: the checkpoint's config is used). */
  config?: BGPTConfig;
  /** Run folder: checkpoints go to `out/best` and `out/last`. */
  out: string;
  /** A `last/` checkpoint to continue from exactly. */
  resume?: string;
  /**
   * Fine-tuning: start from this checkpoint's weights (and its config) with a fresh optimizer and
   * schedule. With `resume` on a LoRA run: where its base is now (the sha256 must match).
   */
  init?: string;
  /** The base weights when `init` is a LoRA adapter folder: training starts from the adapter merged onto it. */
  initBase?: string;
  /** LoRA fine-tuning of `init` (checkpoint/adapter.ts settings); absent: every weight trains. */
  lora?: LoraSettings;
  /** The base's name and where the studio found it, for adapter_config.json. */
  base?: BaseHint;
  backend?: BackendName;
  /** Compute part of each update on a worker thread (default: on wasm / cpu with two or more cores). */
  parallel?: boolean;
  /** Hold memory this way only (measurements, tests; plan.ts); default: the first mode that fits. */
  memoryMode?: MemoryMode;
  control?: TrainControl;
}

export interface TrainOptions extends RunOptions {
  /** Training files (whole-file mode). */
  files: InputFile[];
  /** Eval split; empty → no evaluation, `best/` is never written. */
  evalFiles?: InputFile[];
  /** Conversion mode: training pairs (then `files` is ignored) and eval pairs. */
  pairs?: FilePair[];
  evalPairs?: FilePair[];
  /**
   * Files sampled at each evaluation to measure the valid-file rate (engine/train/validity.ts); default
   * VALIDITY_SAMPLES in generative mode, 0 (off) in conversion mode.
   */
  validitySamples?: number;
  onStep?(m: StepMetrics): void;
  onEval?(m: EvalMetrics): void;
  onCheckpoint?(e: CheckpointEvent): void;
  /** The memory plan, once chosen (before the first step): mode, estimate, model in words. */
  onPlan?(p: PlanReport): void;
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
  /** How the run held its memory. */
  plan: TrainingPlan;
  warnings: string[];
}

/** Where the run is and how it was asked to go: the resume state every task shares. */
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

/** A LoRA run's adapter and base, in its resume state. */
export interface LoraState {
  settings: LoraSettings;
  base: AdapterBase;
  /** The base's weights file or folder when the run started (a hint: the sha256 decides). */
  path: string;
}

/** Everything besides weights and moments that an exact resume needs (train_state.json). */
export interface RunState extends RunProgress {
  version: number;
  config: ReturnType<typeof configToJson>;
  /** 'classification' marks a classifier's state, so a generative `last/` is never resumed as one. */
  kind?: 'classification';
  /** Classifier: its labels and the accuracy of its best checkpoint. */
  labels?: string[];
  bestEvalAccuracy?: number | null;
  /** How activations are held; absent in states written before plans existed (then: the whole batch at once). */
  plan?: TrainingPlan;
  lora?: LoraState;
}

/** One task's ways to open its model (the loop does the rest of opening a run). */
export interface TaskSpec<M extends TrainModel, E, V> {
  /** The state marker of this task's runs. */
  stateKind?: 'classification';
  /** Learning rate when none is given. */
  defaultLr: number;
  /** Examples a fresh run's epochs count. */
  trainCount: number;
  /** A run-from-scratch config, checked for this task. */
  checkConfig(config: BGPTConfig): BGPTConfig;
  /** The config a checkpoint to fine-tune from gives this task, read without loading its weights. */
  initConfig(source: string): Promise<BGPTConfig>;
  /** Parameters of the base that always train (a classifier's head), for the memory plan. */
  headParams(config: BGPTConfig): number;
  /** A model with fresh weights (a run from scratch). */
  random(config: BGPTConfig, seed: number): M;
  /** A checkpoint (folder or .pth) to fine-tune from: its weights and its config. */
  loadInit(source: string, seed: number): Promise<M>;
  /** A full `last/` folder of this task. */
  loadCheckpoint(dir: string, state: RunState): Promise<M>;
  /** The base of a LoRA run again (resume), without the tensors the adapter file carries. */
  loadBase(source: string, state: RunState): Promise<M>;
  /** Base tensors that always train (a classifier's head), by reference name. */
  alwaysTrained(model: M): string[];
  /**
   * The task over an opened model; `tensors()` gives the full checkpoint tensors of the current
   * weights (merged with the adapter on a LoRA run: validity samples run on them).
   */
  task(model: M, state: RunState, resumed: boolean, tensor: (name: string) => Promise<Float32Array>): Promise<Task<M, E, V>>;
  /** Fields this task adds to a fresh state (classifier: labels). */
  freshState?(model: M): Partial<RunState>;
  /** Checks a resumed state against the model opened from it. */
  checkResumed?(model: M, state: RunState, file: string): void;
  /** The worker's task and labels. */
  worker: { task: WorkerInit['task']; labels(model: M): string[] | null };
  /** Whether a one-window pass can be shared with the worker (the generative byte level). */
  oneWindowSplits: boolean;
  /** Crop warnings and the like, once the task exists. */
  warnings?(task: Task<M, E, V>): string[];
}

/** The loop's events, mapped by each task's entry onto its own callbacks. */
export interface LoopHooks<V> {
  onStep?(m: StepMetrics & { trainAccuracy: number }): void;
  onEval?(step: number, e: TaskEval<V>): void;
  onCheckpoint?(e: { step: number; kind: 'best' | 'last'; path: string; evalLoss: number | null; eval: TaskEval<V> | null }): void;
  onPlan?(p: PlanReport): void;
}

export interface LoopResult {
  backend: BackendName;
  runId: string;
  checkpoint: string;
  steps: number;
  trainLoss: number | null;
  evalLoss: number | null;
  /** The eval of the checkpoint named (best by eval loss), as the task reported it. */
  bestEval: TaskEval<unknown> | null;
  lastEval: number | null;
  bytesPerSecond: number;
  endedBy: 'done' | 'stopped' | 'early';
  workers: number;
  plan: TrainingPlan;
  state: RunState;
  warnings: string[];
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

async function readState(dir: string, kind: RunState['kind']): Promise<RunState> {
  const file = path.join(dir, STATE_FILE);
  let state: RunState;
  try {
    state = JSON.parse(await fs.readFile(file, 'utf8')) as RunState;
  } catch {
    throw new UserError(`${file}: missing or not valid JSON (resume needs a 'last' checkpoint written by training)`, 'BAD_CHECKPOINT');
  }
  if (state.version !== STATE_VERSION || !Number.isInteger(state.step)) throw new UserError(`${file}: unknown resume state format`, 'BAD_CHECKPOINT');
  if (state.kind !== kind) {
    throw new UserError(kind === 'classification' ? `${file}: not the resume state of a classification run` : `${file}: the resume state of a classification run (resume it with --mode classify)`, 'BAD_CHECKPOINT');
  }
  return state;
}

/** The AdamW moments saved beside a `last/` checkpoint, restored onto `vars` at `step`. */
export async function restoreOptimizer(dir: string, vars: Map<string, tf.Variable>, step: number): Promise<AdamW> {
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

/** The weights file that identifies a base: a `.pth` itself, or a folder's model.safetensors. */
async function baseWeightsFile(source: string): Promise<string> {
  return (await isTorchCheckpointFile(source)) ? source : path.join(source, MODEL_FILE);
}

async function baseSha256(source: string): Promise<string> {
  const file = await baseWeightsFile(source);
  try {
    return await sha256OfFile(file);
  } catch {
    throw new UserError(`${file}: cannot read the base model's weights`, 'BAD_CHECKPOINT');
  }
}

/** An opened run: the task over its model, what trains, the optimizer and the state. */
interface Opened<M extends TrainModel, E, V> {
  task: Task<M, E, V>;
  model: M;
  state: RunState;
  adapter: LoraAdapter | null;
  /** Base tensors that train (everything in full fine-tuning; the head, norms, biases with LoRA), by reference name. */
  trainedBase: Map<string, tf.Variable>;
  /** What the optimizer updates, by name (reference names; a factor's adapter file name). */
  trainables: Map<string, tf.Variable>;
  opt: AdamW;
}

function trainableSet(model: TrainModel, adapter: LoraAdapter | null, trainedNames: string[]): { trainedBase: Map<string, tf.Variable>; trainables: Map<string, tf.Variable> } {
  if (!adapter) return { trainedBase: model.vars, trainables: model.vars };
  const trainedBase = new Map(trainedNames.map((n) => [n, model.vars.get(n) as tf.Variable]));
  return { trainedBase, trainables: new Map([...adapter.vars, ...trainedBase]) };
}

/** The base tensors a LoRA run leaves as they are: all but those it trains along with the factors. */
function frozenNames(model: TrainModel, trained: string[]): Set<string> {
  const t = new Set(trained);
  return new Set([...model.vars.keys()].filter((n) => !t.has(n)));
}

function loraNames<M extends TrainModel>(spec: TaskSpec<M, unknown, unknown>, model: M, s: LoraSettings): string[] {
  return [...new Set([...alsoTrained(model.config, s, model.vars.keys()), ...spec.alwaysTrained(model)])];
}

/** Chooses the memory plan of a fresh run from its config, before any weight is loaded. */
type Planner = (config: BGPTConfig, batch: number, lora: LoraSettings | null, headParams: number) => PlanReport;

async function openFresh<M extends TrainModel, E, V>(spec: TaskSpec<M, E, V>, opts: RunOptions, planner: Planner): Promise<{ opened: Opened<M, E, V>; report: PlanReport }> {
  if (opts.lora && !opts.init) throw new UserError('LoRA fine-tunes a trained model: give the base with --init', 'BAD_ARGS');
  // An adapter's base is one weights file (its sha256 ties them): a LoRA run on an adapter would need two.
  if (opts.lora && opts.initBase) throw new UserError('LoRA trains on a model, not on an adapter: fine-tune the adapter fully, or export it merged (bgpt export torch) and train LoRA on that', 'BAD_ARGS');
  const progress = freshProgress(opts, spec.trainCount, spec.defaultLr);
  if (!opts.init && !opts.config) throw new UserError('a model config (preset or flags) is needed for a new run', 'BAD_ARGS');
  const config = opts.init ? await spec.initConfig(opts.init) : spec.checkConfig({ ...(opts.config as BGPTConfig) });
  const settings = opts.lora ? checkLoraSettings(opts.lora, config) : null;
  // Refused here, when even the leanest mode cannot fit: before a weight is read or a tensor made.
  const report = planner(config, progress.batchSize, settings, spec.headParams(config));
  const model = opts.init ? await spec.loadInit(opts.init, progress.seed) : spec.random(config, progress.seed);
  let adapter: LoraAdapter | null = null;
  try {
    const state: RunState = {
      version: STATE_VERSION, ...progress, config: configToJson(model.config), ...(spec.stateKind ? { kind: spec.stateKind } : {}), ...spec.freshState?.(model), plan: report.plan,
    };
    let names: string[] = [];
    if (settings && opts.init) {
      const base: AdapterBase = {
        sha256: await baseSha256(opts.init),
        name: opts.base?.name ?? path.basename(opts.init),
        ref: opts.base?.ref ?? { kind: 'file', fileName: path.basename(opts.init) },
      };
      state.lora = { settings, base, path: path.resolve(opts.init) };
      adapter = LoraAdapter.create(model.config, settings, deriveSeed(progress.seed, LORA_STREAM));
      names = loraNames(spec, model, settings);
      model.useLora(adapter.factors, frozenNames(model, names));
    }
    const { trainedBase, trainables } = trainableSet(model, adapter, names);
    const task = await spec.task(model, state, false, (name) => currentTensor(name, model.vars, adapter, trainedBase));
    return { opened: { task, model, state, adapter, trainedBase, trainables, opt: new AdamW(trainables, ops()) }, report };
  } catch (err) {
    adapter?.dispose();
    model.dispose();
    throw err;
  }
}

async function openResume<M extends TrainModel, E, V>(spec: TaskSpec<M, E, V>, dir: string, opts: RunOptions): Promise<Opened<M, E, V>> {
  if (await isTorchCheckpointFile(dir)) {
    // The studio's AdamW moments and data order are not in a reference .pth: fine-tune from it instead.
    throw new UserError(`${dir}: a PyTorch checkpoint cannot be resumed exactly; fine-tune from it with --init`, 'BAD_CHECKPOINT');
  }
  const state = await readState(dir, spec.stateKind);
  const stateFile = path.join(dir, STATE_FILE);
  let model: M;
  let adapter: LoraAdapter | null = null;
  let names: string[] = [];
  if (state.lora) {
    const lora = state.lora;
    const source = opts.init ?? lora.path;
    const sha = await baseSha256(source).catch(() => {
      throw new UserError(`the base of this LoRA run (${lora.base.name}, sha256 ${lora.base.sha256.slice(0, 12)}…) is not at ${source} any more: give it with --init`, 'BAD_CHECKPOINT');
    });
    if (sha !== lora.base.sha256) {
      throw new UserError(`this LoRA run was trained on ${lora.base.name} (sha256 ${lora.base.sha256.slice(0, 12)}…), but ${source} has sha256 ${sha.slice(0, 12)}…: resume it with the same base`, 'BAD_CHECKPOINT');
    }
    model = await spec.loadBase(source, state);
    try {
      const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
      const bytes = await fs.readFile(file).catch(() => {
        throw new UserError(`${file}: missing (a LoRA run's last/ holds its adapter)`, 'BAD_CHECKPOINT');
      });
      const { tensors } = parseSafetensors(bytes, file);
      const settings = checkLoraSettings(lora.settings, model.config);
      adapter = LoraAdapter.fromTensors(model.config, settings, tensors, file);
      names = loraNames(spec, model, settings);
      model.useLora(adapter.factors, frozenNames(model, names));
      // The base tensors that trained along with the factors carry on from their saved values.
      const saved = savedBaseTensors(tensors);
      for (const n of names) {
        const t = saved.get(n);
        const v = model.vars.get(n) as tf.Variable;
        if (!t || t.data.length !== v.size) throw new UserError(`${file}: tensor ${n} is missing or the wrong shape`, 'BAD_CHECKPOINT');
        tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
      }
    } catch (err) {
      adapter?.dispose();
      model.dispose();
      throw err;
    }
  } else {
    model = await spec.loadCheckpoint(dir, state);
  }
  try {
    const saved = configFromJson(state.config, stateFile, { classifier: spec.stateKind === 'classification' });
    if (JSON.stringify(saved) !== JSON.stringify(model.config)) {
      throw new UserError(`${stateFile}: its model config does not match ${path.join(dir, CONFIG_FILE)}`, 'BAD_CHECKPOINT');
    }
    spec.checkResumed?.(model, state, stateFile);
    const { trainedBase, trainables } = trainableSet(model, adapter, names);
    const opt = await restoreOptimizer(dir, trainables, state.step);
    const task = await spec.task(model, state, true, (name) => currentTensor(name, model.vars, adapter, trainedBase));
    return { task, model, state, adapter, trainedBase, trainables, opt };
  } catch (err) {
    adapter?.dispose();
    model.dispose();
    throw err;
  }
}

/** The loop's view of a run. */
interface Run<M extends TrainModel, E, V> extends Opened<M, E, V> {
  spec: TaskSpec<M, E, V>;
  out: string;
  plan: TrainingPlan;
  helper: GradHelper | null;
  /** The step `last/` was last written at. */
  savedStep: number;
}

/** Writes a checkpoint folder: the task's full checkpoint, or on a LoRA run the adapter folder (checkpoint/adapter.ts). */
async function saveCheckpoint(run: Run<TrainModel, unknown, unknown>, dir: string, extra: Record<string, Uint8Array | string>): Promise<void> {
  if (!run.adapter || !run.state.lora) return run.task.saveFull(dir, extra);
  const { settings, base } = run.state.lora;
  // The one adapter writer (engine/io/adapter-weights.ts): what import, export and the loaders read.
  await writeAdapterFolder(dir, {
    baseConfig: run.model.config,
    config: { settings, base, kind: run.task.kind },
    tensors: await adapterFileTensors(run.adapter, run.trainedBase),
    extra: { ...run.task.extraFiles(), ...extra },
  });
}

async function saveLast<V>(run: Run<TrainModel, unknown, V>, hooks: LoopHooks<V>): Promise<string> {
  const dir = path.join(run.out, 'last');
  await saveCheckpoint(run, dir, {
    [STATE_FILE]: JSON.stringify(run.state, null, 1),
    [OPTIMIZER_FILE]: serializeSafetensors(await run.opt.moments(), { step: String(run.opt.step) }),
  });
  run.savedStep = run.state.step;
  hooks.onCheckpoint?.({ step: run.state.step, kind: 'last', path: dir, evalLoss: run.state.bestEvalLoss, eval: null });
  return dir;
}

/** Evaluates, updates best / patience, writes checkpoints. Returns the evaluation (null without eval split). */
async function evaluateAndSave<V>(run: Run<TrainModel, unknown, V>, hooks: LoopHooks<V>): Promise<TaskEval<V> | null> {
  const { state } = run;
  const e = await run.task.evaluate(state.step, run.plan);
  if (e) {
    hooks.onEval?.(state.step, e);
    if (state.bestEvalLoss === null || e.loss < state.bestEvalLoss) {
      state.bestEvalLoss = e.loss;
      if (e.accuracy !== undefined) state.bestEvalAccuracy = e.accuracy;
      state.evalsSinceBest = 0;
      const dir = path.join(run.out, 'best');
      await saveCheckpoint(run, dir, {});
      hooks.onCheckpoint?.({ step: state.step, kind: 'best', path: dir, evalLoss: e.loss, eval: e });
    } else {
      state.evalsSinceBest += 1;
    }
  }
  await saveLast(run, hooks);
  return e;
}

/** The dropout of share `share` of pass `pass` of micro-batch `j` at the current step. */
function shareDropout(run: Run<TrainModel, unknown, unknown>, j: number, pass: number, share: number): DropoutSpec {
  const s = run.state;
  return { rate: s.dropout, loraRate: s.lora?.settings.dropout ?? 0, seed: deriveSeed(s.seed, DROPOUT_STREAM, s.step, j, pass, share) };
}

/**
 * One share of a pass on this thread; a one-window generative share with the worker idle sends the
 * last target patches' byte level to it.
 */
async function localShare<E>(run: Run<TrainModel, E, unknown>, examples: E[], scale: number, spec: DropoutSpec, offload: boolean): Promise<{ loss: number; right: number; grads: Grads }> {
  const f = passOf(spec, ops());
  const helper = run.helper;
  if (offload && helper) {
    const model = run.model as unknown as BGPTModel;
    const targets = (examples[0] as unknown as Int32Array).length / model.config.patchSize - 1;
    const chunk = run.plan.byteChunk;
    const from = Math.min(targets, Math.max(chunk, Math.round((targets * MAIN_BYTE_SHARE) / chunk) * chunk));
    const weights = await helper.weightsFor(run.opt.step, run.trainables);
    const byteOffload: ByteOffload = {
      from,
      run: (seqs, features, count, sc, needD) => helper.run(weights, { kind: 'bytes', seqs, from, count, features, scale: sc, dropout: spec, plan: run.plan, needDFeatures: needD }),
    };
    return generativeGradients(f, model, run.trainables, examples as unknown as Int32Array[], scale, run.plan, byteOffload);
  }
  return run.task.gradients(f, run.model, run.trainables, examples, scale, run.plan);
}

/**
 * One optimizer update: micro-batch j of `accumulation` draws `batchSize` examples; each is cut into
 * passes of `windowsPerPass` windows per thread, the second thread's share on the worker when there is
 * one (or on this thread after its own: the same shares, the same result). Every share's loss is
 * scaled by 1 / (its micro-batch's weight · accumulation), so the sum of all shares is the mean over
 * micro-batches of each batch-mean loss, and their gradients sum to its gradient.
 */
async function trainStep<E>(run: Run<TrainModel, E, unknown>, lr: number): Promise<{ loss: number; accuracy: number; bytes: number }> {
  const { state, task, plan } = run;
  const sum: Grads = new Map();
  let loss = 0;
  let right = 0;
  let bytes = 0;
  let windows = 0;
  for (let j = 0; j < state.accumulation; j++) {
    const drawn = Array.from({ length: state.batchSize }, () => task.sample(state.rng.nextSample++));
    const weight = drawn.reduce((a, e) => a + task.weight(e), 0);
    const scale = 1 / (weight * state.accumulation);
    bytes += drawn.reduce((a, e) => a + task.bytes(e), 0);
    windows += drawn.length;
    const per = plan.windowsPerPass;
    const threads = plan.threads;
    for (let at = 0, pass = 0; at < drawn.length; at += per * threads, pass++) {
      const mine = drawn.slice(at, at + per);
      const theirs = threads > 1 ? drawn.slice(at + per, at + per * threads) : [];
      // The second share goes to the worker (it starts at once), or runs here after the first.
      const remote = theirs.length > 0 && run.helper
        ? run.helper.run(await run.helper.weightsFor(run.opt.step, run.trainables), { kind: 'examples', examples: theirs, scale, dropout: shareDropout(run, j, pass, 1), plan })
        : null;
      // A lone window on two threads: its byte level is shared with the worker when the task allows it.
      const offload = theirs.length === 0 && mine.length === 1 && threads > 1 && run.helper !== null && run.spec.oneWindowSplits;
      const locals = [await localShare(run, mine, scale, shareDropout(run, j, pass, 0), offload)];
      if (theirs.length > 0 && !remote) locals.push(await localShare(run, theirs, scale, shareDropout(run, j, pass, 1), false));
      for (const r of locals) {
        loss += r.loss;
        right += r.right;
        for (const [name, g] of r.grads) accumulate(sum, name, g);
      }
      if (remote) {
        const r = await remote;
        loss += r.loss;
        right += r.right;
        addRemoteGrads(sum, r.grads, run.trainables);
      }
    }
  }
  run.opt.apply(sum, lr);
  for (const g of sum.values()) g.dispose();
  return { loss, accuracy: right / windows, bytes };
}

/** What the worker needs: the task, the replica's config and the trainable names (a LoRA run's base is streamed: baseTensors). */
async function workerInit<M extends TrainModel>(spec: TaskSpec<M, unknown, unknown>, run: Opened<M, unknown, unknown>, backend: BackendName): Promise<WorkerInit> {
  return {
    task: spec.worker.task, backend, config: run.model.config, labels: spec.worker.labels(run.model),
    lora: run.state.lora?.settings ?? null, names: [...run.trainables.keys()], streamedBase: run.adapter !== null,
    byteLevelOnly: byteLevelOnly(spec, run.state),
  };
}

/** Whether the worker only ever shares one-window passes' byte level (a generative batch of one window). */
function byteLevelOnly<M extends TrainModel>(spec: TaskSpec<M, unknown, unknown>, state: RunState): boolean {
  return spec.oneWindowSplits && state.batchSize === 1;
}

/** A model's base tensors one at a time, each a copy (the worker takes its buffer; on cpu data() may be the tensor's own storage). */
async function* baseTensors(model: TrainModel, onlyBytes: boolean): AsyncGenerator<BaseTensor> {
  for (const [name, v] of model.vars) {
    if (onlyBytes && !name.startsWith(BYTE_PREFIX)) continue;
    yield [name, v.shape, ((await v.data()) as Float32Array).slice()];
  }
}

/** The memory plan of a fresh run (or a state from before plans: the whole batch at once). */
function planner(backend: BackendName, threads: 1 | 2, fineTune: boolean, mode?: MemoryMode): Planner {
  const gpu = engineInfo().adapter;
  return (config, batch, lora, headParams) => planTraining(
    { config, batch, lora, fineTune, threads, headParams, mode, byteChunks: preferredByteChunks(backend) },
    memoryLimits(backend),
    gpu ? (p) => gpuBuffersFit(config, p.windowsPerPass, gpu) : undefined,
  );
}

/**
 * An opened run, one update at a time: what runTraining drives, and what the bench times. Close it
 * when done (it frees the model, the optimizer and the worker thread).
 */
export class Trainer<M extends TrainModel, E, V> {
  private constructor(readonly backend: BackendName, readonly run: Run<M, E, V>, readonly warnings: string[], private readonly hooks: LoopHooks<V>) {}

  /** Opens (or resumes) a run: its model, what trains, the memory plan and the gradient worker. */
  static async open<M extends TrainModel, E, V>(spec: TaskSpec<M, E, V>, opts: RunOptions, hooks: LoopHooks<V> = {}): Promise<Trainer<M, E, V>> {
    const backend = await initBackend(opts.backend);
    let opened: Opened<M, E, V>;
    if (opts.resume) opened = await openResume(spec, opts.resume, opts);
    else {
      const wanted = helperWanted(backend, opts.parallel, opts.batchSize ?? 8, spec.oneWindowSplits);
      const fresh = await openFresh(spec, opts, planner(backend, wanted ? 2 : 1, opts.init !== undefined, opts.memoryMode));
      opened = fresh.opened;
      hooks.onPlan?.(fresh.report);
    }
    const { state } = opened;
    const warnings = spec.warnings?.(opened.task) ?? [];
    const wanted = helperWanted(backend, opts.parallel, state.batchSize, spec.oneWindowSplits);
    try {
      // A state from before plans held the whole batch at once.
      state.plan ??= { mode: 'full', recompute: false, windowsPerPass: state.batchSize, byteChunk: CHUNK_PATCHES, threads: 1 };
      const run: Run<M, E, V> = { ...opened, spec, out: opts.out, plan: state.plan, helper: null, savedStep: -1 };
      if (state.plan.threads > 1) {
        run.helper = await GradHelper.maybeStart(() => workerInit(spec as TaskSpec<M, unknown, unknown>, run, backend), wanted, (w) => warnings.push(w), () => baseTensors(run.model, byteLevelOnly(spec as TaskSpec<M, unknown, unknown>, run.state)));
      }
      return new Trainer(backend, run, warnings, hooks);
    } catch (err) {
      opened.opt.dispose();
      opened.adapter?.dispose();
      opened.model.dispose();
      throw err;
    }
  }

  get state(): RunState {
    return this.run.state;
  }

  /** Threads computing gradients: 2 with the gradient worker. */
  get workers(): number {
    return this.run.helper ? 2 : 1;
  }

  /** One optimizer update at the schedule's learning rate; advances the step. */
  async update(): Promise<{ loss: number; accuracy: number; bytes: number; lr: number; seconds: number }> {
    const t0 = performance.now();
    const lr = getLr(this.state.step, this.state.schedule);
    const r = await trainStep(this.run as Run<TrainModel, E, unknown>, lr);
    this.state.step += 1;
    return { ...r, lr, seconds: (performance.now() - t0) / 1000 };
  }

  /** Evaluates and writes best/ and last/ (see evaluateAndSave). */
  evaluateAndSave(hooks: LoopHooks<V> = this.hooks): Promise<TaskEval<V> | null> {
    return evaluateAndSave(this.run as Run<TrainModel, unknown, V>, hooks);
  }

  /** Writes last/ unless it holds the current step already. */
  async saveLastIfNeeded(): Promise<void> {
    if (this.run.savedStep !== this.state.step) await saveLast(this.run as Run<TrainModel, unknown, V>, this.hooks);
  }

  async close(): Promise<void> {
    await this.run.helper?.close();
    this.run.opt.dispose();
    this.run.adapter?.dispose();
    this.run.model.dispose();
  }
}

/**
 * Runs (or resumes) a task's training and writes `out/best` and `out/last`. Pause and stop act
 * between updates: stop saves `last` (with its resume state) and returns.
 */
export async function runTraining<M extends TrainModel, E, V>(spec: TaskSpec<M, E, V>, opts: RunOptions, hooks: LoopHooks<V>): Promise<LoopResult> {
  const trainer = await Trainer.open(spec, opts, hooks);
  const { state } = trainer;
  const control = opts.control ?? new TrainControl();
  let lastLoss: number | null = null;
  let lastEval: number | null = state.bestEvalLoss;
  let bestEval: TaskEval<V> | null = null;
  let bytes = 0;
  let seconds = 0;
  let endedBy: LoopResult['endedBy'] = 'done';
  const evalHooks: LoopHooks<V> = { ...hooks, onCheckpoint: (e) => { if (e.kind === 'best') bestEval = e.eval; hooks.onCheckpoint?.(e); } };
  try {
    while (state.step < state.totalSteps) {
      await control.waitWhilePaused();
      if (control.stopRequested) { endedBy = 'stopped'; break; }
      const r = await trainer.update();
      lastLoss = r.loss;
      bytes += r.bytes;
      seconds += r.seconds;
      hooks.onStep?.({ step: state.step, trainLoss: r.loss, trainAccuracy: r.accuracy, lr: r.lr, bytesPerSecond: r.bytes / r.seconds, time: Date.now() });
      if (state.step % state.evalEvery === 0 || state.step === state.totalSteps) {
        const e = await trainer.evaluateAndSave(evalHooks);
        if (e) lastEval = e.loss;
        if (state.patience !== null && state.evalsSinceBest >= state.patience) { endedBy = 'early'; break; }
      }
    }
    await trainer.saveLastIfNeeded();
  } finally {
    await trainer.close();
  }
  const best = state.bestEvalLoss !== null;
  return {
    backend: trainer.backend,
    runId: state.runId,
    checkpoint: path.join(opts.out, best ? 'best' : 'last'),
    steps: state.step,
    trainLoss: lastLoss,
    evalLoss: state.bestEvalLoss,
    bestEval: bestEval as TaskEval<unknown> | null,
    lastEval,
    bytesPerSecond: seconds > 0 ? bytes / seconds : 0,
    endedBy,
    workers: trainer.workers,
    plan: state.plan as TrainingPlan,
    state,
    warnings: trainer.warnings,
  };
}

/** Lines for the warnings list when sequences do not fit the window. */
export function cropWarnings(c: BGPTConfig, train: Int32Array[], evalSeqs: Int32Array[]): string[] {
  const out: string[] = [];
  const cropped = countCropped(c, train);
  if (cropped > 0) out.push(`${cropped} of ${train.length} training sequences are longer than the ${c.patchLength}-patch window and are cropped (head, body or tail at random)`);
  const evalCropped = countCropped(c, evalSeqs);
  if (evalCropped > 0) out.push(`${evalCropped} of ${evalSeqs.length} eval sequences are longer than the window; their heads are evaluated`);
  return out;
}

/** The generative task's ways to open a model. */
export function generativeSpec(opts: TrainOptions): TaskSpec<BGPTModel, Int32Array, GenerativeEval> {
  const pairs = opts.pairs ?? [];
  const data = { files: opts.files, evalFiles: opts.evalFiles ?? [], pairs, evalPairs: opts.evalPairs ?? [] };
  return {
    defaultLr: DEFAULT_LR,
    trainCount: Math.max(pairs.length, opts.files.length),
    checkConfig: (config) => validateConfig(config, 'model options'),
    initConfig: (source) => readCheckpointConfig(source, opts.initBase),
    headParams: () => 0,
    random: (config, seed) => BGPTModel.random(config, seed),
    loadInit: (source) => loadModel(source, { base: opts.initBase }),
    loadCheckpoint: (dir) => loadModel(dir),
    loadBase: (source) => loadModel(source),
    alwaysTrained: () => [],
    worker: { task: 'generative', labels: () => null },
    oneWindowSplits: true,
    task: async (model, state, _resumed, tensor) => generativeTask(model, { ...data, validitySamples: opts.validitySamples, seed: state.rng.seed, tensor }),
    warnings: (task) => {
      const { train: seqs, evalSeqs } = generativeSequences(task.model.config, data);
      return cropWarnings(task.model.config, seqs, evalSeqs);
    },
  };
}

/**
 * Trains (or resumes) a bGPT model and writes `out/best` and `out/last`. Pause and stop act between
 * updates: stop saves `last` (with its resume state) and returns. Metrics arrive through the callbacks.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const pairs = opts.pairs ?? [];
  if (pairs.length === 0 && opts.files.length === 0) throw new UserError('no training files', 'BAD_INPUT');
  const r = await runTraining(generativeSpec(opts), opts, {
    onStep: (m) => opts.onStep?.({ step: m.step, trainLoss: m.trainLoss, lr: m.lr, bytesPerSecond: m.bytesPerSecond, time: m.time }),
    onEval: (step, e) => opts.onEval?.({ step, ...e.metrics }),
    onCheckpoint: (e) => opts.onCheckpoint?.({ step: e.step, kind: e.kind, path: e.path, evalLoss: e.evalLoss, ...(e.eval ? { validRate: e.eval.metrics.validRate } : {}) }),
    onPlan: opts.onPlan,
  });
  return {
    backend: r.backend,
    adapter: engineInfo().adapter,
    runId: r.runId,
    checkpoint: r.checkpoint,
    steps: r.steps,
    trainLoss: r.trainLoss,
    evalLoss: r.lastEval,
    evalBitsPerByte: r.lastEval === null ? null : r.lastEval / Math.LN2,
    bytesPerSecond: r.bytesPerSecond,
    endedBy: r.endedBy,
    workers: r.workers,
    plan: r.plan,
    warnings: r.warnings,
  };
}
