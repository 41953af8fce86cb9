// Attention on the CPU backends (src-main/engine/backend/attention.ts): head by head with 2-D products
// gives the batched products' values and gradients (q, k, v), for several sequences and heads, and
// leaves no tensor behind; the composite ops take it from PER_HEAD_MIN_T positions on.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src-main/engine/backend/backend';
import { COMPOSITE_OPS } from '../../../../src-main/engine/backend/ops';
import { matMul, causalSoftmax } from '../../../../src-main/engine/backend/composite';
import { batchedAttention, headByHeadAttention, PER_HEAD_MIN_T } from '../../../../src-main/engine/backend/attention';
import { Rng } from '../../../../src-main/engine/model/rng';

beforeAll(async () => {
  await initBackend('wasm');
});

function random(shape: [number, number], seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, () => rng.next() * 2 - 1), shape);
}

describe('attention head by head', () => {
  it('equals the batched products in values and in the gradient of c_attn\'s output (q, k and v)', async () => {
    const [batch, t, heads, d] = [2, PER_HEAD_MIN_T + 3, 3, 24];
    const qkv = random([batch * t, 3 * d], 1);
    const w = random([batch * t, d], 4);
    const none = (p: tf.Tensor4D) => p;
    const before = tf.memory().numTensors;
    const run = async (f: typeof batchedAttention) => {
      const g = tf.valueAndGrads((a: tf.Tensor) => tf.sum(tf.mul(f(matMul, causalSoftmax, a as tf.Tensor2D, batch, t, heads, none), w)))([qkv]);
      const out = [await g.value.data(), ...(await Promise.all(g.grads.map((x) => x.data())))];
      tf.dispose([g.value, ...g.grads]);
      return out;
    };
    const a = await run(batchedAttention);
    const b = await run(headByHeadAttention);
    for (let i = 0; i < a.length; i++) {
      let worst = 0;
      for (let j = 0; j < a[i].length; j++) worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]) / Math.max(1, Math.abs(a[i][j])));
      expect(worst, ['value', 'dqkv'][i]).toBeLessThan(1e-5);
    }
    expect(tf.memory().numTensors).toBe(before);
    // The composite ops attend a long sequence head by head: no batched (rank-4) product runs.
    const info = await tf.profile(() => void tf.tidy(() => { COMPOSITE_OPS.attention(qkv, batch, t, heads, none); }));
    const products = info.kernels.filter((x) => x.name === 'BatchMatMul');
    expect(products.length).toBe(2 * batch * heads);
    expect(products.every((x) => x.outputShapes[0]?.length === 2)).toBe(true);
    tf.dispose([qkv, w]);
  });
});
