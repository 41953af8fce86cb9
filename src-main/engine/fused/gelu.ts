// GPT-2's GELU (tanh approximation, HF "gelu_new") as two element-wise WGSL kernels, forward and
// backward, in the form engine/model/model.ts uses: x·σ(2u), u = c·(x + 0.044715·x³), c = sqrt(2/π), and
// d/dx = σ + x·σ·(1−σ)·2u'. The composite is 6 kernels forward and 8 backward; the backward pass
// here recomputes σ from x instead of keeping it.
import * as tf from '@tensorflow/tfjs-core';
import { runFused } from './program';

export const GELU_KERNEL = 'BgptGelu';
export const GELU_GRAD_KERNEL = 'BgptGeluGrad';
const WG = 128;
/** sqrt(2/pi), the tanh-approximation constant (Hendrycks & Gimpel 2016). */
const GELU_C = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;

/** The same float32 constants the composite multiplies by. */
const CONSTANTS = [
  { name: 'cubic', type: 'f32' as const, value: CUBIC },
  { name: 'twoC', type: 'f32' as const, value: 2 * GELU_C },
  { name: 'threeCubic', type: 'f32' as const, value: 3 * CUBIC },
];

const SIGMA = `
fn sigma(x : f32) -> f32 {
  let z = (x * ((x * x) * u.cubic + 1.0)) * u.twoC;
  return 1.0 / (1.0 + exp(-1.0 * z));
}`;

const FORWARD = `${SIGMA}
fn run(group : u32, lid : u32) {
  let i = group * WG + lid;
  if (i >= u.size) { return; }
  let v = x[i];
  y[i] = v * sigma(v);
}`;

const BACKWARD = `${SIGMA}
fn run(group : u32, lid : u32) {
  let i = group * WG + lid;
  if (i >= u.size) { return; }
  let v = x[i];
  let s = sigma(v);
  let du2 = ((v * v) * u.threeCubic + 1.0) * u.twoC;
  dx[i] = dy[i] * (s + (v * (s * (1.0 - s))) * du2);
}`;

function program(name: string, body: string, outputs: string, inputs: Record<string, tf.TensorInfo>, shape: number[]) {
  const size = tf.util.sizeFromShape(shape);
  return {
    name, workgroupSize: WG, workgroups: Math.ceil(size / WG), body,
    outputs: [{ name: outputs, shape }],
    inputs: Object.entries(inputs).map(([n, tensor]) => ({ name: n, tensor })),
    uniforms: [{ name: 'size', type: 'u32' as const, value: size }, ...CONSTANTS],
  };
}

/** Registers the forward and backward kernels with the webgpu backend. */
export function registerGelu(): void {
  tf.registerKernel({
    kernelName: GELU_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      return runFused(backend, program('bgpt_gelu', FORWARD, 'y', { x }, x.shape))[0];
    },
  });
  tf.registerKernel({
    kernelName: GELU_GRAD_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      return runFused(backend, program('bgpt_gelu_grad', BACKWARD, 'dx', { dy, x }, x.shape))[0];
    },
  });
}

/** GELU of x, differentiable (custom gradient). */
export function gelu<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xIn = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([xIn]);
    return {
      value: tf.engine().runKernel(GELU_KERNEL, { x: xIn }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.engine().runKernel(GELU_GRAD_KERNEL, { dy, x: xs }) as tf.Tensor,
    };
  });
  return f(x) as T;
}
