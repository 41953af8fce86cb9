// The generative task of the training loop (the reference `train-gen.py`): whole files (or conversion
// pairs) as byte sequences, the mean cross-entropy over every predicted byte of a batch, the eval
// loss over the eval split's heads with the valid-file rate of a few samples, and checkpoint folders
// of config.json + model.safetensors. Its gradients run in stages (gradients.ts): patch level, the
// byte level chunk by chunk (optionally part of it on the gradient worker), the patch level back.
import * as tf from '@tensorflow/tfjs-core';
import type { BGPTConfig } from '../../shared/config';
import { cropSequence } from '../../shared/patches';
import { saveModel, type BGPTModel } from '../io/checkpoint';
import type { FilePair, InputFile } from '../io/files';
import { byteLossSum, makeBatch, selectFeatures } from '../model/batch';
import { partPass, type Pass } from '../model/model';
import { PATCH_PREFIX } from '../model/weights';
import { ops } from '../backend/ops';
import { buildSequences, Sampler } from './data';
import { byteGradients, CHUNK_PATCHES, disposeTape, partVars, patchBackward, patchForward, unselect, type GradPlan, type Grads, type Trainables } from './gradients';
import type { Task, TaskEval, TaskGradients, UnitResult } from './task';
import { addRemoteGrads } from './parallel';
import { dominantExt, validSampleRate, VALIDITY_SAMPLES } from './validity';

/** The part number of the byte level's dropout streams (the patch level's parts are 0..layers). */
export const BYTE_LEVEL_PART = 0xb17e;

/** What onEval reports for a generative run. */
export interface GenerativeEval {
  evalLoss: number;
  evalBitsPerByte: number;
  /** Share of files sampled at this evaluation judged valid (null when not measured). */
  validRate: number | null;
}

/** Predicted byte positions of a sequence: its weight in a batch mean (every byte after the start patch). */
export function predictedPositions(seq: Int32Array, patchSize: number): number {
  return seq.length - patchSize;
}

/**
 * Where part of a batch's byte level runs: the gradient worker computes target patches [from, N) of
 * the batch from their patch features and returns its scaled loss, their dL/dfeatures and its
 * byte-level gradients (parallel.ts). Used when a batch is one window, which cannot be halved.
 */
export interface ByteOffload {
  from: number;
  run(seqs: Int32Array[], features: Float32Array, count: number, scale: number, needDFeatures: boolean): Promise<{ loss: number; dFeatures: Float32Array | null; grads: Map<string, Float32Array> }>;
}

/** The byte level's own Pass: its dropout streams apart from the patch level's. */
export function byteLevelPass(f: Pass): Pass {
  return partPass(f, BYTE_LEVEL_PART);
}

/**
 * Σ nats · scale over the predicted bytes of `seqs`, and its gradients: the patch level without a
 * tape, the byte level chunk by chunk (from `offload.from` on on the worker when given), the patch
 * level back from dL/dfeatures.
 */
export async function generativeGradients(
  f: Pass, model: BGPTModel, trainables: Trainables, seqs: Int32Array[], scale: number, plan: GradPlan, offload: ByteOffload | null = null,
): Promise<UnitResult> {
  const { weights: w, config: c } = model;
  const b = makeBatch(seqs, c.patchSize);
  const grads: Grads = new Map();
  const tape = patchForward(f, w, c, tf.tensor2d(b.input, [b.size, b.patches * c.patchSize], 'int32'), b.size, b.patches, plan);
  const needD = partVars(trainables, [PATCH_PREFIX]).length > 0;
  const selected = tf.tidy(() => selectFeatures(tape.features, b)); // [N, D]
  const localCount = offload ? Math.min(offload.from, b.targets) : b.targets;
  let remote: ReturnType<ByteOffload['run']> | null = null;
  if (offload && localCount < b.targets) {
    // The worker starts on its rows while this thread does its own.
    const rows = tf.slice(selected, [localCount, 0], [b.targets - localCount, selected.shape[1]]);
    const data = ((await rows.data()) as Float32Array).slice(); // transferred to the worker
    rows.dispose();
    remote = offload.run(seqs, data, b.targets - localCount, scale, needD);
  }
  const local = byteGradients(byteLevelPass(f), w, c, b, selected, 0, localCount, scale, trainables, plan, needD, grads);
  selected.dispose();
  let loss = (await local.loss.data())[0];
  local.loss.dispose();
  let dSelected = local.dFeatures;
  if (remote) {
    const r = await remote;
    loss += r.loss;
    addRemoteGrads(grads, r.grads, trainables);
    if (r.dFeatures && dSelected) {
      const theirs = tf.tensor2d(r.dFeatures, [b.targets - localCount, dSelected.shape[1]]);
      const all = tf.concat([dSelected, theirs], 0) as tf.Tensor2D;
      tf.dispose([dSelected, theirs]);
      dSelected = all;
    }
  }
  if (dSelected) {
    const dF = unselect(tape.features, b, dSelected);
    dSelected.dispose();
    patchBackward(f, w, c, tape, dF, trainables, grads);
    dF.dispose();
  }
  disposeTape(tape);
  return { loss, right: 0, grads };
}

/**
 * The worker's share of a one-window batch: the byte level of target patches [from, from + count)
 * given their features, Σ nats · scale, dL/dfeatures when the patch level trains, byte-level gradients.
 */
export async function offloadedByteGradients(
  f: Pass, model: BGPTModel, trainables: Trainables, seqs: Int32Array[], from: number, features: Float32Array, count: number,
  scale: number, plan: GradPlan, needDFeatures: boolean,
): Promise<{ loss: number; dFeatures: tf.Tensor2D | null; grads: Grads }> {
  const { weights: w, config: c } = model;
  const b = makeBatch(seqs, c.patchSize);
  const grads: Grads = new Map();
  const feats = tf.tensor2d(features, [count, c.hiddenSize]);
  const r = byteGradients(byteLevelPass(f), w, c, b, feats, from, count, scale, trainables, plan, needDFeatures, grads);
  feats.dispose();
  const loss = (await r.loss.data())[0];
  r.loss.dispose();
  return { loss, dFeatures: r.dFeatures, grads };
}

/** The generative gradients as the worker runs them (no offload of its own). */
export const GENERATIVE_GRADIENTS: TaskGradients<BGPTModel, Int32Array> = {
  gradients: (f, model, trainables, examples, scale, plan) => generativeGradients(f, model, trainables, examples, scale, plan),
};

/**
 * Summed nats of every predicted byte of `seqs` without a tape, in the training pass's stages (the
 * patch level block by block, the byte level chunk by chunk): evaluation holds what a training pass
 * holds at most, so a run that trains can evaluate.
 */
export async function sequencesNats(f: Pass, model: BGPTModel, seqs: Int32Array[], chunk = CHUNK_PATCHES): Promise<number> {
  const { weights: w, config: c } = model;
  const b = makeBatch(seqs, c.patchSize);
  const tape = patchForward(f, w, c, tf.tensor2d(b.input, [b.size, b.patches * c.patchSize], 'int32'), b.size, b.patches, { recompute: false, byteChunk: chunk });
  const selected = tf.tidy(() => selectFeatures(tape.features, b)); // [N, D]
  disposeTape(tape);
  let nats = 0;
  for (let at = 0; at < b.targets; at += chunk) {
    const n = Math.min(chunk, b.targets - at);
    const sum = tf.tidy(() => byteLossSum(byteLevelPass(f), w, c, b, tf.slice(selected, [at, 0], [n, selected.shape[1]]) as tf.Tensor2D, at, n));
    nats += (await sum.data())[0];
    sum.dispose();
  }
  selected.dispose();
  return nats;
}

/** Mean nats per predicted byte over the eval windows (heads of the sequences), batch by batch. */
export async function estimateLoss(model: BGPTModel, seqs: Int32Array[], batchSize: number, byteChunk = CHUNK_PATCHES): Promise<number> {
  const { patchSize: s, patchLength: l } = model.config;
  const f = { ops: ops() };
  let nats = 0;
  let count = 0;
  for (let i = 0; i < seqs.length; i += batchSize) {
    const windows = seqs.slice(i, i + batchSize).map((q) => cropSequence(q, s, l));
    nats += await sequencesNats(f, model, windows, byteChunk);
    count += windows.reduce((a, w) => a + predictedPositions(w, s), 0);
  }
  return nats / count;
}

export interface GenerativeTaskOptions {
  files: InputFile[];
  evalFiles: InputFile[];
  pairs: FilePair[];
  evalPairs: FilePair[];
  /** Files sampled at each evaluation for the valid-file rate (default: VALIDITY_SAMPLES generative, 0 conversion). */
  validitySamples?: number;
  seed: number;
  /** A full checkpoint tensor of the current weights by name (merged with the adapter on a LoRA run), for validity samples. */
  tensor(name: string): Promise<Float32Array>;
}

/** The generative (or conversion) task over a loaded model. */
export function generativeTask(model: BGPTModel, o: GenerativeTaskOptions): Task<BGPTModel, Int32Array, GenerativeEval> {
  const c: BGPTConfig = model.config;
  const conversion = o.pairs.length > 0;
  const train = buildSequences(c, o.files, o.pairs);
  const evalSeqs = buildSequences(c, o.evalFiles, o.evalPairs);
  const sampler = new Sampler(c, train, o.seed, conversion);
  const ext = dominantExt(o.files);
  const validity = o.validitySamples ?? (conversion ? 0 : VALIDITY_SAMPLES);
  return {
    kind: conversion ? 'conversion' : 'generative',
    model,
    trainCount: train.length,
    sample: (k) => sampler.sample(k),
    bytes: (e) => e.length,
    weight: (e) => predictedPositions(e, c.patchSize),
    gradients: GENERATIVE_GRADIENTS.gradients,
    async evaluate(step, plan): Promise<TaskEval<GenerativeEval> | null> {
      if (evalSeqs.length === 0) return null;
      const evalLoss = await estimateLoss(model, evalSeqs, plan.windowsPerPass, plan.byteChunk);
      const validRate = validity > 0 && !conversion && ext !== null
        ? await validSampleRate(c, o.tensor, ext, o.seed, step, validity)
        : null;
      return { loss: evalLoss, metrics: { evalLoss, evalBitsPerByte: evalLoss / Math.LN2, validRate } };
    },
    extraFiles: () => ({}),
    saveFull: (dir, extra) => saveModel(dir, model, extra),
  };
}

/** Sequences of the training and eval sets (for the crop warnings before the first step). */
export function generativeSequences(c: BGPTConfig, o: Pick<GenerativeTaskOptions, 'files' | 'evalFiles' | 'pairs' | 'evalPairs'>): { train: Int32Array[]; evalSeqs: Int32Array[] } {
  return { train: buildSequences(c, o.files, o.pairs), evalSeqs: buildSequences(c, o.evalFiles, o.evalPairs) };
}
