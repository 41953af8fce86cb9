// Training gradients in stages (checkpointing after Chen et al. 2016, "Training Deep Nets with
// Sublinear Memory Cost"). The patch-level decoder runs once without a tape, keeping only what its
// backward pass needs; a head gives the gradient of its features (the byte-level decoder's loss,
// chunk by chunk, where most of training memory lies; or a classifier's pooled head); then the patch
// level is differentiated back, either in one piece from its input ('full': its activations all
// held at once, as before), or block by block from each block's kept input ('recompute':
// activation recomputation, one block's activations at a time; the same arithmetic, since the
// patch level runs twice either way). Dropout masks are functions of (seed, part), so a recomputed
// block draws its forward masks again.
//
// Only the trainable tensors get gradients: TF.js differentiates along the paths from the tensors
// asked for, so with LoRA the frozen matrices' weight gradients (x^T·dy) are never computed, and a
// part without trainable tensors below it is not differentiated at all.
import * as tf from '@tensorflow/tfjs-core';
import { BYTE_LEVEL_CHUNK_PATCHES, type BGPTConfig } from '../../shared/config';
import { PEFT_PREFIX } from '../../checkpoint/adapter';
import { byteLossSum, selectFeatures, type Batch } from '../model/batch';
import { block, layerNorm, partPass, patchEmbed, patchLevel, type ModelWeights, type Pass, type PatchWeights } from '../model/model';
import { BYTE_PREFIX, PATCH_PREFIX } from '../model/weights';

/** Target patches per byte-level chunk by default: 2048 byte positions, rows enough for efficient products. */
export const CHUNK_PATCHES = BYTE_LEVEL_CHUNK_PATCHES;

/** How a pass holds its activations (chosen by train/plan.ts from the memory estimate). */
export interface GradPlan {
  /** Keep each patch-level block's input only, recompute the block in the backward pass. */
  recompute: boolean;
  /** Target patches per byte-level chunk. */
  byteChunk: number;
}

export const DEFAULT_GRAD_PLAN: GradPlan = { recompute: false, byteChunk: CHUNK_PATCHES };

/** The tensors the optimizer updates, by name: reference names, or a LoRA factor's adapter file name. */
export type Trainables = ReadonlyMap<string, tf.Variable>;

/** Gradients by trainable name; every function here adds into one such map. */
export type Grads = Map<string, tf.Tensor>;

/** The reference name a trainable tensor belongs to (a LoRA factor: its module's). */
function referencePart(name: string): string {
  return name.startsWith(PEFT_PREFIX) ? name.slice(PEFT_PREFIX.length) : name;
}

/** The trainable tensors of one part of the model: those whose reference name starts with one of `prefixes`. */
export function partVars(trainables: Trainables, prefixes: string[]): Array<[string, tf.Variable]> {
  return [...trainables].filter(([n]) => prefixes.some((p) => referencePart(n).startsWith(p)));
}

/** Adds `g` into `sum[name]`, disposing what it replaces. */
export function accumulate(sum: Grads, name: string, g: tf.Tensor): void {
  const prev = sum.get(name);
  if (!prev) {
    sum.set(name, g);
    return;
  }
  sum.set(name, tf.add(prev, g));
  prev.dispose();
  g.dispose();
}

/** Value of f() and its gradients with respect to `xs` (any tensors), given the output gradient `dy`. */
function gradsOf(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor): { value: tf.Tensor; grads: tf.Tensor[] } {
  return tf.valueAndGrads((..._xs: tf.Tensor[]) => f())(xs, dy);
}

/** What the patch level keeps between its forward and backward passes. */
export interface PatchTape {
  /** int32 [B, P*S] */
  input: tf.Tensor2D;
  batch: number;
  patches: number;
  /** Each block's input and the final LayerNorm's (recompute), else null. */
  blockInputs: tf.Tensor2D[] | null;
  /** The final-LayerNorm features [B*P, D]. */
  features: tf.Tensor2D;
}

/**
 * The patch level without a tape (see the header), one block at a time (a tidy around the whole
 * level would hold every block's intermediates until its end: 2 GB for one paper-size window): its
 * features, and each block's input when recomputing.
 */
export function patchForward(f: Pass, w: PatchWeights, c: BGPTConfig, input: tf.Tensor2D, batch: number, p: number, plan: GradPlan): PatchTape {
  const xs = [tf.tidy(() => patchEmbed(partPass(f, 0), w, c, input, batch, p))]; // [B*P, D]
  w.patchBlocks.forEach((b, i) => {
    xs.push(tf.tidy(() => block(partPass(f, i + 1), xs[i], b, batch, p, c.numHeads)));
    if (!plan.recompute) xs[i].dispose();
  });
  const features = tf.tidy(() => layerNorm(f, xs[xs.length - 1], w.patchLnG, w.patchLnB));
  if (!plan.recompute) xs[xs.length - 1].dispose();
  return { input, batch, patches: p, blockInputs: plan.recompute ? xs : null, features };
}

export function disposeTape(t: PatchTape): void {
  tf.dispose([t.input, t.features, ...(t.blockInputs ?? [])]);
}

/**
 * Adds the patch level's gradients (given dL/dfeatures [B*P, D]) of its trainable tensors into
 * `grads`: in one piece, or block by block from the kept inputs, stopping below the lowest trainable part.
 */
export function patchBackward(f: Pass, w: PatchWeights, c: BGPTConfig, tape: PatchTape, dFeatures: tf.Tensor2D, trainables: Trainables, grads: Grads): void {
  const all = partVars(trainables, [PATCH_PREFIX]);
  if (all.length === 0) return;
  const { input, batch, patches: p } = tape;
  if (!tape.blockInputs) {
    const r = gradsOf(() => patchLevel(f, w, c, input, batch, p), all.map(([, v]) => v), dFeatures);
    all.forEach(([n], i) => accumulate(grads, n, r.grads[i]));
    r.value.dispose();
    return;
  }
  const xs = tape.blockInputs;
  const layers = w.patchBlocks.length;
  const blockVars = Array.from({ length: layers }, (_, i) => partVars(trainables, [`${PATCH_PREFIX}base.h.${i}.`]));
  const embedVars = partVars(trainables, [`${PATCH_PREFIX}patch_embedding.`, `${PATCH_PREFIX}base.wpe.`]);
  // Trainable tensors at or below part k (0 the embedding, i + 1 block i): dL/dx is needed only up to there.
  const below = (k: number) => embedVars.length > 0 || blockVars.slice(0, k).some((v) => v.length > 0);
  const lnf = partVars(trainables, [`${PATCH_PREFIX}base.ln_f.`]);
  let dx: tf.Tensor2D;
  {
    const r = gradsOf(() => layerNorm(f, xs[layers], w.patchLnG, w.patchLnB), [xs[layers], ...lnf.map(([, v]) => v)], dFeatures);
    dx = r.grads[0] as tf.Tensor2D;
    lnf.forEach(([n], i) => accumulate(grads, n, r.grads[i + 1]));
    r.value.dispose();
  }
  for (let i = layers - 1; i >= 0; i--) {
    const vars = blockVars[i];
    const needDx = below(i);
    if (!needDx && vars.length === 0) break;
    const r = gradsOf(() => block(partPass(f, i + 1), xs[i], w.patchBlocks[i], batch, p, c.numHeads), [...(needDx ? [xs[i]] : []), ...vars.map(([, v]) => v)], dx);
    const off = needDx ? 1 : 0;
    vars.forEach(([n], k) => accumulate(grads, n, r.grads[k + off]));
    dx.dispose();
    r.value.dispose();
    if (!needDx) return;
    dx = r.grads[0] as tf.Tensor2D;
  }
  if (embedVars.length > 0) {
    const r = gradsOf(() => patchEmbed(partPass(f, 0), w, c, input, batch, p), embedVars.map(([, v]) => v), dx);
    embedVars.forEach(([n], i) => accumulate(grads, n, r.grads[i]));
    r.value.dispose();
  }
  dx.dispose();
}

/** The byte level's part of a generative pass: its scaled loss, dL/dfeatures of its rows, its gradients. */
export interface ByteResult {
  loss: tf.Scalar;
  /** [count, D] for target patches [from, from+count), or null when the patch level trains nothing. */
  dFeatures: tf.Tensor2D | null;
}

/**
 * The byte-level loss of target patches [from, from + count) times `scale`, chunk by chunk (chunk k
 * covers patches [k·C, (k+1)·C) and draws dropout stream k, so a range split between two threads
 * gives exactly the single-thread masks). `features` [count, D] are their patch features; the byte
 * level's gradients are added into `grads`.
 */
export function byteGradients(
  f: Pass, w: ModelWeights, c: BGPTConfig, b: Batch, features: tf.Tensor2D, from: number, count: number,
  scale: number, trainables: Trainables, plan: GradPlan, needDFeatures: boolean, grads: Grads,
): ByteResult {
  const vars = partVars(trainables, [BYTE_PREFIX]);
  const chunk = Math.max(1, plan.byteChunk);
  const dParts: tf.Tensor[] = [];
  let loss: tf.Scalar = tf.scalar(0);
  for (let at = from; at < from + count;) {
    const end = Math.min(from + count, (Math.floor(at / chunk) + 1) * chunk);
    const n = end - at;
    const cf = tf.tidy(() => tf.slice(features, [at - from, 0], [n, features.shape[1]]) as tf.Tensor2D); // [n, D]
    const xs = [...(needDFeatures ? [cf] : []), ...vars.map(([, v]) => v)];
    const chunkPass = partPass(f, Math.floor(at / chunk));
    const lossOf = () => tf.mul(byteLossSum(chunkPass, w, c, b, cf, at, n), scale) as tf.Scalar;
    if (xs.length === 0) {
      const v = tf.tidy(lossOf);
      const next = tf.add(loss, v) as tf.Scalar;
      tf.dispose([loss, v, cf]);
      loss = next;
    } else {
      const r = gradsOf(lossOf, xs);
      if (needDFeatures) dParts.push(r.grads[0]);
      vars.forEach(([name], i) => accumulate(grads, name, r.grads[i + (needDFeatures ? 1 : 0)]));
      const next = tf.add(loss, r.value) as tf.Scalar;
      tf.dispose([loss, r.value, cf]);
      loss = next;
    }
    at = end;
  }
  const dFeatures = needDFeatures ? (dParts.length === 1 ? dParts[0] : (tf.concat(dParts, 0) as tf.Tensor2D)) as tf.Tensor2D : null;
  if (dParts.length > 1) tf.dispose(dParts);
  return { loss, dFeatures };
}

/** dL/d(all patch features) [B*P, D] from dL/d(the selected ones) [N, D]: the transpose of selectFeatures. */
export function unselect(features: tf.Tensor2D, b: Batch, dSelected: tf.Tensor2D): tf.Tensor2D {
  const r = gradsOf(() => selectFeatures(features, b), [features], dSelected);
  r.value.dispose();
  return r.grads[0] as tf.Tensor2D;
}
