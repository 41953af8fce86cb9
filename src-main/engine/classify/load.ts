// Where a classifier's weights come from: a studio classifier folder, a reference classification
// `.pth` (train-cls.py saves `{model, labels, ...}`), and, to start a run, the patch-level decoder of
// any checkpoint (generative or classifier; folder or `.pth`), as train-cls.py's PRETRAINED_PATH. A LoRA adapter
// folder (checkpoint/adapter.ts) is merged onto its base's tensors first, in every case.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { MODEL_FILE, readFolderConfig, requireCheckpoint } from '../../checkpoint';
import { parseSafetensors, type Tensor } from '../io/safetensors';
import { PATCH_PREFIX } from '../model/weights';
import { readTorchCheckpoint } from '../torch/index';
import { isAdapterFolder, mergeAdapter, readAdapter, requireBase } from '../io/adapter-weights';
import { CLASSIFIER_BIAS, CLASSIFIER_WEIGHT, ClassifierModel, checkClassifierTensors, checkLabels, isClassifierDir, LABELS_FILE, loadClassifier } from './model';

/** Weights to start a classifier from: the patch-level tensors, and the labels when the source is a classifier. */
export interface InitWeights {
  config: BGPTConfig;
  tensors: Map<string, Tensor>;
  labels: string[] | null;
}

/** A reference checkpoint file (engine/torch's restricted reader), mapped to studio tensors. */
async function readTorch(file: string): Promise<InitWeights> {
  const r = await readTorchCheckpoint(file);
  return { config: r.config, tensors: r.tensors, labels: r.kind === 'classifier' && r.labels ? checkLabels(r.labels, file) : null };
}

/**
 * Patch-level tensors (and head, labels) of a checkpoint folder or .pth; byte-level tensors are dropped. An
 * adapter folder in `source` is merged onto `base`; a classification adapter brings its head and labels.
 */
export async function readInitWeights(source: string, base?: string | null): Promise<InitWeights> {
  return keepPatchLevel(await readAllWeights(source, base));
}

/** Every tensor of a checkpoint folder, .pth or adapter (merged onto `base`), with a classifier's labels. */
async function readAllWeights(source: string, base?: string | null): Promise<InitWeights> {
  if ((await requireCheckpoint(source)) === 'torch') return readTorch(source);
  if (await isAdapterFolder(source)) {
    // The base's every tensor first (a classification adapter's byte-level factors, if any, need them to check against).
    const b = await readAllWeights(await requireBase(source, base));
    const adapter = await readAdapter(source, b.config);
    const tensors = mergeAdapter(b.tensors, adapter, source);
    return { config: b.config, tensors, labels: adapter.config.kind === 'classifier' ? checkLabels(adapter.labels, source) : b.labels };
  }
  const config = await readFolderConfig(source, { classifier: true });
  const modelFile = path.join(source, MODEL_FILE);
  const bytes = await fs.readFile(modelFile).catch(() => {
    throw new UserError(`${modelFile}: cannot read the checkpoint weights`, 'BAD_CHECKPOINT');
  });
  const { tensors } = parseSafetensors(bytes, modelFile);
  let labels: string[] | null = null;
  if (await isClassifierDir(source)) {
    const file = path.join(source, LABELS_FILE);
    labels = checkLabels(JSON.parse(await fs.readFile(file, 'utf8')), file);
  }
  return { config, tensors, labels };
}

function keepPatchLevel(w: InitWeights): InitWeights {
  const kept = new Map<string, Tensor>();
  for (const [name, t] of w.tensors) {
    if (name.startsWith(PATCH_PREFIX) || name === CLASSIFIER_WEIGHT || name === CLASSIFIER_BIAS) kept.set(name, t);
  }
  return { config: { ...w.config, byteNumLayers: 0 }, tensors: kept, labels: w.labels };
}

/** A classifier to score with: a studio classifier folder, a reference classification .pth, or a classification adapter on `base`. */
export async function loadAnyClassifier(checkpoint: string, base?: string | null): Promise<ClassifierModel> {
  const form = await requireCheckpoint(checkpoint);
  if (form === 'folder' && (await isAdapterFolder(checkpoint))) {
    const w = await readInitWeights(checkpoint, base);
    if (!w.labels) throw new UserError(`${checkpoint}: a generative adapter (no labels): classify needs a classifier, e.g. one trained with \`bgpt train --mode classify --init ${checkpoint}\``, 'BAD_CHECKPOINT');
    checkClassifierTensors(w.config, w.labels.length, w.tensors, checkpoint);
    return ClassifierModel.fromTensors(w.config, w.labels, w.tensors);
  }
  if (form === 'folder') return loadClassifier(checkpoint);
  const w = await readTorch(checkpoint);
  if (!w.labels) throw new UserError(`${checkpoint}: a generative checkpoint (no labels): classify needs a classifier, e.g. one trained with \`bgpt train --mode classify --init ${checkpoint}\``, 'BAD_CHECKPOINT');
  const kept = keepPatchLevel(w);
  checkClassifierTensors(kept.config, w.labels.length, kept.tensors, checkpoint);
  return ClassifierModel.fromTensors(kept.config, w.labels, kept.tensors);
}
