// Causal attention probabilities as WGSL kernels: softmax(scale·scores + causal mask) over the last
// axis of [B, H, T, T] in one forward dispatch and its gradient in one backward dispatch, where the
// TF.js composite of engine/model/model.ts scales, adds a [T, T] mask of −1e9 and runs a softmax (and
// their gradients). Query row i sees keys 0..i; the others get probability exactly 0, as exp(−1e9)
// is 0 in float32. Backward as tfjs-core's softmax gradient: (dy·y − y·Σ dy·y)·scale.
import * as tf from '@tensorflow/tfjs-core';
import { runFused, WORKGROUP_SUM } from './program';

export const CAUSAL_SOFTMAX_KERNEL = 'BgptCausalSoftmax';
export const CAUSAL_SOFTMAX_GRAD_KERNEL = 'BgptCausalSoftmaxGrad';
/** Threads per row of T keys (64 at the bench length, 512 or 17 at the paper's two levels). */
const WG = 64;

const FORWARD = `${WORKGROUP_SUM}
fn run(row : u32, lid : u32) {
  if (row >= u.rows) { return; }
  let base = row * u.cols;
  let visible = row % u.cols + 1u;
  var m = -3.402823e38;
  for (var j = lid; j < visible; j = j + WG) { m = max(m, scores[base + j] * u.scale); }
  let mx = groupMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < visible; j = j + WG) { s = s + exp(scores[base + j] * u.scale - mx); }
  let total = groupSum(s, lid);
  for (var j = lid; j < u.cols; j = j + WG) {
    y[base + j] = select(0.0, exp(scores[base + j] * u.scale - mx) / total, j < visible);
  }
}`;

const BACKWARD = `${WORKGROUP_SUM}
fn run(row : u32, lid : u32) {
  if (row >= u.rows) { return; }
  let base = row * u.cols;
  var s = 0.0;
  for (var j = lid; j < u.cols; j = j + WG) { s = s + dy[base + j] * y[base + j]; }
  let total = groupSum(s, lid);
  for (var j = lid; j < u.cols; j = j + WG) {
    let p = y[base + j];
    dx[base + j] = (dy[base + j] * p - total * p) * u.scale;
  }
}`;

function program(name: string, body: string, output: string, inputs: Record<string, tf.TensorInfo>, shape: number[], scale: number) {
  const cols = shape[shape.length - 1];
  const rows = tf.util.sizeFromShape(shape) / cols;
  return {
    name, workgroupSize: WG, workgroups: rows, body,
    outputs: [{ name: output, shape }],
    inputs: Object.entries(inputs).map(([n, tensor]) => ({ name: n, tensor })),
    uniforms: [{ name: 'rows', type: 'u32' as const, value: rows }, { name: 'cols', type: 'u32' as const, value: cols }, { name: 'scale', type: 'f32' as const, value: scale }],
  };
}

/** Registers the forward and backward kernels with the webgpu backend. */
export function registerCausalSoftmax(): void {
  tf.registerKernel({
    kernelName: CAUSAL_SOFTMAX_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { scores } = inputs as { scores: tf.TensorInfo };
      return runFused(backend, program('bgpt_causal_softmax', FORWARD, 'y', { scores }, scores.shape, (attrs as { scale: number }).scale))[0];
    },
  });
  tf.registerKernel({
    kernelName: CAUSAL_SOFTMAX_GRAD_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
      return runFused(backend, program('bgpt_causal_softmax_grad', BACKWARD, 'dx', { dy, y }, y.shape, (attrs as { scale: number }).scale))[0];
    },
  });
}

/** Causal softmax of scale·scores over the last axis, scores [..., T, T]; differentiable. */
export function causalSoftmax<T extends tf.Tensor>(scores: T, scale: number): T {
  const attrs = { scale } as unknown as tf.NamedAttrMap;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const y = tf.engine().runKernel(CAUSAL_SOFTMAX_KERNEL, { scores: args[0] as tf.Tensor }, attrs) as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([y]);
    return { value: y, gradFunc: (dy: tf.Tensor, [ys]: tf.Tensor[]) => tf.engine().runKernel(CAUSAL_SOFTMAX_GRAD_KERNEL, { dy, y: ys }, attrs) as tf.Tensor };
  });
  return f(scores) as T;
}
