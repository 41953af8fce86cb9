// The words of a LoRA run's settings (Hu et al. 2021; src-main/checkpoint/adapter.ts defines the adapter folder
// they describe): which matrices and decoders are adapted, the defaults and the bounds. Pure TypeScript, here at the
// bottom of the layering so the StudioApi contract and the renderer's Train form use the same words.

/** The matrices of a GPT-2 block that LoRA can adapt, as PEFT target_modules suffixes. */
export const LORA_TARGETS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];
/** The two decoders: the patch level (`patch_level_decoder.base.h.i`) and the byte level (`byte_level_decoder.base.transformer.h.i`). */
export const LORA_LEVELS = ['patch', 'byte'] as const;
export type LoraLevel = (typeof LORA_LEVELS)[number];

/** What the user chooses for a LoRA run. */
export interface LoraSettings {
  /** Rank r of each update B·A. */
  rank: number;
  /** Scale numerator: the update is multiplied by alpha / rank. */
  alpha: number;
  /** Dropout on the adapter's input while training (PEFT's lora_dropout); 0 turns it off. */
  dropout: number;
  targets: LoraTarget[];
  levels: LoraLevel[];
  /** Also train every LayerNorm's gain and bias. */
  trainLayerNorms: boolean;
  /** Also train the biases of the adapted matrices (PEFT bias: 'lora_only'). */
  trainBiases: boolean;
}

/**
 * Defaults: rank 8 with alpha 16 (scale 2) and every matrix of both decoders, the common choice for GPT-2-sized
 * models in PEFT's examples; dropout 0.05 as PEFT's LoRA examples use.
 */
export const LORA_DEFAULTS: LoraSettings = {
  rank: 8, alpha: 16, dropout: 0.05, targets: [...LORA_TARGETS], levels: [...LORA_LEVELS], trainLayerNorms: false, trainBiases: false,
};
/** Bounds the API and the CLI check (a rank past the hidden size cannot lower anything). */
export const LORA_LIMITS = { rank: { min: 1, max: 256 }, alpha: { min: 1e-3, max: 4096 }, dropout: { min: 0, max: 0.9 } };

