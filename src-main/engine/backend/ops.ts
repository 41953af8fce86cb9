// The operations that differ between backends, chosen once when a backend starts (backend.ts) and
// handed to the model and the optimizer as one object, as transformers.js maps a device to its
// providers in one file: model code calls ops.layerNorm(...) the way nanoGPT calls F.layer_norm and
// never asks which backend runs. Two sets: the TF.js composites (composite.ts: cpu, wasm, tensorflow)
// and on webgpu TF.js's products reading either layout through their transpose flags, the dropout
// kernel (dropout.ts) and the fused WGSL kernels of ../fused. BGPT_FUSED=0 swaps webgpu's hand-written
// kernels for the composites, to measure their difference or to rule them out (docs/gpu.md).
import * as tf from '@tensorflow/tfjs-core';
import type { AdamWScalars } from '../fused/adamw';
import { adamwStep } from '../fused/adamw';
import { crossEntropy } from '../fused/cross-entropy';
import { gelu } from '../fused/gelu';
import { layerNorm } from '../fused/layernorm';
import { causalSoftmax } from '../fused/softmax';
import * as composite from './composite';
import { deviceDropout } from './dropout';
import { batchedAttention, headByHeadAttention, PER_HEAD_MIN_T, type DropProbs } from './attention';

export type { AdamWScalars };

export interface Ops {
  /** Which set this is, for reports: 'composite', 'webgpu' (products only) or 'webgpu-fused'. */
  readonly name: 'composite' | 'webgpu' | 'webgpu-fused';
  /** a·b with either operand's last two axes transposed. */
  matMul(a: tf.Tensor, b: tf.Tensor, transposeA?: boolean, transposeB?: boolean): tf.Tensor;
  /** Column sums of x [R, D] → [D] (bias gradients). */
  sumRows(x: tf.Tensor2D): tf.Tensor1D;
  /** LayerNorm over the last axis, differentiable. */
  layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor2D;
  /** GELU, tanh approximation, differentiable. */
  gelu(x: tf.Tensor2D): tf.Tensor2D;
  /** softmax(scale·scores + causal mask) over the last axis of [B, H, T, T], differentiable. */
  causalSoftmax(raw: tf.Tensor4D, scale: number): tf.Tensor4D;
  /**
   * Causal multi-head attention of `batch` sequences of `t` rows: c_attn's output (q, k, v side by
   * side) [B*T, 3D] → [B*T, D], heads merged; `drop` applies dropout to the probabilities (attention.ts).
   */
  attention(qkv: tf.Tensor2D, batch: number, t: number, heads: number, drop: DropProbs): tf.Tensor2D;
  /** x·w for a frozen w: its gradient reaches x only (dy·wᵀ, from `wT`, w's kept transpose). */
  frozenMatMul(x: tf.Tensor2D, w: tf.Tensor2D, wT: tf.Tensor2D): tf.Tensor2D;
  /** Cross-entropy in nats of each row's label: logits [R, C], int32 labels [R] → [R], differentiable. */
  crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D;
  /** x with the mask of `key` applied (kept elements scaled by 1/(1-rate)), differentiable. */
  dropout<T extends tf.Tensor>(x: T, key: number, rate: number): T;
  /** One AdamW update of one parameter: the new [param, m, v]. */
  adamwStep(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWScalars): [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** The TF.js composites: cpu, wasm and the native backends. */
export const COMPOSITE_OPS: Ops = {
  name: 'composite',
  matMul: composite.matMul,
  sumRows: composite.sumRows,
  layerNorm: composite.layerNorm,
  gelu: composite.gelu,
  causalSoftmax: composite.causalSoftmax,
  attention: (qkv, batch, t, heads, drop) => (t >= PER_HEAD_MIN_T ? headByHeadAttention : batchedAttention)(composite.matMul, composite.causalSoftmax, qkv, batch, t, heads, drop),
  frozenMatMul: composite.frozenMatMul,
  crossEntropy: composite.crossEntropy,
  dropout: composite.dropout,
  adamwStep: composite.adamwStep,
};

/** webgpu's products: TF.js's own read either layout, so no Transpose dispatches (docs/gpu.md). */
function webgpuMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  return tf.matMul(a, b, transposeA, transposeB);
}

/** webgpu with the studio's WGSL kernels (each one or two dispatches instead of a chain of TF.js kernels). */
export const WEBGPU_FUSED_OPS: Ops = {
  name: 'webgpu-fused',
  matMul: webgpuMatMul,
  sumRows: composite.sumRows,
  layerNorm,
  gelu: (x) => gelu(x),
  causalSoftmax: (raw, scale) => causalSoftmax(raw, scale),
  attention: (qkv, batch, t, heads, drop) => batchedAttention(webgpuMatMul, (raw, scale) => causalSoftmax(raw, scale), qkv, batch, t, heads, drop),
  frozenMatMul: composite.frozenMatMul,
  crossEntropy,
  dropout: deviceDropout,
  adamwStep,
};

/** webgpu with BGPT_FUSED=0: TF.js's products with their flags, every other op the composite. */
export const WEBGPU_OPS: Ops = {
  ...COMPOSITE_OPS, name: 'webgpu', matMul: webgpuMatMul,
  attention: (qkv, batch, t, heads, drop) => batchedAttention(webgpuMatMul, composite.causalSoftmax, qkv, batch, t, heads, drop),
};

let fusedWanted = process.env.BGPT_FUSED !== '0';
let onWebGpu = false;
let current: Ops = COMPOSITE_OPS;

function choose(): void {
  current = onWebGpu ? (fusedWanted ? WEBGPU_FUSED_OPS : WEBGPU_OPS) : COMPOSITE_OPS;
}

/** Called by initBackend when a backend has started: picks that backend's operations. */
export function selectOps(webgpu: boolean): Ops {
  onWebGpu = webgpu;
  choose();
  return current;
}

/** The operations of the backend that started last. */
export function ops(): Ops {
  return current;
}

/** Turns webgpu's hand-written kernels on or off (tests and scripts compare both; default: on unless BGPT_FUSED=0). */
export function setFusedKernels(on: boolean): void {
  fusedWanted = on;
  choose();
}
