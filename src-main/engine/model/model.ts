// The bGPT forward pass on TF.js ops (arXiv 2402.19155 §3; the reference `bGPTLMHeadModel`, GPT-2
// blocks as in HF `GPT2Model`): a patch-level decoder over one-hot patches and a byte-level GPT-2 LM
// whose first input is the patch feature. Work is shaped as 2-D products (rows = batch × positions):
// on wasm a batched matMul costs ~9x more per FLOP (docs/performance.md); attention is the only batched part.
import * as tf from '@tensorflow/tfjs-core';
import { VOCAB_SIZE, type BGPTConfig } from '../../shared/config';
import { BYTE_PREFIX, BYTE_WTE, PATCH_PREFIX } from './weights';
import type { Ops } from '../backend/ops';
import { Dropout } from './dropout';

export { Dropout };

/** GPT-2's layer_norm_epsilon. */
const LN_EPS = 1e-5;

/**
 * How one forward pass runs besides the weights: the backend's operations (chosen once when the
 * backend started, backend/ops.ts) and, while training, GPT-2's dropout and LoRA's dropout on each
 * adapter's input (PEFT's lora_dropout); both absent when evaluating.
 */
export interface Pass {
  ops: Ops;
  dropout?: Dropout;
  loraDropout?: Dropout;
}

/**
 * The pass of one part of the model (`part` 0 the embedding, i + 1 block i): its own dropout
 * streams, so a block recomputed in the backward pass (train/gradients.ts) draws its forward masks.
 */
export function partPass(f: Pass, part: number): Pass {
  return { ops: f.ops, dropout: f.dropout?.part(part), loraDropout: f.loraDropout?.part(part) };
}

/**
 * A low-rank update of a frozen matrix (Hu et al. 2021): A [r, in], B [out, r], the update scaled by
 * alpha / r. PEFT's layout (checkpoint/adapter.ts): B·A is [out, in], the transpose of Conv1D's W.
 */
export interface LoraFactors {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  scale: number;
}

/** A GPT-2 Conv1D (W [in, out], bias [out]) and, when adapted, its LoRA factors. */
export interface Linear {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
  lora?: LoraFactors;
}

export interface BlockWeights {
  ln1g: tf.Tensor1D; ln1b: tf.Tensor1D;
  attn: Linear;
  attnProj: Linear;
  ln2g: tf.Tensor1D; ln2b: tf.Tensor1D;
  fc: Linear;
  mlpProj: Linear;
}

export interface ModelWeights {
  patchEmbW: tf.Tensor2D; patchEmbB: tf.Tensor1D;
  /** The patch embedding's transpose [S*257, D], kept while it is frozen (LoRA): no transpose per pass. */
  patchEmbWT?: tf.Tensor2D;
  patchWpe: tf.Tensor2D;
  patchBlocks: BlockWeights[];
  patchLnG: tf.Tensor1D; patchLnB: tf.Tensor1D;
  byteWte: tf.Tensor2D; byteWpe: tf.Tensor2D;
  /** The tied LM head's [D, 257], kept while frozen (LoRA). */
  byteWteT?: tf.Tensor2D;
  byteBlocks: BlockWeights[];
  byteLnG: tf.Tensor1D; byteLnB: tf.Tensor1D;
}

/** LoRA factors by module path (`patch_level_decoder.base.h.0.attn.c_attn`, checkpoint/adapter.ts). */
export type LoraMap = ReadonlyMap<string, LoraFactors>;

function blockWeights(get: (n: string) => tf.Tensor, p: string, lora?: LoraMap): BlockWeights {
  const lin = (m: string): Linear => ({ w: get(`${p}${m}.weight`) as tf.Tensor2D, b: get(`${p}${m}.bias`) as tf.Tensor1D, lora: lora?.get(`${p}${m}`) });
  return {
    ln1g: get(`${p}ln_1.weight`) as tf.Tensor1D, ln1b: get(`${p}ln_1.bias`) as tf.Tensor1D,
    attn: lin('attn.c_attn'),
    attnProj: lin('attn.c_proj'),
    ln2g: get(`${p}ln_2.weight`) as tf.Tensor1D, ln2b: get(`${p}ln_2.bias`) as tf.Tensor1D,
    fc: lin('mlp.c_fc'),
    mlpProj: lin('mlp.c_proj'),
  };
}

/** The patch-level decoder's weights: all a classifier (engine/classify) has. */
export type PatchWeights = Pick<ModelWeights, 'patchEmbW' | 'patchEmbB' | 'patchEmbWT' | 'patchWpe' | 'patchBlocks' | 'patchLnG' | 'patchLnB'>;

function getter(vars: ReadonlyMap<string, tf.Tensor>): (n: string) => tf.Tensor {
  return (n) => {
    const t = vars.get(n);
    if (!t) throw new Error(`model tensor ${n} missing`);
    return t;
  };
}

/** Transposes kept of frozen matrices, by reference name (model/lora.ts makes them for a LoRA run). */
export type FrozenTransposes = ReadonlyMap<string, tf.Tensor2D>;

/** The patch-level decoder's weights from named tensors (reference names), with LoRA factors where adapted. */
export function patchWeights(c: BGPTConfig, vars: ReadonlyMap<string, tf.Tensor>, lora?: LoraMap, frozen?: FrozenTransposes): PatchWeights {
  const get = getter(vars);
  return {
    patchEmbW: get(`${PATCH_PREFIX}patch_embedding.weight`) as tf.Tensor2D,
    patchEmbWT: frozen?.get(`${PATCH_PREFIX}patch_embedding.weight`),
    patchEmbB: get(`${PATCH_PREFIX}patch_embedding.bias`) as tf.Tensor1D,
    patchWpe: get(`${PATCH_PREFIX}base.wpe.weight`) as tf.Tensor2D,
    patchBlocks: Array.from({ length: c.patchNumLayers }, (_, i) => blockWeights(get, `${PATCH_PREFIX}base.h.${i}.`, lora)),
    patchLnG: get(`${PATCH_PREFIX}base.ln_f.weight`) as tf.Tensor1D,
    patchLnB: get(`${PATCH_PREFIX}base.ln_f.bias`) as tf.Tensor1D,
  };
}

/** Groups the named tensors by role, so the forward code reads like the reference model. */
export function modelWeights(c: BGPTConfig, vars: ReadonlyMap<string, tf.Tensor>, lora?: LoraMap, frozen?: FrozenTransposes): ModelWeights {
  const get = getter(vars);
  return {
    ...patchWeights(c, vars, lora, frozen),
    byteWte: get(BYTE_WTE) as tf.Tensor2D,
    byteWteT: frozen?.get(BYTE_WTE),
    byteWpe: get(`${BYTE_PREFIX}transformer.wpe.weight`) as tf.Tensor2D,
    byteBlocks: Array.from({ length: c.byteNumLayers }, (_, i) => blockWeights(get, `${BYTE_PREFIX}transformer.h.${i}.`, lora)),
    byteLnG: get(`${BYTE_PREFIX}transformer.ln_f.weight`) as tf.Tensor1D,
    byteLnB: get(`${BYTE_PREFIX}transformer.ln_f.bias`) as tf.Tensor1D,
  };
}

/** Dropout when training with a non-zero rate; the identity otherwise (evaluation). */
function drop<T extends tf.Tensor>(f: Pass, x: T, d = f.dropout): T {
  return d && d.rate > 0 ? f.ops.dropout(x, d.nextKey(), d.rate) : x;
}

/** x·Aᵀ [R, r] scaled by alpha / r, the adapter's input half, with LoRA's dropout on x. */
function loraDown(f: Pass, x: tf.Tensor2D, l: LoraFactors): tf.Tensor2D {
  return tf.mul(f.ops.matMul(drop(f, x, f.loraDropout), l.a, false, true), l.scale) as tf.Tensor2D; // [R, r]
}

/**
 * x·W + b for rows x [R, in], W [in, out] (GPT-2 Conv1D layout), plus the LoRA update
 * scale·(dropout(x)·Aᵀ)·Bᵀ when adapted: W stays frozen and the merged W + scale·(B·A)ᵀ is never made.
 */
function linear(f: Pass, x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  const y = tf.add(tf.matMul(x, l.w), l.b) as tf.Tensor2D; // [R, out]
  if (!l.lora) return y;
  return tf.add(y, f.ops.matMul(loraDown(f, x, l.lora), l.lora.b, false, true)) as tf.Tensor2D;
}

export function layerNorm(f: Pass, x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  return f.ops.layerNorm(x, g, b, LN_EPS);
}

/** Causal self-attention: c_attn's q, k, v side by side, softmax(q·kᵀ/√hd)·v per head (dropout on the probabilities), c_proj. */
function attention(f: Pass, x: tf.Tensor2D, w: BlockWeights, batch: number, t: number, heads: number): tf.Tensor2D {
  const qkv = linear(f, x, w.attn); // [B*T, 3D]
  const y = f.ops.attention(qkv, batch, t, heads, (probs) => drop(f, probs)); // [B*T, D]
  return drop(f, linear(f, y, w.attnProj)); // [B*T, D]
}

function mlp(f: Pass, x: tf.Tensor2D, w: BlockWeights): tf.Tensor2D {
  const h = f.ops.gelu(linear(f, x, w.fc)); // [B*T, 4D]
  return drop(f, linear(f, h, w.mlpProj)); // [B*T, D]
}

/** A pre-LayerNorm GPT-2 block over rows of `batch` sequences of length `t`. */
export function block(f: Pass, x: tf.Tensor2D, w: BlockWeights, batch: number, t: number, heads: number): tf.Tensor2D {
  const a = tf.add(x, attention(f, layerNorm(f, x, w.ln1g, w.ln1b), w, batch, t, heads)) as tf.Tensor2D; // [B*T, D]
  return tf.add(a, mlp(f, layerNorm(f, a, w.ln2g, w.ln2b), w));
}

/** Adds learned positions 0..t-1 to rows of `batch` sequences. */
function addPositions(x: tf.Tensor2D, wpe: tf.Tensor2D, batch: number, t: number): tf.Tensor2D {
  const d = x.shape[1];
  const pos = tf.slice(wpe, [0, 0], [t, d]); // [T, D]
  return tf.reshape(tf.add(tf.reshape(x, [batch, t, d]), pos), [batch * t, d]);
}

/** The patch embedding: one-hot patches (int32 [B, P*S]) → Linear → + positions, dropped out: [B*P, D]. Part 0. */
export function patchEmbed(f: Pass, w: PatchWeights, c: BGPTConfig, patches: tf.Tensor2D, batch: number, p: number): tf.Tensor2D {
  const oneHot = tf.oneHot(tf.reshape(patches, [batch * p * c.patchSize]), VOCAB_SIZE); // [B*P*S, 257]
  const flat = tf.reshape(oneHot, [batch * p, c.patchSize * VOCAB_SIZE]) as tf.Tensor2D; // [B*P, S*257]
  const emb = w.patchEmbWT ? f.ops.frozenMatMul(flat, w.patchEmbWT, w.patchEmbW) : f.ops.matMul(flat, w.patchEmbW, false, true); // [B*P, D]
  const x = tf.add(emb, w.patchEmbB) as tf.Tensor2D;
  return drop(f, addPositions(x, w.patchWpe, batch, p));
}

/**
 * Patch-level decoder: `patches` holds B sequences of P patches (int32 [B, P*S], padding 256).
 * Returns the final-LayerNorm features [B*P, D] (row b*P+i has seen patches 0..i of sequence b).
 */
export function patchLevel(f: Pass, w: PatchWeights, c: BGPTConfig, patches: tf.Tensor2D, batch: number, p: number): tf.Tensor2D {
  let x = patchEmbed(partPass(f, 0), w, c, patches, batch, p); // [B*P, D]
  w.patchBlocks.forEach((b, i) => { x = block(partPass(f, i + 1), x, b, batch, p, c.numHeads); });
  return layerNorm(f, x, w.patchLnG, w.patchLnB); // [B*P, D]
}

/**
 * Byte-level decoder over N target patches and `t` positions: position 0 is the patch feature,
 * position j > 0 the embedding of target byte j-1 (`inputBytes` int32 [N, t-1]). Returns hidden [N*t, D].
 */
export function byteLevel(f: Pass, w: ModelWeights, c: BGPTConfig, features: tf.Tensor2D, inputBytes: tf.Tensor2D, t: number): tf.Tensor2D {
  const [n, d] = features.shape;
  const oneHot = tf.oneHot(tf.reshape(inputBytes, [n * (t - 1)]), VOCAB_SIZE) as tf.Tensor2D; // [N*(t-1), 257]
  const emb = tf.reshape(tf.matMul(oneHot, w.byteWte), [n, t - 1, d]); // [N, t-1, D]
  const seq = tf.concat([tf.reshape(features, [n, 1, d]), emb], 1); // [N, t, D]
  let x = drop(partPass(f, 0), addPositions(tf.reshape(seq, [n * t, d]), w.byteWpe, n, t)); // [N*t, D]
  w.byteBlocks.forEach((b, i) => { x = block(partPass(f, i + 1), x, b, n, t, c.numHeads); });
  return layerNorm(f, x, w.byteLnG, w.byteLnB); // [N*t, D]
}

/** The tied LM head: hidden [R, D] → logits [R, 257]. */
export function lmHead(f: Pass, w: ModelWeights, hidden: tf.Tensor2D): tf.Tensor2D {
  if (w.byteWteT) return f.ops.frozenMatMul(hidden, w.byteWteT, w.byteWte); // [R, 257]
  return f.ops.matMul(hidden, w.byteWte, false, true) as tf.Tensor2D; // [R, 257]
}
