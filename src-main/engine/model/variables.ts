// The model's tensors as TF.js variables and back (training and TF.js evaluation): kept apart from weights.ts, the
// names and shapes, so that the studio's .pth reader, which needs the names, never loads TF.js
// (scripts/layers.ts, NO_TFJS).
import * as tf from '@tensorflow/tfjs-core';
import type { BGPTConfig } from '../../shared/config';
import type { Tensor } from '../io/safetensors';
import { BYTE_WTE, LM_HEAD, PATCH_PREFIX, trainableSpecs, UNUSED_PATCH_WTE } from './weights';

/** The trainable tensors as TF.js variables, keyed by reference name. */
export function toVariables(c: BGPTConfig, tensors: Map<string, Tensor>): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>();
  for (const spec of trainableSpecs(c)) {
    const t = tensors.get(spec.name) as Tensor;
    // tidy() frees the initial tensor; the variable keeps its own reference to the data.
    vars.set(spec.name, tf.tidy(() => tf.variable(tf.tensor(t.data, spec.shape, 'float32'), true, spec.name)));
  }
  return vars;
}

/** Reads variables back (outside any tidy) into the full checkpoint tensor list, tied head and unused wte included. */
export async function fromVariables(c: BGPTConfig, vars: Map<string, tf.Variable>, unusedWte: Tensor): Promise<Array<[string, Tensor]>> {
  const out: Array<[string, Tensor]> = [];
  for (const spec of trainableSpecs(c)) {
    // The reference state dict holds the unused patch-level wte just before its wpe.
    if (spec.name === `${PATCH_PREFIX}base.wpe.weight`) out.push([UNUSED_PATCH_WTE, unusedWte]);
    const data = (await (vars.get(spec.name) as tf.Variable).data()) as Float32Array;
    out.push([spec.name, { shape: spec.shape, data }]);
  }
  const wte = out.find(([n]) => n === BYTE_WTE)?.[1] as Tensor;
  out.push([LM_HEAD, wte]);
  return out;
}
