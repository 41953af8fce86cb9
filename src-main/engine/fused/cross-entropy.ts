// Softmax cross-entropy of each row's label as WGSL kernels: one forward dispatch (the loss of each
// row: logsumexp − the label's logit) and one backward (softmax − one-hot, times the row's incoming
// gradient), where the TF.js composite of engine/model/model.ts runs a one-hot, a logsumexp chain and a
// softmax. A label outside [0, classes) matches no class, as tf.oneHot gives it an all-zero row.
import * as tf from '@tensorflow/tfjs-core';
import { runFused, WORKGROUP_SUM } from './program';

export const CROSS_ENTROPY_KERNEL = 'BgptCrossEntropy';
export const CROSS_ENTROPY_GRAD_KERNEL = 'BgptCrossEntropyGrad';
/** Threads per row: 257 logits are 5 per thread. */
const WG = 64;

/** The row's max and sum of exp(z − max), shared by both kernels (uniform control flow: barriers). */
const ROW_STATS = `${WORKGROUP_SUM}
fn rowStats(base : u32, lid : u32) -> vec2<f32> {
  var m = -3.402823e38;
  for (var j = lid; j < u.cols; j = j + WG) { m = max(m, z[base + j]); }
  let mx = groupMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < u.cols; j = j + WG) { s = s + exp(z[base + j] - mx); }
  return vec2<f32>(mx, groupSum(s, lid));
}
fn labelOf(row : u32) -> i32 {
  let l = labels[row];
  return select(-1, l, l >= 0 && u32(l) < u.cols);
}`;

const FORWARD = `${ROW_STATS}
fn run(row : u32, lid : u32) {
  if (row >= u.rows) { return; }
  let base = row * u.cols;
  let st = rowStats(base, lid);
  if (lid == 0u) {
    let l = labelOf(row);
    let picked = select(0.0, z[base + u32(max(l, 0))], l >= 0);
    loss[row] = (st.x + log(st.y)) - picked;
  }
}`;

const BACKWARD = `${ROW_STATS}
fn run(row : u32, lid : u32) {
  if (row >= u.rows) { return; }
  let base = row * u.cols;
  let st = rowStats(base, lid);
  let l = labelOf(row);
  let g = dy[row];
  for (var j = lid; j < u.cols; j = j + WG) {
    let p = exp(z[base + j] - st.x) / st.y;
    dz[base + j] = (p - select(0.0, 1.0, i32(j) == l)) * g;
  }
}`;

/** Registers the forward and backward kernels with the webgpu backend. */
export function registerCrossEntropy(): void {
  tf.registerKernel({
    kernelName: CROSS_ENTROPY_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { z, labels } = inputs as Record<'z' | 'labels', tf.TensorInfo>;
      const [rows, cols] = z.shape;
      return runFused(backend, {
        name: 'bgpt_cross_entropy', workgroupSize: WG, workgroups: rows, body: FORWARD,
        outputs: [{ name: 'loss', shape: [rows] }],
        inputs: [{ name: 'z', tensor: z }, { name: 'labels', tensor: labels }],
        uniforms: [{ name: 'rows', type: 'u32', value: rows }, { name: 'cols', type: 'u32', value: cols }],
      })[0];
    },
  });
  tf.registerKernel({
    kernelName: CROSS_ENTROPY_GRAD_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, z, labels } = inputs as Record<'dy' | 'z' | 'labels', tf.TensorInfo>;
      const [rows, cols] = z.shape;
      return runFused(backend, {
        name: 'bgpt_cross_entropy_grad', workgroupSize: WG, workgroups: rows, body: BACKWARD,
        outputs: [{ name: 'dz', shape: [rows, cols] }],
        inputs: [{ name: 'dy', tensor: dy }, { name: 'z', tensor: z }, { name: 'labels', tensor: labels }],
        uniforms: [{ name: 'rows', type: 'u32', value: rows }, { name: 'cols', type: 'u32', value: cols }],
      })[0];
    },
  });
}

/** Cross-entropy in nats of each row: logits [R, C], int32 labels [R] → [R]; differentiable in the logits. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const int = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const z = args[0] as tf.Tensor;
    // The labels are saved too: the caller's tensor may be gone (a tidy) before the backward pass.
    (args[1] as tf.GradSaveFunc)([z, int]);
    return {
      value: tf.engine().runKernel(CROSS_ENTROPY_KERNEL, { z, labels: int }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, [zs, ls]: tf.Tensor[]) => tf.engine().runKernel(CROSS_ENTROPY_GRAD_KERNEL, { dy, z: zs, labels: ls }) as tf.Tensor,
    };
  });
  return f(logits) as tf.Tensor1D;
}
