// LayerNorm over the last axis (GPT-2's ln_1 / ln_2 / ln_f) as WGSL kernels: one forward dispatch
// (y, and each row's mean and 1/std for the backward pass) and two backward dispatches (dx row by
// row; the gain and bias gradients column by column). Same formulas as the TF.js composite in
// engine/model/model.ts: biased variance, rstd = 1/sqrt(var + eps),
// dx = (dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))·rstd with dxhat = dy·gain.
import * as tf from '@tensorflow/tfjs-core';
import { runFused, WORKGROUP_SUM } from './program';

export const LAYER_NORM_KERNEL = 'BgptLayerNorm';
export const LAYER_NORM_GRAD_X_KERNEL = 'BgptLayerNormGradX';
export const LAYER_NORM_GRAD_PARAMS_KERNEL = 'BgptLayerNormGradParams';
/** Threads per row: a row of 256 (bench) or 768 (paper) values is 4 or 12 per thread. */
const ROW_WG = 64;
/** Column-sum tile: COLS adjacent columns × (256 / COLS) row lanes per workgroup. */
const COLS = 8;
const PARAM_WG = 256;

const FORWARD = `${WORKGROUP_SUM}
fn run(row : u32, lid : u32) {
  if (row >= u.rows) { return; }
  let base = row * u.cols;
  let n = f32(u.cols);
  var s = 0.0;
  for (var j = lid; j < u.cols; j = j + WG) { s = s + x[base + j]; }
  let mu = groupSum(s, lid) / n;
  var q = 0.0;
  for (var j = lid; j < u.cols; j = j + WG) { let c = x[base + j] - mu; q = q + c * c; }
  let rs = inverseSqrt(groupSum(q, lid) / n + u.eps);
  for (var j = lid; j < u.cols; j = j + WG) { y[base + j] = ((x[base + j] - mu) * rs) * gain[j] + bias[j]; }
  if (lid == 0u) { mean[row] = mu; rstd[row] = rs; }
}`;

const GRAD_X = `${WORKGROUP_SUM}
fn run(row : u32, lid : u32) {
  if (row >= u.rows) { return; }
  let base = row * u.cols;
  let n = f32(u.cols);
  let mu = mean[row];
  let rs = rstd[row];
  var a = 0.0;
  var b = 0.0;
  for (var j = lid; j < u.cols; j = j + WG) {
    let dxhat = dy[base + j] * gain[j];
    a = a + dxhat;
    b = b + dxhat * ((x[base + j] - mu) * rs);
  }
  let meanD = groupSum(a, lid) / n;
  let meanDX = groupSum(b, lid) / n;
  for (var j = lid; j < u.cols; j = j + WG) {
    let dxhat = dy[base + j] * gain[j];
    dx[base + j] = ((dxhat - meanD) - ((x[base + j] - mu) * rs) * meanDX) * rs;
  }
}`;

const GRAD_PARAMS = `
const COLS : u32 = ${COLS}u;
var<workgroup> sumG : array<f32, WG>;
var<workgroup> sumB : array<f32, WG>;
fn run(tile : u32, lid : u32) {
  let col = tile * COLS + lid % COLS;
  let lanes = WG / COLS;
  var g = 0.0;
  var b = 0.0;
  if (col < u.cols) {
    for (var r = lid / COLS; r < u.rows; r = r + lanes) {
      let d = dy[r * u.cols + col];
      g = g + d * ((x[r * u.cols + col] - mean[r]) * rstd[r]);
      b = b + d;
    }
  }
  sumG[lid] = g;
  sumB[lid] = b;
  workgroupBarrier();
  for (var s = lanes / 2u; s > 0u; s = s >> 1u) {
    if (lid / COLS < s) {
      sumG[lid] = sumG[lid] + sumG[lid + s * COLS];
      sumB[lid] = sumB[lid] + sumB[lid + s * COLS];
    }
    workgroupBarrier();
  }
  if (lid < COLS && col < u.cols) { dgain[col] = sumG[lid]; dbias[col] = sumB[lid]; }
}`;

type Infos = Record<string, tf.TensorInfo>;
const dims = (x: tf.TensorInfo) => ({ rows: x.shape[0], cols: x.shape[1] });
const sizeUniforms = (rows: number, cols: number) => [{ name: 'rows', type: 'u32' as const, value: rows }, { name: 'cols', type: 'u32' as const, value: cols }];

/** Registers the forward and the two backward kernels with the webgpu backend. */
export function registerLayerNorm(): void {
  tf.registerKernel({
    kernelName: LAYER_NORM_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, gain, bias } = inputs as Infos;
      const { rows, cols } = dims(x);
      return runFused(backend, {
        name: 'bgpt_layer_norm', workgroupSize: ROW_WG, workgroups: rows,
        outputs: [{ name: 'y', shape: [rows, cols] }, { name: 'mean', shape: [rows] }, { name: 'rstd', shape: [rows] }],
        inputs: [{ name: 'x', tensor: x }, { name: 'gain', tensor: gain }, { name: 'bias', tensor: bias }],
        uniforms: [...sizeUniforms(rows, cols), { name: 'eps', type: 'f32', value: (attrs as { eps: number }).eps }],
        body: FORWARD,
      });
    },
  });
  tf.registerKernel({
    kernelName: LAYER_NORM_GRAD_X_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x, mean, rstd, gain } = inputs as Infos;
      const { rows, cols } = dims(x);
      return runFused(backend, {
        name: 'bgpt_layer_norm_grad_x', workgroupSize: ROW_WG, workgroups: rows,
        outputs: [{ name: 'dx', shape: [rows, cols] }],
        inputs: [{ name: 'dy', tensor: dy }, { name: 'x', tensor: x }, { name: 'mean', tensor: mean }, { name: 'rstd', tensor: rstd }, { name: 'gain', tensor: gain }],
        uniforms: sizeUniforms(rows, cols),
        body: GRAD_X,
      })[0];
    },
  });
  tf.registerKernel({
    kernelName: LAYER_NORM_GRAD_PARAMS_KERNEL, backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x, mean, rstd } = inputs as Infos;
      const { rows, cols } = dims(x);
      return runFused(backend, {
        name: 'bgpt_layer_norm_grad_params', workgroupSize: PARAM_WG, workgroups: Math.ceil(cols / COLS),
        outputs: [{ name: 'dgain', shape: [cols] }, { name: 'dbias', shape: [cols] }],
        inputs: [{ name: 'dy', tensor: dy }, { name: 'x', tensor: x }, { name: 'mean', tensor: mean }, { name: 'rstd', tensor: rstd }],
        uniforms: sizeUniforms(rows, cols),
        body: GRAD_PARAMS,
      });
    },
  });
}

/** LayerNorm of the rows of x [R, D] with gain and bias [D]; differentiable (custom gradient). */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor2D {
  const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}) => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as unknown as tf.Tensor[];
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gIn, bIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, rstd] = run(LAYER_NORM_KERNEL, { x: xIn, gain: gIn, bias: bIn }, { eps });
    save([xIn, gIn, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, mu, rs] = saved;
        const dx = tf.engine().runKernel(LAYER_NORM_GRAD_X_KERNEL, { dy, x: xs, mean: mu, rstd: rs, gain: gs }) as tf.Tensor;
        const [dg, db] = run(LAYER_NORM_GRAD_PARAMS_KERNEL, { dy, x: xs, mean: mu, rstd: rs });
        return [dx, dg, db];
      },
    };
  });
  return f(x, gain, bias) as tf.Tensor2D;
}
