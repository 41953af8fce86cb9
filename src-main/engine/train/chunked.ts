// Training gradients with the byte-level decoder run in chunks (checkpointing at the patch/byte
// boundary, Chen et al. 2016 "Training Deep Nets with Sublinear Memory Cost"): every target patch is
// its own 16-byte sequence for the byte-level decoder, whose activations are most of training memory,
// so they are needed only one chunk at a time. The patch-level forward runs twice (once without a
// tape for the features, once with it to take their gradient back), a small price for that.
import * as tf from '@tensorflow/tfjs-core';
import { BYTE_LEVEL_CHUNK_PATCHES, type BGPTConfig } from '../../shared/config';
import { batchFeatures, byteLossSum, type Batch } from '../model/batch';
import type { Dropout, ModelWeights } from '../model/model';
import type { Ops } from '../backend/ops';
import { BYTE_PREFIX, PATCH_PREFIX } from '../model/weights';

/** Target patches per byte-level chunk: 2048 byte positions, rows enough for efficient matMuls. */
export const CHUNK_PATCHES = BYTE_LEVEL_CHUNK_PATCHES;

/** Dropout for a part of the step: stream 0 the patch level (drawn identically in both passes), 1 the byte level. */
export type DropoutFactory = (stream: 0 | 1) => Dropout | undefined;

/** Adds `g` into `sum[name]`, disposing what it replaces. */
function accumulate(sum: Map<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = sum.get(name);
  if (!prev) {
    sum.set(name, g);
    return;
  }
  sum.set(name, tf.add(prev, g));
  prev.dispose();
  g.dispose();
}

/**
 * The reference's batch-mean loss and its gradients by variable name, byte level chunk by chunk.
 * The result equals differentiating meanLoss in one piece (tested), with a fraction of the memory.
 */
export function chunkedGradients(
  ops: Ops, w: ModelWeights, c: BGPTConfig, vars: Map<string, tf.Variable>, b: Batch, dropout: DropoutFactory,
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const byteVars = [...vars].filter(([n]) => n.startsWith(BYTE_PREFIX)).map(([, v]) => v);
  const patchVars = [...vars].filter(([n]) => n.startsWith(PATCH_PREFIX)).map(([, v]) => v);
  const positions = b.targets * c.patchSize;
  const features = tf.tidy(() => batchFeatures({ ops, dropout: dropout(0) }, w, c, b)); // [N, D], no tape
  const byteLevel = { ops, dropout: dropout(1) };
  const grads = new Map<string, tf.Tensor>();
  const dFeatures: tf.Tensor[] = [];
  let loss: tf.Scalar = tf.scalar(0);
  for (let from = 0; from < b.targets; from += CHUNK_PATCHES) {
    const count = Math.min(CHUNK_PATCHES, b.targets - from);
    const f = tf.tidy(() => tf.variable(tf.slice(features, [from, 0], [count, features.shape[1]]))); // [count, D]
    const r = tf.variableGrads(() => tf.mul(byteLossSum(byteLevel, w, c, b, f, from, count), 1 / positions) as tf.Scalar, [...byteVars, f]);
    for (const [name, g] of Object.entries(r.grads)) {
      if (name === f.name) dFeatures.push(g);
      else accumulate(grads, name, g);
    }
    const next = tf.add(loss, r.value) as tf.Scalar;
    tf.dispose([loss, r.value, f]);
    loss = next;
  }
  const dE = dFeatures.length === 1 ? dFeatures[0] : tf.concat(dFeatures, 0); // [N, D]
  // Back through the patch level: the gradient of Σ features·dE is dE's pull-back to the weights.
  const patch = tf.variableGrads(() => tf.sum(tf.mul(batchFeatures({ ops, dropout: dropout(0) }, w, c, b), dE)) as tf.Scalar, patchVars);
  for (const [name, g] of Object.entries(patch.grads)) accumulate(grads, name, g);
  tf.dispose([patch.value, features, dE, ...dFeatures]);
  return { loss, grads };
}
