// The fused WGSL kernels of the webgpu backend (engine/fused) against the TF.js composites they
// replace, both run on webgpu (lavapipe in CI): same values and gradients within float32 rounding,
// on sizes that are not multiples of the workgroup, and no tensor left behind. They fail, never
// skip, without a WebGPU adapter.
import { afterEach, describe, expect, it } from 'vitest';
import { lacks } from '../../../helpers/system';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '../../../../src-main/engine/train/adamw';
import { ops, setFusedKernels, type Ops } from '../../../../src-main/engine/backend/ops';
import { Rng } from '../../../../src-main/engine/model/rng';
import { requireWebGpu } from '../backend/webgpu-required';
import { initBackend } from '../../../../src-main/engine/backend/backend';

afterEach(() => setFusedKernels(true));

/** Seeded values of `n` elements, uniform in [-scale, scale), on the host. */
function randomValues(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** Largest |a - b| / max(1, |b|) over all elements (float32 rounding is relative to magnitude). */
function worstRelative(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/**
 * Value and gradients of sum(f(inputs) · w) for a fixed random w (so every output element has its
 * own upstream gradient), with the fused kernels on or off, as host arrays: [value, ...grads]. The
 * webgpu queue is submitted after every dispatch, so a buffer an op forgot to keep for its backward
 * pass is released before that pass runs (in training, submits happen at arbitrary points).
 */
async function valueAndGrads(fused: boolean, op: (o: Ops, ...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): Promise<Float32Array[]> {
  setFusedKernels(fused);
  // The backend's ops object is the one with the fused kernels exactly when they are on.
  expect(ops().name).toBe(fused ? 'webgpu-fused' : 'webgpu');
  const o = ops();
  const f = (...xs: tf.Tensor[]) => op(o, ...xs);
  // The engine's op really runs a fused kernel when they are on, and none when off.
  const ran = await tf.profile(() => void tf.tidy(() => { f(...inputs); }));
  expect(ran.kernelNames.some((k) => k.startsWith('Bgpt'))).toBe(fused);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => f(...inputs));
  const w = tf.tensor(randomValues(y.size, 999), y.shape);
  const batchSize = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1);
  let grads: tf.Tensor[];
  try {
    grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
  } finally {
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batchSize);
  }
  const out = [(await y.data()) as Float32Array, ...(await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>)))];
  tf.dispose([y, w, ...grads]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

/** Fused and composite agree on value and every gradient within `tol` (relative to magnitude). */
async function expectSameAsComposite(f: (o: Ops, ...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], tol: number): Promise<number> {
  const fused = await valueAndGrads(true, f, inputs);
  const plain = await valueAndGrads(false, f, inputs);
  expect(fused).toHaveLength(inputs.length + 1);
  let worst = 0;
  for (let i = 0; i < fused.length; i++) worst = Math.max(worst, worstRelative(fused[i], plain[i]));
  expect(worst).toBeLessThanOrEqual(tol);
  return worst;
}

describe.skipIf(lacks('webgpu'))('fused LayerNorm and GELU on webgpu', () => {
  it('LayerNorm: same rows, input, gain and bias gradients as the composite (awkward sizes)', async () => {
    await requireWebGpu();
    // 100 and 300 columns: not multiples of the 64 threads per row or the 8-column tiles; 37 rows.
    // 65,600 rows: more workgroups than one grid dimension holds (the 2-D grid of fused/program.ts).
    for (const [rows, cols] of [[37, 100], [5, 300], [130, 3], [65_600, 2]]) {
      const x = tf.tensor2d(randomValues(rows * cols, rows, 3), [rows, cols]);
      // An offset row mean, as activations have, so that centring matters.
      const shifted = tf.add(x, 2.5);
      const g = tf.tensor1d(randomValues(cols, 7, 2));
      const b = tf.tensor1d(randomValues(cols, 8));
      await expectSameAsComposite((o, xi, gi, bi) => o.layerNorm(xi as tf.Tensor2D, gi as tf.Tensor1D, bi as tf.Tensor1D, 1e-5), [shifted, g, b], 2e-5);
      tf.dispose([x, shifted, g, b]);
    }
  });

  it('GELU: same values and gradient as the composite, large magnitudes included', async () => {
    await requireWebGpu();
    const n = 37 * 131;
    const values = randomValues(n, 5, 4);
    values[0] = 30; // σ saturates: exp(-z) underflows
    values[1] = -30; // exp(-z) overflows to infinity: σ = 0, GELU = -0
    values[2] = 0;
    const x = tf.tensor2d(values, [37, 131]);
    await expectSameAsComposite((o, xi) => o.gelu(xi as tf.Tensor2D), [x], 1e-6);
    x.dispose();
  });
});

describe.skipIf(lacks('webgpu'))('fused softmax cross-entropy and causal softmax on webgpu', () => {
  it('cross-entropy: same losses and logit gradients as the composite, any label in range', async () => {
    await requireWebGpu();
    const rows = 131;
    const classes = 257; // the byte vocabulary: not a multiple of the 64 threads per row
    const rng = new Rng(4);
    const labelValues = Int32Array.from({ length: rows }, () => rng.int(classes));
    labelValues[0] = 0;
    labelValues[1] = classes - 1;
    const logits = tf.tensor2d(randomValues(rows * classes, 3, 8), [rows, classes]);
    const labels = tf.tensor1d(labelValues, 'int32');
    // Labels made in a tidy of the differentiated function, as training does: with the queue submitted
    // after every dispatch (valueAndGrads) their buffer is gone before the backward pass unless kept.
    await expectSameAsComposite((o, z) => tf.tidy(() => o.crossEntropy(z as tf.Tensor2D, tf.tensor1d(labelValues, 'int32'))), [logits], 2e-6);
    // The loss is the label's surprisal: positive, and about ln(257) for logits this spread.
    setFusedKernels(true);
    const loss = tf.tidy(() => ops().crossEntropy(logits, labels));
    const values = (await loss.data()) as Float32Array;
    expect(Math.min(...values)).toBeGreaterThan(0);
    tf.dispose([loss, logits, labels]);
  });

  it('causal softmax: same probabilities and score gradients as scale, mask and softmax', async () => {
    await requireWebGpu();
    // T = 70 (over the 64 threads of a row) with 3 heads; T = 5; T = 1 (a single visible key).
    for (const [b, h, t] of [[2, 3, 70], [3, 2, 5], [4, 1, 1]]) {
      const raw = tf.tensor4d(randomValues(b * h * t * t, t, 6), [b, h, t, t]);
      await expectSameAsComposite((o, sc) => o.causalSoftmax(sc as tf.Tensor4D, 1 / Math.sqrt(7)), [raw], 2e-6);
      // Nothing above the diagonal: row i of each [T, T] block sums to 1 over keys 0..i only.
      setFusedKernels(true);
      const y = tf.tidy(() => ops().causalSoftmax(raw as tf.Tensor4D, 0.5));
      const p = (await y.data()) as Float32Array;
      for (let row = 0; row < b * h * t; row++) {
        const i = row % t;
        let sum = 0;
        for (let j = 0; j < t; j++) {
          if (j > i) expect(p[row * t + j]).toBe(0);
          sum += p[row * t + j];
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
      tf.dispose([raw, y]);
    }
  });
});

describe.skipIf(lacks('webgpu'))('fused AdamW on webgpu', () => {
  /** Three updates of parameters of awkward shapes; returns params and moments as host arrays. */
  async function threeUpdates(fused: boolean): Promise<Float32Array[]> {
    setFusedKernels(fused);
    const shapes = [[1037], [13, 77], [1]];
    const vars = new Map(shapes.map((s, i) => [`w${i}`, tf.tidy(() => tf.variable(tf.tensor(randomValues(tf.util.sizeFromShape(s), 10 + i), s)))] as const));
    const opt = new AdamW(vars, ops(), { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const grads = new Map(shapes.map((s, i) => [`w${i}`, tf.tensor(randomValues(tf.util.sizeFromShape(s), 100 * step + i, 0.5 + step), s)] as const));
      const ran = await tf.profile(() => opt.apply(grads, 1e-2 / (step + 1)));
      expect(ran.kernelNames.includes('BgptAdamW')).toBe(fused);
      tf.dispose([...grads.values()]);
    }
    expect(tf.memory().numTensors).toBe(before);
    const out: Float32Array[] = [];
    for (const [, p] of vars) out.push((await p.data()) as Float32Array);
    for (const [, t] of await opt.moments()) out.push(t.data as Float32Array);
    opt.dispose();
    tf.dispose([...vars.values()]);
    return out;
  }

  it('gives the TF.js update of params and moments within float32 rounding, leaking nothing', async () => {
    await requireWebGpu();
    setFusedKernels(true);
    expect(ops().name).toBe('webgpu-fused');
    const start = tf.memory().numTensors;
    const fused = await threeUpdates(true);
    const plain = await threeUpdates(false);
    expect(tf.memory().numTensors).toBe(start);
    expect(fused).toHaveLength(9);
    for (let i = 0; i < fused.length; i++) {
      expect(worstRelative(fused[i], plain[i])).toBeLessThanOrEqual(1e-6);
    }
    // The update did something: params moved from their start values.
    expect(worstRelative(fused[0], randomValues(1037, 10))).toBeGreaterThan(1e-3);
  });

  it('is not used off webgpu', async () => {
    await requireWebGpu();
    expect(ops().name).toBe('webgpu-fused');
    setFusedKernels(false);
    expect(ops().name).toBe('webgpu');
    setFusedKernels(true);
    await initBackend('cpu');
    expect(ops().name).toBe('composite');
    await requireWebGpu();
    expect(ops().name).toBe('webgpu-fused');
  });
});
