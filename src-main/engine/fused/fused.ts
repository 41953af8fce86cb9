// The fused WGSL kernels of the webgpu backend (one file per kernel), registered with TF.js's webgpu
// backend when it loads; backend/ops.ts hands them to the model and the optimizer on webgpu (and
// leaves them out with BGPT_FUSED=0, docs/gpu.md "Fused kernels").
import { registerAdamW } from './adamw';
import { registerCrossEntropy } from './cross-entropy';
import { registerGelu } from './gelu';
import { registerLayerNorm } from './layernorm';
import { registerCausalSoftmax } from './softmax';

let registered = false;

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
