// Matrix products for the engine. On the wasm backend a matMul with transposeA/transposeB set is
// 5–30x slower than materialising the transpose and multiplying plainly (measured on [8064×256]·
// [256×1024]: plain 20 GFLOP/s, transposeB 3.3, transposeA 0.4), so transposes are made explicit.
// Likewise a sum over rows (bias gradients) is ~50x faster as a product with a row of ones than
// tf.sum(x, 0), which transposes first.
import * as tf from '@tensorflow/tfjs-core';

/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[perm.length - 2] = perm.length - 1;
  perm[perm.length - 1] = perm.length - 2;
  return tf.transpose(x, perm);
}

/**
 * matMul(a, b, transposeA, transposeB): a plain product of explicit transposes on the CPU backends;
 * on webgpu TF.js's products read either layout themselves, so the flags pass through and the
 * Transpose dispatches (356 per bench update) disappear (docs/gpu.md, "Kernels per training update").
 */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if ((transposeA || transposeB) && tf.getBackend() === 'webgpu') return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b);
}


/**
 * Column sums of x [R, D] → [D] as ones[1, R] · x. The ones are uploaded from JS: with tf.ones (a
 * Fill kernel) as the left operand the wasm backend corrupted its heap in our tests.
 */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  const rows = x.shape[0];
  const ones = tf.tensor2d(new Float32Array(rows).fill(1), [1, rows]);
  return tf.reshape(tf.matMul(ones, x), [x.shape[1]]);
}
