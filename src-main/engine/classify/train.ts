// The classifier as a task of the one training loop (engine/train/train.ts; the reference
// `train-cls.py`): labelled windows, the mean cross-entropy of their labels, evaluation with
// accuracy, per-class accuracy and a confusion matrix (every evaluation kept in
// `classification.json`), checkpoint folders with labels.json. Initialised from the patch-level
// decoder of a generative run or model (recommended by the reference) or from scratch; with LoRA
// the patch level is adapted and the head trains in full.
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configFromJson, validateConfig, type BGPTConfig } from '../../shared/config';
import { CLASSIFICATION_FILE as EVALS_FILE, CONFIG_FILE } from '../../checkpoint';
import { isAdapterFolder, requireBase } from '../io/adapter-weights';
import { inspectTorchCheckpoint } from '../torch/read';
import { isTorchCheckpointFile } from '../../checkpoint';
import { UserError } from '../../shared/errors';
import { writeFileAtomic } from '../../node/atomic';
import { PATCH_PREFIX } from '../model/weights';
import { CLASSIFIER_BIAS, CLASSIFIER_WEIGHT } from './model';
import { partVars, patchBackward, patchForward, disposeTape, accumulate, type Grads } from '../train/gradients';
import { runTraining, type HyperOptions, type RunOptions, type TaskSpec } from '../train/train';
import type { Task, TaskGradients, UnitResult } from '../train/task';
import type { PlanReport } from '../train/plan';
import { buildExamples, LabelledSampler, type LabelledFile } from './data';
import { labelList } from './labels';
import { readInitWeights } from './load';
import { ClassifierModel, classifierHead, classInput, loadClassifier, makeClassBatch, saveClassifier, LABELS_FILE } from './model';
import { evaluateClassifier, type ClassEval } from './predict';
import type { BackendName } from '../backend/backend';
import type { TrainControl } from '../train/control';

/** The reference fine-tunes the paper model at 1e-5; a tiny model from scratch needs more (measured, docs/classification.md). */
export const DEFAULT_CLASSIFY_LR = 1e-4;
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

/** A training example: a window of a file's sequence and its label index. */
export interface ClassExample {
  window: Int32Array;
  label: number;
}

/** The shared training settings (steps/epochs, batch, accumulation, lr, dropout, seed, evalEvery, patience: engine/train/train.ts). */
export interface ClassifyTrainOptions extends HyperOptions, Pick<RunOptions, 'lora' | 'base' | 'parallel'> {
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
  onPlan?(p: PlanReport): void;
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
  /** Threads that computed gradients: 2 with the gradient worker. */
  workers: number;
  /** How the run held its memory. */
  memory: { mode: 'full' | 'recompute' | 'micro-batches'; windowsPerPass: number };
  warnings: string[];
}

/**
 * Σ cross-entropy · scale over the examples' labels, and its gradients: the patch level without a
 * tape, the head (pooled features → label logits) with its gradient of the features, the patch level back.
 */
export async function classifierGradients(
  f: Parameters<TaskGradients<ClassifierModel, ClassExample>['gradients']>[0], model: ClassifierModel, trainables: ReadonlyMap<string, tf.Variable>,
  examples: ClassExample[], scale: number, plan: Parameters<TaskGradients<ClassifierModel, ClassExample>['gradients']>[5],
): Promise<UnitResult> {
  const c = model.config;
  const b = makeClassBatch(examples.map((e) => e.window), c.patchSize);
  const labels = tf.tensor1d(Int32Array.from(examples.map((e) => e.label)), 'int32');
  const grads: Grads = new Map();
  const tape = patchForward(f, model.patch, c, classInput(model, b), b.size, b.patches, plan);
  const head = partVars(trainables, ['classifier.']);
  const needD = partVars(trainables, [PATCH_PREFIX]).length > 0;
  const xs = [...(needD ? [tape.features] : []), ...head.map(([, v]) => v)];
  const lossOf = () => tf.mul(tf.sum(f.ops.crossEntropy(classifierHead(f, model, b, tape.features), labels)), scale);
  const r = tf.valueAndGrads((..._xs: tf.Tensor[]) => lossOf())(xs);
  head.forEach(([n], i) => accumulate(grads, n, r.grads[i + (needD ? 1 : 0)]));
  // Training accuracy from the same logits' argmax (no dropout difference: the head has none).
  const pred = tf.tidy(() => tf.argMax(classifierHead({ ops: f.ops }, model, b, tape.features), 1));
  const guessed = await pred.data();
  const right = examples.reduce((a, e, i) => a + (guessed[i] === e.label ? 1 : 0), 0);
  const loss = (await r.value.data())[0];
  tf.dispose([pred, r.value, labels]);
  if (needD) {
    patchBackward(f, model.patch, c, tape, r.grads[0] as tf.Tensor2D, trainables, grads);
    r.grads[0].dispose();
  }
  disposeTape(tape);
  return { loss, right, grads };
}

/** The classifier's gradients as the worker runs them. */
export const CLASSIFIER_GRADIENTS: TaskGradients<ClassifierModel, ClassExample> = { gradients: classifierGradients };

async function readHistory(out: string): Promise<ClassificationHistory | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(out, EVALS_FILE), 'utf8')) as ClassificationHistory;
  } catch {
    return null;
  }
}

/** The classifier task over a loaded model. */
async function classifierTask(model: ClassifierModel, opts: ClassifyTrainOptions, seed: number, resumed: boolean): Promise<Task<ClassifierModel, ClassExample, ClassEvalMetrics>> {
  const labels = model.labels;
  const known = new Set(labels);
  const c = model.config;
  const trainExamples = buildExamples(c, opts.files.filter((f) => known.has(f.label)), labels);
  const evalExamples = buildExamples(c, (opts.evalFiles ?? []).filter((f) => known.has(f.label)), labels);
  const sampler = new LabelledSampler(c, trainExamples, seed);
  const history: ClassificationHistory = (resumed ? await readHistory(opts.out) : null) ?? { labels, evals: [] };
  return {
    kind: 'classifier',
    model,
    trainCount: trainExamples.length,
    sample: (k) => sampler.sample(k),
    bytes: (e) => e.window.length,
    weight: () => 1,
    gradients: classifierGradients,
    async evaluate(step, plan) {
      if (evalExamples.length === 0) return null;
      const result = await evaluateClassifier(model, evalExamples, plan.windowsPerPass);
      const m: ClassEvalMetrics = { step, ...result };
      history.evals = history.evals.filter((e) => e.step < step);
      history.evals.push(m);
      await writeFileAtomic(path.join(opts.out, EVALS_FILE), JSON.stringify(history));
      return { loss: result.loss, accuracy: result.accuracy, metrics: m };
    },
    extraFiles: () => ({ [LABELS_FILE]: JSON.stringify(labels, null, 1) }),
    saveFull: (dir, extra) => saveClassifier(dir, model, extra),
  };
}

/** A classifier over a checkpoint's patch level; the head carries over only when the source was trained on exactly these labels. */
async function classifierFrom(source: string, labels: string[], seed: number, base?: string): Promise<ClassifierModel> {
  const w = await readInitWeights(source, base);
  if (!w.labels || JSON.stringify(w.labels) !== JSON.stringify(labels)) {
    w.tensors.delete(CLASSIFIER_WEIGHT);
    w.tensors.delete(CLASSIFIER_BIAS);
  }
  return ClassifierModel.fromTensors(w.config, labels, w.tensors, seed);
}

/** The config of a checkpoint to start a classifier from (generative or classifier, folder or .pth), weights unread. */
async function initConfigOf(source: string, base?: string): Promise<BGPTConfig> {
  // A LoRA adapter folder starts a classifier from its base's shape (merged onto it by readInitWeights).
  if (await isAdapterFolder(source)) return initConfigOf(await requireBase(source, base));
  if (await isTorchCheckpointFile(source)) return (await inspectTorchCheckpoint(source)).config;
  const file = path.join(source, CONFIG_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    throw new UserError(`--init ${source}: no checkpoint folder (with ${CONFIG_FILE}) or .pth file there`, 'BAD_CHECKPOINT');
  }
  return configFromJson(json, file, { classifier: true });
}

function classifierSpec(opts: ClassifyTrainOptions, fresh: string[] | null): TaskSpec<ClassifierModel, ClassExample, ClassEvalMetrics> {
  const labelsOf = (state: { labels?: string[] }): string[] => {
    if (!state.labels) throw new UserError('the resume state has no labels', 'BAD_CHECKPOINT');
    return state.labels;
  };
  return {
    stateKind: 'classification',
    defaultLr: DEFAULT_CLASSIFY_LR,
    trainCount: opts.files.length,
    checkConfig: (config) => validateConfig({ ...config, byteNumLayers: 0 }, 'model options', { classifier: true }),
    initConfig: async (source) => ({ ...(await initConfigOf(source, opts.initBase)), byteNumLayers: 0 }),
    headParams: (config) => (fresh?.length ?? 0) * (config.hiddenSize + 1),
    random: (config, seed) => ClassifierModel.random(config, fresh as string[], seed),
    loadInit: (source, seed) => classifierFrom(source, fresh as string[], seed, opts.initBase),
    loadCheckpoint: (dir) => loadClassifier(dir),
    loadBase: (source, state) => classifierFrom(source, labelsOf(state), state.seed),
    alwaysTrained: () => [CLASSIFIER_WEIGHT, CLASSIFIER_BIAS],
    freshState: (model) => ({ labels: model.labels, bestEvalAccuracy: null }),
    checkResumed(model, state, file) {
      if (JSON.stringify(labelsOf(state)) !== JSON.stringify(model.labels)) throw new UserError(`${file}: its labels do not match the checkpoint beside it`, 'BAD_CHECKPOINT');
    },
    worker: { task: 'classifier', labels: (model) => model.labels },
    oneWindowSplits: false,
    task: (model, state, resumed) => classifierTask(model, opts, state.rng.seed, resumed),
  };
}

/**
 * Trains (or resumes) a classifier and writes `out/best`, `out/last` and `out/classification.json`.
 * Labels are the sorted distinct labels of the training files; files with a label the model lacks
 * are left out with a warning.
 */
export async function trainClassifier(opts: ClassifyTrainOptions): Promise<ClassifyTrainResult> {
  if (opts.files.length === 0) throw new UserError('no training files', 'BAD_INPUT');
  const fresh = opts.resume ? null : labelList(opts.files.map((f) => f.label));
  if (fresh && fresh.length < 2) throw new UserError(`classification needs at least two labels; the training files all have '${fresh[0]}' (labels: file name up to the first '_' plus the extension, or one folder per label)`, 'BAD_INPUT');
  const r = await runTraining(classifierSpec(opts, fresh), opts, {
    onStep: (m) => opts.onStep?.(m),
    onEval: (_step, e) => opts.onEval?.(e.metrics),
    onCheckpoint: (e) => opts.onCheckpoint?.({ step: e.step, kind: e.kind, path: e.path, evalLoss: e.evalLoss }),
    onPlan: opts.onPlan,
  });
  const labels = r.state.labels ?? [];
  const known = new Set(labels);
  const warnings = [...r.warnings];
  const strayTrain = opts.files.filter((f) => !known.has(f.label)).length;
  if (strayTrain > 0) warnings.push(`${strayTrain} training file(s) have labels the model lacks and are left out`);
  const strayEval = (opts.evalFiles ?? []).filter((f) => !known.has(f.label)).length;
  if (strayEval > 0) warnings.push(`${strayEval} eval file(s) have labels not seen in training and are left out`);
  return {
    backend: r.backend,
    runId: r.runId,
    checkpoint: r.checkpoint,
    labels,
    steps: r.steps,
    trainLoss: r.trainLoss,
    evalLoss: r.state.bestEvalLoss,
    evalAccuracy: r.state.bestEvalAccuracy ?? null,
    bytesPerSecond: r.bytesPerSecond,
    endedBy: r.endedBy,
    workers: r.workers,
    memory: { mode: r.plan.mode, windowsPerPass: r.plan.windowsPerPass },
    warnings,
  };
}
