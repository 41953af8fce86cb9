// The bGPT classifier (the reference `bGPTForClassification`, utils.py; arXiv 2402.19155 §4.3): the
// patch-level decoder, the mean of its features over each file's patches, a linear head
// (`classifier.weight [labels, hidden]`, `classifier.bias [labels]`, PyTorch Linear layout), and
// cross-entropy. Checkpoints are folders: config.json (byte_num_layers 0) + model.safetensors +
// labels.json (docs/classification.md).
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configFromJson, configToJson, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { SPECIAL } from '../../shared/patches';
import { writeDirAtomic } from '../../node/atomic';
import { patchLevel, patchWeights, type LoraMap, type Pass, type PatchWeights } from '../model/model';
import { deriveSeed, Rng } from '../model/rng';
import { frozenTransposes } from '../model/lora';
import { parseSafetensors, serializeSafetensors, type Tensor } from '../io/safetensors';
import { initialTensors, PATCH_PREFIX, trainableSpecs, UNUSED_PATCH_WTE } from '../model/weights';
import { CONFIG_FILE, MODEL_FILE } from '../io/checkpoint';
import { LABELS_FILE, isClassifierFolder, readFolderConfig } from '../../checkpoint';

export const CLASSIFIER_WEIGHT = 'classifier.weight';
export const CLASSIFIER_BIAS = 'classifier.bias';
/** The label list, index order: `labels.json` in the checkpoint folder. */
export { LABELS_FILE } from '../../checkpoint';
/** The reference initialises the head with normal(0, 0.02) (torch.nn.init.normal_ in bGPTForClassification). */
const HEAD_INIT_STD = 0.02;
/** Random stream of the head's initial weights (the patch level uses the seed itself, as BGPTModel.random). */
const HEAD_STREAM = 11;
/** Guards against a label column picked by mistake (one label per file). */
export const MAX_LABELS = 10_000;

interface Spec { name: string; shape: number[] }

/** The patch-level tensors of a config, in reference order, plus the classifier head. */
export function classifierSpecs(c: BGPTConfig, numLabels: number): Spec[] {
  const patch = trainableSpecs(c).filter((s) => s.name.startsWith(PATCH_PREFIX));
  return [...patch, { name: CLASSIFIER_WEIGHT, shape: [numLabels, c.hiddenSize] }, { name: CLASSIFIER_BIAS, shape: [numLabels] }];
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Checks that every tensor a classifier of this config needs is there with its shape. */
export function checkClassifierTensors(c: BGPTConfig, numLabels: number, tensors: Map<string, Tensor>, source: string): void {
  for (const spec of classifierSpecs(c, numLabels)) {
    const t = tensors.get(spec.name);
    if (!t) throw new UserError(`${source}: tensor ${spec.name} is missing (expected shape [${spec.shape.join(', ')}])`, 'BAD_CHECKPOINT');
    if (!sameShape(t.shape, spec.shape)) {
      throw new UserError(`${source}: tensor ${spec.name} has shape [${t.shape.join(', ')}], expected [${spec.shape.join(', ')}]`, 'BAD_CHECKPOINT');
    }
  }
}

/** Checks a label list: non-empty, distinct strings. */
export function checkLabels(labels: unknown, source: string): string[] {
  if (!Array.isArray(labels) || labels.length === 0 || labels.length > MAX_LABELS || !labels.every((l) => typeof l === 'string' && l.length > 0)) {
    throw new UserError(`${source}: labels must be a non-empty list of names`, 'BAD_CHECKPOINT');
  }
  if (new Set(labels).size !== labels.length) throw new UserError(`${source}: labels are not distinct`, 'BAD_CHECKPOINT');
  return labels as string[];
}

/** A classifier in memory: config (byteNumLayers 0), label list and TF.js variables (dispose() when done). */
export class ClassifierModel {
  patch: PatchWeights;
  readonly headW: tf.Variable;
  readonly headB: tf.Variable;

  constructor(readonly config: BGPTConfig, readonly labels: string[], readonly vars: Map<string, tf.Variable>, private readonly unusedWte: Tensor) {
    this.patch = patchWeights(config, vars);
    this.headW = vars.get(CLASSIFIER_WEIGHT) as tf.Variable;
    this.headB = vars.get(CLASSIFIER_BIAS) as tf.Variable;
  }

  private frozen: Map<string, tf.Tensor2D> = new Map();

  /** Adds LoRA factors to the patch level's forward pass; the base variables stay as they are. */
  useLora(factors: LoraMap, frozen: ReadonlySet<string>): void {
    tf.dispose([...this.frozen.values()]);
    this.frozen = frozenTransposes(this.vars, frozen);
    this.patch = patchWeights(this.config, this.vars, factors, this.frozen);
  }

  /**
   * A classifier from named tensors: the patch-level ones (from a generative or classifier checkpoint)
   * and the head; a missing head is drawn fresh from `seed` (fine-tuning a generative model).
   */
  static fromTensors(config: BGPTConfig, labels: string[], tensors: Map<string, Tensor>, seed = 0): ClassifierModel {
    const c: BGPTConfig = { ...config, byteNumLayers: 0 };
    const all = new Map(tensors);
    const d = c.hiddenSize;
    const head = all.get(CLASSIFIER_WEIGHT);
    if (!head || head.shape[0] !== labels.length) {
      const rng = new Rng(deriveSeed(seed, HEAD_STREAM));
      const w = new Float32Array(labels.length * d);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * HEAD_INIT_STD;
      all.set(CLASSIFIER_WEIGHT, { shape: [labels.length, d], data: w });
      all.set(CLASSIFIER_BIAS, { shape: [labels.length], data: new Float32Array(labels.length) });
    }
    checkClassifierTensors(c, labels.length, all, 'classifier');
    const vars = new Map<string, tf.Variable>();
    for (const spec of classifierSpecs(c, labels.length)) {
      const t = all.get(spec.name) as Tensor;
      vars.set(spec.name, tf.tidy(() => tf.variable(tf.tensor(t.data, spec.shape, 'float32'), true)));
    }
    const unused = all.get(UNUSED_PATCH_WTE) ?? { shape: [1, d], data: new Float32Array(d) };
    return new ClassifierModel(c, labels, vars, unused);
  }

  /** GPT-2 initial patch-level weights drawn from `seed` (as a fresh generative model's), a fresh head. */
  static random(config: BGPTConfig, labels: string[], seed: number): ClassifierModel {
    return ClassifierModel.fromTensors(config, labels, initialTensors({ ...config, byteNumLayers: 0 }, seed), seed);
  }

  /** The checkpoint tensors in reference order (the unused patch-level wte kept for compatibility). */
  async tensors(): Promise<Array<[string, Tensor]>> {
    const out: Array<[string, Tensor]> = [];
    for (const spec of classifierSpecs(this.config, this.labels.length)) {
      if (spec.name === `${PATCH_PREFIX}base.wpe.weight`) out.push([UNUSED_PATCH_WTE, this.unusedWte]);
      out.push([spec.name, { shape: spec.shape, data: (await (this.vars.get(spec.name) as tf.Variable).data()) as Float32Array }]);
    }
    return out;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    tf.dispose([...this.frozen.values()]);
  }
}

/** A batch of windows for the classifier: padded patches and each window's real patch count. */
export interface ClassBatch {
  size: number;
  patches: number;
  /** [B*P*S] bytes, padded with 256 after each window. */
  input: Int32Array;
  counts: number[];
}

export function makeClassBatch(windows: Int32Array[], patchSize: number): ClassBatch {
  const counts = windows.map((w) => w.length / patchSize);
  const p = Math.max(...counts);
  const input = new Int32Array(windows.length * p * patchSize).fill(SPECIAL);
  windows.forEach((w, b) => input.set(w, b * p * patchSize));
  return { size: windows.length, patches: p, input, counts };
}

/**
 * The pooling matrix [B, B*P]: row b averages the features of window b's real patches. The reference
 * trains with batch 1 (train-cls.py), so its mean runs over exactly the file's own patches; padded
 * patches are left out here so a batch gives each file the same features as batch 1 would (causal
 * attention keeps padding from reaching the real patches).
 */
function poolMatrix(b: ClassBatch): tf.Tensor2D {
  const m = new Float32Array(b.size * b.size * b.patches);
  b.counts.forEach((n, i) => {
    for (let j = 0; j < n; j++) m[i * b.size * b.patches + i * b.patches + j] = 1 / n;
  });
  return tf.tensor2d(m, [b.size, b.size * b.patches]);
}

/** The windows' patches as the patch level takes them: int32 [B, P*S]. */
export function classInput(m: ClassifierModel, b: ClassBatch): tf.Tensor2D {
  return tf.tensor2d(b.input, [b.size, b.patches * m.config.patchSize], 'int32');
}

/** The head: patch features [B*P, D] → mean over each window's real patches → Linear → label logits [B, L]. */
export function classifierHead(f: Pass, m: ClassifierModel, b: ClassBatch, features: tf.Tensor2D): tf.Tensor2D {
  const pooled = tf.matMul(poolMatrix(b), features); // [B, D]
  return tf.add(f.ops.matMul(pooled, m.headW, false, true), m.headB) as tf.Tensor2D; // [B, L]
}

/** Label logits [B, L] of a batch. Call inside tf.tidy. */
export function classifierLogits(f: Pass, m: ClassifierModel, b: ClassBatch): tf.Tensor2D {
  const features = patchLevel(f, m.patch, m.config, classInput(m, b), b.size, b.patches); // [B*P, D]
  return classifierHead(f, m, b, features);
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`, 'BAD_CHECKPOINT');
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not valid JSON`, 'BAD_CHECKPOINT');
  }
}

/** Whether a checkpoint folder holds a classifier (it has labels.json). */
export const isClassifierDir: (dir: string) => Promise<boolean> = isClassifierFolder;

/** Loads a classifier checkpoint folder (config.json + model.safetensors + labels.json). */
export async function loadClassifier(dir: string): Promise<ClassifierModel> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new UserError(`checkpoint ${dir}: no such folder`, 'BAD_CHECKPOINT');
  const labelsFile = path.join(dir, LABELS_FILE);
  if (!(await isClassifierDir(dir))) throw new UserError(`checkpoint ${dir}: no ${LABELS_FILE}, so not a classifier (train one with \`bgpt train --mode classify\`)`, 'BAD_CHECKPOINT');
  const labels = checkLabels(parseJson(await readText(labelsFile, 'the label list'), labelsFile), labelsFile);
  const config = await readFolderConfig(dir, { classifier: true });
  const modelFile = path.join(dir, MODEL_FILE);
  const bytes = await fs.readFile(modelFile).catch(() => {
    throw new UserError(`${modelFile}: cannot read the checkpoint weights`, 'BAD_CHECKPOINT');
  });
  const { tensors } = parseSafetensors(bytes, modelFile);
  checkClassifierTensors({ ...config, byteNumLayers: 0 }, labels.length, tensors, modelFile);
  return ClassifierModel.fromTensors(config, labels, tensors);
}

/** Writes a classifier checkpoint folder atomically (with any extra files beside it). */
export async function saveClassifier(dir: string, model: ClassifierModel, extra: Record<string, Uint8Array | string> = {}): Promise<void> {
  const weights = serializeSafetensors(await model.tensors(), { format: 'pt' });
  await writeDirAtomic(dir, async (tmp) => {
    await fs.writeFile(path.join(tmp, CONFIG_FILE), JSON.stringify(configToJson(model.config), null, 1));
    await fs.writeFile(path.join(tmp, MODEL_FILE), weights);
    await fs.writeFile(path.join(tmp, LABELS_FILE), JSON.stringify(model.labels, null, 1));
    for (const [name, data] of Object.entries(extra)) await fs.writeFile(path.join(tmp, name), data);
  });
}
