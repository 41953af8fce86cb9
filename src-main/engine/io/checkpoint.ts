// Checkpoint directories (docs/checkpoint-format.md): config.json + model.safetensors with the reference names and
// layouts, plus any resume files beside them; written atomically as a whole directory. Loading also
// takes a PyTorch checkpoint file (`.pth`/`.pt`, docs/cli.md) wherever a folder is accepted, and a LoRA
// adapter folder (checkpoint/adapter.ts) with the base it merges onto.
import * as tf from '@tensorflow/tfjs-core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { configFromJson, configToJson, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { writeDirAtomic } from '../../node/atomic';
import { parseSafetensors, serializeSafetensors, type Tensor } from './safetensors';
import { modelWeights, type LoraMap, type ModelWeights } from '../model/model';
import { frozenTransposes } from '../model/lora';
import { checkTensors, initialTensors, UNUSED_PATCH_WTE } from '../model/weights';
import { fromVariables, toVariables } from '../model/variables';
import { inspectTorchCheckpoint, readTorchCheckpoint, type TorchCheckpoint } from '../torch/read';
import { CONFIG_FILE, MODEL_FILE, checkpointForm, readFolderConfig, requireCheckpoint } from '../../checkpoint';
import { isAdapterFolder, mergeAdapter, readAdapter, requireBase, type LoadedAdapter } from './adapter-weights';
import { readAdapterConfig } from '../../checkpoint/adapter';

export { CONFIG_FILE, MODEL_FILE } from '../../checkpoint';

/** A model in memory: its config and its TF.js variables (dispose() when done). */
export class BGPTModel {
  weights: ModelWeights;
  private frozen: Map<string, tf.Tensor2D> = new Map();
  constructor(readonly config: BGPTConfig, readonly vars: Map<string, tf.Variable>, private readonly unusedWte: Tensor) {
    this.weights = modelWeights(config, vars);
  }

  /**
   * Adds LoRA factors to the forward pass; the base variables stay as they are (the trainer leaves
   * them out of the optimizer). Frozen embedding matrices keep their transpose (model/lora.ts).
   */
  useLora(factors: LoraMap, frozen: ReadonlySet<string>): void {
    tf.dispose([...this.frozen.values()]);
    this.frozen = frozenTransposes(this.vars, frozen);
    this.weights = modelWeights(this.config, this.vars, factors, this.frozen);
  }

  /** A model with GPT-2 initial weights drawn from `seed` (the same on every backend). */
  static random(config: BGPTConfig, seed: number): BGPTModel {
    return BGPTModel.fromTensors(config, initialTensors(config, seed));
  }

  /** A model from named tensors (already checked against the config). */
  static fromTensors(config: BGPTConfig, tensors: Map<string, Tensor>): BGPTModel {
    const unused = tensors.get(UNUSED_PATCH_WTE) ?? { shape: [1, config.hiddenSize], data: new Float32Array(config.hiddenSize) };
    return new BGPTModel(config, toVariables(config, tensors), unused);
  }

  /** The checkpoint tensors in reference order (tied LM head included). */
  tensors(): Promise<Array<[string, Tensor]>> {
    return fromVariables(this.config, this.vars, this.unusedWte);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    tf.dispose([...this.frozen.values()]);
  }
}

async function readFileOrFail(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`, 'BAD_CHECKPOINT');
  }
}

/**
 * True when `p` is to be read as a PyTorch checkpoint file: any file that is not a folder (the torch
 * reader checks its content and names what is wrong); a folder is a studio checkpoint. Missing paths
 * and other files get one line from the checkpoint module (checkpoint/form.ts requireCheckpoint).
 */
export async function isTorchCheckpointFile(p: string): Promise<boolean> {
  const form = await checkpointForm(p);
  if (form === 'torch') return true;
  if (form === 'folder') return false;
  await requireCheckpoint(p);
  return false;
}

/** A classifier (bGPTForClassification) has no byte-level decoder: it cannot score or generate bytes. */
function requireGenerative(file: string, c: { kind: TorchCheckpoint['kind']; labels?: string[] }): void {
  if (c.kind !== 'generative') {
    const labels = c.labels ? ` (labels: ${c.labels.slice(0, 5).join(', ')}${c.labels.length > 5 ? ', …' : ''})` : '';
    throw new UserError(`${file}: a classification checkpoint${labels} has no byte-level decoder; use it with bgpt classify`, 'BAD_CHECKPOINT');
  }
}

/** Reads a generative `.pth` (weights checked against the config inferred from their shapes). */
export async function readTorchModelTensors(file: string): Promise<{ config: BGPTConfig; tensors: Map<string, Tensor> }> {
  const c = await readTorchCheckpoint(file);
  requireGenerative(file, c);
  return { config: c.config, tensors: c.tensors };
}

/**
 * Reads and validates a checkpoint's config.json (or infers a `.pth` file's config from its shapes). An adapter
 * folder has its base's config.json; a bare PEFT folder without one takes `base`'s. Classification adapters are
 * refused here, as classifier files are: this reads the config of something to score or generate with.
 */
export async function readCheckpointConfig(dir: string, base?: string | null): Promise<BGPTConfig> {
  if (await isTorchCheckpointFile(dir)) {
    const info = await inspectTorchCheckpoint(dir);
    requireGenerative(dir, info);
    return info.config;
  }
  if (await isAdapterFolder(dir)) {
    const a = await readAdapterConfig(dir);
    if (a.kind === 'classifier') requireGenerative(dir, { kind: 'classifier' });
    const own = await fs.stat(path.join(dir, CONFIG_FILE)).catch(() => null);
    if (!own) return readCheckpointConfig(await requireBase(dir, base));
  }
  return readFolderConfig(dir);
}

/** Tensors of a generative checkpoint, checked against its config; an adapter folder merged onto `base`. */
export interface ModelTensors {
  config: BGPTConfig;
  tensors: Map<string, Tensor>;
  /** The adapter merged in, when `dir` was one. */
  adapter: LoadedAdapter | null;
}

/**
 * Reads a checkpoint's float32 weights (a folder, a `.pth`, or an adapter folder merged onto the folder or
 * `.pth` in `base`): what TF.js loading and export start from. A base that is itself an adapter is refused.
 */
export async function readModelTensors(dir: string, base?: string | null): Promise<ModelTensors> {
  if (!(await isTorchCheckpointFile(dir)) && (await isAdapterFolder(dir))) {
    const baseDir = await requireBase(dir, base);
    if (await isAdapterFolder(baseDir)) throw new UserError(`${baseDir}: the base of an adapter must be a full checkpoint, not another adapter`, 'BAD_CHECKPOINT');
    if ((await readAdapterConfig(dir)).kind === 'classifier') requireGenerative(dir, { kind: 'classifier' });
    const b = await readModelTensors(baseDir);
    const adapter = await readAdapter(dir, b.config);
    return { config: b.config, tensors: mergeAdapter(b.tensors, adapter, dir), adapter };
  }
  if (await isTorchCheckpointFile(dir)) {
    const { config, tensors } = await readTorchModelTensors(dir);
    checkTensors(config, tensors, dir);
    return { config, tensors, adapter: null };
  }
  const config = await readCheckpointConfig(dir);
  const file = path.join(dir, MODEL_FILE);
  const { tensors } = parseSafetensors(await readFileOrFail(file, 'the checkpoint weights'), file);
  checkTensors(config, tensors, file);
  return { config, tensors, adapter: null };
}

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** The base weights (folder or .pth) when `dir` is an adapter folder. */
  base?: string | null;
}

/** Loads a checkpoint; a missing or corrupt file, or a tensor that does not fit the config, is a UserError. */
export async function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<BGPTModel> {
  const { config, tensors } = await readModelTensors(dir, opts.base);
  return BGPTModel.fromTensors(config, tensors);
}

/** Extra files written into the checkpoint folder beside config.json and model.safetensors. */
export type ExtraFiles = Record<string, Uint8Array | string>;

/** Writes the checkpoint folder atomically: either the whole new folder is there, or the old one. */
export async function saveModel(dir: string, model: BGPTModel, extra: ExtraFiles = {}): Promise<void> {
  const weights = serializeSafetensors(await model.tensors(), { format: 'pt' });
  await writeDirAtomic(dir, async (tmp) => {
    await fs.writeFile(path.join(tmp, CONFIG_FILE), JSON.stringify(configToJson(model.config), null, 1));
    await fs.writeFile(path.join(tmp, MODEL_FILE), weights);
    for (const [name, data] of Object.entries(extra)) await fs.writeFile(path.join(tmp, name), data);
  });
}
