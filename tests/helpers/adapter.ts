// Adapter folders for tests, made without a trainer: random LoRA factors under the reference model's module names
// (src-main/checkpoint/adapter.ts), so adapter loading, the catalogue and export are tested on their own. B is
// drawn non-zero (a trained adapter's is; a fresh one's is zero and would change nothing).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, LORA_DEFAULTS, adapterConfigToJson, loraModules, loraTensorNames, savedTensorName,
  type AdapterBase, type AdapterConfig, type LoraSettings,
} from '../../src-main/checkpoint/adapter';
import { configToJson, type BGPTConfig } from '../../src-main/shared/config';
import { serializeSafetensors, type Tensor } from '../../src-main/engine/io/safetensors';
import { Rng } from '../../src-main/engine/model/rng';

export interface TestAdapterOptions {
  /** The base model's config (the folder's config.json). */
  config: BGPTConfig;
  base: AdapterBase;
  settings?: Partial<LoraSettings>;
  kind?: AdapterConfig['kind'];
  seed?: number;
  /** Standard deviation of the factors' values (default 0.05). */
  std?: number;
  /** Whole base tensors the adapter replaces (trained layer norms, a classifier head), by reference name. */
  replaced?: Map<string, Tensor>;
  /** labels.json of a classification adapter. */
  labels?: string[];
  /** Leave config.json out (a bare PEFT folder). */
  bare?: boolean;
}

/** The sha256 of a file, as the catalogue records a base's. */
export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** The factors a test adapter holds, by PEFT tensor name (for a test that merges them itself). */
export function testAdapterTensors(o: TestAdapterOptions): Map<string, Tensor> {
  const settings = { ...LORA_DEFAULTS, ...o.settings };
  const rng = new Rng(o.seed ?? 1);
  const std = o.std ?? 0.05;
  const out = new Map<string, Tensor>();
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * std);
  for (const m of loraModules(o.config, settings)) {
    const n = loraTensorNames(m.module);
    out.set(n.a, { shape: [settings.rank, m.inFeatures], data: draw(settings.rank * m.inFeatures) });
    out.set(n.b, { shape: [m.outFeatures, settings.rank], data: draw(m.outFeatures * settings.rank) });
  }
  for (const [name, t] of o.replaced ?? []) out.set(savedTensorName(name), t);
  return out;
}

/** Writes an adapter folder at `dir` (config.json, adapter_config.json, adapter_model.safetensors[, labels.json]). */
export async function writeTestAdapter(dir: string, o: TestAdapterOptions): Promise<{ dir: string; config: AdapterConfig; tensors: Map<string, Tensor> }> {
  const config: AdapterConfig = { settings: { ...LORA_DEFAULTS, ...o.settings }, base: o.base, kind: o.kind ?? 'generative' };
  const tensors = testAdapterTensors(o);
  await fs.mkdir(dir, { recursive: true });
  if (!o.bare) await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(configToJson(o.config), null, 1));
  await fs.writeFile(path.join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(adapterConfigToJson(config), null, 1));
  await fs.writeFile(path.join(dir, ADAPTER_WEIGHTS_FILE), serializeSafetensors(tensors, { format: 'pt' }));
  if (o.labels) await fs.writeFile(path.join(dir, 'labels.json'), JSON.stringify(o.labels));
  return { dir, config, tensors };
}

/**
 * The base tensors with the factors added by a plain triple loop, written independently of the studio's
 * mergeLoraWeight: W[i][o] + (alpha/r) · Σ_k B[o][k] · A[k][i] (Conv1D [in, out]).
 */
export function mergeByHand(base: Map<string, Tensor>, config: BGPTConfig, adapter: { config: AdapterConfig; tensors: Map<string, Tensor> }): Map<string, Tensor> {
  const s = adapter.config.settings;
  const out = new Map([...base].map(([k, t]) => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }]));
  for (const m of loraModules(config, s)) {
    const n = loraTensorNames(m.module);
    const a = adapter.tensors.get(n.a)!.data;
    const b = adapter.tensors.get(n.b)!.data;
    const w = out.get(m.weight)!.data;
    for (let i = 0; i < m.inFeatures; i++) {
      for (let o = 0; o < m.outFeatures; o++) {
        let d = 0;
        for (let k = 0; k < s.rank; k++) d += b[o * s.rank + k] * a[k * m.inFeatures + i];
        w[i * m.outFeatures + o] += (s.alpha / s.rank) * d;
      }
    }
  }
  for (const [name, t] of adapter.tensors) {
    if (name.endsWith('.lora_A.weight') || name.endsWith('.lora_B.weight')) continue;
    out.set(name.slice('base_model.model.'.length), { shape: [...t.shape], data: Float32Array.from(t.data) });
  }
  return out;
}
