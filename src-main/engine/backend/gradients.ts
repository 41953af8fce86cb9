// Gradients of the TF.js kernels the bGPT forward pass differentiates through. tfjs-core ships its
// gradient registrations only as ESM files with extensionless imports, which Node cannot load (the
// @tensorflow/tfjs bundle that registers them drags in a second copy of the library and WebGL), so
// the few needed are registered here (formulas as in tfjs-core's gradients/*_grad.ts). Kernels
// with a registration already present (e.g. loaded by tfjs-node) are left alone.
import * as tf from '@tensorflow/tfjs-core';
import { ops } from './ops';

type Attrs = Record<string, unknown>;

/** Sums `dy` over the axes along which `shape` was broadcast, back to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const { sumRows } = ops();
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  if (axes.length === 0) return tf.reshape(dy, shape);
  // A bias [D] added to rows [R, D]: the fast column sum.
  if (dy.rank === 2 && shape.length === 1 && axes.length === 1 && axes[0] === 0) return sumRows(dy as tf.Tensor2D);
  return tf.reshape(tf.sum(dy, axes), shape);
}

function matMulGrad(dy: tf.Tensor, [a, b]: tf.Tensor[], attrs: Attrs) {
  // The backend's products: explicit transposes on wasm, transpose flags on webgpu.
  const { matMul } = ops();
  const tA = attrs.transposeA === true;
  const tB = attrs.transposeB === true;
  if (!tA && !tB) return { a: () => matMul(dy, b, false, true), b: () => matMul(a, dy, true, false) };
  if (!tA && tB) return { a: () => matMul(dy, b, false, false), b: () => matMul(dy, a, true, false) };
  if (tA && !tB) return { a: () => matMul(b, dy, false, true), b: () => matMul(a, dy, false, false) };
  return { a: () => matMul(b, dy, true, true), b: () => matMul(dy, a, true, true) };
}

function sliceGrad(dy: tf.Tensor, [x]: tf.Tensor[], attrs: Attrs) {
  const begin = attrs.begin as number[];
  const paddings = x.shape.map((n, i) => [begin[i], n - begin[i] - dy.shape[i]] as [number, number]);
  return { x: () => tf.pad(dy, paddings) };
}

function concatGrad(dy: tf.Tensor, saved: tf.Tensor[], attrs: Attrs) {
  const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
  const parts = tf.split(dy, saved.map((t) => t.shape[axis]), axis);
  return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
}

function splitGrad(dy: tf.Tensor[], _saved: tf.Tensor[], attrs: Attrs) {
  return { x: () => tf.concat(dy, attrs.axis as number) };
}

function softmaxGrad(dy: tf.Tensor, [y]: tf.Tensor[], attrs: Attrs) {
  const dim = attrs.dim as number;
  return { logits: () => tf.mul(tf.sub(dy, tf.sum(tf.mul(dy, y), dim, true)), y) };
}

function transposeGrad(dy: tf.Tensor, _saved: tf.Tensor[], attrs: Attrs) {
  const perm = attrs.perm as number[];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return { x: () => tf.transpose(dy, inverse) };
}

function meanGrad(dy: tf.Tensor, [x]: tf.Tensor[], attrs: Attrs) {
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const kept = tf.reshape(dy, tf.backend_util.expandShapeToKeepDim(dy.shape, axes));
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return { x: () => tf.div(tf.mul(tf.onesLike(x), kept), count) };
}

function sumGrad(dy: tf.Tensor, [x]: tf.Tensor[], attrs: Attrs) {
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const kept = tf.reshape(dy, tf.backend_util.expandShapeToKeepDim(dy.shape, axes));
  return { x: () => tf.mul(tf.onesLike(x), kept) };
}

const GRADIENTS: tf.GradConfig[] = [
  { kernelName: tf.BatchMatMul, inputsToSave: ['a', 'b'], gradFunc: (dy, saved, attrs) => matMulGrad(dy as tf.Tensor, saved, attrs as Attrs) },
  {
    kernelName: tf.Add, inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => unbroadcast(dy as tf.Tensor, b.shape) }),
  },
  {
    kernelName: tf.Sub, inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => tf.neg(unbroadcast(dy as tf.Tensor, b.shape)) }),
  },
  {
    kernelName: tf.Multiply, inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => unbroadcast(tf.mul(dy as tf.Tensor, b), a.shape), b: () => unbroadcast(tf.mul(dy as tf.Tensor, a), b.shape) }),
  },
  // Casts and identities on the path (float → float copies) pass the gradient through.
  { kernelName: tf.Cast, gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  { kernelName: tf.Reshape, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }) },
  { kernelName: tf.Transpose, gradFunc: (dy, saved, attrs) => transposeGrad(dy as tf.Tensor, saved, attrs as Attrs) },
  { kernelName: tf.Slice, inputsToSave: ['x'], gradFunc: (dy, saved, attrs) => sliceGrad(dy as tf.Tensor, saved, attrs as Attrs) },
  { kernelName: tf.Concat, saveAllInputs: true, gradFunc: (dy, saved, attrs) => concatGrad(dy as tf.Tensor, saved, attrs as Attrs) },
  { kernelName: tf.SplitV, gradFunc: (dy, saved, attrs) => splitGrad(dy as tf.Tensor[], saved, attrs as Attrs) },
  { kernelName: tf.Softmax, outputsToSave: [true], gradFunc: (dy, saved, attrs) => softmaxGrad(dy as tf.Tensor, saved, attrs as Attrs) },
  { kernelName: tf.Sum, inputsToSave: ['x'], gradFunc: (dy, saved, attrs) => sumGrad(dy as tf.Tensor, saved, attrs as Attrs) },
  { kernelName: tf.Mean, inputsToSave: ['x'], gradFunc: (dy, saved, attrs) => meanGrad(dy as tf.Tensor, saved, attrs as Attrs) },
];

let registered = false;

/** Registers the gradients above once (skipping kernels that already have one). */
export function registerGradients(): void {
  if (registered) return;
  registered = true;
  for (const g of GRADIENTS) {
    if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
  }
}
