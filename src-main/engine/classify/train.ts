// The classifier's training loop (the reference `train-cls.py`, with the studio's training habits of
// engine/train/train.ts): AdamW, cosine schedule with warm-up, gradient accumulation, evaluation with
// accuracy, per-class accuracy and a confusion matrix, best checkpoint by eval loss, `last/` with
// its resume state, early stopping, pause / stop / exact resume. Initialised from the patch-level
// decoder of a generative run or model (recommended by the reference) or from scratch.
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configFromJson, configToJson, validateConfig, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { writeFileAtomic } from '../../node/atomic';
import { AdamW } from '../train/adamw';
import { initBackend, type BackendName } from '../backend/backend';
import { TrainControl } from '../train/control';
import { Dropout } from '../model/dropout';
import { ops } from '../backend/ops';
import { deriveSeed } from '../model/rng';
import { getLr, type Schedule } from '../train/schedule';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors';
import { freshProgress, OPTIMIZER_FILE, restoreOptimizer, STATE_FILE, type HyperOptions, type RunProgress } from '../train/train';
import { buildExamples, LabelledSampler, type Example, type LabelledFile } from './data';
import { labelList } from './labels';
import { readInitWeights } from './load';
import { ClassifierModel, classifierLogits, loadClassifier, makeClassBatch, saveClassifier } from './model';
import { evaluateClassifier, type ClassEval } from './predict';
import { CLASSIFICATION_FILE as EVALS_FILE } from '../../checkpoint';

const STATE_VERSION = 1;
/** Marks the resume state as a classifier's, so a generative `last/` is never resumed here. */
const STATE_KIND = 'classification';
/** The reference fine-tunes the paper model at 1e-5; a tiny model from scratch needs more (measured, docs/classification.md). */
export const DEFAULT_CLASSIFY_LR = 1e-4;
/** Random stream of the dropout masks. */
const DROPOUT_STREAM = 23;
/** Every evaluation of a run, rewritten at each one: the run monitor's per-class accuracy and confusion matrices. */
export { CLASSIFICATION_FILE as EVALS_FILE } from '../../checkpoint';

export interface ClassStepMetrics { step: number; trainLoss: number; trainAccuracy: number; lr: number; bytesPerSecond: number; time: number }
export interface ClassEvalMetrics extends ClassEval { step: number }
export interface ClassCheckpointEvent { step: number; kind: 'best' | 'last'; path: string; evalLoss: number | null }

/** `classification.json`: the label list and every evaluation so far. */
export interface ClassificationHistory {
  labels: string[];
  evals: ClassEvalMetrics[];
}

/** The shared training settings (steps/epochs, batch, accumulation, lr, dropout, seed, evalEvery, patience: engine/train/train.ts). */
export interface ClassifyTrainOptions extends HyperOptions {
  /** Model for a run from scratch (ignored with `init` or `resume`); byteNumLayers is ignored. */
  config?: BGPTConfig;
  files: LabelledFile[];
  evalFiles?: LabelledFile[];
  out: string;
  resume?: string;
  /** A generative or classifier checkpoint (folder or .pth) whose patch-level decoder starts the run. */
  init?: string;
  /** The base weights when `init` is a LoRA adapter folder. */
  initBase?: string;
  backend?: BackendName;
  control?: TrainControl;
  onStep?(m: ClassStepMetrics): void;
  onEval?(m: ClassEvalMetrics): void;
  onCheckpoint?(e: ClassCheckpointEvent): void;
}

export interface ClassifyTrainResult {
  backend: BackendName;
  runId: string;
  checkpoint: string;
  labels: string[];
  steps: number;
  trainLoss: number | null;
  /** Of the checkpoint named: the best by eval loss when there is an eval split. */
  evalLoss: number | null;
  evalAccuracy: number | null;
  bytesPerSecond: number;
  endedBy: 'done' | 'stopped' | 'early';
  warnings: string[];
}

interface State extends RunProgress {
  version: number;
  kind: typeof STATE_KIND;
  bestEvalAccuracy: number | null;
  config: ReturnType<typeof configToJson>;
  labels: string[];
}

/** A fresh run's state: the progress fields every trainer shares (engine/train/train.ts), plus labels and accuracy. */
function freshState(opts: ClassifyTrainOptions, config: BGPTConfig, labels: string[], trainCount: number): State {
  return {
    version: STATE_VERSION, kind: STATE_KIND, ...freshProgress(opts, trainCount, DEFAULT_CLASSIFY_LR),
    bestEvalAccuracy: null, config: configToJson(config), labels,
  };
}

interface Run {
  opts: ClassifyTrainOptions;
  model: ClassifierModel;
  opt: AdamW;
  state: State;
  sampler: LabelledSampler;
  evalExamples: Example[];
  history: ClassificationHistory;
  savedStep: number;
}

async function resumeFrom(dir: string): Promise<{ model: ClassifierModel; opt: AdamW; state: State }> {
  const file = path.join(dir, STATE_FILE);
  let state: State;
  try {
    state = JSON.parse(await fs.readFile(file, 'utf8')) as State;
  } catch {
    throw new UserError(`${file}: missing or not valid JSON (resume needs a 'last' checkpoint written by training)`, 'BAD_CHECKPOINT');
  }
  if (state.version !== STATE_VERSION || state.kind !== STATE_KIND || !Number.isInteger(state.step)) {
    throw new UserError(`${file}: not the resume state of a classification run`, 'BAD_CHECKPOINT');
  }
  const model = await loadClassifier(dir);
  try {
    const saved = configFromJson(state.config, file, { classifier: true });
    if (JSON.stringify(saved) !== JSON.stringify(model.config) || JSON.stringify(state.labels) !== JSON.stringify(model.labels)) {
      throw new UserError(`${file}: its model config or labels do not match the checkpoint beside it`, 'BAD_CHECKPOINT');
    }
    const opt = await restoreOptimizer(dir, model.vars, state.step);
    return { model, opt, state };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

async function startFresh(opts: ClassifyTrainOptions, labels: string[]): Promise<{ model: ClassifierModel; opt: AdamW; state: State }> {
  const seed = opts.seed ?? 0;
  let model: ClassifierModel;
  if (opts.init) {
    const w = await readInitWeights(opts.init, opts.initBase);
    // The head carries over only when the source was trained on exactly these labels.
    if (!w.labels || JSON.stringify(w.labels) !== JSON.stringify(labels)) {
      w.tensors.delete('classifier.weight');
      w.tensors.delete('classifier.bias');
    }
    model = ClassifierModel.fromTensors(w.config, labels, w.tensors, seed);
  } else {
    if (!opts.config) throw new UserError('a model config (preset or flags) is needed for a new run', 'BAD_ARGS');
    const config = validateConfig({ ...opts.config, byteNumLayers: 0 }, 'model options', { classifier: true });
    model = ClassifierModel.random(config, labels, seed);
  }
  try {
    return { model, opt: new AdamW(model.vars, ops()), state: freshState(opts, model.config, labels, opts.files.length) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** One optimizer update over `accumulation` micro-batches; returns mean loss and accuracy. */
async function trainStep(run: Run, lr: number): Promise<{ loss: number; accuracy: number; bytes: number }> {
  const { model, state, sampler, opt } = run;
  const vars = [...model.vars.values()];
  let sum: Map<string, tf.Tensor> | null = null;
  let loss = 0;
  let right = 0;
  let bytes = 0;
  for (let j = 0; j < state.accumulation; j++) {
    const drawn = Array.from({ length: state.batchSize }, () => sampler.sample(state.rng.nextSample++));
    bytes += drawn.reduce((a, d) => a + d.window.length, 0);
    const batch = makeClassBatch(drawn.map((d) => d.window), model.config.patchSize);
    const labels = Int32Array.from(drawn.map((d) => d.label));
    const dropout = state.dropout > 0 ? new Dropout(state.dropout, deriveSeed(state.seed, DROPOUT_STREAM, state.step, j)) : undefined;
    let logitsOut: tf.Tensor | null = null;
    const r = tf.variableGrads(() => {
      const logits = classifierLogits({ ops: ops(), dropout }, model, batch); // [B, L]
      logitsOut = tf.keep(tf.clone(logits));
      return tf.mean(ops().crossEntropy(logits, tf.tensor1d(labels, 'int32'))) as tf.Scalar;
    }, vars);
    loss += (await r.value.data())[0];
    const pred = tf.tidy(() => tf.argMax(logitsOut as unknown as tf.Tensor, 1));
    const p = await pred.data();
    for (let b = 0; b < labels.length; b++) if (p[b] === labels[b]) right += 1;
    tf.dispose([pred, r.value, logitsOut as unknown as tf.Tensor]);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of model.vars) byName.set(name, r.grads[v.name]);
    if (!sum) sum = byName;
    else for (const [name, g] of byName) {
      const prev = sum.get(name) as tf.Tensor;
      sum.set(name, tf.add(prev, g));
      prev.dispose();
      g.dispose();
    }
  }
  const grads = sum as Map<string, tf.Tensor>;
  if (state.accumulation > 1) for (const [name, g] of grads) {
    grads.set(name, tf.div(g, state.accumulation));
    g.dispose();
  }
  opt.apply(grads, lr);
  for (const g of grads.values()) g.dispose();
  return { loss: loss / state.accumulation, accuracy: right / (state.accumulation * state.batchSize), bytes };
}

async function saveLast(run: Run): Promise<void> {
  const dir = path.join(run.opts.out, 'last');
  await saveClassifier(dir, run.model, {
    [STATE_FILE]: JSON.stringify(run.state, null, 1),
    [OPTIMIZER_FILE]: serializeSafetensors(await run.opt.moments(), { step: String(run.opt.step) }),
  });
  run.savedStep = run.state.step;
  run.opts.onCheckpoint?.({ step: run.state.step, kind: 'last', path: dir, evalLoss: run.state.bestEvalLoss });
}

async function evaluateAndSave(run: Run): Promise<ClassEval | null> {
  const { state, opts } = run;
  let result: ClassEval | null = null;
  if (run.evalExamples.length > 0) {
    result = await evaluateClassifier(run.model, run.evalExamples, state.batchSize);
    const m: ClassEvalMetrics = { step: state.step, ...result };
    run.history.evals = run.history.evals.filter((e) => e.step < state.step);
    run.history.evals.push(m);
    await writeFileAtomic(path.join(opts.out, EVALS_FILE), JSON.stringify(run.history));
    opts.onEval?.(m);
    if (state.bestEvalLoss === null || result.loss < state.bestEvalLoss) {
      state.bestEvalLoss = result.loss;
      state.bestEvalAccuracy = result.accuracy;
      state.evalsSinceBest = 0;
      const dir = path.join(opts.out, 'best');
      await saveClassifier(dir, run.model);
      opts.onCheckpoint?.({ step: state.step, kind: 'best', path: dir, evalLoss: result.loss });
    } else {
      state.evalsSinceBest += 1;
    }
  }
  await saveLast(run);
  return result;
}

async function readHistory(out: string): Promise<ClassificationHistory | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(out, EVALS_FILE), 'utf8')) as ClassificationHistory;
  } catch {
    return null;
  }
}

/**
 * Trains (or resumes) a classifier and writes `out/best`, `out/last` and `out/classification.json`.
 * Labels are the sorted distinct labels of the training files; eval files with another label are
 * left out with a warning.
 */
export async function trainClassifier(opts: ClassifyTrainOptions): Promise<ClassifyTrainResult> {
  const backend = await initBackend(opts.backend);
  const warnings: string[] = [];
  if (opts.files.length === 0) throw new UserError('no training files', 'BAD_INPUT');
  const fresh = opts.resume ? null : labelList(opts.files.map((f) => f.label));
  if (fresh && fresh.length < 2) throw new UserError(`classification needs at least two labels; the training files all have '${fresh[0]}' (labels: file name up to the first '_' plus the extension, or one folder per label)`, 'BAD_INPUT');
  const { model, opt, state } = opts.resume ? await resumeFrom(opts.resume) : await startFresh(opts, fresh as string[]);
  const labels = state.labels;
  const known = new Set(labels);
  const strayTrain = opts.files.filter((f) => !known.has(f.label));
  if (strayTrain.length > 0) warnings.push(`${strayTrain.length} training file(s) have labels the model lacks and are left out`);
  const evalIn = (opts.evalFiles ?? []).filter((f) => known.has(f.label));
  const strayEval = (opts.evalFiles ?? []).length - evalIn.length;
  if (strayEval > 0) warnings.push(`${strayEval} eval file(s) have labels not seen in training and are left out`);
  const c = model.config;
  const trainExamples = buildExamples(c, opts.files.filter((f) => known.has(f.label)), labels);
  const run: Run = {
    opts, model, opt, state,
    sampler: new LabelledSampler(c, trainExamples, state.rng.seed),
    evalExamples: buildExamples(c, evalIn, labels),
    history: (opts.resume ? await readHistory(opts.out) : null) ?? { labels, evals: [] },
    savedStep: -1,
  };
  const control = opts.control ?? new TrainControl();
  let lastLoss: number | null = null;
  let bytes = 0;
  let seconds = 0;
  let endedBy: ClassifyTrainResult['endedBy'] = 'done';
  try {
    while (state.step < state.totalSteps) {
      await control.waitWhilePaused();
      if (control.stopRequested) { endedBy = 'stopped'; break; }
      const t0 = performance.now();
      const lr = getLr(state.step, state.schedule);
      const r = await trainStep(run, lr);
      lastLoss = r.loss;
      state.step += 1;
      const dt = (performance.now() - t0) / 1000;
      bytes += r.bytes;
      seconds += dt;
      opts.onStep?.({ step: state.step, trainLoss: r.loss, trainAccuracy: r.accuracy, lr, bytesPerSecond: r.bytes / dt, time: Date.now() });
      if (state.step % state.evalEvery === 0 || state.step === state.totalSteps) {
        await evaluateAndSave(run);
        if (state.patience !== null && state.evalsSinceBest >= state.patience) { endedBy = 'early'; break; }
      }
    }
    if (run.savedStep !== state.step) await saveLast(run);
  } finally {
    opt.dispose();
    model.dispose();
  }
  const best = state.bestEvalLoss !== null;
  return {
    backend,
    runId: state.runId,
    checkpoint: path.join(opts.out, best ? 'best' : 'last'),
    labels,
    steps: state.step,
    trainLoss: lastLoss,
    evalLoss: state.bestEvalLoss,
    evalAccuracy: state.bestEvalAccuracy,
    bytesPerSecond: seconds > 0 ? bytes / seconds : 0,
    endedBy,
    warnings,
  };
}
