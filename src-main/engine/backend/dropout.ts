// Dropout masks from a counter-based hash: element i under a key is kept iff hash(key, i) ≥ rate·2³²,
// a pure function of (key, index), so a mask needs no generator state, is the same on every backend,
// and is made where the tensor lives (the keys come from model/dropout.ts). On webgpu one WGSL kernel
// hashes and scales in place (no mask upload, nothing read back; the gradient re-runs it on dy);
// elsewhere the host builds the same mask (composite.ts), since for cpu / wasm the host is the device.
// Hash: Chris Wellons' "lowbias32" integer mixer (hash-prospector), applied twice.
import * as tf from '@tensorflow/tfjs-core';

/** The kernel name registered for the webgpu backend (see registerWebGpuDropout). */
export const DROPOUT_KERNEL = 'BgptDropout';
/** Threads per workgroup of the dropout kernel: TF.js's own choice for element-wise programs. */
const WORKGROUP_X = 128;

/** lowbias32: a 32-bit bijection with low bias (Math.imul wraps like WGSL's u32 product). */
function mix(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The 32-bit hash of element `i` under `key` (the WGSL code below computes the same). */
export function maskHash(key: number, i: number): number {
  return mix((mix((i ^ key) >>> 0) + key) >>> 0);
}

/** Elements whose hash is below this are dropped: P(drop) = threshold / 2³² ≈ rate. */
export function dropThreshold(rate: number): number {
  return Math.min(2 ** 32 - 1, Math.floor(rate * 2 ** 32));
}

/** The scaled mask (0 or 1/(1-rate)) of `n` elements under `key`, built on the host. */
export function hostMask(key: number, n: number, rate: number): Float32Array {
  const threshold = dropThreshold(rate);
  const scale = 1 / (1 - rate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = maskHash(key, i) >= threshold ? scale : 0;
  return out;
}

const WGSL = `
  fn bgptMix(v : u32) -> u32 {
    var x = v;
    x = x ^ (x >> 16u);
    x = x * 0x7feb352du;
    x = x ^ (x >> 15u);
    x = x * 0x846ca68bu;
    x = x ^ (x >> 16u);
    return x;
  }
  fn main(index : i32) {
    if (index < uniforms.size) {
      let h = bgptMix(bgptMix(u32(index) ^ uniforms.key) + uniforms.key);
      let a = getAByOutputIndex(index);
      setOutputAtIndex(index, a * select(0.0, uniforms.scale, h >= uniforms.threshold));
    }
  }
`;

interface WebGpuUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], workgroup: [number, number, number]): [number, number, number];
}

interface WebGpuRunner {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms: Array<{ type: string; data: number[] }>): tf.TensorInfo;
}

let registered = false;

/**
 * Registers the dropout kernel with TF.js's webgpu backend (once, after that backend loaded; `util`
 * is its exported webgpu_util). Attributes: key (u32), threshold (u32), scale (f32).
 */
export function registerWebGpuDropout(util: WebGpuUtil): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: DROPOUT_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = (inputs as { x: tf.TensorInfo }).x;
      const { key, threshold, scale } = attrs as unknown as { key: number; threshold: number; scale: number };
      const outputShape = [...x.shape];
      const dispatchLayout = util.flatDispatchLayout(outputShape);
      const program = {
        variableNames: ['A'], outputShape, size: true, dispatchLayout,
        workgroupSize: [WORKGROUP_X, 1, 1] as [number, number, number],
        dispatch: util.computeDispatch(dispatchLayout, outputShape, [WORKGROUP_X, 1, 1]),
        uniforms: 'key : u32, threshold : u32, scale : f32,',
        shaderKey: 'bgpt_dropout',
        getUserCode: () => WGSL,
      };
      return (backend as unknown as WebGpuRunner).runWebGPUProgram(program, [x], 'float32', [
        { type: 'uint32', data: [key] }, { type: 'uint32', data: [threshold] }, { type: 'float32', data: [scale] },
      ]);
    },
  });
}

/** x with the mask of `key` applied, in one kernel on webgpu (its gradient applies the same mask to dy). */
export function deviceDropout<T extends tf.Tensor>(x: T, key: number, rate: number): T {
  const attrs = { key, threshold: dropThreshold(rate), scale: 1 / (1 - rate) };
  const run = (t: tf.Tensor) => tf.engine().runKernel(DROPOUT_KERNEL, { x: t }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({ value: run(args[0] as tf.Tensor), gradFunc: (dy: tf.Tensor) => run(dy) }));
  return f(x) as T;
}
