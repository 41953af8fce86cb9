// bGPT model configuration (arXiv 2402.19155 §3; docs/model.md, docs/checkpoint-format.md): the camelCase type the studio uses,
// converters to and from the reference's snake_case config.json, validation, presets and size estimates.
import { UserError } from './errors';
import { CONFIG_LIMITS, HEAD_WIDTH } from './defaults';
import { TUNES_RECIPE } from './recipe';

/** Byte vocabulary: the 256 byte values plus the special value 256 (padding / start / end). */
export const VOCAB_SIZE = 257;
const L = CONFIG_LIMITS;

export interface BGPTConfig {
  /** Bytes per patch (the paper uses 16). */
  patchSize: number;
  /** Patches in one window, start and end patches included (the paper uses 512). */
  patchLength: number;
  hiddenSize: number;
  /** GPT-2 blocks of the patch-level decoder. */
  patchNumLayers: number;
  /** GPT-2 blocks of the byte-level decoder. */
  byteNumLayers: number;
  /** Attention heads (both decoders); hiddenSize must divide by it. */
  numHeads: number;
}

/** The checkpoint's config.json, exactly as docs/checkpoint-format.md spells it. */
export interface BGPTConfigJson {
  patch_size: number;
  patch_length: number;
  hidden_size: number;
  patch_num_layers: number;
  byte_num_layers: number;
  num_heads?: number;
}

/** The reference's default head count: hidden / 64, at least 1. */
export function defaultNumHeads(hiddenSize: number): number {
  return Math.max(1, Math.floor(hiddenSize / HEAD_WIDTH));
}

function checkInt(name: string, value: unknown, min: number, max: number, source: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`${source}: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, 'BAD_CONFIG');
  }
  return value;
}

/** Options of validation: a classifier (engine/classify) has no byte-level decoder. */
export interface ConfigKind {
  /** Allow byte_num_layers 0: a classification checkpoint keeps only the patch-level decoder. */
  classifier?: boolean;
}

/** Checks every field; `source` names the file or flag set in the message. Returns the config. */
export function validateConfig(c: BGPTConfig, source = 'config', kind: ConfigKind = {}): BGPTConfig {
  checkInt('patch_size', c.patchSize, L.patchSize.min, L.patchSize.max, source);
  checkInt('patch_length', c.patchLength, L.patchLength.min, L.patchLength.max, source);
  checkInt('hidden_size', c.hiddenSize, L.hiddenSize.min, L.hiddenSize.max, source);
  checkInt('patch_num_layers', c.patchNumLayers, L.layers.min, L.layers.max, source);
  if (!kind.classifier && c.byteNumLayers === 0) {
    throw new UserError(`${source}: byte_num_layers is 0, a classification checkpoint (no byte-level decoder): use it with \`bgpt classify\``, 'BAD_CONFIG');
  }
  checkInt('byte_num_layers', c.byteNumLayers, kind.classifier ? 0 : L.layers.min, L.layers.max, source);
  checkInt('num_heads', c.numHeads, L.numHeads.min, Math.min(L.numHeads.max, c.hiddenSize), source);
  if (c.hiddenSize % c.numHeads !== 0) {
    throw new UserError(`${source}: hidden_size ${c.hiddenSize} is not divisible by num_heads ${c.numHeads}`, 'BAD_CONFIG');
  }
  return c;
}

/** Parses a config.json object (already JSON-decoded) into a validated BGPTConfig. */
export function configFromJson(json: unknown, source = 'config.json', kind: ConfigKind = {}): BGPTConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${source}: not a JSON object`, 'BAD_CONFIG');
  const j = json as Record<string, unknown>;
  for (const key of ['patch_size', 'patch_length', 'hidden_size', 'patch_num_layers', 'byte_num_layers']) {
    if (!(key in j)) throw new UserError(`${source}: missing ${key}`, 'BAD_CONFIG');
  }
  const hidden = checkInt('hidden_size', j.hidden_size, L.hiddenSize.min, L.hiddenSize.max, source);
  return validateConfig({
    patchSize: j.patch_size as number,
    patchLength: j.patch_length as number,
    hiddenSize: hidden,
    patchNumLayers: j.patch_num_layers as number,
    byteNumLayers: j.byte_num_layers as number,
    numHeads: j.num_heads === undefined || j.num_heads === null ? defaultNumHeads(hidden) : (j.num_heads as number),
  }, source, kind);
}

/** The snake_case config.json form (num_heads always written, so nothing depends on the default). */
export function configToJson(c: BGPTConfig): BGPTConfigJson {
  return {
    patch_size: c.patchSize,
    patch_length: c.patchLength,
    hidden_size: c.hiddenSize,
    patch_num_layers: c.patchNumLayers,
    byte_num_layers: c.byteNumLayers,
    num_heads: c.numHeads,
  };
}

export type PresetName = 'tiny' | 'tunes' | 'small' | 'paper' | 'bench';

export interface Preset {
  name: PresetName;
  description: string;
  config: BGPTConfig;
  /** A peak learning rate that suits the model's size (the reference's 1e-4 is for the paper model). */
  lr: number;
  /** Updates a run takes by default with this preset (else the trainer's default). */
  steps?: number;
  /** Training dropout (else the reference's 0.1). */
  dropout?: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    name: 'tiny',
    description: 'about 1.2 M parameters, files up to ~1 KB: learns text structure in minutes on 2 CPU cores',
    config: { patchSize: 16, patchLength: 64, hiddenSize: 128, patchNumLayers: 2, byteNumLayers: 1, numHeads: 2 },
    // Measured: 150 steps of batch 8 (2 minutes on wasm) take TypeScript sources from 8 to 4.0 bits/byte.
    lr: 1e-3,
  },
  tunes: {
    name: 'tunes',
    // No time here: the Train form says it from this machine's measured pace (shared/eta.ts).
    description: 'the measured recipe for ABC tunes: whole tunes up to about 1 KB, mostly valid tunes',
    config: TUNES_RECIPE.config,
    lr: TUNES_RECIPE.lr,
    steps: TUNES_RECIPE.steps,
    dropout: TUNES_RECIPE.dropout,
  },
  small: {
    name: 'small',
    description: 'about 16 M parameters, files up to ~4 KB: an hour-scale CPU run, real use on a GPU',
    config: { patchSize: 16, patchLength: 256, hiddenSize: 384, patchNumLayers: 6, byteNumLayers: 2, numHeads: 6 },
    lr: 3e-4,
  },
  paper: {
    name: 'paper',
    description: 'the paper\'s model, about 110 M parameters, files up to 8 KB: needs a GPU',
    config: { patchSize: 16, patchLength: 512, hiddenSize: 768, patchNumLayers: 12, byteNumLayers: 3, numHeads: 12 },
    lr: 1e-4,
  },
  bench: {
    name: 'bench',
    description: 'the fixed `bgpt bench` model (5.88 M parameters), comparable with the PyTorch reference figures',
    config: { patchSize: 16, patchLength: 64, hiddenSize: 256, patchNumLayers: 4, byteNumLayers: 2, numHeads: 4 },
    lr: 1e-4,
  },
};

/** The preset by name; an unknown name is a UserError listing the known ones. */
export function presetConfig(name: string): BGPTConfig {
  const p = PRESETS[name as PresetName];
  if (!p) throw new UserError(`unknown preset '${name}' (known: ${Object.keys(PRESETS).join(', ')})`, 'BAD_ARGS');
  return { ...p.config };
}

function blockParams(d: number): number {
  // ln_1 + c_attn + c_proj + ln_2 + c_fc + mlp.c_proj
  return 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (4 * d * d + 4 * d) + (4 * d * d + d);
}

/** Trainable parameters (the tied LM head counted once, the unused patch-level wte included). */
export function parameterCount(c: BGPTConfig): number {
  const d = c.hiddenSize;
  const patchLevel = (c.patchSize * VOCAB_SIZE * d + d) + d + c.patchLength * d + c.patchNumLayers * blockParams(d) + 2 * d;
  const byteLevel = VOCAB_SIZE * d + (c.patchSize + 1) * d + c.byteNumLayers * blockParams(d) + 2 * d;
  return patchLevel + byteLevel;
}

/**
 * Floats a GPT-2 block holds per token and per hidden unit while TF.js differentiates it: every
 * intermediate of the forward pass is a tensor of its own (no op works in place), and the backward
 * pass allocates as many beside them. Measured on wasm (tf.profile peak of one update, 2026-12-07):
 * bench config full fine-tuning 423 MB (this gives 416), paper model LoRA 1.59 GB (1.56); LoRA adds
 * the adapters' inputs, dropout masks and low-rank products of the four matrices.
 */
const BLOCK_FLOATS_PER_TOKEN_PER_D = 150;
const LORA_BLOCK_FLOATS_PER_TOKEN_PER_D = 230;
/** Per attended position and head: the scores, the probabilities, their dropout and gradients. */
const BLOCK_FLOATS_PER_TOKEN_PER_HEAD_POSITION = 12;
/** Per byte position: logits, their softmax, the one-hot target and the logits' gradient (257 each). */
const HEAD_FLOATS_PER_POSITION = 6 * VOCAB_SIZE;
/** The scoring estimate's factor: TF.js holds a forward's intermediates (as TFJS_INTERMEDIATE_FACTOR did for training). */
const TFJS_INTERMEDIATE_FACTOR = 4.5;
const ACTIVATION_FLOATS_PER_TOKEN_PER_D = 17;
const BYTES_PER_FLOAT = 4;
/** Weights, gradients and AdamW's two moments. */
const TRAINING_COPIES = 4;

/** Target patches the byte-level decoder trains on at a time by default (engine/train/gradients.ts): 2048 positions. */
export const BYTE_LEVEL_CHUNK_PATCHES = 128;

/**
 * How a training run holds its memory (engine/train/plan.ts chooses it). Full fine-tuning keeps
 * gradients and AdamW moments of every parameter; LoRA of the adapter's only. Activations: the
 * byte level one chunk at a time always; the patch level whole ('full') or one block at a time
 * from each block's kept input ('recompute'); a batch split into passes of `windowsPerPass`
 * windows ('micro-batches') holds one pass's.
 */
export interface TrainingMemoryMode {
  /** Parameters the optimizer updates: all of them (default) for full fine-tuning, the adapter's for LoRA. */
  trainableParams?: number;
  /** LoRA adapters on the blocks (their activations cost more per token). */
  lora?: boolean;
  /** Activation recomputation at the patch level (default off). */
  recompute?: boolean;
  /** Windows computed at once (default: the whole batch). */
  windowsPerPass?: number;
  /** Target patches per byte-level chunk (default BYTE_LEVEL_CHUNK_PATCHES). */
  byteChunk?: number;
}

/**
 * Estimated peak of one thread's TF.js memory training with `batch` windows a step, in bytes: the
 * weights, gradients and moments of what trains, and the larger of the two stages' activations
 * (engine/train/gradients.ts: the byte level one chunk at a time, the patch level whole or block
 * by block; they are never held together), plus each block's kept input when recomputing.
 */
export function estimateTrainingMemoryBytes(c: BGPTConfig, batch: number, mode: TrainingMemoryMode = {}): number {
  const d = c.hiddenSize;
  const h = c.numHeads;
  const windows = Math.max(1, Math.min(batch, mode.windowsPerPass ?? batch));
  const trainable = mode.trainableParams ?? parameterCount(c);
  const perD = mode.lora ? LORA_BLOCK_FLOATS_PER_TOKEN_PER_D : BLOCK_FLOATS_PER_TOKEN_PER_D;
  const blockFloats = (tokens: number, t: number) => tokens * (perD * d + BLOCK_FLOATS_PER_TOKEN_PER_HEAD_POSITION * h * t);
  const patchTokens = windows * c.patchLength;
  const chunkTokens = Math.min(windows * (c.patchLength - 1), mode.byteChunk ?? BYTE_LEVEL_CHUNK_PATCHES) * c.patchSize;
  const byteStage = c.byteNumLayers * blockFloats(chunkTokens, c.patchSize) + chunkTokens * HEAD_FLOATS_PER_POSITION + 2 * patchTokens * d;
  const oneHot = 2 * patchTokens * c.patchSize * VOCAB_SIZE;
  const patchStage = (mode.recompute ? Math.min(1, c.patchNumLayers) : c.patchNumLayers) * blockFloats(patchTokens, c.patchLength) + oneHot;
  // Recomputation keeps every block's input (and the final LayerNorm's) for the backward pass.
  const kept = mode.recompute ? (c.patchNumLayers + 1) * patchTokens * d : 0;
  return (parameterCount(c) + trainable * (TRAINING_COPIES - 1) + kept + Math.max(byteStage, patchStage)) * BYTES_PER_FLOAT;
}

/**
 * Weight formats of the CPU inference kernels (docs/performance.md): float32 (exact), float16 (2 bytes a
 * weight) and Q8_0 (llama.cpp's blocks of 32 int8 weights and a float32 scale: 1.125 bytes a weight).
 * Only the block matrices and the LM head are packed; embeddings, norms and biases stay float32.
 */
export const PRECISIONS = ['f32', 'f16', 'q8'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Bytes a packed weight takes (rows padded to the format's block, ignored here). */
const BYTES_PER_WEIGHT: Record<Precision, number> = { f32: 4, f16: 2, q8: 1.125 };

/** Estimated memory to hold the weights for evaluation or generation at `precision`, in bytes. */
export function estimateInferenceMemoryBytes(c: BGPTConfig, precision: Precision = 'f32'): number {
  if (precision === 'f32') return parameterCount(c) * BYTES_PER_FLOAT;
  const d = c.hiddenSize;
  const matrices = (c.patchNumLayers + c.byteNumLayers) * 12 * d * d;
  // The packed LM head is a copy of the byte embedding, which stays float32 for its lookups.
  return (parameterCount(c) - matrices) * BYTES_PER_FLOAT + (matrices + VOCAB_SIZE * d) * BYTES_PER_WEIGHT[precision];
}

/**
 * Estimated peak memory of scoring one file on TF.js (`bgpt eval`, batch of one): the weights and the
 * forward activations of a whole window, patch level and all its byte-level patches at once, with the
 * factor TF.js's kept intermediates take (as training, no backward). The paper model needs several GB,
 * past wasm's 4 GiB; the inference kernels score one prefill batch at a time and need about the weights.
 */
export function estimateEvaluationMemoryBytes(c: BGPTConfig): number {
  const d = c.hiddenSize;
  const h = c.numHeads;
  const byteTokens = (c.patchLength - 1) * (c.patchSize + 1);
  const perLayer = (tokens: number, t: number) => tokens * (ACTIVATION_FLOATS_PER_TOKEN_PER_D * d + 2 * h * t);
  const activations = c.patchNumLayers * perLayer(c.patchLength, c.patchLength) + c.byteNumLayers * perLayer(byteTokens, c.patchSize + 1)
    + byteTokens * VOCAB_SIZE * 2;
  return (parameterCount(c) + activations * TFJS_INTERMEDIATE_FACTOR) * BYTES_PER_FLOAT;
}

/**
 * Estimated peak memory of generating one sample, in bytes: the weights, the patch-level key/value
 * cache over the whole window and the byte-level one, doubled for the backend's working copies.
 */
export function estimateGenerationMemoryBytes(c: BGPTConfig, precision: Precision = 'f32'): number {
  const kv = 2 * c.hiddenSize * (c.patchNumLayers * c.patchLength + c.byteNumLayers * (c.patchSize + 1));
  return 2 * (estimateInferenceMemoryBytes(c, precision) + kv * BYTES_PER_FLOAT);
}

/**
 * The data bytes one window holds: its patches after the start (extension) patch. This is the one
 * figure every view, the CLI and the engine call "the window" (issue 24 item 7); the limits below
 * derive from it and say how.
 */
export function windowDataBytes(c: Pick<BGPTConfig, 'patchSize' | 'patchLength'>): number {
  return (c.patchLength - 1) * c.patchSize;
}

/** Largest file whose whole sequence fits one window: the window less its end patch (else the end is cropped). */
export function maxFileBytes(c: Pick<BGPTConfig, 'patchSize' | 'patchLength'>): number {
  return windowDataBytes(c) - c.patchSize;
}

/** Longest prompt a window takes: all of it but one byte, left for the model to write. */
export function maxPromptBytes(c: Pick<BGPTConfig, 'patchSize' | 'patchLength'>): number {
  return windowDataBytes(c) - 1;
}
