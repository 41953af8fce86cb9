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
 * backend started, backend/ops.ts) and, while training, dropout (absent when evaluating).
 */
export interface Pass {
  ops: Ops;
  dropout?: Dropout;
}

interface BlockWeights {
  ln1g: tf.Tensor1D; ln1b: tf.Tensor1D;
  attnW: tf.Tensor2D; attnB: tf.Tensor1D;
  attnProjW: tf.Tensor2D; attnProjB: tf.Tensor1D;
  ln2g: tf.Tensor1D; ln2b: tf.Tensor1D;
  fcW: tf.Tensor2D; fcB: tf.Tensor1D;
  mlpProjW: tf.Tensor2D; mlpProjB: tf.Tensor1D;
}

export interface ModelWeights {
  patchEmbW: tf.Tensor2D; patchEmbB: tf.Tensor1D;
  patchWpe: tf.Tensor2D;
  patchBlocks: BlockWeights[];
  patchLnG: tf.Tensor1D; patchLnB: tf.Tensor1D;
  byteWte: tf.Tensor2D; byteWpe: tf.Tensor2D;
  byteBlocks: BlockWeights[];
  byteLnG: tf.Tensor1D; byteLnB: tf.Tensor1D;
}

function blockWeights(get: (n: string) => tf.Tensor, p: string): BlockWeights {
  return {
    ln1g: get(`${p}ln_1.weight`) as tf.Tensor1D, ln1b: get(`${p}ln_1.bias`) as tf.Tensor1D,
    attnW: get(`${p}attn.c_attn.weight`) as tf.Tensor2D, attnB: get(`${p}attn.c_attn.bias`) as tf.Tensor1D,
    attnProjW: get(`${p}attn.c_proj.weight`) as tf.Tensor2D, attnProjB: get(`${p}attn.c_proj.bias`) as tf.Tensor1D,
    ln2g: get(`${p}ln_2.weight`) as tf.Tensor1D, ln2b: get(`${p}ln_2.bias`) as tf.Tensor1D,
    fcW: get(`${p}mlp.c_fc.weight`) as tf.Tensor2D, fcB: get(`${p}mlp.c_fc.bias`) as tf.Tensor1D,
    mlpProjW: get(`${p}mlp.c_proj.weight`) as tf.Tensor2D, mlpProjB: get(`${p}mlp.c_proj.bias`) as tf.Tensor1D,
  };
}

/** The patch-level decoder's weights: all a classifier (engine/classify) has. */
export type PatchWeights = Pick<ModelWeights, 'patchEmbW' | 'patchEmbB' | 'patchWpe' | 'patchBlocks' | 'patchLnG' | 'patchLnB'>;

/** The patch-level decoder's weights from named variables (reference names). */
export function patchWeights(c: BGPTConfig, vars: Map<string, tf.Tensor>): PatchWeights {
  const get = (n: string): tf.Tensor => {
    const t = vars.get(n);
    if (!t) throw new Error(`model tensor ${n} missing`);
    return t;
  };
  return {
    patchEmbW: get(`${PATCH_PREFIX}patch_embedding.weight`) as tf.Tensor2D,
    patchEmbB: get(`${PATCH_PREFIX}patch_embedding.bias`) as tf.Tensor1D,
    patchWpe: get(`${PATCH_PREFIX}base.wpe.weight`) as tf.Tensor2D,
    patchBlocks: Array.from({ length: c.patchNumLayers }, (_, i) => blockWeights(get, `${PATCH_PREFIX}base.h.${i}.`)),
    patchLnG: get(`${PATCH_PREFIX}base.ln_f.weight`) as tf.Tensor1D,
    patchLnB: get(`${PATCH_PREFIX}base.ln_f.bias`) as tf.Tensor1D,
  };
}

/** Groups the named variables by role, so the forward code reads like the reference model. */
export function modelWeights(c: BGPTConfig, vars: Map<string, tf.Tensor>): ModelWeights {
  const get = (n: string): tf.Tensor => {
    const t = vars.get(n);
    if (!t) throw new Error(`model tensor ${n} missing`);
    return t;
  };
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    patchEmbW: get(`${PATCH_PREFIX}patch_embedding.weight`) as tf.Tensor2D,
    patchEmbB: get(`${PATCH_PREFIX}patch_embedding.bias`) as tf.Tensor1D,
    patchWpe: get(`${PATCH_PREFIX}base.wpe.weight`) as tf.Tensor2D,
    patchBlocks: range(c.patchNumLayers).map((i) => blockWeights(get, `${PATCH_PREFIX}base.h.${i}.`)),
    patchLnG: get(`${PATCH_PREFIX}base.ln_f.weight`) as tf.Tensor1D,
    patchLnB: get(`${PATCH_PREFIX}base.ln_f.bias`) as tf.Tensor1D,
    byteWte: get(BYTE_WTE) as tf.Tensor2D,
    byteWpe: get(`${BYTE_PREFIX}transformer.wpe.weight`) as tf.Tensor2D,
    byteBlocks: range(c.byteNumLayers).map((i) => blockWeights(get, `${BYTE_PREFIX}transformer.h.${i}.`)),
    byteLnG: get(`${BYTE_PREFIX}transformer.ln_f.weight`) as tf.Tensor1D,
    byteLnB: get(`${BYTE_PREFIX}transformer.ln_f.bias`) as tf.Tensor1D,
  };
}

/** [B*T, D] rows → [B, H, T, hd]; with one head the transpose is the identity and is skipped. */
function splitHeads(x: tf.Tensor2D, batch: number, t: number, heads: number): tf.Tensor4D {
  const hd = x.shape[1] / heads;
  if (heads === 1) return tf.reshape(x, [batch, 1, t, hd]);
  return tf.transpose(tf.reshape(x, [batch, t, heads, hd]), [0, 2, 1, 3]);
}

function mergeHeads(y: tf.Tensor4D): tf.Tensor2D {
  const [batch, heads, t, hd] = y.shape;
  if (heads === 1) return tf.reshape(y, [batch * t, hd]);
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [batch * t, heads * hd]); // [B*T, D]
}

/** Dropout when training with a non-zero rate; the identity otherwise (evaluation). */
function drop<T extends tf.Tensor>(f: Pass, x: T): T {
  return f.dropout && f.dropout.rate > 0 ? f.ops.dropout(x, f.dropout.nextKey(), f.dropout.rate) : x;
}

/** x·W + b for rows x [R, in], W [in, out] (GPT-2 Conv1D layout). */
function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

export function layerNorm(f: Pass, x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  return f.ops.layerNorm(x, g, b, LN_EPS);
}

function attention(f: Pass, x: tf.Tensor2D, w: BlockWeights, batch: number, t: number, heads: number): tf.Tensor2D {
  const d = x.shape[1];
  // Splitting the [D, 3D] weight is cheaper than splitting the [B*T, 3D] activations.
  const [wq, wk, wv] = tf.split(w.attnW, 3, 1) as tf.Tensor2D[]; // 3 × [D, D]
  const [bq, bk, bv] = tf.split(w.attnB, 3, 0) as tf.Tensor1D[]; // 3 × [D]
  const q = linear(x, wq, bq); // [B*T, D]
  const k = linear(x, wk, bk);
  const v = linear(x, wv, bv);
  const raw = f.ops.matMul(splitHeads(q, batch, t, heads), splitHeads(k, batch, t, heads), false, true) as tf.Tensor4D; // [B, H, T, T]
  const probs = f.ops.causalSoftmax(raw, 1 / Math.sqrt(d / heads)); // [B, H, T, T]
  const y = tf.matMul(drop(f, probs), splitHeads(v, batch, t, heads)) as tf.Tensor4D; // [B, H, T, hd]
  return drop(f, linear(mergeHeads(y), w.attnProjW, w.attnProjB)); // [B*T, D]
}

function mlp(f: Pass, x: tf.Tensor2D, w: BlockWeights): tf.Tensor2D {
  const h = f.ops.gelu(linear(x, w.fcW, w.fcB)); // [B*T, 4D]
  return drop(f, linear(h, w.mlpProjW, w.mlpProjB)); // [B*T, D]
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

/**
 * Patch-level decoder: `patches` holds B sequences of P patches (int32 [B, P*S], padding 256).
 * Returns the final-LayerNorm features [B*P, D] (row b*P+i has seen patches 0..i of sequence b).
 */
export function patchLevel(f: Pass, w: PatchWeights, c: BGPTConfig, patches: tf.Tensor2D, batch: number, p: number): tf.Tensor2D {
  const oneHot = tf.oneHot(tf.reshape(patches, [batch * p * c.patchSize]), VOCAB_SIZE); // [B*P*S, 257]
  const flat = tf.reshape(oneHot, [batch * p, c.patchSize * VOCAB_SIZE]) as tf.Tensor2D; // [B*P, S*257]
  let x = tf.add(f.ops.matMul(flat, w.patchEmbW, false, true), w.patchEmbB) as tf.Tensor2D; // [B*P, D]
  x = drop(f, addPositions(x, w.patchWpe, batch, p));
  for (const b of w.patchBlocks) x = block(f, x, b, batch, p, c.numHeads);
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
  let x = drop(f, addPositions(tf.reshape(seq, [n * t, d]), w.byteWpe, n, t)); // [N*t, D]
  for (const b of w.byteBlocks) x = block(f, x, b, n, t, c.numHeads);
  return layerNorm(f, x, w.byteLnG, w.byteLnB); // [N*t, D]
}

/** The tied LM head: hidden [R, D] → logits [R, 257]. */
export function lmHead(f: Pass, w: ModelWeights, hidden: tf.Tensor2D): tf.Tensor2D {
  return f.ops.matMul(hidden, w.byteWte, false, true) as tf.Tensor2D; // [R, 257]
}
