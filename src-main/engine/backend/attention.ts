// Causal multi-head attention on rows (c_attn's q, k, v side by side [B*T, 3D] → [B*T, D]), the place nanoGPT gives
// F.scaled_dot_product_attention: how it is computed differs by backend (ops.ts). TF.js's batched
// products run 10–20x slower per FLOP than 2-D ones on wasm (measured on the paper model's patch
// level, 12 heads × [512, 64]·[64, 512]: 1.4–2.5 GFLOP/s batched, 28–32 as twelve 2-D products), so
// on the CPU backends a long sequence is attended head by head with 2-D products; short ones (the
// byte level's 16 positions, thousands of tiny matrices) stay batched. On webgpu the batched product
// is what the GPU is good at.
import * as tf from '@tensorflow/tfjs-core';

/** Applies dropout to attention probabilities [.., T, T] (one mask per call). */
export type DropProbs = (probs: tf.Tensor4D) => tf.Tensor4D;

type MatMul = (a: tf.Tensor, b: tf.Tensor, transposeA?: boolean, transposeB?: boolean) => tf.Tensor;
type CausalSoftmax = (raw: tf.Tensor4D, scale: number) => tf.Tensor4D;

/** Sequences from this long are attended head by head with 2-D products on the CPU backends. */
export const PER_HEAD_MIN_T = 32;

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

/** All heads of all sequences at once with batched products: [B, H, T, T] scores. */
export function batchedAttention(matMul: MatMul, causalSoftmax: CausalSoftmax, qkv: tf.Tensor2D, batch: number, t: number, heads: number, drop: DropProbs): tf.Tensor2D {
  const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[]; // 3 × [B*T, D]
  const hd = q.shape[1] / heads;
  const raw = matMul(splitHeads(q, batch, t, heads), splitHeads(k, batch, t, heads), false, true) as tf.Tensor4D; // [B, H, T, T]
  const probs = causalSoftmax(raw, 1 / Math.sqrt(hd)); // [B, H, T, T]
  const y = matMul(drop(probs), splitHeads(v, batch, t, heads)) as tf.Tensor4D; // [B, H, T, hd]
  return mergeHeads(y); // [B*T, D]
}

/**
 * Head by head with 2-D products: scores [T, T] of one head of one sequence at a time. Each
 * sequence's q, k, v of every head come out of one split of its rows (SplitV: one concat back).
 */
export function headByHeadAttention(matMul: MatMul, causalSoftmax: CausalSoftmax, qkv: tf.Tensor2D, batch: number, t: number, heads: number, drop: DropProbs): tf.Tensor2D {
  const hd = qkv.shape[1] / 3 / heads;
  const seqs = batch === 1 ? [qkv] : (tf.split(qkv, batch, 0) as tf.Tensor2D[]); // B × [T, 3D]
  const rows = seqs.map((s) => {
    const parts = tf.split(s, 3 * heads, 1) as tf.Tensor2D[]; // q heads, k heads, v heads: 3H × [T, hd]
    const ys = Array.from({ length: heads }, (_, h) => {
      const raw = tf.reshape(matMul(parts[h], parts[heads + h], false, true), [1, 1, t, t]) as tf.Tensor4D; // [T, T]
      const probs = drop(causalSoftmax(raw, 1 / Math.sqrt(hd))); // [1, 1, T, T]
      return matMul(tf.reshape(probs, [t, t]), parts[2 * heads + h]) as tf.Tensor2D; // [T, hd]
    });
    return ys.length === 1 ? ys[0] : (tf.concat(ys, 1) as tf.Tensor2D); // [T, D]
  });
  return rows.length === 1 ? rows[0] : (tf.concat(rows, 0) as tf.Tensor2D); // [B*T, D]
}
