// The TF.js composites of the operations that differ between backends (ops.ts): what the cpu, wasm
// and tensorflow backends run, and webgpu too with BGPT_FUSED=0. LayerNorm, GELU and cross-entropy
// have hand-written backward passes (fewer, larger ops than differentiating them op by op).
//
// Products: on the wasm backend a matMul with transposeA/transposeB set is 5–30x slower than
// materialising the transpose and multiplying plainly (measured on [8064×256]·[256×1024]: plain
// 20 GFLOP/s, transposeB 3.3, transposeA 0.4), so transposes are made explicit. Likewise a sum over
// rows (bias gradients) is ~50x faster as a product with a row of ones than tf.sum(x, 0), which
// transposes first.
import * as tf from '@tensorflow/tfjs-core';
import type { AdamWScalars } from '../fused/adamw';
import { hostMask } from './dropout';

/** Added to scores above the diagonal: exp() of it is exactly 0 in float32, as HF's finfo.min fill. */
const MASK_VALUE = -1e9;
/** sqrt(2/pi), the tanh-approximation GELU constant (Hendrycks & Gimpel 2016, "gelu_new" in HF). */
const GELU_C = Math.sqrt(2 / Math.PI);

/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[perm.length - 2] = perm.length - 1;
  perm[perm.length - 1] = perm.length - 2;
  return tf.transpose(x, perm);
}

/** matMul(a, b, transposeA, transposeB) as a plain product of explicit transposes. */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
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

/** x·w for a frozen w (LoRA's base): the gradient of x only, dy·wᵀ from the kept transpose (no transpose per pass, no dW). */
export function frozenMatMul(x: tf.Tensor2D, w: tf.Tensor2D, wT: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.matMul(args[0] as tf.Tensor, w),
    gradFunc: (dy: tf.Tensor) => [tf.matMul(dy, wT)],
  }));
  return f(x) as tf.Tensor2D;
}

/** Forward values plus a hand-written backward pass (see `withGradient`). */
type Fused = (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/** Runs `f` as one differentiable unit whose gradient is its own gradFunc (tf.customGrad, typed). */
function withGradient(f: Fused, inputs: tf.Tensor[]): tf.Tensor {
  const g = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    return f(args as tf.Tensor[], save);
  });
  return g(...inputs);
}

/** LayerNorm over the last axis with its backward pass written out. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor2D {
  return withGradient(([xIn, gIn, bIn], save) => {
    const { mean, variance } = tf.moments(xIn, -1, true); // [R, 1]
    const rstd = tf.rsqrt(tf.add(variance, eps)); // [R, 1]
    const xhat = tf.mul(tf.sub(xIn, mean), rstd); // [R, D]
    save([xhat, rstd, gIn]);
    return {
      value: tf.add(tf.mul(xhat, gIn), bIn),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gain] = saved;
        const dxhat = tf.mul(dy, gain); // [R, D]
        const centred = tf.sub(dxhat, tf.mean(dxhat, -1, true));
        const dx = tf.mul(tf.sub(centred, tf.mul(xh, tf.mean(tf.mul(dxhat, xh), -1, true))), rs);
        return [dx, sumRows(tf.mul(dy, xh) as tf.Tensor2D), sumRows(dy as tf.Tensor2D)];
      },
    };
  }, [x, g, b]) as tf.Tensor2D;
}

/**
 * GELU, tanh approximation, as 0.5·x·(1 + tanh(u)) = x·σ(2u), u = c·(x + 0.044715·x³): on wasm the
 * Sigmoid kernel is ~18x faster than Tanh. The derivative is written out (one backward pass).
 */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return withGradient(([xIn], save) => {
    const x2 = tf.square(xIn); // [R, 4D]
    const s = tf.sigmoid(tf.mul(tf.mul(xIn, tf.add(tf.mul(x2, 0.044715), 1)), 2 * GELU_C));
    save([xIn, x2, s]);
    return {
      value: tf.mul(xIn, s),
      gradFunc: (dy: tf.Tensor, [xs, xsq, sg]: tf.Tensor[]) => {
        // d/dx x·σ(2u) = σ + x·σ·(1−σ)·2u',  u' = c·(1 + 3·0.044715·x²)
        const du2 = tf.mul(tf.add(tf.mul(xsq, 3 * 0.044715), 1), 2 * GELU_C);
        const slope = tf.add(sg, tf.mul(tf.mul(xs, tf.mul(sg, tf.sub(1, sg))), du2));
        return [tf.mul(dy, slope)];
      },
    };
  }, [x]) as tf.Tensor2D;
}

function causalMask(t: number): tf.Tensor2D {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = MASK_VALUE;
  return tf.tensor2d(m, [t, t]); // [T, T]
}

/** Attention probabilities: softmax(scale·scores + causal mask) over the last axis of [B, H, T, T]. */
export function causalSoftmax(raw: tf.Tensor4D, scale: number): tf.Tensor4D {
  return tf.softmax(tf.add(tf.mul(raw, scale), causalMask(raw.shape[3]))) as tf.Tensor4D;
}

/**
 * Cross-entropy in nats of each row's label: logits [R, C], labels int32 [R] → [R]. The backward
 * pass is the closed form softmax − one-hot (scaled by the incoming gradient).
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const classes = logits.shape[1];
  return withGradient(([z], save) => {
    const target = tf.oneHot(labels, classes); // [R, C]
    const lse = tf.logSumExp(z, 1); // [R]
    save([z, target]);
    return {
      value: tf.sub(lse, tf.sum(tf.mul(z, target), 1)), // [R]
      gradFunc: (dy: tf.Tensor, [zs, oh]: tf.Tensor[]) => {
        // The Softmax kernel is several times faster than Exp on wasm.
        const probs = tf.softmax(zs); // [R, C]
        return [tf.mul(tf.sub(probs, oh), tf.reshape(dy, [-1, 1]))];
      },
    };
  }, [logits]) as tf.Tensor1D;
}

/** x times the dropout mask of `key`, the mask built on the host (for cpu / wasm the host is the device). */
export function dropout<T extends tf.Tensor>(x: T, key: number, rate: number): T {
  return tf.mul(x, tf.tensor(hostMask(key, x.size, rate), x.shape)) as T;
}

/** One AdamW update of one parameter (torch.optim.AdamW's order): the new [param, m, v]. */
export function adamwStep(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWScalars): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const m2 = tf.add(tf.mul(m, s.beta1), tf.mul(g, s.oneMinusBeta1));
  const v2 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), s.oneMinusBeta2));
  const denom = tf.add(tf.div(tf.sqrt(v2), s.bc2Sqrt), s.eps);
  const p2 = tf.sub(tf.mul(p, s.decay), tf.mul(tf.div(m2, denom), s.stepSize));
  return [p2, m2, v2];
}
