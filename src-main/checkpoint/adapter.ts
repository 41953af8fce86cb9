// LoRA adapters on disk (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"), in the layout of
// Hugging Face PEFT (`adapter_config.json` + `adapter_model.safetensors`) with the reference bGPT model's module
// names (../shared/FINETUNE.md): the one definition of an adapter folder that training, loading, the catalogue and
// export share. No TF.js here: the studio, which never loads TF.js, reads adapters too.
//
// An adapter folder (a LoRA run's `best/` or `last/`, or an adapter model in the catalogue) holds:
//   config.json                 the BASE model's config (docs/checkpoint-format.md), as in any checkpoint
//   adapter_config.json         AdapterConfig below (PEFT's keys, plus `bgpt` for the studio's own)
//   adapter_model.safetensors   float32: `base_model.model.<module>.lora_A.weight` [r, in] and `.lora_B.weight`
//                               [out, r] per adapted matrix; layer norms / biases trained along with them, and a
//                               classifier's head, under `base_model.model.<reference tensor name>`
//   (last/ only) train_state.json, optimizer.safetensors: resume state; moments of the trainable tensors only
// and NO model.safetensors: the base weights live once, in the catalogue model (or run checkpoint) whose weights
// file has the sha256 recorded in `bgpt.base.sha256`.
//
// The reference model's matrices are GPT-2 Conv1D modules (weights [in, out]); PEFT sets fan_in_fan_out for
// them, so the merged weight is W + (alpha / r) · (B·A)ᵀ in that [in, out] layout.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../shared/errors';
import type { BGPTConfig } from '../shared/config';
import { LORA_LEVELS, LORA_LIMITS, LORA_TARGETS, type LoraLevel, type LoraSettings, type LoraTarget } from '../shared/lora';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** PEFT's prefix of every tensor name in adapter_model.safetensors (a PeftModel wraps the base as base_model.model). */
export const PEFT_PREFIX = 'base_model.model.';

// The settings' words (targets, levels, defaults, bounds) live in shared/lora.ts, where the contract and the
// renderer read them too; they are this module's as much as the folder layout below.
export { LORA_TARGETS, LORA_LEVELS, LORA_DEFAULTS, LORA_LIMITS } from '../shared/lora';
export type { LoraTarget, LoraLevel, LoraSettings } from '../shared/lora';

/** Which weights an adapter was trained on top of. */
export interface AdapterBase {
  /** sha256 (hex) of the base's weights file: a catalogue model's file (models.sha256), or a run checkpoint's model.safetensors. */
  sha256: string;
  /** A name to show and to tell the user what to import when the base is missing. */
  name: string;
  /** Where the studio found it when training started (a hint; the sha256 decides). */
  ref: { kind: 'model'; modelId: string } | { kind: 'run'; runId: string; checkpoint: 'best' | 'last' } | { kind: 'file'; fileName: string };
}

/** adapter_config.json: PEFT's LoraConfig keys (so PEFT reads it), plus the studio's under `bgpt`. */
export interface AdapterConfigJson {
  peft_type: 'LORA';
  task_type: null;
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: string[];
  fan_in_fan_out: true;
  bias: 'none' | 'lora_only';
  modules_to_save: string[] | null;
  base_model_name_or_path: string;
  inference_mode: boolean;
  bgpt: {
    version: 1;
    levels: LoraLevel[];
    train_layer_norms: boolean;
    base: AdapterBase;
    /** 'generative' | 'conversion' | 'classifier': what the adapted model is. */
    kind: 'generative' | 'conversion' | 'classifier';
  };
}

export interface AdapterConfig {
  settings: LoraSettings;
  base: AdapterBase;
  kind: AdapterConfigJson['bgpt']['kind'];
}

/** One adapted matrix: its module path in the reference model and its Conv1D shape. */
export interface LoraModule {
  /** e.g. `patch_level_decoder.base.h.0.attn.c_attn` */
  module: string;
  /** The base tensor it updates: `${module}.weight`, shape [inFeatures, outFeatures]. */
  weight: string;
  inFeatures: number;
  outFeatures: number;
  level: LoraLevel;
  target: LoraTarget;
}

const LEVEL_PREFIX: Record<LoraLevel, string> = { patch: 'patch_level_decoder.base.h.', byte: 'byte_level_decoder.base.transformer.h.' };

function targetShape(t: LoraTarget, d: number): [number, number] {
  if (t === 'attn.c_attn') return [d, 3 * d];
  if (t === 'attn.c_proj') return [d, d];
  if (t === 'mlp.c_fc') return [d, 4 * d];
  return [4 * d, d];
}

/** Every matrix the settings adapt, in the reference state dict's order (patch level first, block by block). */
export function loraModules(c: BGPTConfig, s: Pick<LoraSettings, 'targets' | 'levels'>): LoraModule[] {
  const out: LoraModule[] = [];
  for (const level of LORA_LEVELS) {
    if (!s.levels.includes(level)) continue;
    const layers = level === 'patch' ? c.patchNumLayers : c.byteNumLayers;
    for (let i = 0; i < layers; i++) {
      for (const target of LORA_TARGETS) {
        if (!s.targets.includes(target)) continue;
        const module = `${LEVEL_PREFIX[level]}${i}.${target}`;
        const [inFeatures, outFeatures] = targetShape(target, c.hiddenSize);
        out.push({ module, weight: `${module}.weight`, inFeatures, outFeatures, level, target });
      }
    }
  }
  return out;
}

/** Tensor names of one module's factors in adapter_model.safetensors. */
export function loraTensorNames(module: string): { a: string; b: string } {
  return { a: `${PEFT_PREFIX}${module}.lora_A.weight`, b: `${PEFT_PREFIX}${module}.lora_B.weight` };
}

/** The adapter file's name for a base tensor trained along with the factors (a LayerNorm, a bias, a classifier head). */
export function savedTensorName(referenceName: string): string {
  return `${PEFT_PREFIX}${referenceName}`;
}

/** The reference name of a saved (non-factor) tensor, or null for a LoRA factor or a foreign name. */
export function referenceNameOf(savedName: string): string | null {
  if (!savedName.startsWith(PEFT_PREFIX) || /\.lora_[AB]\.weight$/.test(savedName)) return null;
  return savedName.slice(PEFT_PREFIX.length);
}

/** The adapter's parameter count: r·(in + out) per module (plus whatever else it trains, counted by the caller). */
export function loraParameterCount(c: BGPTConfig, s: LoraSettings): number {
  return loraModules(c, s).reduce((n, m) => n + s.rank * (m.inFeatures + m.outFeatures), 0);
}

/** Checks user-given settings (API and CLI); one line naming the bad value. */
export function checkLoraSettings(s: LoraSettings, c?: BGPTConfig): LoraSettings {
  const { rank, alpha, dropout } = LORA_LIMITS;
  if (!Number.isInteger(s.rank) || s.rank < rank.min || s.rank > rank.max) throw new UserError(`LoRA rank must be a whole number from ${rank.min} to ${rank.max}, got ${s.rank}`, 'BAD_ARGS');
  if (c && s.rank > c.hiddenSize) throw new UserError(`LoRA rank ${s.rank} is more than the model's hidden size ${c.hiddenSize}`, 'BAD_ARGS');
  if (!(s.alpha >= alpha.min && s.alpha <= alpha.max)) throw new UserError(`LoRA alpha must be in [${alpha.min}, ${alpha.max}], got ${s.alpha}`, 'BAD_ARGS');
  if (!(s.dropout >= dropout.min && s.dropout <= dropout.max)) throw new UserError(`LoRA dropout must be in [${dropout.min}, ${dropout.max}], got ${s.dropout}`, 'BAD_ARGS');
  if (s.targets.length === 0 || s.targets.some((t) => !(LORA_TARGETS as readonly string[]).includes(t))) {
    throw new UserError(`LoRA targets must be among ${LORA_TARGETS.join(', ')}, got ${s.targets.join(', ') || 'none'}`, 'BAD_ARGS');
  }
  if (s.levels.length === 0 || s.levels.some((l) => !(LORA_LEVELS as readonly string[]).includes(l))) {
    throw new UserError(`LoRA levels must be among ${LORA_LEVELS.join(', ')}, got ${s.levels.join(', ') || 'none'}`, 'BAD_ARGS');
  }
  return { ...s, targets: LORA_TARGETS.filter((t) => s.targets.includes(t)), levels: LORA_LEVELS.filter((l) => s.levels.includes(l)) };
}

/** Parses `--lora-targets`: a comma list of target names, also accepting the bare `c_attn`, `c_fc`, and `c_proj` (both). */
export function parseLoraTargets(list: string): LoraTarget[] {
  const out = new Set<LoraTarget>();
  for (const raw of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    if ((LORA_TARGETS as readonly string[]).includes(raw)) out.add(raw as LoraTarget);
    else if (raw === 'c_attn') out.add('attn.c_attn');
    else if (raw === 'c_fc') out.add('mlp.c_fc');
    else if (raw === 'c_proj') { out.add('attn.c_proj'); out.add('mlp.c_proj'); }
    else throw new UserError(`--lora-targets: '${raw}' is not one of ${LORA_TARGETS.join(', ')} (or c_attn, c_proj, c_fc)`, 'BAD_ARGS');
  }
  return LORA_TARGETS.filter((t) => out.has(t));
}

/** adapter_config.json for an adapter. */
export function adapterConfigToJson(a: AdapterConfig): AdapterConfigJson {
  const s = a.settings;
  return {
    peft_type: 'LORA',
    task_type: null,
    r: s.rank,
    lora_alpha: s.alpha,
    lora_dropout: s.dropout,
    target_modules: [...s.targets],
    fan_in_fan_out: true,
    bias: s.trainBiases ? 'lora_only' : 'none',
    modules_to_save: a.kind === 'classifier' ? ['classifier'] : null,
    base_model_name_or_path: a.base.name,
    inference_mode: false,
    bgpt: { version: 1, levels: [...s.levels], train_layer_norms: s.trainLayerNorms, base: a.base, kind: a.kind },
  };
}

/** Reads adapter_config.json's parsed JSON; `source` names the file in the one-line error. */
export function adapterConfigFromJson(json: unknown, source = ADAPTER_CONFIG_FILE): AdapterConfig {
  const bad = (why: string): never => { throw new UserError(`${source}: ${why}`, 'BAD_CHECKPOINT'); };
  if (!json || typeof json !== 'object') bad('not a JSON object');
  const j = json as Partial<AdapterConfigJson>;
  if (j.peft_type !== 'LORA') bad(`peft_type must be "LORA", got ${JSON.stringify(j.peft_type)}`);
  if (!j.bgpt || j.bgpt.version !== 1) bad('not a bGPT Studio adapter (no "bgpt" section of version 1)');
  const b = j.bgpt as AdapterConfigJson['bgpt'];
  if (!b.base || typeof b.base.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(b.base.sha256)) bad('bgpt.base.sha256 must be 64 hex digits');
  if (!['generative', 'conversion', 'classifier'].includes(b.kind)) bad(`bgpt.kind must be generative, conversion or classifier, got ${JSON.stringify(b.kind)}`);
  const targets = (j.target_modules ?? []).map((t) => (t === 'c_attn' ? 'attn.c_attn' : t === 'c_fc' ? 'mlp.c_fc' : t));
  const settings = checkLoraSettings({
    rank: Number(j.r), alpha: Number(j.lora_alpha), dropout: Number(j.lora_dropout ?? 0),
    targets: targets as LoraTarget[], levels: (b.levels ?? []) as LoraLevel[],
    trainLayerNorms: b.train_layer_norms === true, trainBiases: j.bias === 'lora_only' || (j.bias as string) === 'all',
  });
  return { settings, base: b.base, kind: b.kind };
}

/**
 * W + scale · (B·A)ᵀ for a Conv1D weight W [in, out] (row-major), A [r, in], B [out, r], in place on a copy of W.
 * scale = alpha / r. The one merge used by inference loading and by export.
 */
export function mergeLoraWeight(w: Float32Array, a: Float32Array, b: Float32Array, m: Pick<LoraModule, 'inFeatures' | 'outFeatures'>, rank: number, scale: number): Float32Array {
  const { inFeatures: nIn, outFeatures: nOut } = m;
  if (w.length !== nIn * nOut || a.length !== rank * nIn || b.length !== nOut * rank) {
    throw new UserError(`LoRA factors do not fit the weight: W ${w.length}, A ${a.length}, B ${b.length} values for [${nIn}, ${nOut}] at rank ${rank}`, 'BAD_CHECKPOINT');
  }
  const out = new Float32Array(w);
  const col = new Float32Array(rank);
  for (let i = 0; i < nIn; i++) {
    for (let k = 0; k < rank; k++) col[k] = scale * a[k * nIn + i];
    const row = i * nOut;
    for (let o = 0; o < nOut; o++) {
      let s = 0;
      const bo = o * rank;
      for (let k = 0; k < rank; k++) s += b[bo + k] * col[k];
      out[row + o] += s;
    }
  }
  return out;
}

// ----- reading an adapter folder (no TF.js, no safetensors parsing: the engine reads the tensor file) -----

/** True when `p` is a folder holding adapter_config.json: a LoRA run's checkpoint, or an adapter model. */
export async function isAdapterFolder(p: string): Promise<boolean> {
  return (await fs.stat(path.join(p, ADAPTER_CONFIG_FILE)).catch(() => null))?.isFile() ?? false;
}

/** Largest adapter_config.json read: PEFT's is under 2 KB; anything near this is not one. */
const MAX_ADAPTER_CONFIG_BYTES = 1 << 20;

/** Reads and checks `dir/adapter_config.json`; one line naming the file when it is missing or bad. */
export async function readAdapterConfig(dir: string): Promise<AdapterConfig> {
  const file = path.join(dir, ADAPTER_CONFIG_FILE);
  const st = await fs.stat(file).catch(() => null);
  if (!st?.isFile()) throw new UserError(`${dir}: no ${ADAPTER_CONFIG_FILE}, so not a LoRA adapter folder`, 'BAD_CHECKPOINT');
  if (st.size > MAX_ADAPTER_CONFIG_BYTES) throw new UserError(`${file}: ${st.size} bytes is far too large for an adapter config`, 'BAD_CHECKPOINT');
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    throw new UserError(`${file}: not valid JSON`, 'BAD_CHECKPOINT');
  }
  return adapterConfigFromJson(json, file);
}

/** A float32 tensor as the adapter file holds it (the engine's safetensors Tensor has this shape). */
export interface AdapterTensor {
  shape: number[];
  data: Float32Array;
}

/** An adapter's tensors sorted by what they do to the base. */
export interface AdapterWeights {
  config: AdapterConfig;
  /** alpha / rank. */
  scale: number;
  /** Per adapted base weight (`…attn.c_attn.weight`): its module and the factors A [r, in], B [out, r]. */
  factors: Map<string, { module: LoraModule; a: Float32Array; b: Float32Array }>;
  /** Base tensors trained along with the factors (layer norms, biases, a classifier head), by reference name. */
  replaced: Map<string, AdapterTensor>;
}

/**
 * Sorts an adapter file's tensors (by their PEFT names) and checks them against its settings and the base
 * config: every module the settings adapt has A [r, in] and B [out, r], no factor names a module the
 * settings do not, and nothing else is outside the PEFT prefix. One line naming the first bad tensor.
 */
export function adapterWeights(config: AdapterConfig, base: BGPTConfig, tensors: Map<string, AdapterTensor>, source: string): AdapterWeights {
  const bad = (why: string): never => { throw new UserError(`${source}: ${why}`, 'BAD_CHECKPOINT'); };
  const r = config.settings.rank;
  const factors: AdapterWeights['factors'] = new Map();
  const expected = new Set<string>();
  for (const m of loraModules(base, config.settings)) {
    const n = loraTensorNames(m.module);
    expected.add(n.a).add(n.b);
    const a = tensors.get(n.a);
    const b = tensors.get(n.b);
    if (!a || !b) bad(`tensor ${!a ? n.a : n.b} is missing (the adapter's settings adapt ${m.module})`);
    if (!sameShape(a!.shape, [r, m.inFeatures])) bad(`tensor ${n.a} has shape [${a!.shape.join(', ')}], expected [${r}, ${m.inFeatures}] (rank ${r})`);
    if (!sameShape(b!.shape, [m.outFeatures, r])) bad(`tensor ${n.b} has shape [${b!.shape.join(', ')}], expected [${m.outFeatures}, ${r}] (rank ${r})`);
    factors.set(m.weight, { module: m, a: a!.data, b: b!.data });
  }
  const replaced = new Map<string, AdapterTensor>();
  for (const [name, t] of tensors) {
    if (expected.has(name)) continue;
    if (/\.lora_[AB]\.weight$/.test(name)) bad(`tensor ${name} adapts a module the adapter's settings do not name (target_modules / bgpt.levels)`);
    const ref = referenceNameOf(name);
    if (ref === null) bad(`tensor ${name} is not under the PEFT prefix ${PEFT_PREFIX}`);
    replaced.set(ref!, t);
  }
  return { config, scale: config.settings.alpha / r, factors, replaced };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The merge hook of every loading path: the base tensor `name` (float32, reference layout) with the adapter
 * applied — W + (alpha/r)·(B·A)ᵀ for an adapted matrix, the adapter's own values for a tensor it trained —
 * or `data` itself when the adapter leaves it alone. The base array is never written.
 */
export function mergeAdapterTensor(w: AdapterWeights, name: string, data: Float32Array): Float32Array {
  const f = w.factors.get(name);
  if (f) return mergeLoraWeight(data, f.a, f.b, f.module, w.config.settings.rank, w.scale);
  const t = w.replaced.get(name);
  if (!t) return data;
  if (t.data.length !== data.length) {
    throw new UserError(`adapter tensor ${savedTensorName(name)} holds ${t.data.length} values, the base's ${name} ${data.length}`, 'BAD_CHECKPOINT');
  }
  return t.data;
}

/** Whether loading must pass tensor `name` through mergeAdapterTensor. */
export function adapterTouches(w: AdapterWeights, name: string): boolean {
  return w.factors.has(name) || w.replaced.has(name);
}

/** The one line for an adapter folder that came without its base (a caller that skipped the resolver). */
export function adapterNeedsBase(dir: string, c: AdapterConfig): UserError {
  return new UserError(
    `${dir} is a LoRA adapter of '${c.base.name}' (sha256 ${c.base.sha256.slice(0, 12)}…): open it by name or path through the studio catalogue, which finds its base`,
    'NO_BASE');
}
