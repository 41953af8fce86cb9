// The fused WGSL kernels of the webgpu backend, chosen in this one place: the engine asks
// fusedOps() and gets them only while the webgpu backend is active (cpu, wasm and tensorflow keep
// the TF.js composites, so their parity is untouched). BGPT_FUSED=0 turns them off, to measure the
// difference or to rule them out (docs/gpu.md, "Fused kernels").
import * as tf from '@tensorflow/tfjs-core';
import { adamwStep, registerAdamW } from './adamw';
import { crossEntropy, registerCrossEntropy } from './cross-entropy';
import { gelu, registerGelu } from './gelu';
import { layerNorm, registerLayerNorm } from './layernorm';
import { causalSoftmax, registerCausalSoftmax } from './softmax';

export type { AdamWScalars } from './adamw';

/** The fused operations (each one or two dispatches instead of a chain of TF.js kernels). */
export interface FusedOps {
  adamwStep: typeof adamwStep;
  layerNorm: typeof layerNorm;
  gelu: typeof gelu;
  crossEntropy: typeof crossEntropy;
  causalSoftmax: typeof causalSoftmax;
}

const OPS: FusedOps = { adamwStep, layerNorm, gelu, crossEntropy, causalSoftmax };

let registered = false;
let enabled = process.env.BGPT_FUSED !== '0';

/** Registers every fused kernel with TF.js's webgpu backend (once, when that backend is loaded). */
export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  registerAdamW();
  registerLayerNorm();
  registerGelu();
  registerCrossEntropy();
  registerCausalSoftmax();
}

/** The fused operations while the webgpu backend runs them, else null (use the TF.js composite). */
export function fusedOps(): FusedOps | null {
  return registered && enabled && tf.getBackend() === 'webgpu' ? OPS : null;
}

/** Turns the fused kernels on or off (tests compare both paths on webgpu; default: on unless BGPT_FUSED=0). */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}
