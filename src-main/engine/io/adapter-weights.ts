// A LoRA adapter folder (src-main/checkpoint/adapter.ts) written, read from disk and merged onto its base's float32 weights:
// the one loader that inference, TF.js evaluation and training, classification and export all call, so every path
// computes with the same W + (alpha/r)·(B·A)ᵀ. Merging happens on the reference-layout float32 tensors before any
// packing (the inference kernels' arena, a TF.js variable, a .pth writer), so an adapted model runs at the base's speed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterConfigToJson, adapterNeedsBase, adapterTouches, adapterWeights, mergeAdapterTensor,
  readAdapterConfig, type AdapterConfig, type AdapterWeights,
} from '../../checkpoint/adapter';
import { configFromJson, configToJson, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import { writeDirAtomic } from '../../node/atomic';
import { readSafetensors, serializeSafetensors, type Tensor } from './safetensors';

export { isAdapterFolder, adapterNeedsBase } from '../../checkpoint/adapter';

/** The labels of a classification adapter (engine/classify/model.ts LABELS_FILE, the same name as a classifier folder's). */
const LABELS_FILE = 'labels.json';

/** An adapter folder in memory: its settings, sorted tensors, the base config it was made for, and a classifier's labels. */
export interface LoadedAdapter extends AdapterWeights {
  dir: string;
  /** config.json of the folder (the base's config), or null for a bare PEFT folder, which takes the base's. */
  modelConfig: BGPTConfig | null;
  labels: string[] | null;
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not valid JSON`, 'BAD_CHECKPOINT');
  }
}

/**
 * Reads an adapter folder, checked against `baseConfig` (the config of the weights it will merge onto): a
 * folder whose config.json names another shape is refused, naming both.
 */
export async function readAdapter(dir: string, baseConfig: BGPTConfig): Promise<LoadedAdapter> {
  const config = await readAdapterConfig(dir);
  const configFile = path.join(dir, 'config.json');
  const json = await readJson(configFile);
  const modelConfig = json === undefined ? null : configFromJson(json, configFile, { classifier: true });
  if (modelConfig && !sameShape(modelConfig, baseConfig)) {
    throw new UserError(`${dir}: the adapter was made for ${shape(modelConfig)}, its base has ${shape(baseConfig)}`, 'BASE_MISMATCH');
  }
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  const { tensors } = await readSafetensors(file);
  const labelsJson = await readJson(path.join(dir, LABELS_FILE));
  const labels = Array.isArray(labelsJson) && labelsJson.every((l) => typeof l === 'string') ? (labelsJson as string[]) : null;
  return { ...adapterWeights(config, baseConfig, tensors, file), dir, modelConfig, labels };
}

function sameShape(a: BGPTConfig, b: BGPTConfig): boolean {
  // A classifier base keeps no byte-level decoder: its adapters say 0 byte layers or the generative count.
  return a.patchSize === b.patchSize && a.patchLength === b.patchLength && a.hiddenSize === b.hiddenSize
    && a.patchNumLayers === b.patchNumLayers && a.numHeads === b.numHeads && (a.byteNumLayers === b.byteNumLayers || a.byteNumLayers === 0 || b.byteNumLayers === 0);
}

function shape(c: BGPTConfig): string {
  return `patch ${c.patchSize}×${c.patchLength}, hidden ${c.hiddenSize}, ${c.patchNumLayers}+${c.byteNumLayers} layers`;
}

/**
 * The base's tensors with the adapter merged in, as a new map: adapted matrices are merged copies, tensors the
 * adapter trained are its own, everything else is the base's array (shared, never written). Tensors the base
 * lacks but the adapter holds (a classifier head on a generative base) are added.
 */
export function mergeAdapter(tensors: Map<string, Tensor>, adapter: AdapterWeights, source: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const name of adapter.factors.keys()) {
    if (!tensors.has(name)) throw new UserError(`${source}: the adapter updates ${name}, which its base does not have`, 'BASE_MISMATCH');
  }
  for (const [name, t] of tensors) out.set(name, adapterTouches(adapter, name) ? { shape: t.shape, data: mergeAdapterTensor(adapter, name, t.data) } : t);
  for (const [name, t] of adapter.replaced) if (!tensors.has(name)) out.set(name, t);
  return out;
}

/**
 * Writes an adapter folder atomically: config.json (the base's config), adapter_config.json, adapter_model.safetensors
 * (tensors by their PEFT names: loraTensorNames / savedTensorName), labels.json for a classifier, and any `extra`
 * files (a LoRA run's last/ adds its resume state).
 */
export async function writeAdapterFolder(dir: string, a: {
  baseConfig: BGPTConfig; config: AdapterConfig; tensors: Iterable<[string, Tensor]>; labels?: string[] | null; extra?: Record<string, Uint8Array | string>;
}): Promise<void> {
  const weights = serializeSafetensors(a.tensors, { format: 'pt' });
  await writeDirAtomic(dir, async (tmp) => {
    await fs.writeFile(path.join(tmp, 'config.json'), JSON.stringify(configToJson(a.baseConfig), null, 1));
    await fs.writeFile(path.join(tmp, ADAPTER_CONFIG_FILE), JSON.stringify(adapterConfigToJson(a.config), null, 1));
    await fs.writeFile(path.join(tmp, ADAPTER_WEIGHTS_FILE), weights);
    if (a.labels) await fs.writeFile(path.join(tmp, LABELS_FILE), JSON.stringify(a.labels, null, 1));
    for (const [name, data] of Object.entries(a.extra ?? {})) await fs.writeFile(path.join(tmp, name), data);
  });
}

/** Throws the one line for an adapter folder given without its base. */
export async function requireBase(dir: string, base: string | null | undefined): Promise<string> {
  if (base) return base;
  throw adapterNeedsBase(dir, await readAdapterConfig(dir));
}
