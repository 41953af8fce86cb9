// One AdamW update of one parameter tensor as one WGSL kernel (param, m and v from grad), with
// exactly the arithmetic and order of engine/train/adamw.ts (torch.optim.AdamW): the TF.js path runs ~12
// element-wise kernels per parameter for the same result.
import * as tf from '@tensorflow/tfjs-core';
import { runFused } from './program';

export const ADAMW_KERNEL = 'BgptAdamW';
/** Threads per workgroup: TF.js's own choice for element-wise programs. */
const WG = 128;

/**
 * The constants of one update, each rounded to float32 as TF.js rounds a JS number it multiplies by
 * (so both paths multiply by the same values).
 */
export interface AdamWScalars {
  beta1: number; oneMinusBeta1: number;
  beta2: number; oneMinusBeta2: number;
  /** sqrt(1 − β2^t) */
  bc2Sqrt: number;
  eps: number;
  /** 1 − lr·weight decay */
  decay: number;
  /** lr / (1 − β1^t) */
  stepSize: number;
}

const BODY = `
fn run(group : u32, lid : u32) {
  let i = group * WG + lid;
  if (i >= u.size) { return; }
  let g = grad[i];
  let m2 = m[i] * u.beta1 + g * u.oneMinusBeta1;
  let v2 = v[i] * u.beta2 + (g * g) * u.oneMinusBeta2;
  let denom = sqrt(v2) / u.bc2Sqrt + u.eps;
  mOut[i] = m2;
  vOut[i] = v2;
  paramOut[i] = param[i] * u.decay - (m2 / denom) * u.stepSize;
}`;

/** Registers the kernel: inputs param, m, v, grad; attrs AdamWScalars; outputs [param, m, v]. */
export function registerAdamW(): void {
  tf.registerKernel({
    kernelName: ADAMW_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { param, m, v, grad } = inputs as Record<'param' | 'm' | 'v' | 'grad', tf.TensorInfo>;
      const s = attrs as unknown as AdamWScalars;
      const size = tf.util.sizeFromShape(param.shape);
      const scalar = (name: keyof AdamWScalars) => ({ name, type: 'f32' as const, value: s[name] });
      return runFused(backend, {
        name: 'bgpt_adamw', workgroupSize: WG, workgroups: Math.ceil(size / WG),
        outputs: [{ name: 'paramOut', shape: param.shape }, { name: 'mOut', shape: param.shape }, { name: 'vOut', shape: param.shape }],
        inputs: [{ name: 'param', tensor: param }, { name: 'm', tensor: m }, { name: 'v', tensor: v }, { name: 'grad', tensor: grad }],
        uniforms: [{ name: 'size', type: 'u32', value: size }, ...(['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'bc2Sqrt', 'eps', 'decay', 'stepSize'] as const).map(scalar)],
        body: BODY,
      });
    },
  });
}

/** The new [param, m, v] after one update (new tensors: the optimizer assigns them to its variables). */
export function adamwStep(param: tf.Tensor, m: tf.Tensor, v: tf.Tensor, grad: tf.Tensor, s: AdamWScalars): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAMW_KERNEL, { param, m, v, grad }, s as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
