// The model's tensors by their reference PyTorch names and layouts (docs/checkpoint-format.md): the name/shape list,
// GPT-2 initialisation (HF `GPT2PreTrainedModel._init_weights`), and checks against loaded tensors.
import { VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import { UserError } from '../../shared/errors';
import type { Tensor } from '../io/safetensors';
import { Rng } from './rng';

/** GPT-2's initializer_range. */
const INIT_STD = 0.02;

export const PATCH_PREFIX = 'patch_level_decoder.';
export const BYTE_PREFIX = 'byte_level_decoder.base.';
/** Kept for compatibility with the reference state dict; inputs_embeds bypass it, so it never trains. */
export const UNUSED_PATCH_WTE = `${PATCH_PREFIX}base.wte.weight`;
export const BYTE_WTE = `${BYTE_PREFIX}transformer.wte.weight`;
/** Tied to BYTE_WTE: written on save, checked but not loaded separately. */
export const LM_HEAD = `${BYTE_PREFIX}lm_head.weight`;

type Init = 'normal' | 'proj' | 'zeros' | 'ones';

export interface TensorSpec {
  name: string;
  shape: number[];
  init: Init;
}

function blockSpecs(prefix: string, d: number): TensorSpec[] {
  return [
    { name: `${prefix}ln_1.weight`, shape: [d], init: 'ones' },
    { name: `${prefix}ln_1.bias`, shape: [d], init: 'zeros' },
    { name: `${prefix}attn.c_attn.weight`, shape: [d, 3 * d], init: 'normal' },
    { name: `${prefix}attn.c_attn.bias`, shape: [3 * d], init: 'zeros' },
    { name: `${prefix}attn.c_proj.weight`, shape: [d, d], init: 'proj' },
    { name: `${prefix}attn.c_proj.bias`, shape: [d], init: 'zeros' },
    { name: `${prefix}ln_2.weight`, shape: [d], init: 'ones' },
    { name: `${prefix}ln_2.bias`, shape: [d], init: 'zeros' },
    { name: `${prefix}mlp.c_fc.weight`, shape: [d, 4 * d], init: 'normal' },
    { name: `${prefix}mlp.c_fc.bias`, shape: [4 * d], init: 'zeros' },
    { name: `${prefix}mlp.c_proj.weight`, shape: [4 * d, d], init: 'proj' },
    { name: `${prefix}mlp.c_proj.bias`, shape: [d], init: 'zeros' },
  ];
}

/** Every trainable tensor, in the reference state dict's order (the tied LM head and unused wte excluded). */
export function trainableSpecs(c: BGPTConfig): TensorSpec[] {
  const d = c.hiddenSize;
  const specs: TensorSpec[] = [
    { name: `${PATCH_PREFIX}patch_embedding.weight`, shape: [d, c.patchSize * VOCAB_SIZE], init: 'normal' },
    { name: `${PATCH_PREFIX}patch_embedding.bias`, shape: [d], init: 'zeros' },
    { name: `${PATCH_PREFIX}base.wpe.weight`, shape: [c.patchLength, d], init: 'normal' },
  ];
  for (let i = 0; i < c.patchNumLayers; i++) specs.push(...blockSpecs(`${PATCH_PREFIX}base.h.${i}.`, d));
  specs.push({ name: `${PATCH_PREFIX}base.ln_f.weight`, shape: [d], init: 'ones' }, { name: `${PATCH_PREFIX}base.ln_f.bias`, shape: [d], init: 'zeros' });
  specs.push({ name: BYTE_WTE, shape: [VOCAB_SIZE, d], init: 'normal' }, { name: `${BYTE_PREFIX}transformer.wpe.weight`, shape: [c.patchSize + 1, d], init: 'normal' });
  for (let i = 0; i < c.byteNumLayers; i++) specs.push(...blockSpecs(`${BYTE_PREFIX}transformer.h.${i}.`, d));
  specs.push({ name: `${BYTE_PREFIX}transformer.ln_f.weight`, shape: [d], init: 'ones' }, { name: `${BYTE_PREFIX}transformer.ln_f.bias`, shape: [d], init: 'zeros' });
  return specs;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Initial values: normal(0, 0.02), residual projections scaled by 1/sqrt(2·layers) (GPT-2 §2.3). */
export function initialTensors(c: BGPTConfig, seed: number): Map<string, Tensor> {
  return new Map(initialTensorStream(c, seed));
}

/**
 * The tensors of `initialTensors`, one at a time (same values, same order): a writer can stream a
 * paper-size checkpoint (440 MB) to disk without holding it all.
 */
export function* initialTensorStream(c: BGPTConfig, seed: number): Generator<[string, Tensor]> {
  const rng = new Rng(seed);
  for (const spec of trainableSpecs(c)) {
    const layers = spec.name.startsWith(PATCH_PREFIX) ? c.patchNumLayers : c.byteNumLayers;
    const std = spec.init === 'proj' ? INIT_STD / Math.sqrt(2 * layers) : INIT_STD;
    const data = new Float32Array(size(spec.shape));
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init !== 'zeros') for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    yield [spec.name, { shape: spec.shape, data }];
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Checks loaded tensors against the config: a missing tensor or a shape mismatch names both shapes. */
export function checkTensors(c: BGPTConfig, tensors: Map<string, Tensor>, source: string): void {
  const expected = [...trainableSpecs(c), { name: LM_HEAD, shape: [VOCAB_SIZE, c.hiddenSize] }];
  for (const spec of expected) {
    const t = tensors.get(spec.name);
    if (!t) throw new UserError(`${source}: tensor ${spec.name} is missing (config.json expects shape [${spec.shape.join(', ')}])`, 'BAD_CHECKPOINT');
    if (!sameShape(t.shape, spec.shape)) {
      throw new UserError(`${source}: tensor ${spec.name} has shape [${t.shape.join(', ')}], config.json expects [${spec.shape.join(', ')}]`, 'BAD_CHECKPOINT');
    }
  }
}
