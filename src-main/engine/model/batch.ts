// Batches of byte sequences as the reference batches them (`collate_batch` + `bGPTLMHeadModel.forward`):
// sequences right-padded with 256 to the longest, and for each sequence every patch after the first
// is a target predicted from the patch-level feature of the patch before it. Padded patches are never
// targets; causal attention keeps them from reaching real positions, so no attention mask is needed.
import * as tf from '@tensorflow/tfjs-core';
import type { BGPTConfig } from '../../shared/config';
import { SPECIAL } from '../../shared/patches';
import { byteLevel, lmHead, patchLevel, type ModelWeights, type Pass } from './model';

export interface Batch {
  /** Sequences in the batch (B). */
  size: number;
  /** Patches per padded sequence (P). */
  patches: number;
  /** [B*P*S] patch bytes, padded with 256. */
  input: Int32Array;
  /** Patches of each sequence before padding. */
  counts: number[];
  /** Target patches in all (N = Σ (counts[b] - 1)). */
  targets: number;
  /** [N*S] bytes of the target patches, sequence by sequence. */
  labels: Int32Array;
}

/** Builds a batch from whole-patch sequences (each at least two patches long). */
export function makeBatch(seqs: Int32Array[], patchSize: number): Batch {
  const counts = seqs.map((s) => s.length / patchSize);
  const p = Math.max(...counts);
  const input = new Int32Array(seqs.length * p * patchSize).fill(SPECIAL);
  const targets = counts.reduce((a, n) => a + n - 1, 0);
  const labels = new Int32Array(targets * patchSize);
  let at = 0;
  seqs.forEach((s, b) => {
    input.set(s, b * p * patchSize);
    labels.set(s.subarray(patchSize), at);
    at += s.length - patchSize;
  });
  return { size: seqs.length, patches: p, input, counts, targets, labels };
}

/** Patch features [N, D] that predict each target patch: rows 0..count-2 of every sequence. */
export function selectFeatures(encoded: tf.Tensor2D, b: Batch): tf.Tensor2D {
  const d = encoded.shape[1];
  const parts = b.counts.map((n, i) => tf.slice(encoded, [i * b.patches, 0], [n - 1, d])); // [n-1, D] each
  return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D); // [N, D]
}

/** Inputs of the byte-level decoder after its first position: bytes 0..t-2 of target patches [from, from+count). */
function byteInputs(b: Batch, patchSize: number, t: number, from = 0, count = b.targets): tf.Tensor2D {
  const out = new Int32Array(count * (t - 1));
  for (let n = 0; n < count; n++) {
    const at = (from + n) * patchSize;
    out.set(b.labels.subarray(at, at + t - 1), n * (t - 1));
  }
  return tf.tensor2d(out, [count, t - 1], 'int32');
}

/** Patch-level features [N, D] that predict the batch's target patches. */
export function batchFeatures(f: Pass, w: ModelWeights, c: BGPTConfig, b: Batch): tf.Tensor2D {
  const input = tf.tensor2d(b.input, [b.size, b.patches * c.patchSize], 'int32');
  return selectFeatures(patchLevel(f, w, c, input, b.size, b.patches), b); // [N, D]
}

/**
 * Summed nats of target patches [from, from+count) given their patch features [count, D]: the
 * byte-level half of the loss, which treats every target patch as its own sequence.
 */
export function byteLossSum(f: Pass, w: ModelWeights, c: BGPTConfig, b: Batch, features: tf.Tensor2D, from: number, count: number): tf.Scalar {
  const s = c.patchSize;
  const hidden = byteLevel(f, w, c, features, byteInputs(b, s, s, from, count), s); // [count*S, D]
  const labels = tf.tensor1d(b.labels.subarray(from * s, (from + count) * s), 'int32');
  return tf.sum(f.ops.crossEntropy(lmHead(f, w, hidden), labels));
}

/**
 * Byte-level hidden states for every target patch over `t` positions (S for the loss: position S
 * predicts nothing the loss counts, and causal attention makes it invisible to the others).
 */
export function batchHidden(f: Pass, w: ModelWeights, c: BGPTConfig, b: Batch, t = c.patchSize): tf.Tensor2D {
  return byteLevel(f, w, c, batchFeatures(f, w, c, b), byteInputs(b, c.patchSize, t), t); // [N*t, D]
}

/** Nats of every predicted byte, target patch by target patch: [N*S]. Call inside tf.tidy. */
export function lossRows(f: Pass, w: ModelWeights, c: BGPTConfig, b: Batch): tf.Tensor1D {
  const logits = lmHead(f, w, batchHidden(f, w, c, b, c.patchSize)); // [N*S, 257]
  return f.ops.crossEntropy(logits, tf.tensor1d(b.labels, 'int32'));
}

/**
 * The reference's loss: mean cross-entropy over every predicted byte of the batch; `dropout` only
 * when training. Call inside tf.tidy.
 */
export function meanLoss(f: Pass, w: ModelWeights, c: BGPTConfig, b: Batch): tf.Scalar {
  return tf.mean(lossRows(f, w, c, b));
}
