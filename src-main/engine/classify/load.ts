// Where a classifier's weights come from: a studio classifier folder, a reference classification
// `.pth` (train-cls.py saves `{model, labels, ...}`), and, to start a run, the patch-level decoder of
// any checkpoint (generative or classifier; folder or `.pth`), as train-cls.py's PRETRAINED_PATH.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { MODEL_FILE, readFolderConfig, requireCheckpoint } from '../../checkpoint';
import { parseSafetensors, type Tensor } from '../io/safetensors';
import { PATCH_PREFIX } from '../model/weights';
import { readTorchCheckpoint } from '../torch/index';
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

/** Patch-level tensors (and head, labels) of a checkpoint folder or .pth; byte-level tensors are dropped. */
export async function readInitWeights(source: string): Promise<InitWeights> {
  if ((await requireCheckpoint(source)) === 'torch') return keepPatchLevel(await readTorch(source));
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
  return keepPatchLevel({ config, tensors, labels });
}

function keepPatchLevel(w: InitWeights): InitWeights {
  const kept = new Map<string, Tensor>();
  for (const [name, t] of w.tensors) {
    if (name.startsWith(PATCH_PREFIX) || name === CLASSIFIER_WEIGHT || name === CLASSIFIER_BIAS) kept.set(name, t);
  }
  return { config: { ...w.config, byteNumLayers: 0 }, tensors: kept, labels: w.labels };
}

/** A classifier to score with: a studio classifier folder or a reference classification .pth. */
export async function loadAnyClassifier(checkpoint: string): Promise<ClassifierModel> {
  if ((await requireCheckpoint(checkpoint)) === 'folder') return loadClassifier(checkpoint);
  const w = await readTorch(checkpoint);
  if (!w.labels) throw new UserError(`${checkpoint}: a generative checkpoint (no labels): classify needs a classifier, e.g. one trained with \`bgpt train --mode classify --init ${checkpoint}\``, 'BAD_CHECKPOINT');
  const kept = keepPatchLevel(w);
  checkClassifierTensors(kept.config, w.labels.length, kept.tensors, checkpoint);
  return ClassifierModel.fromTensors(kept.config, w.labels, kept.tensors);
}
