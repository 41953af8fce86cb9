// LoRA adapters on the engine's model (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language
// Models"; Hugging Face PEFT's LoRA for GPT-2 Conv1D layers): the factors of every adapted matrix,
// created as PEFT creates them (A Kaiming-uniform, B zeros, so training starts from the base model
// exactly), named as checkpoint/adapter.ts defines the adapter file, and merged into a full
// checkpoint's tensors with its one merge. The base weights stay frozen tensors; only these (and
// what the settings train along with them) are variables the optimizer sees.
import * as tf from '@tensorflow/tfjs-core';
import type { BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import {
  loraModules, loraTensorNames, mergeLoraWeight, referenceNameOf, savedTensorName, LORA_LEVELS,
  type LoraLevel, type LoraModule, type LoraSettings,
} from '../../checkpoint/adapter';
import type { Tensor } from '../io/safetensors';
import type { LoraFactors, LoraMap } from './model';
import { deriveSeed, Rng } from './rng';
import { BYTE_PREFIX, BYTE_WTE, LM_HEAD, PATCH_PREFIX } from './weights';

/** Random stream of the A factors' initial values (weights.ts draws the base from the seed itself). */
const LORA_INIT_STREAM = 31;

/** Where each level's tensors live in the reference names. */
const LEVEL_PREFIX: Record<LoraLevel, string> = { patch: `${PATCH_PREFIX}base.`, byte: `${BYTE_PREFIX}transformer.` };

/** The adapter's variables in memory: the factors of every adapted matrix, keyed by their adapter file names. */
export class LoraAdapter {
  /** Factors by module path, for the forward pass (model.ts). */
  readonly factors: LoraMap;

  constructor(readonly settings: LoraSettings, readonly modules: LoraModule[], readonly vars: Map<string, tf.Variable>) {
    const scale = settings.alpha / settings.rank;
    const factors = new Map<string, LoraFactors>();
    for (const m of modules) {
      const n = loraTensorNames(m.module);
      factors.set(m.module, { a: vars.get(n.a) as tf.Variable as tf.Tensor2D, b: vars.get(n.b) as tf.Variable as tf.Tensor2D, scale });
    }
    this.factors = factors;
  }

  /**
   * Fresh factors, as PEFT's `reset_lora_parameters`: A ~ U(−1/√in, 1/√in) (kaiming_uniform_ with
   * a = √5), B = 0, so B·A = 0 and the adapted model starts as the base model.
   */
  static create(c: BGPTConfig, settings: LoraSettings, seed: number): LoraAdapter {
    const rng = new Rng(deriveSeed(seed, LORA_INIT_STREAM));
    const modules = loraModules(c, settings);
    const vars = new Map<string, tf.Variable>();
    for (const m of modules) {
      const n = loraTensorNames(m.module);
      const bound = 1 / Math.sqrt(m.inFeatures);
      const a = Float32Array.from({ length: settings.rank * m.inFeatures }, () => (rng.next() * 2 - 1) * bound);
      vars.set(n.a, tf.tidy(() => tf.variable(tf.tensor2d(a, [settings.rank, m.inFeatures]), true, n.a)));
      vars.set(n.b, tf.tidy(() => tf.variable(tf.zeros([m.outFeatures, settings.rank]), true, n.b)));
    }
    return new LoraAdapter(settings, modules, vars);
  }

  /** Factors read from an adapter file's tensors, checked against the settings and the config. */
  static fromTensors(c: BGPTConfig, settings: LoraSettings, tensors: Map<string, Tensor>, source: string): LoraAdapter {
    const modules = loraModules(c, settings);
    const vars = new Map<string, tf.Variable>();
    for (const m of modules) {
      const n = loraTensorNames(m.module);
      for (const [name, shape] of [[n.a, [settings.rank, m.inFeatures]], [n.b, [m.outFeatures, settings.rank]]] as const) {
        const t = tensors.get(name);
        if (!t || t.shape.length !== 2 || t.shape[0] !== shape[0] || t.shape[1] !== shape[1]) {
          for (const v of vars.values()) v.dispose();
          throw new UserError(`${source}: LoRA tensor ${name} is ${t ? `[${t.shape.join(', ')}]` : 'missing'}, the adapter needs [${shape.join(', ')}]`, 'BAD_CHECKPOINT');
        }
        vars.set(name, tf.tidy(() => tf.variable(tf.tensor2d(t.data, [shape[0], shape[1]]), true, name)));
      }
    }
    return new LoraAdapter(settings, modules, vars);
  }

  /** Parameters of the factors. */
  get parameters(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}

/**
 * Transposes kept of frozen embedding matrices (the patch embedding, the tied byte embedding / LM head):
 * each forward pass would otherwise transpose them again (3.2 M and 0.2 M floats at paper size, 13 MB
 * kept). The blocks' matrices are left alone: their transposes would cost a copy of the model's memory.
 */
export function frozenTransposes(vars: ReadonlyMap<string, tf.Tensor>, frozen: ReadonlySet<string>): Map<string, tf.Tensor2D> {
  const out = new Map<string, tf.Tensor2D>();
  for (const name of [`${PATCH_PREFIX}patch_embedding.weight`, `${BYTE_PREFIX}transformer.wte.weight`]) {
    const w = vars.get(name);
    if (w && frozen.has(name)) out.set(name, tf.tidy(() => tf.keep(tf.transpose(w as tf.Tensor2D))));
  }
  return out;
}

/**
 * Reference names of the base tensors a LoRA run trains along with the factors: with `trainLayerNorms`
 * every LayerNorm gain and bias of the adapted levels (their blocks' ln_1, ln_2 and the final ln_f),
 * with `trainBiases` the bias of every adapted matrix (PEFT's bias = 'lora_only').
 */
export function alsoTrained(c: BGPTConfig, s: LoraSettings, baseNames: Iterable<string>): string[] {
  const out: string[] = [];
  const biases = new Set(s.trainBiases ? loraModules(c, s).map((m) => `${m.module}.bias`) : []);
  const levels = s.levels.filter((l) => (LORA_LEVELS as readonly string[]).includes(l)).map((l) => LEVEL_PREFIX[l]);
  for (const name of baseNames) {
    const norm = /\.(ln_1|ln_2|ln_f)\.(weight|bias)$/.test(name) && levels.some((p) => name.startsWith(p));
    if ((s.trainLayerNorms && norm) || biases.has(name)) out.push(name);
  }
  return out;
}

/** The adapter file's tensors: the factors, then the base tensors trained along with them under their saved names. */
export async function adapterFileTensors(adapter: LoraAdapter, trainedBase: Map<string, tf.Variable>): Promise<Array<[string, Tensor]>> {
  const out: Array<[string, Tensor]> = [];
  for (const [name, v] of adapter.vars) out.push([name, { shape: v.shape, data: (await v.data()) as Float32Array }]);
  for (const [name, v] of trainedBase) out.push([savedTensorName(name), { shape: v.shape, data: (await v.data()) as Float32Array }]);
  return out;
}

/** The base tensors an adapter file carries besides its factors, by reference name (a head, layer norms, biases). */
export function savedBaseTensors(tensors: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of tensors) {
    const ref = referenceNameOf(name);
    if (ref) out.set(ref, t);
  }
  return out;
}

/**
 * One tensor of the full checkpoint the current weights make, by reference name, read off the
 * backend: an adapted W merged (mergeLoraWeight), a tensor trained along with the factors as it is
 * now, any other as the base holds it (the tied LM head is the byte embedding). One tensor at a time,
 * so a whole second copy of the model is never in memory (validity samples at paper size).
 */
export async function currentTensor(name: string, vars: ReadonlyMap<string, tf.Tensor>, adapter: LoraAdapter | null, trainedBase: ReadonlyMap<string, tf.Variable>): Promise<Float32Array> {
  const ref = name === LM_HEAD ? BYTE_WTE : name;
  const v = trainedBase.get(ref) ?? vars.get(ref);
  if (!v) throw new Error(`model tensor ${name} missing`);
  const data = (await v.data()) as Float32Array;
  const m = adapter?.modules.find((x) => x.weight === ref);
  if (!adapter || !m) return data;
  const n = loraTensorNames(m.module);
  const a = (await (adapter.vars.get(n.a) as tf.Variable).data()) as Float32Array;
  const b = (await (adapter.vars.get(n.b) as tf.Variable).data()) as Float32Array;
  return mergeLoraWeight(data, a, b, m, adapter.settings.rank, adapter.settings.alpha / adapter.settings.rank);
}

/**
 * A full checkpoint's tensors from the base's and an adapter's: every adapted W replaced by
 * W + scale·(B·A)ᵀ (checkpoint/adapter.ts mergeLoraWeight), every tensor trained along with the
 * factors by its trained value. What the adapters' tests score, and what validity samples run on.
 */
export async function mergedTensors(base: Array<[string, Tensor]>, adapter: LoraAdapter, trainedBase: Map<string, tf.Variable>): Promise<Array<[string, Tensor]>> {
  const byWeight = new Map(adapter.modules.map((m) => [m.weight, m]));
  const scale = adapter.settings.alpha / adapter.settings.rank;
  const out: Array<[string, Tensor]> = [];
  for (const [name, t] of base) {
    const m = byWeight.get(name);
    const trained = trainedBase.get(name);
    if (m) {
      const n = loraTensorNames(m.module);
      const a = (await (adapter.vars.get(n.a) as tf.Variable).data()) as Float32Array;
      const b = (await (adapter.vars.get(n.b) as tf.Variable).data()) as Float32Array;
      out.push([name, { shape: t.shape, data: mergeLoraWeight(t.data, a, b, m, adapter.settings.rank, scale) }]);
    } else if (trained) {
      out.push([name, { shape: t.shape, data: (await trained.data()) as Float32Array }]);
    } else {
      out.push([name, t]);
    }
  }
  return out;
}
